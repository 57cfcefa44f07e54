"""What every command shares: the argument parser, the user-error boundary and the console.

Only the standard library is imported at module level, so ``--help`` stays fast; rich is
imported when something is actually printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from course_core.errors import UserError, did_you_mean
from course_core.present.help_layout import HelpLayout

if TYPE_CHECKING:
    from course_core.artifacts.rundir import WrittenRun


def run(main: Callable[[Sequence[str] | None], int], prog: str, argv: Sequence[str] | None = None) -> int:
    """Call ``main``; a UserError becomes one message on stderr and exit code 2, never a traceback.

    SIGTERM (``timeout``, a CI job cancelled, ``kill``) is handled as Ctrl-C is: a run being
    written is removed, an interrupted sampling keeps what it can resume from; exit 143.
    """
    terminated, restore = _terminate_like_ctrl_c()
    try:
        return main(argv)
    except UserError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours. Silence the flush at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        restore()


def _terminate_like_ctrl_c() -> tuple[list[int], Callable[[], None]]:
    """SIGTERM raises KeyboardInterrupt from here on: (the signals seen, a function putting the old handler back)."""
    import signal
    import threading

    seen: list[int] = []
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        return seen, lambda: None  # someone else decided what SIGTERM does here

    def interrupt(signum: int, frame: Any) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    return seen, lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL)


def console(stderr: bool = False) -> Any:
    """A rich Console: colour only on a terminal, and never when NO_COLOR is set (rich honours it)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


class KitParser(argparse.ArgumentParser):
    """argparse with the kit's manners: no abbreviations, help laid out for the terminal's width,
    and a "did you mean" hint for every mistyped option (even when argparse's own complaint is
    about a missing required argument, which the typo usually caused)."""

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        self._words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def unknown_options(self, words: Sequence[str]) -> list[str]:
        """The words that look like options this parser does not have (before any ``--``)."""
        unknown = []
        for word in words:
            if word == "--":
                break
            if not word.startswith("-") or word == "-" or self._negative_number_matcher.match(word):
                continue
            name = word.split("=", 1)[0]
            if name not in self._option_string_actions:
                unknown.append(name)
        return unknown

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        hints = []
        for name in self.unknown_options(getattr(self, "_words", [])):
            known = [o for o in self._option_string_actions if o.startswith("--") == name.startswith("--")]
            hint = did_you_mean(name, known, f"see {self.prog} --help")
            hints.append(f"\n  hint: '{name}' is not an option; {hint}")
        super().error(message + "".join(hints))


def parser(prog: str, description: str, epilog: str | None = None) -> KitParser:
    """The parser every command starts from (see KitParser)."""
    return KitParser(prog=prog, description=description, epilog=epilog, allow_abbrev=False, formatter_class=HelpLayout)


def command_line(module: str) -> list[str]:
    """The command as a user would retype it, for the manifest (no absolute script path)."""
    return ["python", "-m", module, *sys.argv[1:]]


def written(con: Any, run: WrittenRun) -> None:
    """The closing lines of every run: where its artifacts are."""
    if run.replaced:
        con.print(f"[yellow]replaced the earlier run in {run.outdir}[/yellow]")
    con.print(f"wrote {run.outdir}/", soft_wrap=True)  # a path is never broken: the terminal folds it, a copy keeps it whole
    for name in run.artifacts:
        con.print(f"  {run.outdir / name}", soft_wrap=True)
