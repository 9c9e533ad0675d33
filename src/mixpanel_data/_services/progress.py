"""Fetch progress: thread-safe counters the workers write to, and ONE thread that reports them.

Download workers only add to counters under a lock (:class:`Reporter`); a single renderer thread
hands a snapshot (:class:`FetchProgress`) to the callback at most every ``every`` seconds and at
once when the phase changes. So a callback (the CLI's Rich bar, :func:`stderr_progress`, or any
callable of :class:`FetchProgress`) is never called from two threads, and it always gets a last
call: phase ``"done"``, or ``"stopped"`` when the fetch ended in an error or Ctrl-C, after which
it must leave the terminal clean. Nothing here imports Rich.

Phases: ``"download"`` (chunks N/M, bytes, events/s), ``"load"`` (DuckDB reads the chunk files),
``"dedup"`` (repeats are dropped and the table is put in place), ``"done"``, ``"stopped"``.

Example:
    >>> seen = []
    >>> with Reporter(seen.append, total=2, every=60) as rep:
    ...     rep.add(chunks_done=2, events=10)
    ...     rep.phase("done", events=9)
    >>> [(p.phase, p.chunks_done, p.events) for p in seen][-1]
    ('done', 2, 9)
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

_PHASES = {
    "download": "downloading",
    "load": "loading",
    "dedup": "deduplicating",
    "done": "done",
    "stopped": "stopped",
}


@dataclass
class FetchProgress:
    """What a progress callback receives: a snapshot, never changed after the call.

    Attributes:
        phase: ``"download"``, ``"load"``, ``"dedup"``, ``"done"`` or ``"stopped"``.
        chunks_done, chunks_total: finished and planned export requests (profiles: pages).
        chunks_resumed: chunks found finished from an earlier, interrupted run.
        events: rows received so far (export lines; profiles); at ``"done"``: the rows kept.
        bytes: bytes received (on the wire; resumed chunks count their saved size).
        stored: rows read into the store so far (the loading phase).
        elapsed: seconds since the fetch started.
    """

    phase: str = "download"
    chunks_done: int = 0
    chunks_total: int = 0
    chunks_resumed: int = 0
    events: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    stored: int = 0

    @property
    def rate(self) -> float:
        """Rows per second so far."""
        return self.events / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[FetchProgress], None]
_COUNTERS = frozenset({"events", "bytes", "chunks_done", "chunks_resumed", "stored"})


class Reporter:
    """Counters for one fetch plus the one thread that reports them (a context manager).

    Any thread may call :meth:`add` and :meth:`phase`; only the renderer thread calls the
    callback. Leaving the ``with`` block stops the renderer after a last call: ``"stopped"`` when
    the block ended in an exception and ``"done"`` was not reached.
    """

    def __init__(
        self, callback: ProgressCallback | None, total: int = 0, *, every: float = 0.1
    ) -> None:
        self._state = FetchProgress(chunks_total=total)
        self._callback = callback
        self._every = every
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None

    # -- what workers call ------------------------------------------------------------------

    def add(self, **changes: int) -> None:
        """Add to counters (``chunks_done``, ``events``, ``bytes``, ...) or set ``chunks_total``."""
        with self._lock:
            for key, value in changes.items():
                if key in _COUNTERS:
                    setattr(self._state, key, getattr(self._state, key) + int(value))
                else:
                    setattr(self._state, key, int(value))

    def phase(self, name: str, **values: int) -> None:
        """Enter phase ``name`` (setting any counters given) and report it promptly."""
        with self._lock:
            self._state.phase = name
            for key, value in values.items():
                setattr(self._state, key, int(value))
        self._wake.set()

    def reset(self) -> None:
        """Forget the counts (a second pass over the same chunks starts again)."""
        with self._lock:
            total = self._state.chunks_total
            self._state = FetchProgress(chunks_total=total)

    def snapshot(self) -> FetchProgress:
        """A copy of the current counts."""
        with self._lock:
            self._state.elapsed = time.monotonic() - self._start
            return dataclasses.replace(self._state)

    # -- the renderer -----------------------------------------------------------------------

    def __enter__(self) -> Reporter:
        if self._callback is not None:
            self._thread = threading.Thread(target=self._render, name="mp-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is not None:
            with self._lock:
                if self._state.phase != "done":
                    self._state.phase = "stopped"
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _render(self) -> None:
        assert self._callback is not None
        last_phase = ""
        while True:
            self._wake.wait(self._every)
            self._wake.clear()
            closing = self._closing
            snap = self.snapshot()
            with contextlib.suppress(Exception):  # a broken display must not break the fetch
                self._callback(snap)
            last_phase = snap.phase
            if closing or last_phase in {"done", "stopped"}:
                return


def stderr_progress(
    what: str, *, stream: TextIO | None = None, every: float = 0.2
) -> ProgressCallback | None:
    """A callback that rewrites one status line on ``stream`` (stderr), at most every ``every``
    seconds; ``"done"`` ends the line with a newline and ``"stopped"`` erases it. ``None`` when
    the stream is not a terminal (nothing to redraw on).

    Example:
        >>> import io
        >>> class Tty(io.StringIO):
        ...     def isatty(self): return True
        >>> out = Tty()
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
        if p.phase == "stopped":
            out.write("\r\x1b[K")
            out.flush()
            return
        if p.phase != "done" and now - last[0] < every:
            return
        last[0] = now
        out.write(f"\r{describe(p, what)}\x1b[K" + ("\n" if p.phase == "done" else ""))
        out.flush()

    return update


def describe(p: FetchProgress, what: str) -> str:
    """One line for ``p``: phase, chunks, bytes, rows and rate.

    Example:
        >>> p = FetchProgress("download", 1, 4, events=1000, bytes=3 << 20, elapsed=2)
        >>> describe(p, "events")
        'downloading 1/4 · 3.0 MB · 1,000 events · 500/s'
    """
    total = f"/{p.chunks_total}" if p.chunks_total else ""
    parts = [f"{_PHASES.get(p.phase, p.phase)} {p.chunks_done}{total}"]
    if p.bytes:
        parts.append(f"{p.bytes / (1 << 20):,.1f} MB")
    parts.append(f"{p.events:,} {what}")
    parts.append(f"{p.rate:,.0f}/s")
    return " · ".join(parts)


__all__ = ["FetchProgress", "ProgressCallback", "Reporter", "describe", "stderr_progress"]
