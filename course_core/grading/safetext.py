"""Text from student data made safe for every report writer: any string in, a printable one out.

Feedback can quote what a student's code or files hold. Lone surrogates cannot be encoded as
UTF-8, NUL and other control characters break terminals, XML and CSV, and a 10 MB message
swamps a report. ``clean`` maps each to something that can always be written: surrogates and
control characters (tab and newline kept) become U+FFFD, and a string is cut at ``limit``.
"""

from __future__ import annotations

import re
from typing import Any

LIMIT = 20_000  # characters per string in a report (prose has its own, lower cap)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str, limit: int = LIMIT) -> str:
    """``text`` with surrogates and control characters replaced, at most ``limit`` characters."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _UNSAFE.sub("\ufffd", text)


def clean_tree(value: Any) -> Any:
    """A copy of a JSON-like value with every string (keys included) cleaned; iterative, so any depth."""
    if isinstance(value, str):
        return clean(value)
    if not isinstance(value, (dict, list)):
        return value
    root: Any = {} if isinstance(value, dict) else []
    stack = [(value, root)]
    while stack:
        src, dst = stack.pop()
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for key, item in items:
            if isinstance(item, (dict, list)):
                copy: Any = {} if isinstance(item, dict) else []
                stack.append((item, copy))
            else:
                copy = clean(item) if isinstance(item, str) else item
            if isinstance(dst, dict):
                dst[clean(key) if isinstance(key, str) else key] = copy
            else:
                dst.append(copy)
    return root


__all__ = ["clean", "clean_tree"]
