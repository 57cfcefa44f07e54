"""Saving and loading the tiny model's weights (``torch.save`` of plain tensors and JSON-able values).

Loading uses ``weights_only=True``: a weights file cannot run code when it is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from course_core.lm.model import GPT, GPTConfig

FORMAT = "rl-foundations-llm/tiny-gpt/1"


def save_tiny(model: GPT, path: Path, record: dict[str, Any]) -> None:
    """Write ``{"format", "config", "record", "state_dict"}`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save({"format": FORMAT, "config": model.cfg.to_dict(), "record": record, "state_dict": state}, path)


def load_tiny(path: Path) -> tuple[GPT, dict[str, Any]]:
    """The model stored at ``path`` and the record of how it was made. Raises ValueError on a foreign file."""
    foreign = f"not a tiny-gpt weights file (expected format {FORMAT!r}, as lm_train writes to weights.pt)"
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except Exception:  # noqa: BLE001 - text, a pickle of other things, a truncated zip: torch raises a different error for each
        raise ValueError(foreign) from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ValueError(foreign)
    try:
        model = GPT(GPTConfig(**blob["config"]))
        model.load_state_dict(blob["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"a tiny-gpt weights file whose contents do not fit the model: {exc}") from None
    record = blob.get("record", {})
    return model, record if isinstance(record, dict) else {}
