"""The retrying, pacing httpx transport and the clients built on it.

Every request to Mixpanel (or the sandbox) goes through an :class:`httpx.Client` made by
:func:`build_http_client`, whose transport is a :class:`RetryTransport`. It

- **retries** as :func:`~mixpanel_data._transport.retry.decide` says: safe methods on dropped
  connections, 429 and 5xx; a POST only when it provably never reached the server, when the
  server refused it with 429/503 and ``Retry-After``, or when the request is marked
  :data:`IDEMPOTENT`. ``Retry-After`` is waited out unless it is too long; attempts and one total
  deadline bound the call;
- **paces** calls per API family (query, export, lexicon) so bursts stay inside Mixpanel's
  published limits instead of collecting 429s (:mod:`mixpanel_data._pacing`);
- **raises our exceptions**, never httpx's: :class:`~mixpanel_data.exceptions.TransportError`
  and :class:`~mixpanel_data.exceptions.TimeoutError_` while sending, and, while a body is read,
  :class:`~mixpanel_data.exceptions.TruncatedBodyError` for a body cut short (a gzip body must
  end with its trailer). A body of known length up to :data:`PREREAD_BYTES` is read before the
  response is handed out, so a cut there is retried like a dropped connection; longer and
  streamed bodies are the reader's (a cut mid-export is the fetcher's to download again);
- **logs** each decision on ``mixpanel_data.transport`` at DEBUG: method, path, status, attempt
  and wait, never headers, auth or query strings.

Error answers (non-2xx) are returned, not raised: callers map them with
:func:`~mixpanel_data._transport.errors.error_from_response`.

Example:
    >>> client = build_http_client("app", "https://mixpanel.com", creds)    # doctest: +SKIP
    >>> raise_for_status(client.get("/api/query/events/names"))              # doctest: +SKIP
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import httpx

from mixpanel_data._credentials import Credentials
from mixpanel_data._pacing import (
    DEFAULT_PACING,
    NO_TICKET,
    PacingPolicy,
    Ticket,
    default_pacing,
    pacing_family,
    shared_pacer,
)
from mixpanel_data._transport.body import CHECKED, CheckedStream
from mixpanel_data._transport.errors import mapped_error
from mixpanel_data._transport.redaction import install_log_redaction
from mixpanel_data._transport.retry import GiveUp, RetryPolicy, decide
from mixpanel_data._version import __version__
from mixpanel_data.exceptions import TransportError, TruncatedBodyError, ValidationError

logger = logging.getLogger("mixpanel_data.transport")

USER_AGENT = f"mixpanel_data/{__version__} (python-httpx)"
HOST_FAMILIES = ("app", "data", "ingestion")

# Request extension: set ``extensions={NO_RETRY: True}`` on a request that must never be repeated.
NO_RETRY = "mixpanel_data.no_retry"
# Request extension: ``extensions={IDEMPOTENT: True}`` marks a request that is safe to repeat even
# though its method is not (a POST that only reads, or whose data makes a repeat harmless).
IDEMPOTENT = "mixpanel_data.idempotent"

# Bodies of a known length up to this are read inside the transport (see the module doc).
PREREAD_BYTES = 8 << 20

# Failures after which the request may be tried again (as decide() says). The first two mean the
# connection was never made, so the server cannot have seen the request. Read/write/pool
# *timeouts* are not here: the server is slow, and asking again would only multiply the wait.
_NOT_SENT: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
_DROPPED: tuple[type[httpx.TransportError], ...] = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


def _failure_name(failure: TransportError) -> str:
    """The httpx failure behind ours (``RemoteProtocolError``, ...), for the log."""
    cause = failure.__cause__
    return type(cause).__name__ if cause is not None else type(failure).__name__


def default_timeout(family: str) -> httpx.Timeout:
    """Timeouts per host family: 10 s connect/pool, 60 s read/write; ``data`` (export) reads 600 s.

    Example:
        >>> default_timeout("data").read
        600.0
    """
    read = 600.0 if family == "data" else 60.0
    return httpx.Timeout(connect=10.0, read=read, write=60.0, pool=10.0)


@dataclass
class RetryTransport(httpx.BaseTransport):
    """An httpx transport that paces, retries, checks bodies and maps errors around another.

    Args:
        inner: the transport that does the I/O (``httpx.HTTPTransport()``; a ``MockTransport`` in
            tests).
        retry: the retry policy (see :func:`~mixpanel_data._transport.retry.decide`).
        pacing: pacing policy per family (see :data:`DEFAULT_PACING`); ``{}`` turns pacing off.
        pacing_scope: which shared pacers to use (normally host + project id).
        sleep: how to wait between attempts (tests pass a recorder).
        clock: seconds on a monotonic clock (for the deadline).
        rng: the random source for jitter.

    Example:
        >>> t = RetryTransport(httpx.HTTPTransport(), retry=RetryPolicy(attempts=2))
        >>> client = httpx.Client(transport=t, base_url="https://mixpanel.com")
    """

    inner: httpx.BaseTransport
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    pacing: Mapping[str, PacingPolicy] = field(default_factory=lambda: dict(DEFAULT_PACING))
    pacing_scope: str = ""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        policy = replace(self.retry, attempts=1) if request.extensions.get(NO_RETRY) else self.retry
        idempotent = bool(request.extensions.get(IDEMPOTENT))
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            response, failure, reached = self._attempt(request, policy, attempt)
            status = response.status_code if response is not None else None
            if response is not None and status not in policy.retry_statuses:
                self._log(request, str(status), attempt, policy, "")
                return response
            decision = decide(
                request.method,
                status,
                response.headers if response is not None else {},
                attempt,
                self.clock() - started,
                policy=policy,
                idempotent=idempotent,
                reached=reached,
                jitter=self.rng.random(),
            )
            outcome = str(status) if failure is None else _failure_name(failure)
            if isinstance(decision, GiveUp):
                self._log(request, outcome, attempt, policy, f"giving up ({decision.reason})")
                if failure is not None:
                    raise failure
                assert response is not None
                return response  # an error answer: the caller maps it (error_from_response)
            if response is not None:
                response.close()
            note = " (Retry-After)" if "Retry-After" in decision.reason else ""
            self._log(
                request, outcome, attempt, policy, f"retrying in {decision.seconds:.2f} s{note}"
            )
            self.sleep(decision.seconds)

    def _attempt(
        self, request: httpx.Request, policy: RetryPolicy, attempt: int
    ) -> tuple[httpx.Response | None, TransportError | None, bool]:
        """Send once: ``(response, None, True)``, or ``(None, failure, reached)`` for a failure
        that :func:`decide` may retry; any other failure is raised at once."""
        method, path = request.method, request.url.path
        family = pacing_family(path)
        pace = self.pacing.get(family) if family else None
        ticket = (
            shared_pacer(self.pacing_scope, family, pace).acquire(method, path)
            if family and pace
            else NO_TICKET
        )
        try:
            response = self.inner.handle_request(request)
        except httpx.TransportError as err:
            ticket.release()
            failure = mapped_error(err, request)
            failure.__cause__ = err
            if not isinstance(err, _NOT_SENT + _DROPPED):
                self._log(request, type(err).__name__, attempt, policy, "giving up")
                raise failure from err
            return None, failure, not isinstance(err, _NOT_SENT)
        except BaseException:
            ticket.release()
            raise
        ticket.sent()
        response.stream = response.extensions[CHECKED] = self._checked(response, request, ticket)
        if response.status_code not in policy.retry_statuses:
            try:
                self._preread(response)
            except TruncatedBodyError as cut:  # the answer began and was cut: it reached
                return None, cut, True
        return response, None, True

    @staticmethod
    def _checked(response: httpx.Response, request: httpx.Request, ticket: Ticket) -> CheckedStream:
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        return CheckedStream(
            stream,
            request,
            gzip="gzip" in response.headers.get("Content-Encoding", "").lower()
            and request.method != "HEAD"
            and response.status_code not in (204, 304),
            on_close=ticket.release if ticket is not NO_TICKET else None,
        )

    @staticmethod
    def _preread(response: httpx.Response) -> None:
        """Read a body of known, modest length now, so that a cut in it can be retried."""
        try:
            length = int(response.headers.get("Content-Length", ""))
        except ValueError:
            return
        if length > PREREAD_BYTES:
            return
        stream = response.stream
        assert isinstance(stream, CheckedStream)
        try:
            body = b"".join(stream)
        finally:
            stream.close()
        response.stream = httpx.ByteStream(body)
        response.extensions.pop(CHECKED, None)

    @staticmethod
    def _log(
        request: httpx.Request, outcome: str, attempt: int, policy: RetryPolicy, then: str
    ) -> None:
        logger.debug(
            "%s %s -> %s (attempt %d/%d)%s",
            request.method,
            request.url.path,
            outcome,
            attempt,
            policy.attempts,
            f"; {then}" if then else "",
        )

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"RetryTransport(inner={type(self.inner).__name__}, retry={self.retry!r})"


# Which credential goes in the Authorization header, by host family (first one present wins).
# The ingestion host prefers the project secret: /import accepts both, feature-flag evaluation
# wants the project secret. GDPR calls add their Bearer header per call.
_AUTH_ORDER: Mapping[str, tuple[str, ...]] = {
    "app": ("service_account", "project_secret"),
    "data": ("service_account", "project_secret"),
    "ingestion": ("project_secret", "service_account"),
}


def auth_header(family: str, credentials: Credentials) -> str | None:
    """The ``Authorization`` value a host family's client sends by default (``None``: none)."""
    for kind in _AUTH_ORDER.get(family, _AUTH_ORDER["app"]):
        value = (
            credentials.service_account_header()
            if kind == "service_account"
            else credentials.project_secret_header()
        )
        if value is not None:
            return value
    return None


