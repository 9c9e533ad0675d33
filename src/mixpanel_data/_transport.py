"""The one HTTP transport mixpanel_data owns: retries, client-side pacing, errors, timeouts.

Every request to Mixpanel (or the sandbox) goes through an :class:`httpx.Client` made by
:func:`build_http_client`, whose transport is a :class:`RetryTransport`:

- **Retries** 429 (waiting ``Retry-After`` when given, up to ``max_retry_after``), 500/502/503/504
  and connection failures (refused, reset, closed without an answer), with capped exponential
  backoff and full jitter, for at most ``attempts`` tries. Other 4xx are never retried. A streamed
  response is retried only until its status line arrives; a cut mid-body is the caller's to resume.
- **Paces** calls per API family (query, export, lexicon) so bursts stay inside Mixpanel's published
  limits instead of collecting 429s: a sliding-window rate limit plus a concurrency cap. Servers
  that are not Mixpanel (the sandbox, a proxy) get the concurrency caps only, unless told otherwise.
- **Logs** each decision on ``mixpanel_data.transport`` at DEBUG: method, path, status, attempt and
  wait, never headers, auth or query strings.

Answers are not raised by the transport: callers turn a non-2xx response into the right
:class:`~mixpanel_data.exceptions.APIError` with :func:`raise_for_status` /
:func:`error_from_response`, and wrap calls in :func:`transport_errors` to turn httpx exceptions
into ours.

Example:
    >>> client = build_http_client("app", "https://mixpanel.com", creds)    # doctest: +SKIP
    >>> with transport_errors():                                            # doctest: +SKIP
    ...     raise_for_status(client.get("/api/query/events/names", params={"type": "general"}))
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from mixpanel_data._credentials import Credentials
from mixpanel_data._pacing import (
    DEFAULT_PACING,
    NO_TICKET,
    PacingPolicy,
    default_pacing,
    pacing_family,
    shared_pacer,
)
from mixpanel_data._version import __version__
from mixpanel_data.exceptions import (
    APIError,
    AuthenticationError,
    JQLError,
    NotFoundError,
    QueryError,
    RateLimitError,
    ServerError,
    TimeoutError_,
    TransportError,
    ValidationError,
    safe_params,
)

logger = logging.getLogger("mixpanel_data.transport")

USER_AGENT = f"mixpanel_data/{__version__} (python-httpx)"
HOST_FAMILIES = ("app", "data", "ingestion")

# Request extension: set ``extensions={NO_RETRY: True}`` on a request that must never be repeated.
NO_RETRY = "mixpanel_data.no_retry"
# Request extension: ``extensions={IDEMPOTENT: True}`` marks a request that is safe to repeat even
# though its method is not (a POST that only reads, or whose data makes a repeat harmless).
IDEMPOTENT = "mixpanel_data.idempotent"

# Failures where no answer arrived and trying again is reasonable. Read/write *timeouts* are not
# here: the server is slow, and asking again would only multiply the wait.
RETRYABLE_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


def default_timeout(family: str) -> httpx.Timeout:
    """Timeouts per host family: 10 s connect/pool, 60 s read/write; ``data`` (export) reads 600 s.

    Example:
        >>> default_timeout("data").read
        600.0
    """
    read = 600.0 if family == "data" else 60.0
    return httpx.Timeout(connect=10.0, read=read, write=60.0, pool=10.0)


# -- retry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Attributes:
        attempts: tries in all, the first one included (``1`` turns retrying off).
        backoff_base: the first backoff cap in seconds; it doubles per attempt ...
        backoff_max: ... up to this. The wait is uniform in ``[0, cap]`` (full jitter).
        max_retry_after: the longest ``Retry-After`` worth waiting; a longer one ends the retries
            at once, so the caller gets :class:`RateLimitError` with the server's ``retry_after``.
        retry_statuses: statuses that are retried.

    Example:
        >>> RetryPolicy().attempts, RetryPolicy(attempts=1).attempts
        (4, 1)
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValidationError("RetryPolicy.attempts must be at least 1")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.max_retry_after < 0:
            raise ValidationError("RetryPolicy waits must not be negative")

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), with full jitter."""
        cap = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return (rng or random).uniform(0.0, cap)


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


