"""What every command shares: the user-error boundary and the console.

Only the standard library is imported at module level, so ``--help`` stays fast; rich is
imported when something is actually printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from course_core.errors import UserError

if TYPE_CHECKING:
    from course_core.artifacts.rundir import WrittenRun


def run(main: Callable[[Sequence[str] | None], int], prog: str, argv: Sequence[str] | None = None) -> int:
    """Call ``main``; a UserError becomes one message on stderr and exit code 2, never a traceback."""
    try:
        return main(argv)
    except UserError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours. Silence the flush at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def console(stderr: bool = False) -> Any:
    """A rich Console: colour only on a terminal, and never when NO_COLOR is set (rich honours it)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def parser(prog: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=prog, description=description, epilog=epilog, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def command_line(module: str) -> list[str]:
    """The command as a user would retype it, for the manifest (no absolute script path)."""
    return ["python", "-m", module, *sys.argv[1:]]


def written(con: Any, run: WrittenRun) -> None:
    """The closing lines of every run: where its artifacts are."""
    if run.replaced:
        con.print(f"[yellow]replaced the earlier run in {run.outdir}[/yellow]")
    con.print(f"wrote {run.outdir}/")
    for name in run.artifacts:
        con.print(f"  {run.outdir / name}")
