"""Injected faults: what a test asks the sandbox to get wrong, and for how many requests.

Kinds:

- ``status``: answer ``status`` (default 503) with Mixpanel's error body, plus ``Retry-After`` when
  ``retry_after`` is set. Applied before auth and routing, like a proxy in front of Mixpanel.
- ``slow``: sleep ``delay`` seconds (default 1, at most :data:`MAX_DELAY`) before the first byte
  of the answer; stopping the sandbox ends the wait (and the connection).
- ``cut``: send the first ``after_bytes`` bytes (default 0) of the body as it goes on the wire
  (compressed when gzip), then close the socket without finishing the body.
- ``truncate_gzip``: send the body gzip-compressed (even if not asked) and end it cleanly, but leave
  out the last 16 bytes of the gzip stream (the end of the deflate data and the CRC/size trailer),
  or stop after ``after_bytes`` compressed bytes when given.
- ``drop``: handle the request fully (store the events, create the annotation, ...), then close
  the connection without sending any answer: the client cannot tell whether its request was
  processed. This is the case a non-idempotent request must not be repeated after.
- ``malformed``: replace line ``line`` (1-based, default 1) of a JSON-lines body with a line that is
  not JSON. Only JSON-lines answers (export) match.

``cut``, ``truncate_gzip``, ``drop`` and ``malformed`` apply to successful (2xx) answers only, so an answer
that failed for another reason does not use them up. ``times=None`` means every matching request.
``path`` is an exact path or a glob (``/api/query/*``); ``None`` matches every path.

Example:
    >>> faults = FaultSet()
    >>> faults.add(Fault(kind="status", status=429, retry_after=1.0, times=2))
    Fault(kind='status', status=429, retry_after=1.0, times=2, path=None, method=None, after_bytes=None, delay=None, line=None, error=None)
    >>> [f.kind for f in faults.take({"status"}, "GET", "/api/2.0/export")]
    ['status']
    >>> Fault.from_header("kind=cut;after_bytes=10").after_bytes
    10
"""  # noqa: E501

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, cast, get_args

FaultKind = Literal["status", "cut", "slow", "truncate_gzip", "malformed", "drop"]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
BEFORE_HANDLER: frozenset[str] = frozenset({"status", "slow"})
AFTER_HANDLER: frozenset[str] = frozenset({"cut", "truncate_gzip", "malformed", "drop"})
MAX_DELAY = 120.0  # seconds: a slow fault never holds a server thread longer


@dataclass(frozen=True)
class Fault:
    """One fault to inject (see the module docstring for the kinds and their fields)."""

    kind: FaultKind
    status: int | None = None
    retry_after: float | None = None
    times: int | None = 1
    path: str | None = None
    method: str | None = None
    after_bytes: int | None = None
    delay: float | None = None
    line: int | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        for name in ("retry_after", "delay", "after_bytes", "line"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")
        if self.line is not None and self.line < 1:
            raise ValueError("line is 1-based")
        if self.delay is not None and not self.delay <= MAX_DELAY:  # also refuses NaN
            raise ValueError(f"delay must be at most {MAX_DELAY:g} seconds")

    @property
    def status_code(self) -> int:
        """The status a ``status`` fault answers."""
        return self.status if self.status is not None else 503

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        if any(ch in self.path for ch in "*?["):
            return fnmatch.fnmatchcase(path, self.path)
        return path == self.path

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, without the unset ones."""
        return {k: v for k, v in asdict(self).items() if v is not None or k == "times"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build from JSON fields (``ValueError`` on unknown fields or bad values)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault field(s): {sorted(unknown)}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        return cls(**{k: _convert(k, v) for k, v in data.items()})

    @classmethod
    def from_header(cls, text: str) -> Fault:
        """Parse ``kind=status;status=429;retry_after=1`` (the ``X-Sandbox-Fault`` header)."""
        data: dict[str, Any] = {"times": 1}
        for part in text.split(";"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"fault header part {part!r} is not key=value")
            data[key.strip()] = value.strip()
        return cls.from_dict(data)


_INT_FIELDS = {"status", "times", "after_bytes", "line"}
_FLOAT_FIELDS = {"retry_after", "delay"}


def _convert(name: str, value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.lower() in ("", "none", "null")):
        return None
    if name in _INT_FIELDS:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{name} must be an integer")
        return int(value)
    if name in _FLOAT_FIELDS:
        return float(value)
    if name == "kind":
        return cast(FaultKind, str(value))
    return str(value)


class FaultSet:
    """The armed faults of a sandbox; thread-safe. Each fault counts down its ``times``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[list[Any]] = []  # [fault, remaining or None]

    def add(self, fault: Fault) -> Fault:
        """Arm ``fault`` (after the ones already armed) and return it."""
        if not isinstance(fault, Fault):
            raise TypeError("expected a Fault")
        with self._lock:
            self._armed.append([fault, fault.times])
        return fault

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._armed.clear()

    def armed(self) -> list[tuple[Fault, int | None]]:
        """The armed faults with how many uses each has left (``None``: unlimited)."""
        with self._lock:
            return [(f, left) for f, left in self._armed]

    def __len__(self) -> int:
        with self._lock:
            return len(self._armed)

    def take(self, kinds: frozenset[str] | set[str], method: str, path: str) -> list[Fault]:
        """Use up the first armed fault of each of ``kinds`` that matches the request."""
        taken: list[Fault] = []
        with self._lock:
            seen: set[str] = set()
            for entry in self._armed:
                fault, left = entry
                if fault.kind in kinds and fault.kind not in seen and fault.matches(method, path):
                    seen.add(fault.kind)
                    taken.append(fault)
                    if left is not None:
                        entry[1] = left - 1
            self._armed = [e for e in self._armed if e[1] is None or e[1] > 0]
        return taken
