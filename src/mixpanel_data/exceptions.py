"""Every error mixpanel_data raises, in one tree.

::

    MixpanelDataError                 code UNKNOWN_ERROR
    ├── ConfigError                   CONFIG_ERROR        config file or credentials problem
    │   ├── AccountNotFoundError      ACCOUNT_NOT_FOUND
    │   ├── AccountExistsError        ACCOUNT_EXISTS
    │   ├── NoCredentialsError        NO_CREDENTIALS      nothing (or not enough) configured
    │   └── InvalidCredentialsError   INVALID_CREDENTIALS a value that cannot be used (region)
    ├── ValidationError               INVALID_ARGUMENT    bad input caught before any call
    │   └── ExpressionError           INVALID_EXPRESSION  a where/on expression that does not parse
    ├── APIError                      API_ERROR           Mixpanel (or the sandbox) said no
    │   ├── AuthenticationError       AUTH_FAILED         401 / 403
    │   ├── RateLimitError            RATE_LIMITED        429, with ``retry_after``
    │   ├── QueryError                QUERY_FAILED        400 and other rejected queries
    │   │   └── JQLError              JQL_ERROR           a JQL script failed (syntax or run time)
    │   ├── NotFoundError             NOT_FOUND           404: unknown funnel, bookmark, ...
    │   └── ServerError               SERVER_ERROR        5xx
    ├── TransportError                TRANSPORT_ERROR     no usable answer: connection, timeout
    │   ├── TimeoutError_             TIMEOUT
    │   └── TruncatedBodyError        TRUNCATED_BODY      the answer began, then stopped short
    ├── DataError                     DATA_ERROR          a response not shaped as promised
    ├── TableExistsError              TABLE_EXISTS
    ├── TableNotFoundError            TABLE_NOT_FOUND
    ├── DatabaseLockedError           DATABASE_LOCKED     another process holds the DuckDB file
    └── FetchError                    FETCH_FAILED        a fetch stopped part-way (resumable)

Retrying is decided by type, never by message text: ``RateLimitError``, ``ServerError`` and
``TransportError`` are :class:`Transient`; everything else is final.

No message, ``repr`` or ``to_dict()`` ever contains a secret: request details are kept as method,
path and the non-secret query parameters only.

Example:
    >>> err = RateLimitError("slow down", status=429, retry_after=2.0)
    >>> err.to_dict()["code"], err.retry_after
    ('RATE_LIMITED', 2.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Query parameters that may carry a secret; they are never stored on an exception.
_SECRET_PARAMS = frozenset({"token", "api_secret", "secret", "password", "access_token"})


def safe_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return ``params`` without any parameter that may hold a secret."""
    if not params:
        return {}
    return {k: v for k, v in params.items() if k.lower() not in _SECRET_PARAMS}


class Transient:
    """Marker: the same request may succeed if tried again later."""