class _ReleaseOnClose(httpx.SyncByteStream):
    """A response stream that frees the pacer's concurrency slot when it is closed."""

    def __init__(self, stream: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._release()


# -- the transport ----------------------------------------------------------------------------


@dataclass
class RetryTransport(httpx.BaseTransport):
    """An httpx transport that paces, retries and logs around an inner transport.

    Args:
        inner: the transport that does the I/O (``httpx.HTTPTransport()``; a ``MockTransport`` in
            tests).
        retry: the retry policy.
        pacing: pacing policy per family (see :data:`DEFAULT_PACING`); ``{}`` turns pacing off.
        pacing_scope: which shared pacers to use (normally host + project id).
        sleep: how to wait between attempts (tests pass a recorder).
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
    rng: random.Random = field(default_factory=random.Random)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method, path = request.method, request.url.path
        attempts = 1 if request.extensions.get(NO_RETRY) else self.retry.attempts
        family = pacing_family(path)
        policy = self.pacing.get(family) if family else None
        attempt = 0
        while True:
            attempt += 1
            ticket = (
                shared_pacer(self.pacing_scope, family, policy).acquire(method, path)
                if family and policy
                else NO_TICKET
            )
            try:
                response = self.inner.handle_request(request)
            except RETRYABLE_ERRORS as err:
                ticket.release()
                if attempt >= attempts:
                    logger.debug(
                        "%s %s -> %s (attempt %d/%d); giving up",
                        method,
                        path,
                        type(err).__name__,
                        attempt,
                        attempts,
                    )
                    raise
                wait = self.retry.backoff(attempt, self.rng)
                logger.debug(
                    "%s %s -> %s (attempt %d/%d); retrying in %.2f s",
                    method,
                    path,
                    type(err).__name__,
                    attempt,
                    attempts,
                    wait,
                )
                self.sleep(wait)
                continue
            except BaseException:
                ticket.release()
                raise
            ticket.sent()
            status = response.status_code
            if status not in self.retry.retry_statuses or attempt >= attempts:
                logger.debug(
                    "%s %s -> %d (attempt %d/%d)%s",
                    method,
                    path,
                    status,
                    attempt,
                    attempts,
                    "; giving up" if status in self.retry.retry_statuses else "",
                )
                if ticket is not NO_TICKET:
                    stream = response.stream
                    assert isinstance(stream, httpx.SyncByteStream)
                    response.stream = _ReleaseOnClose(stream, ticket.release)
                return response
            retry_after = (
                parse_retry_after(response.headers.get("Retry-After")) if status == 429 else None
            )
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                logger.debug(
                    "%s %s -> %d (attempt %d/%d); Retry-After %.0f s is beyond %.0f s, giving up",
                    method,
                    path,
                    status,
                    attempt,
                    attempts,
                    retry_after,
                    self.retry.max_retry_after,
                )
                stream = response.stream
                if ticket is not NO_TICKET and isinstance(stream, httpx.SyncByteStream):
                    response.stream = _ReleaseOnClose(stream, ticket.release)
                return response
            response.close()
            ticket.release()
            wait = retry_after if retry_after is not None else self.retry.backoff(attempt, self.rng)
            logger.debug(
                "%s %s -> %d (attempt %d/%d); retrying in %.2f s%s",
                method,
                path,
                status,
                attempt,
                attempts,
                wait,
                " (Retry-After)" if retry_after is not None else "",
            )
            self.sleep(wait)

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"RetryTransport(inner={type(self.inner).__name__}, retry={self.retry!r})"


# -- building a client ------------------------------------------------------------------------

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
) -> httpx.Client:
    """The configured :class:`httpx.Client` for one host family (``app``, ``data``, ``ingestion``).

    It has explicit timeouts (:func:`default_timeout` unless given), our ``User-Agent``,
    ``Accept-Encoding: gzip``, the family's ``Authorization`` header, and a
    :class:`RetryTransport` around ``transport`` (default ``httpx.HTTPTransport()``).
    ``pacing=None`` picks :func:`default_pacing` for the host; ``{}`` turns pacing off.

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
    )
    install_log_redaction()
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=timeout if timeout is not None else default_timeout(family),
        transport=retry_transport,
        follow_redirects=False,
    )


