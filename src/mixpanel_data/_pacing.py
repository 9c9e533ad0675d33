"""Client-side pacing: keep bursts inside Mixpanel's rate limits instead of collecting 429s.

Each API family (query, export, lexicon) gets a :class:`Pacer` per host and project: a
sliding-window rate limit plus a concurrency cap. The transport takes a :class:`Ticket` before
each attempt, marks it :meth:`~Ticket.sent` when the status line arrives and releases it when
the response is closed.

A start is counted when the answer arrives, not when the request left: the server counts a
request when it receives it, somewhere between the two, so only the later time is safe. While a
request is in flight its start counts as "now", and callers waiting on it wake when it is answered.

Example:
    >>> pacer = Pacer("export", PacingPolicy(windows=((3, 1.0),)))
    >>> ticket = pacer.acquire("GET", "/api/2.0/export")
    >>> ticket.sent(); ticket.release()
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mixpanel_data.exceptions import RateLimitError

logger = logging.getLogger("mixpanel_data.transport")


@dataclass(frozen=True)
class PacingPolicy:
    """Client-side limits for one API family.

    Attributes:
        windows: ``(calls, seconds)`` pairs: at most ``calls`` requests start in any ``seconds``
            long window (a sliding window, like Mixpanel's counters).
        max_concurrent: requests in flight at once (``None``: no cap).
        max_wait: the longest the pacer sleeps for a free slot; when the next slot is further
            away (say the hourly budget is spent) it raises :class:`RateLimitError` with
            ``retry_after`` instead of sleeping silently for an hour.
        margin: seconds added to every window, so clock skew between us and the server does not
            turn the last allowed call into a 429.

    Example:
        >>> PacingPolicy(windows=((3, 1.0),), max_concurrent=100).windows
        ((3, 1.0),)
    """

    windows: tuple[tuple[int, float], ...] = ()
    max_concurrent: int | None = None
    max_wait: float = 120.0
    margin: float = 0.25


# Mixpanel's published limits (Query API: 60 queries per hour, 5 concurrent; Raw export: 60 per
# hour, 3 per second, 100 concurrent; Lexicon Schemas: 5 per minute). A burst below the hourly
# budget is sent at once (capped by the concurrency); only a spent budget makes callers wait.
DEFAULT_PACING: Mapping[str, PacingPolicy] = {
    "query": PacingPolicy(windows=((60, 3600.0),), max_concurrent=5),
    "export": PacingPolicy(windows=((3, 1.0), (60, 3600.0)), max_concurrent=100),
    "lexicon": PacingPolicy(windows=((5, 60.0),), max_concurrent=None),
}

# For a server that is not Mixpanel (``base_url``: the sandbox or a proxy) only the concurrency caps
# apply by default: its budgets are its own, and a test session must not run out of Mixpanel's
# hourly allowance against a local server. Pass ``pacing=DEFAULT_PACING`` to mimic Mixpanel fully.
CUSTOM_HOST_PACING: Mapping[str, PacingPolicy] = {
    name: PacingPolicy(max_concurrent=policy.max_concurrent, max_wait=policy.max_wait)
    for name, policy in DEFAULT_PACING.items()
    if policy.max_concurrent
}


def is_mixpanel_host(host: str) -> bool:
    """Whether ``host`` is one of Mixpanel's own (``mixpanel.com`` or a subdomain).

    Example:
        >>> is_mixpanel_host("data-eu.mixpanel.com"), is_mixpanel_host("127.0.0.1")
        (True, False)
    """
    host = host.lower().rstrip(".")
    return host == "mixpanel.com" or host.endswith(".mixpanel.com")


def default_pacing(host: str) -> Mapping[str, PacingPolicy]:
    """:data:`DEFAULT_PACING` for Mixpanel's hosts, :data:`CUSTOM_HOST_PACING` for any other.

    Example:
        >>> default_pacing("127.0.0.1") is CUSTOM_HOST_PACING
        True
    """
    return DEFAULT_PACING if is_mixpanel_host(host) else CUSTOM_HOST_PACING


# Request path -> pacing family (first match wins). Paths not listed are not paced.
PACING_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("export", re.compile(r"^/api/2\.0/export(/|$)")),
    ("lexicon", re.compile(r"^/api/app/projects/[^/]+/schemas(/|$)")),
    ("query", re.compile(r"^/api/query/|^/api/2\.0/(?!export(/|$)|nessie(/|$))")),
)


def pacing_family(path: str) -> str | None:
    """The pacing family of a request path, or ``None`` when the path is not paced.

    Example:
        >>> pacing_family("/api/query/segmentation"), pacing_family("/api/2.0/export")
        ('query', 'export')
        >>> pacing_family("/track") is None
        True
    """
    for name, pattern in PACING_RULES:
        if pattern.search(path):
            return name
    return None


class Ticket:
    """One request's place in a :class:`Pacer`: its counted start and its concurrency slot.

    Call :meth:`sent` when the server has answered (the status line arrived, or the attempt
    failed) and :meth:`release` when the response is closed. Both are safe to call more than
    once; :meth:`release` implies :meth:`sent`.
    """

    __slots__ = ("_pacer", "_released", "at")

    def __init__(self, pacer: Pacer | None) -> None:
        self._pacer = pacer
        self.at: float | None = None  # when the server had surely seen it; None while in flight
        self._released = False

    def sent(self) -> None:
        """The request has reached the server: count its start from now."""
        if self._pacer is not None:
            self._pacer._mark_sent(self)

    def release(self) -> None:
        """The response is closed: free the concurrency slot."""
        if self._pacer is not None:
            self._pacer._release(self)


NO_TICKET = Ticket(None)


class Pacer:
    """Sliding-window rate limit plus a concurrency cap for one family on one host and project.

    :meth:`acquire` blocks until a request may start and returns its :class:`Ticket`.

    Example:
        >>> pacer = Pacer("query", PacingPolicy(max_concurrent=1))
        >>> pacer.acquire().release()
    """

    def __init__(
        self,
        name: str,
        policy: PacingPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._answered = threading.Condition(threading.Lock())
        self._starts: list[list[Ticket]] = [[] for _ in policy.windows]
        self._slots = (
            threading.BoundedSemaphore(policy.max_concurrent) if policy.max_concurrent else None
        )

    def __repr__(self) -> str:
        return f"Pacer(name={self.name!r}, policy={self.policy!r})"

    def _wait_needed(self, now: float) -> tuple[float, tuple[int, float] | None, bool]:
        """Seconds until a start is allowed, the window that binds, and whether it is bound by a
        request still in flight (whose start is not known yet, so it counts as ``now``)."""
        wait, which, in_flight = 0.0, None, False
        for (calls, seconds), starts in zip(self.policy.windows, self._starts, strict=True):
            span = seconds + self.policy.margin
            starts[:] = [t for t in starts if t.at is None or t.at > now - span]
            if len(starts) < calls:
                continue
            counted = sorted((now, True) if t.at is None else (t.at, False) for t in starts)
            at, pending = counted[len(counted) - calls]
            if at + span - now > wait:
                wait, which, in_flight = at + span - now, (calls, seconds), pending
        return wait, which, in_flight

    def acquire(self, method: str = "", path: str = "") -> Ticket:
        """Wait for a free slot and a free start; return the request's :class:`Ticket`."""
        if self._slots is not None and not self._slots.acquire(timeout=self.policy.max_wait):
            raise self._refusal(
                f"{method} {path}: {self.policy.max_concurrent} {self.name} requests have been "
                f"in flight for {self.policy.max_wait:g} s; close finished responses or retry",
                None,
                method,
                path,
            )
        ticket = Ticket(self)
        try:
            self._wait_for_start(ticket, method, path)
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise
        return ticket

    def _wait_for_start(self, ticket: Ticket, method: str, path: str) -> None:
        while True:
            with self._answered:
                now = self._clock()
                wait, which, in_flight = self._wait_needed(now)
                if wait <= 0:
                    for starts in self._starts:
                        starts.append(ticket)
                    return
                if in_flight:  # woken as soon as that request is answered
                    self._answered.wait(wait)
                    continue
            assert which is not None
            calls, seconds = which
            if wait > self.policy.max_wait:
                raise self._refusal(
                    f"{method} {path}: the {self.name} API allows {calls} calls per "
                    f"{seconds:g} s and that budget is spent; try again in {wait:.0f} s",
                    wait,
                    method,
                    path,
                )
            logger.debug(
                "%s %s paced: waiting %.2f s (%s limit %d per %g s)",
                method,
                path,
                wait,
                self.name,
                calls,
                seconds,
            )
            self._sleep(wait)

    def _refusal(
        self, message: str, retry_after: float | None, method: str, path: str
    ) -> RateLimitError:
        """The error for a request the pacer will not wait for (it never reached the server)."""
        return RateLimitError(
            message,
            retry_after=retry_after,
            method=method or None,
            path=path or None,
            details={"client_side": True, "family": self.name},
        )

    def _mark_sent(self, ticket: Ticket) -> None:
        with self._answered:
            if ticket.at is None:
                ticket.at = self._clock()
                self._answered.notify_all()

    def _release(self, ticket: Ticket) -> None:
        self._mark_sent(ticket)
        with self._answered:
            if ticket._released:
                return
            ticket._released = True
        if self._slots is not None:
            self._slots.release()


_PACERS: dict[tuple[str, str, PacingPolicy], Pacer] = {}
_PACERS_LOCK = threading.Lock()


def shared_pacer(scope: str, family: str, policy: PacingPolicy) -> Pacer:
    """The process-wide pacer for ``family`` in ``scope`` (host + project), made on first use.

    Clients for the same project and host share it, as they share Mixpanel's counters.
    """
    key = (scope, family, policy)
    with _PACERS_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None:
            pacer = _PACERS[key] = Pacer(family, policy)
        return pacer


def reset_pacers() -> None:
    """Forget every shared pacer (tests)."""
    with _PACERS_LOCK:
        _PACERS.clear()


__all__ = [
    "CUSTOM_HOST_PACING",
    "DEFAULT_PACING",
    "NO_TICKET",
    "PACING_RULES",
    "Pacer",
    "PacingPolicy",
    "Ticket",
    "default_pacing",
    "is_mixpanel_host",
    "pacing_family",
    "reset_pacers",
    "shared_pacer",
]
