"""What makes every run byte-identical: fixed seeds, string-seeded generators, stable JSON bytes."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from typing import Any

from course_core.measurement.scoring import FORMAT_INSTRUCTION

GENERATED_BY = "python data/generate.py"
POLICY = "sim-policy-v1"
FORMAT_LINE = FORMAT_INSTRUCTION  # what the strict scorer accepts, worded once (course.import_dataset appends it too)

DEV_SEED = 1001
HOLDOUT_SEED = 2002
FROZEN_BASE_SEED = 3000  # the first seed >= this whose draw meets FROZEN checks is used
SELECTION_BASE_SEED = 4000  # likewise for the selection pack
SAMPLING = {"temperature": 0.8, "top_p": 0.95, "max_tokens": 128}
SELECTION_N = 8


def rng_for(*parts: object) -> random.Random:
    """A fresh generator seeded by a string: independent of PYTHONHASHSEED and of call order."""
    return random.Random(":".join(str(p) for p in parts))


def unit_hash(*parts: object) -> float:
    """A stable number in [0, 1) for the given parts (used for deterministic 'noise')."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return int(digest[:13], 16) / 16**13


def jsonl_bytes(rows: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def json_bytes(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
