"""The sandbox server's routes for the analytics reports (its ``ROUTES`` convention).

Each route reads the sandbox's tables through a cursor of :class:`SandboxData`, builds the
:class:`AnalyticsContext` from the sandbox's clock and fixtures (saved funnels and saved
reports, read per request because endpoints may add or remove them), and answers Mixpanel's
JSON body; a CSV body (``format=csv``) goes out as ``text/csv``. An :class:`AnalyticsError`
becomes Mixpanel's error body with its status. Every route authenticates like the other query
endpoints (service account + ``project_id``, or the project secret).

Example:
    >>> sorted(r.path for r in ROUTES)[:2]
    ['/api/query/arb_funnels', '/api/query/events']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mixpanel_data.analytics._errors import AnalyticsError
from mixpanel_data.analytics._registry import ENDPOINTS, AnalyticsContext, Handler
from mixpanel_data.analytics.funnels import FunnelDef
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError

CSV_TYPE = "text/csv; charset=utf-8"


def saved_funnel(spec: Mapping[str, Any]) -> FunnelDef:
    """A saved funnel of the sandbox's fixtures (``steps`` as ``[{"event": name}]``; a window
    saved in weeks or months counts 7 or 30 days per unit).

    Example:
        >>> saved_funnel({"name": "f", "steps": [{"event": "A"}], "length": 2,
        ...               "length_unit": "week"}).window_seconds()
        1209600
    """
    steps = [s["event"] if isinstance(s, Mapping) else str(s) for s in spec.get("steps", [])]
    length = int(spec.get("length", 7))
    unit = str(spec.get("length_unit", "day"))
    if unit in ("week", "month"):
        length, unit = length * (7 if unit == "week" else 30), "day"
    return FunnelDef(name=str(spec.get("name", "")), steps=steps, length=length, length_unit=unit)


def context_of(data: Any) -> AnalyticsContext:
    """The :class:`AnalyticsContext` of a :class:`SandboxData` right now."""
    fixtures = data.fixtures
    return AnalyticsContext(
        today=data.today,
        funnels={int(f["funnel_id"]): saved_funnel(f) for f in list(fixtures.funnels)},
        bookmarks={int(b["id"]): b for b in list(fixtures.bookmarks)},
    )


def route(method: str, path: str, handler: Handler) -> Route:
    """A server route answering ``handler``'s body."""

    def serve(req: Request) -> Response:
        data = req.state.data
        context = context_of(data)
        try:
            with data.cursor() as cur:
                body = handler(cur, req.query, context)
        except AnalyticsError as err:
            raise SandboxHTTPError(err.status, err.message) from None
        if isinstance(body, str):
            return Response.text(body, content_type=CSV_TYPE)
        return Response.json(body)

    serve.__name__ = serve.__qualname__ = handler.__name__
    serve.__doc__ = handler.__doc__
    return Route(method, path, "project", serve)


ROUTES = [route(method, path, handler) for (method, path), handler in ENDPOINTS.items()]
