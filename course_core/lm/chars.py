"""The tiny model's tokenizer: one token per printable ASCII character, plus an end token.

Token 0 ends a completion (it is never a character); tokens 1..96 are newline and the 95
printable ASCII characters ``' '`` .. ``'~'``. Anything else cannot be written by the model, so a
prompt containing it is refused with a message naming the character.
"""

from __future__ import annotations

EOS = 0
CHARS = "\n" + "".join(chr(c) for c in range(32, 127))
VOCAB_SIZE = len(CHARS) + 1  # 97
_ID = {ch: i + 1 for i, ch in enumerate(CHARS)}


def encode(text: str) -> list[int]:
    """Characters → token ids. Raises ValueError naming the first character outside the vocabulary."""
    try:
        return [_ID[ch] for ch in text]
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the tiny model's vocabulary (printable ASCII and newline)") from None


def decode(ids: list[int]) -> str:
    """Token ids → text, stopping at the first end token."""
    out = []
    for i in ids:
        if i == EOS:
            break
        out.append(CHARS[i - 1])
    return "".join(out)


def unknown_char(text: str) -> str | None:
    """The first character of ``text`` the vocabulary lacks, or None."""
    return next((ch for ch in text if ch not in _ID), None)
