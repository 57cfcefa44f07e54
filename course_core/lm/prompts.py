"""A dataset's prompts, ready for a local model: rows validated, ids unique, every prompt encodable.

Datasets for the local models are small (hundreds of items), so they are held in memory.
Each problem is reported with the file, line and field, before any training starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_core.errors import UserError
from course_core.artifacts.jsonl import iter_jsonl
from course_core.lm.policies import Policy
from course_core.artifacts.schemas import validate_input


@dataclass
class Prompts:
    path: Path
    items: list[dict[str, Any]]  # the dataset rows, in file order
    ids: list[list[int]]  # each prompt encoded with the policy's template

    def __len__(self) -> int:
        return len(self.items)


def load_prompts(path: str | Path, policy: Policy, max_new_tokens: int, role: str = "dataset", limit: int | None = None) -> Prompts:
    """The first ``limit`` rows (all by default) of a dataset, encoded for ``policy``."""
    p = Path(path)
    items: list[dict[str, Any]] = []
    encoded: list[list[int]] = []
    seen: dict[str, int] = {}
    for line, row in iter_jsonl(p, role):
        validate_input(row, "dataset_row", path=p, line=line, what="dataset row")
        if row["id"] in seen:
            raise UserError(f"duplicate id {row['id']!r} (first on line {seen[row['id']]})", path=p, line=line, field="id")
        seen[row["id"]] = line
        try:
            ids = policy.encode_prompt(row["prompt"])
        except ValueError as exc:
            raise UserError(f"{exc}", path=p, line=line, field="prompt", hint=f"the {policy.name} model cannot read this prompt") from None
        if policy.max_length is not None and len(ids) + max_new_tokens > policy.max_length:
            raise UserError(
                f"prompt of {len(ids)} tokens plus --max-new-tokens {max_new_tokens} exceeds the {policy.name} model's "
                f"{policy.max_length}-token window",
                path=p, line=line, field="prompt",
                hint="use shorter prompts or a smaller --max-new-tokens",
            )
        items.append(row)
        encoded.append(ids)
        if limit is not None and len(items) >= limit:
            break
    return Prompts(path=p, items=items, ids=encoded)
