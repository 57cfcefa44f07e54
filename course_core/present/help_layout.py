"""``--help`` text laid out for the terminal's width without breaking what a reader copies.

argparse wraps option help itself; a command's description and epilog are written by hand
(examples, two-column tables, paragraphs). Where a line fits, it is kept exactly as written.
Where it does not: a paragraph is refilled, an example command (an indented line starting
with a program's name) is broken between arguments with a shell continuation (so it still
runs when pasted), a two-column line keeps its left column whole and wraps its right one,
and other indented text is wrapped at its indent.
"""

from __future__ import annotations

import argparse
import re
import textwrap

from course_core.shell_layout import wrap_command

_TWO_COLUMNS = re.compile(r"^(\s+)(\S.*?\S)(\s{3,})(\S.*)$")
_PROGRAMS = {"python", "python3", "nox", "poetry", "pip", "uv", "pytest", "bash", "git", "cat", "cp", "diff", "jq", "head", "ls"}
_NARROWEST_RIGHT_COLUMN = 24


class HelpLayout(argparse.RawDescriptionHelpFormatter):
    """Keeps hand-made layout where it fits; wraps the rest as described in the module docstring."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(layout(text, width, indent)) + ("\n" if text.endswith("\n") else "")


def layout(text: str, width: int, indent: str = "") -> list[str]:
    """The lines of ``text`` (as they appear in help), each at most ``width`` wide where words allow."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            out.append("")
            i += 1
        elif line[0].isspace():
            block = [line]
            while block[-1].endswith("\\") and i + 1 < len(lines):  # a command continued by hand
                i += 1
                block.append(lines[i])
            out.extend(_indented("\n".join(block), width))
            i += 1
        else:
            paragraph = [line]
            while i + 1 < len(lines) and lines[i + 1].strip() and not lines[i + 1][0].isspace():
                i += 1
                paragraph.append(lines[i])
            if all(len(p) <= width for p in paragraph):
                out.extend(paragraph)
            else:
                out.extend(textwrap.wrap(" ".join(paragraph), width, break_on_hyphens=False, break_long_words=False))
            i += 1
    return [indent + ln if ln else "" for ln in out]


def _indented(block: str, width: int) -> list[str]:
    """An indented line: a two-column row ("command   what it does"), or a command to wrap."""
    if all(len(ln) <= width for ln in block.splitlines()):
        return block.splitlines()
    columns = _TWO_COLUMNS.match(block) if "\n" not in block else None
    if columns:
        lead, left, gap, right = columns.groups()
        at = len(lead) + len(left) + len(gap)
        if width - at >= _NARROWEST_RIGHT_COLUMN:
            return textwrap.wrap(right, width, initial_indent=lead + left + gap, subsequent_indent=" " * at,
                                 break_on_hyphens=False, break_long_words=False)
        under = " " * (len(lead) + 4)
        return [lead + left, *textwrap.wrap(right, width, initial_indent=under, subsequent_indent=under,
                                           break_on_hyphens=False, break_long_words=False)]
    lead = block[: len(block) - len(block.lstrip())]
    if block.split(maxsplit=1)[0] not in _PROGRAMS:  # indented prose: wrap it, keeping its indent
        return textwrap.wrap(block.strip(), width, initial_indent=lead, subsequent_indent=lead,
                             break_on_hyphens=False, break_long_words=False)
    return wrap_command(textwrap.dedent(block), width, indent=lead).splitlines()
