"""What a running sandbox holds, shared by every request handler (``req.state``).

Example:
    >>> rec = RequestRecord("GET", "/api/2.0/export", {"from_date": "2026-01-01"}, {})
    >>> rec.path
    '/api/2.0/export'
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from mixpanel_data.sandbox._credentials import SandboxCredentials
from mixpanel_data.sandbox._data import SandboxData
from mixpanel_data.sandbox._faults import FaultSet
from mixpanel_data.sandbox._http import Request
from mixpanel_data.sandbox._ratelimit import RateLimits

# Headers never kept in request records (they carry credentials).
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-sandbox-control"})
# Query/form keys whose values are masked in request records.
_SECRET_KEYS = frozenset({"token", "api_secret", "secret", "password", "access_token"})


@dataclass
class RequestRecord:
    """One request the sandbox received (newest last in ``Sandbox.requests``).

    ``headers`` never include Authorization (or cookies); secret-looking query values are ``***``.
    ``status`` is the answer's status once it is known.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int | None = None


@dataclass
class Settings:
    """Knobs that are not part of the data."""

    engage_page_size: int = 1000
    verbose: bool = False


@dataclass
class SandboxState:
    """Everything handlers share: data, credentials, faults, request log, limits, settings.

    ``scratch`` is per-sandbox room for endpoint modules' own state (key it by module name).
    ``control_token`` guards the ``/_sandbox/`` control endpoints and the fault header.
    """

    data: SandboxData
    credentials: SandboxCredentials
    faults: FaultSet = field(default_factory=FaultSet)
    rate_limits: RateLimits = field(default_factory=lambda: RateLimits(enabled=False))
    settings: Settings = field(default_factory=Settings)
    scratch: dict[str, Any] = field(default_factory=dict)
    control_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    _requests: list[RequestRecord] = field(default_factory=list)
    _requests_lock: threading.Lock = field(default_factory=threading.Lock)
    _busy: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Count one request as being handled until the block ends."""
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being handled; ``False`` if ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def record(self, req: Request) -> RequestRecord:
        """Log a request (without secrets) and return its record."""
        query = {k: ("***" if k.lower() in _SECRET_KEYS else v) for k, v in req.query.items()}
        headers = {k: v for k, v in req.headers.items() if k.lower() not in _SECRET_HEADERS}
        rec = RequestRecord(req.method, req.path, query, headers)
        with self._requests_lock:
            self._requests.append(rec)
        return rec

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._requests_lock:
            self._requests.clear()

    def set_base_url(self, url: str) -> None:
        """Record where the sandbox serves (credentials carry it for ``env()``)."""
        self.credentials = replace(self.credentials, base_url=url)