def build_http_client(
    family: str,
    base_url: str,
    credentials: Credentials,
    *,
    timeout: httpx.Timeout | float | None = None,
    retry: RetryPolicy | None = None,
    pacing: Mapping[str, PacingPolicy] | None = None,
    sleep: Callable[[float], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] | None = None,
) -> httpx.Client:
    """The configured :class:`httpx.Client` for one host family (``app``, ``data``, ``ingestion``).

    It has explicit timeouts (:func:`default_timeout` unless given), our ``User-Agent``,
    ``Accept-Encoding: gzip``, the family's ``Authorization`` header, and a
    :class:`RetryTransport` around ``transport`` (default ``httpx.HTTPTransport()``).
    ``pacing=None`` picks :func:`default_pacing` for the host; ``{}`` turns pacing off.
    ``sleep`` and ``clock`` replace :func:`time.sleep` and :func:`time.monotonic` (tests).

    Example:
        >>> client = build_http_client("data", "https://x.mixpanel.com", creds)  # doctest: +SKIP
        >>> client.timeout.read  # doctest: +SKIP
        600.0
    """
    if family not in HOST_FAMILIES:
        raise ValidationError(
            f"unknown host family {family!r}; expected one of {', '.join(HOST_FAMILIES)}"
        )
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
    value = auth_header(family, credentials)
    if value is not None:
        headers["Authorization"] = value
    url = httpx.URL(base_url)
    retry_transport = RetryTransport(
        inner=transport if transport is not None else httpx.HTTPTransport(),
        retry=retry or RetryPolicy(),
        pacing=pacing if pacing is not None else default_pacing(url.host),
        pacing_scope=f"{url.scheme}://{url.netloc.decode('ascii')}|{credentials.project_id}",
        sleep=sleep or time.sleep,
        clock=clock or time.monotonic,
    )
    install_log_redaction()
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=timeout if timeout is not None else default_timeout(family),
        transport=retry_transport,
        follow_redirects=False,
    )


__all__ = [
    "HOST_FAMILIES",
    "IDEMPOTENT",
    "NO_RETRY",
    "PREREAD_BYTES",
    "USER_AGENT",
    "RetryTransport",
    "auth_header",
    "build_http_client",
    "default_timeout",
]
