"""Where benchmark figures are kept: benchmarks/results.json, each figure with when, where and from what.

Every bench script calls :func:`record` with the figures it printed. The README quotes them,
and tests/test_readme_figures.py checks each quoted number against this file, so a figure in
the README always says where it came from: the script, the date, the commit and the machine.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().with_name("results.json")


def _commit() -> str | None:
    done = subprocess.run(["git", "-C", str(RESULTS.parent), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or None if done.returncode == 0 else None


def machine() -> str:
    """The machine, and how busy it was: figures measured under load say so."""
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}{load}"


def record(script: str, figures: dict[str, tuple[float, str]], *, exact: tuple[str, ...] = ()) -> None:
    """Merge ``figures`` (name → (value, unit)) measured by ``script`` into results.json.

    Names in ``exact`` are outcomes, not timings: the README must quote them to the digits it shows.
    """
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    stamp = {"script": script, "measured": time.strftime("%Y-%m-%d", time.gmtime()), "commit": _commit(), "machine": machine()}
    for name, (value, unit) in figures.items():
        results[name] = {"value": value, "unit": unit, "exact": name in exact, **stamp}
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"recorded {len(figures)} figure(s) in {RESULTS.relative_to(RESULTS.parent.parent)}")
