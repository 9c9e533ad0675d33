"""The library's own fetch progress: one plain line on stderr, rewritten in place.

``Workspace.fetch_events(progress=True)`` uses :func:`stderr_progress`; any callable of
:class:`~mixpanel_data._services.fetcher.FetchProgress` can be passed instead (the `mp` CLI passes
its Rich bar, :mod:`mixpanel_data.cli._progress`). Nothing here imports Rich.

Example:
    >>> callback = stderr_progress("events")   # None when stderr is not a terminal
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from mixpanel_data._services.fetcher import FetchProgress

_PHASES = {"download": "downloading", "load": "loading", "done": "done"}


def stderr_progress(
    what: str, *, stream: TextIO | None = None, every: float = 0.2
) -> Callable[[FetchProgress], None] | None:
    """A callback that rewrites one status line on ``stream`` (stderr), at most every ``every``
    seconds, and ends it with a newline when the fetch is done; ``None`` when the stream is not a
    terminal (nothing to redraw on).

    Example:
        >>> import io
        >>> class Tty(io.StringIO):
        ...     def isatty(self): return True
        >>> out = Tty()
        >>> from mixpanel_data._services.fetcher import FetchProgress
        >>> stderr_progress("events", stream=out)(FetchProgress("done", 2, 2, events=10))
        >>> out.getvalue()
        '\\rdone 2/2 · 10 events · 0/s\\x1b[K\\n'
    """
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        return None
    last = [float("-inf")]

    def update(p: FetchProgress) -> None:
        now = time.monotonic()
        if p.phase != "done" and now - last[0] < every:
            return
        last[0] = now
        total = f"/{p.chunks_total}" if p.chunks_total else ""
        line = f"{_PHASES.get(p.phase, p.phase)} {p.chunks_done}{total} · {p.events:,} {what}"
        out.write(f"\r{line} · {p.rate:,.0f}/s\x1b[K" + ("\n" if p.phase == "done" else ""))
        out.flush()

    return update


__all__ = ["stderr_progress"]
