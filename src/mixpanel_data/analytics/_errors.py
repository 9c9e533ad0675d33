"""The one error the analytics functions raise: a request Mixpanel would refuse.

The server turns it into Mixpanel's error body, ``{"error": message, "status": "error"}``, with
``status`` as the HTTP status.

Example:
    >>> err = AnalyticsError(400, "from_date must be YYYY-MM-DD", parameter="from_date")
    >>> err.status, err.parameter
    (400, 'from_date')
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """A query the sandbox answers with an HTTP error instead of data.

    Attributes:
        status: the HTTP status to answer with (400 bad parameters, 404 unknown report).
        message: one line for the ``error`` field of the body.
        parameter: the query parameter at fault, when there is one.
    """

    def __init__(self, status: int, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter

    def body(self) -> dict[str, str]:
        """Mixpanel's error body for this error."""
        return {"error": self.message, "status": "error"}

    def __repr__(self) -> str:
        return f"AnalyticsError(status={self.status}, message={self.message!r})"
