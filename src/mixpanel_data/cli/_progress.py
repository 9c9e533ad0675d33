"""The Rich progress bar `mp fetch` draws on stderr: one bar per job, with its phase.

The library calls the callback from one thread only (:class:`~mixpanel_data._services.progress.
Reporter`), so the bar does not refresh on its own (``auto_refresh=False``): every call redraws it.
The last call is ``"done"`` or ``"stopped"`` (error, Ctrl-C); both remove the bar, so the next
line of output starts on a clean line.

Example:
    >>> callback = rich_progress("events")   # None when stderr is not a terminal
    >>> progress = callback or False          # what `mp fetch` hands to the library
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixpanel_data._services.progress import FetchProgress

_LABELS = {
    "download": "downloading",
    "load": "loading",
    "dedup": "deduplicating",
    "done": "done",
    "stopped": "stopped",
}


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
    )

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[mb]:,.1f} MB · {task.fields[rows]:,} {task.fields[what]}"),
        TextColumn("· {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        auto_refresh=False,
    )
    state: dict[str, Any] = {"task": None, "over": False}

    def update(p: FetchProgress) -> None:
        if state["over"]:
            return
        if state["task"] is None:
            bar.start()
            state["task"] = bar.add_task(
                _LABELS["download"],
                total=p.chunks_total or None,
                rows=0,
                rate=0.0,
                mb=0.0,
                what=what,
            )
        bar.update(
            state["task"],
            description=_LABELS.get(p.phase, p.phase),
            completed=p.chunks_done,
            total=p.chunks_total or None,
            rows=p.events,
            rate=p.rate,
            mb=p.bytes / (1 << 20),
        )
        bar.refresh()
        if p.phase in {"done", "stopped"}:
            state["over"] = True
            bar.stop()

    return update
