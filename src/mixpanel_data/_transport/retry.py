"""When to try a request again: the retry policy and :func:`decide`, a pure function.

The transport asks :func:`decide` after every failed attempt and does what it answers: wait that
many seconds and send again (:class:`Wait`), or stop (:class:`GiveUp`). Nothing here does I/O or
reads a clock, so every rule is a row in a table test.

The rules:

- a request is repeated only if repeating it cannot do harm: GET, HEAD, PUT, DELETE and OPTIONS
  are safe to repeat (HTTP says so), as is a request marked idempotent (a POST that only reads,
  or whose data makes a repeat harmless: see ``IDEMPOTENT`` in :mod:`.client`);
- any other request (POST, PATCH) is repeated only when the server provably did not act on it:
  the connection was never made (``reached=False``), or the server answered 429/503 *with*
  ``Retry-After`` (it refused the request and says when to come back);
- retried statuses are 429, 500, 502, 503 and 504; other answers are final;
- ``Retry-After`` (on 429 and 503) is the wait; without it, capped exponential backoff with full
  jitter. A ``Retry-After`` beyond ``max_retry_after`` or beyond what is left of the deadline ends
  the call at once: the caller gets the 429 (``RateLimitError(retry_after=...)``), never a hidden
  long sleep;
- ``attempts`` bounds the tries and ``deadline`` the time since the first try began. The deadline
  never interrupts an attempt in flight (per-attempt timeouts do that; an export may stream for
  many minutes); it only decides whether another attempt may begin.

Example:
    >>> decide("GET", 503, {}, 1, 0.0, policy=RetryPolicy(), jitter=1.0)
    Wait(seconds=0.5, reason='HTTP 503')
    >>> decide("POST", 502, {}, 1, 0.0, policy=RetryPolicy())
    GiveUp(reason='HTTP 502 to a POST that may have been processed')
"""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from mixpanel_data.exceptions import ValidationError

SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Statuses with which a server says it did not process the request when it adds Retry-After.
REFUSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Attributes:
        attempts: tries in all, the first one included (``1`` turns retrying off).
        backoff_base: the first backoff cap in seconds; it doubles per attempt ...
        backoff_max: ... up to this. The wait is uniform in ``[0, cap]`` (full jitter).
        max_retry_after: the longest ``Retry-After`` worth waiting; a longer one ends the retries
            at once, so the caller gets :class:`RateLimitError` with the server's ``retry_after``.
        deadline: seconds from the start of the first attempt after which no new attempt
            begins (waits included); ``None`` for no limit.
        retry_statuses: statuses that are retried.

    Example:
        >>> RetryPolicy().attempts, RetryPolicy(attempts=1).attempts, RetryPolicy().deadline
        (4, 1, 300.0)
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    deadline: float | None = 300.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValidationError("RetryPolicy.attempts must be at least 1")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.max_retry_after < 0:
            raise ValidationError("RetryPolicy waits must not be negative")
        if self.deadline is not None and self.deadline <= 0:
            raise ValidationError("RetryPolicy.deadline must be positive (or None)")

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), with full jitter."""
        return float((rng or random).uniform(0.0, self.backoff_cap(attempt)))

    def backoff_cap(self, attempt: int) -> float:
        """The most :meth:`backoff` waits after attempt ``attempt``: base doubled, capped.

        Example:
            >>> [RetryPolicy().backoff_cap(n) for n in (1, 2, 3, 6)]
            [0.5, 1.0, 2.0, 8.0]
        """
        return min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))


@dataclass(frozen=True)
class Wait:
    """Try again after ``seconds``."""

    seconds: float
    reason: str


@dataclass(frozen=True)
class GiveUp:
    """Stop: the last outcome is the caller's."""

    reason: str


def decide(
    method: str,
    status: int | None,
    headers: Mapping[str, str],
    attempt: int,
    elapsed: float,
    *,
    policy: RetryPolicy,
    idempotent: bool = False,
    reached: bool = True,
    jitter: float = 1.0,
) -> Wait | GiveUp:
    """What to do after attempt ``attempt`` (1-based) of a request ended as described.

    Args:
        method: the request's method.
        status: the answer's status, or ``None`` when no answer came (the connection failed).
        headers: the answer's headers (only ``Retry-After`` is read; any case).
        attempt: attempts made so far, this one included.
        elapsed: seconds since the first attempt began.
        policy: the limits.
        idempotent: the request is safe to repeat whatever its method.
        reached: ``False`` only when the request provably never reached the server (the
            connection could not be made); an answer always means it did.
        jitter: a number in ``[0, 1]`` scaling the backoff (the caller draws it at random).

    Example:
        >>> p = RetryPolicy()
        >>> decide("POST", None, {}, 1, 0.0, policy=p, reached=False, jitter=0.5)
        Wait(seconds=0.25, reason='no connection')
        >>> decide("GET", 429, {"Retry-After": "120"}, 1, 0.0, policy=p)
        GiveUp(reason='Retry-After 120 s is beyond the 60 s worth waiting')
    """
    method = method.upper()
    repeatable = idempotent or method in SAFE_METHODS
    if status is None:
        what = "no connection" if not reached else "connection dropped"
        if reached and not repeatable:
            return GiveUp(f"{what} after a {method} may have reached the server")
        retry_after = None
    else:
        what = f"HTTP {status}"
        if status not in policy.retry_statuses:
            return GiveUp(f"{what} is not retried")
        retry_after = (
            parse_retry_after(_header(headers, "Retry-After"))
            if status in REFUSED_STATUSES
            else None
        )
        if not repeatable and retry_after is None:
            return GiveUp(f"{what} to a {method} that may have been processed")
    if attempt >= policy.attempts:
        return GiveUp(f"{what}; {policy.attempts} attempts made")
    if retry_after is not None and retry_after > policy.max_retry_after:
        limit = policy.max_retry_after
        return GiveUp(f"Retry-After {retry_after:g} s is beyond the {limit:g} s worth waiting")
    if retry_after is not None:
        wait, reason = retry_after, f"{what} (Retry-After)"
    else:
        wait, reason = min(max(jitter, 0.0), 1.0) * policy.backoff_cap(attempt), what
    if policy.deadline is not None and elapsed + wait > policy.deadline:
        return GiveUp(
            f"{what}; waiting {wait:g} s more would pass the {policy.deadline:g} s deadline"
        )
    return Wait(wait, reason)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if unusable.

    Example:
        >>> parse_retry_after("2"), parse_retry_after("1.5"), parse_retry_after("soon")
        (2.0, 1.5, None)
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return max(0.0, seconds)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


__all__ = ["SAFE_METHODS", "GiveUp", "RetryPolicy", "Wait", "decide", "parse_retry_after"]
