"""The table of report handlers: ``(method, path)`` -> ``handler(con, q, context)``.

Example:
    >>> ("GET", "/api/query/funnels") in ENDPOINTS
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeAlias

from mixpanel_data.analytics._bookmarks import Bookmark
from mixpanel_data.analytics._events import Db
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

Body: TypeAlias = dict[str, Any] | list[Any] | str


@dataclass(frozen=True, slots=True)
class AnalyticsContext:
    """What reports need besides the tables.

    Attributes:
        today: the sandbox's current day (UTC): "today" for top events, the end of "last N
            days" ranges, and the last interval retention reports.
        funnels: saved funnels by ``funnel_id``.
        bookmarks: saved reports by id, each a mapping like an entry of ``list_bookmarks``
            (``id``, ``type``, ``name``, ``params``).
    """

    today: date
    funnels: Mapping[int, FunnelDef] = field(default_factory=dict)
    bookmarks: Mapping[int, Bookmark] = field(default_factory=dict)


Handler: TypeAlias = Callable[[Db, Mapping[str, str], AnalyticsContext], Any]


def _plain(report: Callable[..., Any]) -> Handler:
    def handler(con: Db, q: Mapping[str, str], context: AnalyticsContext) -> Any:
        return report(con, q, today=context.today)

    handler.__name__ = report.__name__
    handler.__doc__ = report.__doc__
    return handler


def _with_funnels(con: Db, q: Mapping[str, str], context: AnalyticsContext) -> Any:
    return funnel(con, q, today=context.today, funnels=context.funnels, bookmarks=context.bookmarks)


def _with_bookmarks(report: Callable[..., Any]) -> Handler:
    def handler(con: Db, q: Mapping[str, str], context: AnalyticsContext) -> Any:
        return report(con, q, today=context.today, bookmarks=context.bookmarks)

    handler.__name__ = report.__name__
    handler.__doc__ = report.__doc__
    return handler


#: ``(method, full path)`` -> handler; every handler is called as ``handler(con, q, context)``.
ENDPOINTS: dict[tuple[str, str], Handler] = {
    ("GET", "/api/query/segmentation"): _plain(segmentation),
    ("GET", "/api/query/segmentation/numeric"): _plain(segmentation_numeric),
    ("GET", "/api/query/segmentation/sum"): _plain(segmentation_sum),
    ("GET", "/api/query/segmentation/average"): _plain(segmentation_average),
    ("GET", "/api/query/events"): _plain(event_counts),
    ("GET", "/api/query/events/properties"): _plain(property_counts),
    ("GET", "/api/query/funnels"): _with_funnels,
    ("GET", "/api/query/retention"): _with_bookmarks(retention),
    ("GET", "/api/query/retention/addiction"): _plain(frequency),
    ("GET", "/api/query/insights"): _with_bookmarks(insights),
    ("GET", "/api/query/arb_funnels"): _with_bookmarks(flows),
    ("GET", "/api/query/stream/query"): _plain(activity_stream),
}
