"""From HTTP to our exceptions: error answers and httpx failures.

- :func:`error_from_response` / :func:`raise_for_status`: a non-2xx answer becomes the right
  :class:`~mixpanel_data.exceptions.APIError` (401 → ``AuthenticationError``, 429 →
  ``RateLimitError`` with ``retry_after``, ...), with Mixpanel's message on one line.
- :func:`mapped_error`: an httpx failure becomes :class:`~mixpanel_data.exceptions.TimeoutError_`,
  :class:`~mixpanel_data.exceptions.TruncatedBodyError` (the body stopped short) or
  :class:`~mixpanel_data.exceptions.TransportError`. The transport raises these itself, while
  sending and while a body is read; :func:`transport_errors` remains for code that holds an
  httpx client of its own.

Messages name the method, host and path, never the query string or a header.

Example:
    >>> r = httpx.Response(429, headers={"Retry-After": "7"},
    ...                    request=httpx.Request("GET", "https://x/api/query/insights"))
    >>> error_from_response(r).retry_after
    7.0
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from mixpanel_data._transport.retry import parse_retry_after
from mixpanel_data.exceptions import (
    APIError,
    AuthenticationError,
    JQLError,
    MixpanelDataError,
    NotFoundError,
    QueryError,
    RateLimitError,
    ServerError,
    TimeoutError_,
    TransportError,
    TruncatedBodyError,
    safe_params,
)

_MAX_BODY_CHARS = 2000
_MAX_MESSAGE_CHARS = 300
_JQL_LOCATION = re.compile(r"<anonymous>:(\d+)(?::(\d+))?")
_ERROR_TYPE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*(?:Error|Exception)):\s*")


def _body_of(response: httpx.Response) -> Any:
    try:
        response.read()
    except (httpx.HTTPError, httpx.StreamError, MixpanelDataError):
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


def mapped_error(
    err: httpx.TransportError | httpx.DecodingError,
    request: httpx.Request | None = None,
    *,
    method: str | None = None,
    path: str | None = None,
    received: int | None = None,
) -> TransportError:
    """Our exception for an httpx failure (the caller raises it ``from err``).

    ``received`` is the number of body bytes read before the failure; when it is given the
    failure happened inside the body, and anything but a timeout is a
    :class:`TruncatedBodyError`.

    Example:
        >>> req = httpx.Request("GET", "https://mixpanel.com/api/2.0/export?secret=x")
        >>> mapped_error(httpx.RemoteProtocolError("peer closed"), req, received=10).code
        'TRUNCATED_BODY'
    """
    request = request if request is not None else _request_of(err)
    m = method or (request.method if request is not None else "request")
    p = path or (request.url.path if request is not None else "")
    if isinstance(err, httpx.TimeoutException):
        host = request.url.host if request is not None else "the server"
        phase, doing = _TIMEOUT_PHASES.get(type(err), ("read", "waiting for the server"))
        limit = None
        if request is not None:
            limit = request.extensions.get("timeout", {}).get(phase)
        after = f" after {limit:g} s" if isinstance(limit, int | float) else ""
        return TimeoutError_(
            f"{m} {p} to {host} timed out{after} {doing}; "
            "try again, ask for less data, or raise the timeout",
            details={"method": m, "path": p, "host": host, "phase": phase, "timeout": limit},
        )
    host = request.url.netloc.decode("ascii") if request is not None else "the server"
    reason = _one_line(_URL_QUERY.sub("", str(err)) or type(err).__name__, 200)
    details: dict[str, Any] = {"method": m, "path": p, "host": host, "error": type(err).__name__}
    if received is not None:
        details["received_bytes"] = received
        return TruncatedBodyError(
            f"{m} {p}: the answer from {host} stopped short after {received} bytes "
            f"({type(err).__name__}: {reason})",
            details=details,
        )
    return TransportError(
        f"{m} {p}: no answer from {host} ({type(err).__name__}: {reason})", details=details
    )


@contextmanager
def transport_errors(method: str | None = None, path: str | None = None) -> Iterator[None]:
    """Turn httpx failures inside the block into our exceptions (see :func:`mapped_error`).

    The transport already raises ours; this is for an httpx client built elsewhere and for
    httpx's own decoding errors.

    Example:
        >>> with transport_errors():                                             # doctest: +SKIP
        ...     client.get("/api/query/segmentation", params=params)
    """
    try:
        yield
    except (httpx.TransportError, httpx.DecodingError) as err:
        raise mapped_error(err, method=method, path=path) from err


__all__ = [
    "error_from_response",
    "mapped_error",
    "raise_for_status",
    "transport_errors",
]
