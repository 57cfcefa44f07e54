"""A progress bar for grading many submissions (stderr; silent for a single one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def progress(con: Any, total: int) -> Iterator[Callable[[str], None]]:
    """Yield ``on_done(label)``; with several submissions, each call advances a rich progress bar.

    The bar is refreshed only when a submission finishes (no refresh thread), so nothing
    runs concurrently with the grader's process launches.
    """
    if total <= 1:
        yield lambda _label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"),
        console=con, auto_refresh=False, transient=False,
    )
    with bar:
        task = bar.add_task("", total=total)

        def on_done(label: str) -> None:
            bar.update(task, advance=1, description=label)
            bar.refresh()

        bar.refresh()
        yield on_done
