"""The Rich progress bar `mp fetch` draws on stderr (events/s, chunks, ETA).

The library itself never imports Rich: ``Workspace.fetch_events(progress=...)`` takes any
callable of :class:`~mixpanel_data._services.fetcher.FetchProgress`; the CLI passes this one.

Example:
    >>> callback = rich_progress("events")   # None when stderr is not a terminal
    >>> progress = callback or False          # what `mp fetch` hands to the library
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpanel_data._services.fetcher import FetchProgress


def rich_progress(what: str) -> Callable[[FetchProgress], None] | None:
    """A progress callback drawing one bar on stderr, or ``None`` when stderr is not a TTY."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rows]:,} {task.fields[what]} · {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    state: dict[str, Any] = {"task": None}

    def update(p: FetchProgress) -> None:
        if state["task"] is None:
            bar.start()
            state["task"] = bar.add_task(
                "downloading", total=p.chunks_total or None, rows=0, rate=0.0, what=what
            )
        description = {"download": "downloading", "load": "loading", "done": "done"}[p.phase]
        bar.update(
            state["task"],
            description=description,
            completed=p.chunks_done,
            total=p.chunks_total or None,
            rows=p.events,
            rate=p.rate,
        )
        if p.phase == "done":
            bar.stop()

    return update
