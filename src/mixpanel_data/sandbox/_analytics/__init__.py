"""The sandbox's computed reports: pure functions from DuckDB tables and query parameters to
Mixpanel's response bodies.

Each report is a function ``report(con, q, *, today, ...) -> body`` over the sandbox's
``events`` and ``profiles`` tables, where ``q`` holds the request's query parameters (one text
value each). Bad parameters raise :class:`AnalyticsError` (status 400; 404 for an unknown Flows
bookmark), which the server answers with ``{"error": ..., "status": "error"}``. A body is a
JSON-able ``dict``, or ``str`` for ``format=csv`` (answer it as ``text/csv``).

:data:`ENDPOINTS` maps ``(method, path)`` to a handler with one calling convention,
``handler(con, q, context)``, where :class:`AnalyticsContext` carries what some reports need
besides the tables: ``today`` (the sandbox's current day), the saved funnels and the saved
reports (bookmarks). :data:`ROUTES` serves them on the sandbox's HTTP server.

Example:
    >>> handler = ENDPOINTS[("GET", "/api/query/segmentation")]
    >>> body = handler(con, {"event": "Signed Up", "from_date": "2026-01-01",
    ...                      "to_date": "2026-01-07"}, AnalyticsContext(today=date(2026, 1, 31)))
    ... # doctest: +SKIP
"""

from mixpanel_data.sandbox._analytics._bookmarks import Bookmark
from mixpanel_data.sandbox._analytics._errors import AnalyticsError
from mixpanel_data.sandbox._analytics._registry import ENDPOINTS, AnalyticsContext, Body, Handler
from mixpanel_data.sandbox._analytics._routes import ROUTES
from mixpanel_data.sandbox._analytics.activity import activity_stream
from mixpanel_data.sandbox._analytics.counts import event_counts, property_counts
from mixpanel_data.sandbox._analytics.flows import flows
from mixpanel_data.sandbox._analytics.frequency import frequency
from mixpanel_data.sandbox._analytics.funnels import FunnelDef, funnel
from mixpanel_data.sandbox._analytics.insights import insights
from mixpanel_data.sandbox._analytics.retention import retention
from mixpanel_data.sandbox._analytics.segmentation import (
    segmentation,
    segmentation_average,
    segmentation_numeric,
    segmentation_sum,
)

__all__ = [
    "ENDPOINTS",
    "ROUTES",
    "AnalyticsContext",
    "AnalyticsError",
    "Body",
    "Bookmark",
    "FunnelDef",
    "Handler",
    "activity_stream",
    "event_counts",
    "flows",
    "frequency",
    "funnel",
    "insights",
    "property_counts",
    "retention",
    "segmentation",
    "segmentation_average",
    "segmentation_numeric",
    "segmentation_sum",
]