# -- errors -----------------------------------------------------------------------------------

_MAX_BODY_CHARS = 2000
_MAX_MESSAGE_CHARS = 300
_JQL_LOCATION = re.compile(r"<anonymous>:(\d+)(?::(\d+))?")
_ERROR_TYPE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*(?:Error|Exception)):\s*")


def _body_of(response: httpx.Response) -> Any:
    try:
        response.read()
    except (httpx.HTTPError, httpx.StreamError):
        return None
    try:
        return response.json()
    except ValueError:
        text = response.text
        return text[:_MAX_BODY_CHARS] if text else None


def _error_text(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("error", "message", "detail", "details"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
        return ""
    if isinstance(body, str):
        return body
    return ""


def _one_line(text: str, limit: int = _MAX_MESSAGE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scrub_body(body: Any) -> Any:
    """Drop query strings from the echoed ``request`` field (it may carry a token)."""
    if isinstance(body, dict) and isinstance(body.get("request"), str):
        body = {**body, "request": body["request"].split("?", 1)[0]}
    return body


def error_from_response(
    response: httpx.Response,
    *,
    method: str | None = None,
    path: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> APIError:
    """The :class:`APIError` subclass for an error response, with Mixpanel's message in one line.

    401/403 → :class:`AuthenticationError`, 404 → :class:`NotFoundError`, 429 →
    :class:`RateLimitError` (``retry_after`` from the header), 412 from JQL (or any JQL failure)
    → :class:`JQLError`, other 4xx → :class:`QueryError`, 5xx → :class:`ServerError`, anything
    else → :class:`APIError`. ``method``, ``path`` and ``params`` default to the response's
    request; secret parameters are never kept.

    Example:
        >>> r = httpx.Response(404, json={"error": "no such funnel"},
        ...                    request=httpx.Request("GET", "https://x/api/query/funnels"))
        >>> error_from_response(r).message
        'GET /api/query/funnels failed (HTTP 404): no such funnel'
    """
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:
        request = None
    if method is None:
        method = request.method if request is not None else "?"
    if path is None:
        path = request.url.path if request is not None else "?"
    if params is None and request is not None:
        params = dict(request.url.params.multi_items())
    status = response.status_code
    body = _scrub_body(_body_of(response))
    text = _one_line(_error_text(body)) or response.reason_phrase or "no details"
    message = f"{method} {path} failed (HTTP {status}): {text}"
    common: dict[str, Any] = {
        "status": status,
        "method": method,
        "path": path,
        "params": safe_params(params),
        "response_body": body,
    }
    is_jql = "jql" in path.lower() or (
        isinstance(body, dict) and "jql" in str(body.get("request", "")).lower()
    )
    if status in (401, 403):
        return AuthenticationError(message, **common)
    if status == 404:
        return NotFoundError(message, **common)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            message += f"; retry after {retry_after:g} s"
        return RateLimitError(message, retry_after=retry_after, **common)
    if status == 412 or (is_jql and status == 400):
        if is_jql:
            raw = _error_text(body)
            details: dict[str, Any] = {}
            kind = _ERROR_TYPE.match(raw)
            if kind:
                details["error_type"] = kind.group(1)
            where = _JQL_LOCATION.search(raw)
            if where:
                details["line"] = int(where.group(1))
                if where.group(2):
                    details["column"] = int(where.group(2))
            details["error_message"] = _one_line(raw, _MAX_BODY_CHARS)
            return JQLError(message, details=details, **common)
        return QueryError(message, **common)
    if 400 <= status < 500:
        return QueryError(message, **common)
    if 500 <= status < 600:
        return ServerError(message, **common)
    return APIError(message, **common)


def raise_for_status(response: httpx.Response) -> httpx.Response:
    """Return ``response`` if it is 2xx, else raise :func:`error_from_response` for it."""
    if response.is_success:
        return response
    raise error_from_response(response)


_TIMEOUT_PHASES: Mapping[type[httpx.TimeoutException], tuple[str, str]] = {
    httpx.ConnectTimeout: ("connect", "connecting to the server"),
    httpx.ReadTimeout: ("read", "waiting for the server to answer"),
    httpx.WriteTimeout: ("write", "sending the request"),
    httpx.PoolTimeout: ("pool", "waiting for a free connection"),
}
_URL_QUERY = re.compile(r"\?\S*")


def _request_of(err: httpx.RequestError) -> httpx.Request | None:
    try:
        return err.request
    except RuntimeError:
        return None


@contextmanager
def transport_errors(method: str | None = None, path: str | None = None) -> Iterator[None]:
    """Turn httpx failures inside the block into :class:`TimeoutError_` / :class:`TransportError`.

    Messages say what was being done, to which host and path; never the query string.

    Example:
        >>> with transport_errors():                                             # doctest: +SKIP
        ...     client.get("/api/query/segmentation", params=params)
    """
    try:
        yield
    except httpx.TimeoutException as err:
        request = _request_of(err)
        m = method or (request.method if request is not None else "request")
        p = path or (request.url.path if request is not None else "")
        host = request.url.host if request is not None else "the server"
        phase, doing = _TIMEOUT_PHASES.get(type(err), ("read", "waiting for the server"))
        limit = None
        if request is not None:
            limit = request.extensions.get("timeout", {}).get(phase)
        after = f" after {limit:g} s" if isinstance(limit, int | float) else ""
        raise TimeoutError_(
            f"{m} {p} to {host} timed out{after} {doing}; "
            "try again, ask for less data, or raise the timeout",
            details={"method": m, "path": p, "host": host, "phase": phase, "timeout": limit},
        ) from err
    except httpx.TransportError as err:
        request = _request_of(err)
        m = method or (request.method if request is not None else "request")
        p = path or (request.url.path if request is not None else "")
        host = request.url.netloc.decode("ascii") if request is not None else "the server"
        reason = _URL_QUERY.sub("", str(err)) or type(err).__name__
        raise TransportError(
            f"{m} {p}: no answer from {host} ({type(err).__name__}: {_one_line(reason, 200)})",
            details={"method": m, "path": p, "host": host, "error": type(err).__name__},
        ) from err


# -- logging ----------------------------------------------------------------------------------

_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:token|api_secret|secret|password|access_token)=)[^&#\s\"']*"
)


class _RedactQuerySecrets(logging.Filter):
    """Masks secret query parameters in URLs that httpx logs at INFO ("HTTP Request: GET ...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1[redacted]", str(a))
                if isinstance(a, httpx.URL | str) and "=" in str(a)
                else a
                for a in args
            )
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = _SECRET_QUERY.sub(r"\1[redacted]", record.msg)
        return True


_REDACTION = _RedactQuerySecrets()


def install_log_redaction() -> None:
    """Attach the secret-masking filter to httpx's logger (idempotent)."""
    httpx_logger = logging.getLogger("httpx")
    if _REDACTION not in httpx_logger.filters:
        httpx_logger.addFilter(_REDACTION)


__all__ = [
    "HOST_FAMILIES",
    "IDEMPOTENT",
    "NO_RETRY",
    "USER_AGENT",
    "RetryPolicy",
    "RetryTransport",
    "auth_header",
    "build_http_client",
    "default_timeout",
    "error_from_response",
    "install_log_redaction",
    "parse_retry_after",
    "raise_for_status",
    "transport_errors",
]