class MixpanelDataError(Exception):
    """Base class of every error raised by mixpanel_data.

    Attributes:
        message: one line saying what went wrong.
        code: a stable machine-readable code (the class's ``code`` unless overridden).
        details: extra JSON-serialisable context (never secrets).
    """

    code: str = "UNKNOWN_ERROR"
    exit_code: int = 1

    def __init__(
        self, message: str, *, code: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = dict(details or {})

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view: ``{"code", "message", "details", "type"}``."""
        return {
            "code": self.code,
            "type": type(self).__name__,
            "message": self.message,
            "details": self.details,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigError(MixpanelDataError):
    """The config file or the credentials cannot be used."""

    code = "CONFIG_ERROR"


class AccountNotFoundError(ConfigError):
    """No account with that name is configured."""

    code = "ACCOUNT_NOT_FOUND"
    exit_code = 4


class AccountExistsError(ConfigError):
    """An account with that name is already configured."""

    code = "ACCOUNT_EXISTS"


class NoCredentialsError(ConfigError):
    """No credentials are configured, or the ``MP_*`` variables are incomplete (exit code 2)."""

    code = "NO_CREDENTIALS"
    exit_code = 2


class InvalidCredentialsError(ConfigError):
    """A credential value cannot be used, e.g. ``MP_REGION=mars`` (exit code 3)."""

    code = "INVALID_CREDENTIALS"
    exit_code = 3


class ValidationError(MixpanelDataError, ValueError):
    """An argument was rejected before any request was made."""

    code = "INVALID_ARGUMENT"
    exit_code = 3


class ExpressionError(ValidationError):
    """A ``where``/``on`` expression does not parse.

    Attributes:
        expression: the text that was given.
        position: 0-based offset of the problem in ``expression``, when known.
    """

    code = "INVALID_EXPRESSION"

    def __init__(self, message: str, *, expression: str = "", position: int | None = None) -> None:
        super().__init__(message, details={"expression": expression, "position": position})
        self.expression = expression
        self.position = position


class APIError(MixpanelDataError):
    """Mixpanel answered with an error status.

    Attributes:
        status: the HTTP status code.
        method, path, params: the request, without secrets.
        response_body: Mixpanel's error body (parsed JSON when possible, else text, truncated).
    """

    code = "API_ERROR"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        params: Mapping[str, Any] | None = None,
        response_body: Any = None,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        extra = {
            "status": status,
            "method": method,
            "path": path,
            "params": safe_params(params),
        }
        if response_body is not None:
            extra["response_body"] = response_body
        extra.update(details or {})
        super().__init__(message, code=code, details=extra)
        self.status = status
        self.method = method
        self.path = path
        self.params = safe_params(params)
        self.response_body = response_body


class AuthenticationError(APIError):
    """The credentials were missing, wrong, or not allowed to do this (401/403)."""

    code = "AUTH_FAILED"
    exit_code = 2


class RateLimitError(APIError, Transient):
    """Mixpanel said to slow down (429) and the retries ran out.

    Attributes:
        retry_after: seconds Mixpanel asked to wait, when it said.
    """

    code = "RATE_LIMITED"
    exit_code = 5

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        details = dict(kw.pop("details", None) or {})
        details["retry_after"] = retry_after
        super().__init__(message, details=details, **kw)
        self.retry_after = retry_after


class QueryError(APIError):
    """The query was rejected (400) or could not be run as asked."""

    code = "QUERY_FAILED"
    exit_code = 3


class JQLError(QueryError):
    """A JQL script failed; ``details`` carries Mixpanel's error type, message and line."""

    code = "JQL_ERROR"


class NotFoundError(APIError):
    """The named object (funnel, bookmark, cohort, ...) does not exist (404)."""

    code = "NOT_FOUND"
    exit_code = 4


class ServerError(APIError, Transient):
    """Mixpanel failed (5xx) and the retries ran out."""

    code = "SERVER_ERROR"


class TransportError(MixpanelDataError, Transient):
    """No usable answer: the connection failed, was cut, or timed out."""

    code = "TRANSPORT_ERROR"


class TimeoutError_(TransportError):
    """The server did not answer within the configured timeout."""

    code = "TIMEOUT"


class TruncatedBodyError(TransportError):
    """An answer began (status and headers arrived) but its body stopped short.

    The connection closed inside the body, or a gzip body ended before its end-of-stream and
    CRC/size trailer. Asking again for the same data is the remedy; what was read so far is
    incomplete.
    """

    code = "TRUNCATED_BODY"


class DataError(MixpanelDataError):
    """A response did not have the shape the API promises (e.g. a malformed export line)."""

    code = "DATA_ERROR"


class TableExistsError(MixpanelDataError):
    """The table already exists; pass ``append=True`` or drop it first."""

    code = "TABLE_EXISTS"


class TableNotFoundError(MixpanelDataError):
    """No table with that name is in the local store."""

    code = "TABLE_NOT_FOUND"
    exit_code = 4


class DatabaseLockedError(MixpanelDataError):
    """Another process has the DuckDB file open for writing."""

    code = "DATABASE_LOCKED"


class FetchError(MixpanelDataError):
    """A fetch stopped part-way; nothing half-written was kept. ``details['resume']`` says how."""

    code = "FETCH_FAILED"


__all__ = [
    "APIError",
    "AccountExistsError",
    "AccountNotFoundError",
    "AuthenticationError",
    "ConfigError",
    "DataError",
    "DatabaseLockedError",
    "ExpressionError",
    "FetchError",
    "InvalidCredentialsError",
    "JQLError",
    "MixpanelDataError",
    "NoCredentialsError",
    "NotFoundError",
    "QueryError",
    "RateLimitError",
    "ServerError",
    "TableExistsError",
    "TableNotFoundError",
    "TimeoutError_",
    "Transient",
    "TransportError",
    "TruncatedBodyError",
    "ValidationError",
    "safe_params",
]
