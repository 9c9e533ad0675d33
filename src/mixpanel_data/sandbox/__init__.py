"""An offline Mixpanel: a real HTTP server on loopback over deterministic synthetic data.

One server answers every Mixpanel host family (export, query, app, ingestion) on its full paths
(``/api/2.0/export``, ``/api/query/...``, ``/api/app/...``, ``/track``, ``/import``, ...), checks
credentials like Mixpanel, streams exports (gzip when asked), pages profiles, stores what ingestion
receives so that export and queries return it, and injects faults on request. The data model is
described in :mod:`mixpanel_data.sandbox._data`.

Example:
    >>> from mixpanel_data.sandbox import Sandbox, Fault
    >>> with Sandbox(seed=7, users=50, days=7, end_date="2026-01-31") as sb:   # doctest: +SKIP
    ...     env = sb.credentials.env()            # MP_BASE_URL, MP_USERNAME, MP_SECRET, ...
    ...     sb.faults.add(Fault(kind="status", status=429, retry_after=1.0, times=1))
    ...     # point a client at sb.url with those credentials
"""

from __future__ import annotations

import secrets
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import FrameType, TracebackType
from typing import Any

from mixpanel_data.sandbox._credentials import SandboxCredentials
from mixpanel_data.sandbox._data import SandboxData
from mixpanel_data.sandbox._faults import Fault, FaultSet
from mixpanel_data.sandbox._http import CONTROL_HEADER, Router
from mixpanel_data.sandbox._ratelimit import RateLimits
from mixpanel_data.sandbox._server import SandboxHTTPServer, load_routes
from mixpanel_data.sandbox._state import RequestRecord, SandboxState, Settings
from mixpanel_data.sandbox._synth import SynthPlan

__all__ = [
    "SERVE_DAYS",
    "SERVE_END_DATE",
    "Fault",
    "FaultSet",
    "RequestRecord",
    "Sandbox",
    "SandboxCredentials",
    "serve_forever",
    "start_banner",
]

DEFAULT_HOST = "127.0.0.1"

# `mp sandbox serve` serves a fixed, documented month (the README's examples use it): October 2026.
SERVE_END_DATE = date(2026, 10, 31)
SERVE_DAYS = 31


def _project_id(seed: int) -> int:
    return 3_000_000 + abs(int(seed)) % 1_000_000


def _end_date(value: str | date | None) -> date:
    if value is None:
        return datetime.now(UTC).date() - timedelta(days=1)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


