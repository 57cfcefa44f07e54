"""Build every file under data/ from fixed seeds: byte-identical on every run.

    python data/generate.py            (re)write the data files and print a summary
    python data/generate.py --check    regenerate in memory; exit 1 listing files that differ

The same as ``python -m data.gen``; the generator itself is the package :mod:`data.gen`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make the kit and data.gen importable

from data.gen.__main__ import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
