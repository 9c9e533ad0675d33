"""The one HTTP transport mixpanel_data owns: retries, pacing, body checks, errors, timeouts.

Modules:

- :mod:`.retry`: :class:`RetryPolicy` and :func:`decide`, the pure retry rules;
- :mod:`.client`: :class:`RetryTransport` and :func:`build_http_client`;
- :mod:`.body`: reading a body (errors mapped, gzip bodies checked to their trailer);
- :mod:`.errors`: error answers and httpx failures to our exceptions;
- :mod:`.redaction`: no secrets in httpx's logs.

Only :mod:`mixpanel_data._api` imports this package; services go through ``_api``.

Example:
    >>> client = build_http_client("app", "https://mixpanel.com", creds)    # doctest: +SKIP
    >>> raise_for_status(client.get("/api/query/events/names"))              # doctest: +SKIP
"""

from mixpanel_data._transport.body import inflated
from mixpanel_data._transport.client import (
    HOST_FAMILIES,
    IDEMPOTENT,
    NO_RETRY,
    USER_AGENT,
    RetryTransport,
    auth_header,
    build_http_client,
    default_timeout,
)
from mixpanel_data._transport.errors import (
    error_from_response,
    mapped_error,
    raise_for_status,
    transport_errors,
)
from mixpanel_data._transport.redaction import install_log_redaction
from mixpanel_data._transport.retry import GiveUp, RetryPolicy, Wait, decide, parse_retry_after

__all__ = [
    "HOST_FAMILIES",
    "IDEMPOTENT",
    "NO_RETRY",
    "USER_AGENT",
    "GiveUp",
    "RetryPolicy",
    "RetryTransport",
    "Wait",
    "auth_header",
    "build_http_client",
    "decide",
    "default_timeout",
    "error_from_response",
    "inflated",
    "install_log_redaction",
    "mapped_error",
    "parse_retry_after",
    "raise_for_status",
    "transport_errors",
]
