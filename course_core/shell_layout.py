"""How a shell command is laid out on a narrow screen: broken only between arguments, with ` \\`.

A command copied from the terminal, a transcript or ``--help`` must still run, so a line that
is too wide is broken only where the shell sees a word boundary (never inside quotes), an
option stays next to its value when they fit together, and every broken line ends with a
continuation backslash. A command that already fits keeps its author's layout.
"""

from __future__ import annotations

CONTINUATION = " \\"


def shell_words(line: str) -> list[str]:
    """Split one logical shell line at unquoted whitespace, keeping each word's quotes and escapes."""
    words: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is None and ch in " \t":
            if current:
                words.append("".join(current))
                current = []
            i += 1
            continue
        current.append(ch)
        if ch == "\\" and quote != "'" and i + 1 < len(line):
            current.append(line[i + 1])  # an escaped character, quoted or not
            i += 2
            continue
        if quote is None and ch in "'\"":
            quote = ch
        elif ch == quote:
            quote = None
        i += 1
    if current:
        words.append("".join(current))
    return words


OPERATORS = ("|", "&&", "||", ";")


def _arguments(words: list[str]) -> list[str]:
    """Group words into arguments: an option with the value that follows it; every other word alone."""
    groups: list[list[str]] = []
    for word in words:
        previous = groups[-1] if groups else None
        if previous is not None and len(previous) == 1 and previous[0].startswith("-") and "=" not in previous[0] \
                and not word.startswith("-") and word not in OPERATORS:
            previous.append(word)
        else:
            groups.append([word])
    return [" ".join(g) for g in groups]


def _pipeline(words: list[str]) -> list[list[str]]:
    """The simple commands of a line, each after the first starting with its operator (``| jq ...``)."""
    parts: list[list[str]] = [[]]
    for word in words:
        if word in OPERATORS:
            parts.append([])
        parts[-1].append(word)
    return [p for p in parts if p]


def wrap_line(line: str, width: int, indent: str = "", continued: str = "    ") -> list[str]:
    """Lay out one logical command in lines of at most ``width`` columns where its words allow.

    The first line starts with ``indent``, later ones with ``indent + continued``; all but the
    last end with `` \\``. A line breaks before a pipe rather than inside the command after it,
    and an option stays with its value. A single word wider than the room it has stays whole.
    """
    words = shell_words(line.strip())
    if len(indent) + len(" ".join(words)) <= width:
        return [indent + " ".join(words)]
    room = width - len(CONTINUATION)
    lines: list[str] = []
    current, fresh = indent, True  # fresh: nothing but indentation on the current line yet

    def add(piece: str) -> None:
        nonlocal current, fresh
        if fresh or len(current) + 1 + len(piece) <= room:
            current, fresh = current + ("" if fresh else " ") + piece, False
        else:
            lines.append(current + CONTINUATION)
            current, fresh = indent + continued + piece, False

    for part in _pipeline(words):
        whole = " ".join(part)
        if fresh or len(current) + 1 + len(whole) <= room or len(indent + continued + whole) > room:
            for argument in _arguments(part):
                too_wide = len(indent + continued) + len(argument) > room
                for piece in shell_words(argument) if too_wide else [argument]:
                    add(piece)
        else:
            add(whole)
    lines.append(current)
    return lines


def wrap_command(command: str, width: int, indent: str = "", continued: str = "    ") -> str:
    """Lay out a (possibly multi-line) command for ``width`` columns.

    Each logical line (a line with its backslash continuations) that fits is kept as written;
    the others are laid out by :func:`wrap_line`.
    """
    out: list[str] = []
    group: list[str] = []
    for physical in command.splitlines():
        group.append(physical)
        if physical.endswith("\\"):
            continue
        if all(len(indent) + len(ln) <= width for ln in group):
            out += [indent + ln if ln else "" for ln in group]
        elif group[0].lstrip().startswith("#"):
            out += [indent + ln for ln in group]
        else:
            out += wrap_line(" ".join(ln[:-1] if ln.endswith("\\") else ln for ln in group), width, indent, continued)
        group = []
    if group:
        out += [indent + ln for ln in group]
    return "\n".join(out)
