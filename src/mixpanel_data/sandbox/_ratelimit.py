"""Mixpanel-like rate limits (off unless ``Sandbox(rate_limits=True)``).

- Export (``/api/2.0/export``): 3 requests per second and 60 per hour.
- Query (``/api/query/...`` and the ``/api/2.0/...`` query aliases): 60 per hour and 5 at once.

Over a limit the answer is 429 with ``Retry-After`` (whole seconds until a slot frees, at least 1).

Example:
    >>> limits = RateLimits(enabled=True, clock=lambda: 100.0)
    >>> [limits.acquire("/api/2.0/export") is None for _ in range(4)]
    [True, True, True, False]
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most ``limit`` requests in any ``seconds``-long window."""

    limit: int
    seconds: float


EXPORT_WINDOWS = (Window(3, 1.0), Window(60, 3600.0))
QUERY_WINDOWS = (Window(60, 3600.0),)
QUERY_CONCURRENCY = 5


def family(path: str) -> str | None:
    """``"export"``, ``"query"`` or None (not limited)."""
    if path == "/api/2.0/export":
        return "export"
    if path.startswith("/api/query/") or (
        path.startswith("/api/2.0/") and not path.startswith("/api/2.0/nessie")
    ):
        return "query"
    return None


class RateLimits:
    """Sliding windows per family plus the query concurrency cap."""

    def __init__(self, *, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {"export": deque(), "query": deque()}
        self._running = 0

    def acquire(self, path: str) -> float | None:
        """Count the request; None when allowed, else seconds to wait. Pair with :meth:`release`."""
        fam = family(path) if self.enabled else None
        if fam is None:
            return None
        now = self._clock()
        windows = EXPORT_WINDOWS if fam == "export" else QUERY_WINDOWS
        with self._lock:
            seen = self._seen[fam]
            longest = max(w.seconds for w in windows)
            while seen and seen[0] <= now - longest:
                seen.popleft()
            for window in windows:
                recent = [t for t in seen if t > now - window.seconds]
                if len(recent) >= window.limit:
                    wait = recent[-window.limit] + window.seconds - now
                    return float(max(1, math.ceil(wait)))
            if fam == "query":
                if self._running >= QUERY_CONCURRENCY:
                    return 1.0
                self._running += 1
            seen.append(now)
        return None

    def release(self, path: str) -> None:
        """The request admitted by :meth:`acquire` for ``path`` has finished."""
        if self.enabled and family(path) == "query":
            with self._lock:
                self._running = max(0, self._running - 1)
