"""Mixpanel's reports computed from DuckDB tables: pure functions from tables and query
parameters to Mixpanel's response bodies.

One engine, two users: the sandbox serves these functions over HTTP
(``mixpanel_data.sandbox._analytics_routes``), and :mod:`mixpanel_data._services.local_query`
runs them over the tables of the local store (``ws.local``). This package never imports the
sandbox (a ruff rule in its ``ruff.toml``).

Each report is a function ``report(con, q, *, today, ...) -> body`` over the sandbox's
``events`` and ``profiles`` tables, where ``q`` holds the request's query parameters (one text
value each). Bad parameters raise :class:`AnalyticsError` (status 400; 404 for an unknown Flows
bookmark), which the server answers with ``{"error": ..., "status": "error"}``. A body is a
JSON-able ``dict``, or ``str`` for ``format=csv`` (answer it as ``text/csv``).

:data:`ENDPOINTS` maps ``(method, path)`` to a handler with one calling convention,
``handler(con, q, context)``, where :class:`AnalyticsContext` carries what some reports need
besides the tables: ``today`` (the sandbox's current day), the saved funnels and the saved
reports (bookmarks).

Example:
    >>> handler = ENDPOINTS[("GET", "/api/query/segmentation")]
    >>> body = handler(con, {"event": "Signed Up", "from_date": "2026-01-01",
    ...                      "to_date": "2026-01-07"}, AnalyticsContext(today=date(2026, 1, 31)))
    ... # doctest: +SKIP
"""

from mixpanel_data.analytics._bookmarks import Bookmark
from mixpanel_data.analytics._errors import AnalyticsError
from mixpanel_data.analytics._registry import ENDPOINTS, AnalyticsContext, Body, Handler
from mixpanel_data.analytics.activity import activity_stream
from mixpanel_data.analytics.counts import event_counts, property_counts
from mixpanel_data.analytics.flows import flows
from mixpanel_data.analytics.frequency import frequency
from mixpanel_data.analytics.funnels import FunnelDef, funnel
from mixpanel_data.analytics.insights import insights
from mixpanel_data.analytics.retention import retention
from mixpanel_data.analytics.segmentation import (
    segmentation,
    segmentation_average,
    segmentation_numeric,
    segmentation_sum,
)

__all__ = [
    "ENDPOINTS",
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
