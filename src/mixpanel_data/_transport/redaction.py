"""Keep secrets out of logs: httpx logs each URL at INFO, query string included.

Example:
    >>> install_log_redaction()
    >>> _SECRET_QUERY.sub(r"\\1[redacted]", "GET https://x/track?token=abc&ip=1")
    'GET https://x/track?token=[redacted]&ip=1'
"""

from __future__ import annotations

import logging
import re

import httpx

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


__all__ = ["install_log_redaction"]
