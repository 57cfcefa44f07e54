"""``python -m data.gen`` (or ``python data/generate.py``): write the data files, or ``--check`` them."""

from __future__ import annotations

import argparse

import data.gen as gen
from course_core.paths import DATA_DIR
from data.gen.build import build
from data.gen.determinism import GENERATED_BY


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=GENERATED_BY, description=(gen.__doc__ or "").splitlines()[0])
    ap.add_argument("--check", action="store_true", help="regenerate in memory; exit 1 if any file differs from disk")
    args = ap.parse_args(argv)
    if not __debug__:
        raise SystemExit("generate.py checks its output with assert statements: run it without -O")
    result = build()
    if args.check:
        stale = [rel for rel, content in result.files.items() if not (DATA_DIR / rel).is_file() or (DATA_DIR / rel).read_bytes() != content]
        for rel in stale:
            print(f"differs: data/{rel}")
        if stale:
            print(f"{len(stale)} of {len(result.files)} data files differ; run: {GENERATED_BY}")
            return 1
        print(f"all {len(result.files)} data files match {GENERATED_BY}")
        return 0
    for rel, content in result.files.items():
        path = DATA_DIR / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(f"wrote data/{rel} ({len(content)} bytes)")
    print("\n".join(result.summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