class Sandbox:
    """A running offline Mixpanel (use as a context manager, or call ``start()``/``stop()``).

    Args:
        seed: the same seed (with the same other arguments) gives byte-identical data.
        users: number of user profiles.
        days: days of events, ending at ``end_date``.
        end_date: last day with events, ``YYYY-MM-DD`` or a date (default: yesterday, UTC); it is
            the sandbox's "today".
        events: about how many events to generate (default ``users * days * 3``).
        rate_limits: enforce Mixpanel-like limits (export 3/s and 60/h; query 60/h, 5 at once).
        host, port: where to listen (default ``127.0.0.1``, a free port).
        engage_page_size: profiles per ``/api/query/engage`` page (Mixpanel: 1000).
        credentials: fixed credentials (default: fresh random secrets).
        verbose: log each request (method, path, status; never credentials) to stderr.

    Example:
        >>> sb = Sandbox(seed=1, users=20, days=3, end_date="2026-01-31").start()  # doctest: +SKIP
        >>> sb.url                                                                 # doctest: +SKIP
        'http://127.0.0.1:40123'
        >>> sb.stop()                                                              # doctest: +SKIP
    """

    def __init__(
        self,
        seed: int = 0,
        users: int = 200,
        days: int = 30,
        end_date: str | date | None = None,
        events: int | None = None,
        rate_limits: bool = False,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        engage_page_size: int = 1000,
        credentials: SandboxCredentials | None = None,
        verbose: bool = False,
    ) -> None:
        if users < 1 or days < 1:
            raise ValueError("users and days must be at least 1")
        if events is not None and events < 0:
            raise ValueError("events must not be negative")
        if engage_page_size < 1:
            raise ValueError("engage_page_size must be at least 1")
        self.plan = SynthPlan(
            seed=int(seed), users=users, days=days, end_date=_end_date(end_date), events=events
        )
        self._host = host
        self._port = port
        self._credentials = credentials or SandboxCredentials.generate(_project_id(seed))
        self._settings = Settings(engage_page_size=engage_page_size, verbose=verbose)
        self._rate_limits = RateLimits(enabled=rate_limits)
        self.faults = FaultSet()
        self._control_token = secrets.token_urlsafe(24)
        self._state: SandboxState | None = None
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Generate the data and start serving in a daemon thread (idempotent)."""
        with self._lock:
            if self._server is not None:
                return self
            data = SandboxData(self.plan, self._credentials.project_id, self._credentials.username)
            state = SandboxState(
                data=data,
                credentials=self._credentials,
                faults=self.faults,
                rate_limits=self._rate_limits,
                settings=self._settings,
                control_token=self._control_token,
            )
            try:
                server = SandboxHTTPServer((self._host, self._port), state, Router(load_routes()))
            except BaseException:
                data.close()
                raise
            port = server.server_address[1]
            state.set_base_url(f"http://{self._host}:{port}")
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"mixpanel-sandbox-{port}",
                daemon=True,
            )
            thread.start()
            self._state, self._server, self._thread = state, server, thread
            return self

    def stop(self) -> None:
        """Stop serving, end open connections and free the data (idempotent)."""
        with self._lock:
            server, thread, state = self._server, self._thread, self._state
            self._server = self._thread = None
            if server is None:
                return
            server.stopping.set()
            server.shutdown()
            server.close_connections()
            server.server_close()
            if thread is not None:
                thread.join(5.0)
            if state is not None:
                state.data.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server is not None

    # -- what tests use -------------------------------------------------------------------------

    def _running_state(self) -> SandboxState:
        if self._state is None or self._server is None:
            raise RuntimeError("the sandbox is not running; use `with Sandbox(...) as sb:`")
        return self._state

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL for every Mixpanel API family."""
        return self._running_state().credentials.base_url

    @property
    def port(self) -> int:
        """The TCP port."""
        return int(self.url.rsplit(":", 1)[1])

    @property
    def credentials(self) -> SandboxCredentials:
        """Credentials the sandbox accepts (``.env()`` gives the ``MP_*`` variables)."""
        return self._state.credentials if self._state is not None else self._credentials

    @property
    def control_token(self) -> str:
        """The token the ``/_sandbox/`` control endpoints and the fault header require."""
        return self._control_token

    def control_headers(self) -> dict[str, str]:
        """Headers that authorize control requests (arm faults over HTTP, read the request log).

        Example:
            >>> with Sandbox(users=5, days=1) as sb:                          # doctest: +SKIP
            ...     httpx.post(sb.url + "/_sandbox/faults", headers=sb.control_headers(),
            ...                json={"kind": "status", "status": 503})
        """
        return {CONTROL_HEADER: self._control_token}

    @property
    def requests(self) -> list[RequestRecord]:
        """Requests received so far, oldest first (no Authorization values in them)."""
        return self._running_state().requests

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        self._running_state().clear_requests()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (``False`` if ``timeout`` passes first).

        A client that gave up early (a timeout) leaves its request running on the server; a
        test that arms a fault next waits here so that request cannot take the new fault.

        Example:
            >>> with Sandbox(users=5, days=1) as sb:                          # doctest: +SKIP
            ...     sb.wait_idle()
            True
        """
        return self._running_state().wait_idle(timeout)

    @property
    def data(self) -> SandboxData:
        """The project's data (DuckDB tables and fixtures), for tests that compute expectations."""
        return self._running_state().data

    @property
    def state(self) -> SandboxState:
        """Everything the handlers share (advanced use)."""
        return self._running_state()

    @property
    def start_date(self) -> date:
        """First day with generated events."""
        return self.plan.start_date

    @property
    def end_date(self) -> date:
        """Last day with generated events (the sandbox's "today")."""
        return self.plan.end_date

    def export_lines(self) -> list[str]:
        """``export MP_...=...`` lines for a POSIX shell (they contain the secrets)."""
        return [f"export {k}={shlex.quote(v)}" for k, v in self.credentials.env(self.url).items()]

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        p = self.plan
        return (
            f"Sandbox(seed={p.seed}, users={p.users}, days={p.days}, "
            f"end_date={p.end_date.isoformat()!r}, {where})"
        )


def start_banner(sb: Sandbox) -> None:
    """Print what ``mp sandbox serve`` prints once it listens: URL, project, ``export`` lines."""
    creds = sb.credentials
    lines = [
        f"Mixpanel sandbox serving at {sb.url}",
        f"  project {creds.project_id}: {sb.plan.users} users, {sb.plan.days} days of events "
        f"from {sb.start_date} to {sb.end_date} (seed {sb.plan.seed})",
        f"  service account: {creds.username}",
        f"  control token (faults, request log: header {CONTROL_HEADER}): {sb.control_token}",
        "Paste into a shell to point mixpanel_data at it:",
        *sb.export_lines(),
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def serve_forever(
    seed: int = 0,
    users: int = 200,
    days: int = SERVE_DAYS,
    end_date: str | date | None = SERVE_END_DATE,
    events: int | None = None,
    rate_limits: bool = False,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    verbose: bool = False,
    on_ready: Callable[[Sandbox], Any] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run a sandbox until Ctrl-C, SIGTERM or ``stop`` is set (for ``mp sandbox serve``).

    ``on_ready(sb)`` runs once the server listens (default: print the URL, the project and the
    ``export`` lines to stdout). The data defaults to October 2026 (:data:`SERVE_END_DATE`,
    :data:`SERVE_DAYS`) and the credentials are derived from ``seed``
    (:meth:`SandboxCredentials.for_seed`), so both are the same on every start.
    """
    stop = stop or threading.Event()
    previous: Any = None
    in_main = threading.current_thread() is threading.main_thread()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if in_main:
        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with Sandbox(
            seed,
            users,
            days,
            end_date,
            events,
            rate_limits,
            host=host,
            port=port,
            verbose=verbose,
            credentials=SandboxCredentials.for_seed(seed, _project_id(seed)),
        ) as sb:
            (on_ready or start_banner)(sb)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                print("\nStopping the sandbox.", file=sys.stderr, flush=True)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
