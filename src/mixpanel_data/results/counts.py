"""Results of the event-breakdown queries: counts per event, and per value of one property.

Example:
    >>> raw = {"data": {"series": ["2026-03-01"], "values": {"Signed Up": {"2026-03-01": 3}}}}
    >>> r = EventCountsResult.from_response(raw, events=["Signed Up"], from_date="2026-03-01",
    ...                                     to_date="2026-03-01")
    >>> r.totals()
    {'Signed Up': 3}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import (
    ResultBase,
    TimeSeries,
    series_frame,
    series_table,
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd


def _totals(series: dict[str, dict[str, int | float]]) -> dict[str, int | float]:
    return dict(
        sorted(((k, sum(v.values())) for k, v in series.items()), key=lambda kv: (-kv[1], kv[0]))
    )


@dataclass(frozen=True)
class EventCountsResult(TimeSeries, ResultBase):
    """Counts of several events per ``unit``.

    ``.df`` columns (one row per date × event returned, sorted by date, event):

    =====  ==================  ================================================
    date   ``datetime64[ns]``  start of the time bucket
    event  ``string``          event name
    count  ``int64``           the count (``float64`` for ``type="average"``)
    =====  ==================  ================================================
    """

    events: list[str]
    """The events asked for."""
    from_date: str
    to_date: str
    unit: str
    type: str
    dates: list[str] = field(repr=False)
    series: dict[str, dict[str, int | float]] = field(repr=False)
    """``{event: {date: count}}``."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        events: Sequence[str],
        from_date: str,
        to_date: str,
        unit: str = "day",
        type: str = "general",
    ) -> EventCountsResult:
        """Build from Mixpanel's ``/events`` JSON body."""
        dates, series = series_table(raw, what="event counts response")
        return cls(
            events=list(events),
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            type=type,
            dates=dates,
            series=series,
            _raw=raw,
        )

    def totals(self) -> dict[str, int | float]:
        """``{event: total}``, largest first."""
        return _totals(self.series)

    def _build_df(self) -> pd.DataFrame:
        return series_frame(self.series, "event")

    def _plot_data(self) -> tuple[list[str], dict[str, dict[str, int | float]], str]:
        return self.dates, self.series, f"Events ({self.type}) by {self.unit}"

    def __str__(self) -> str:
        head = (
            f"Event counts ({self.type}) of {len(self.events)} event(s), "
            f"{self.from_date} to {self.to_date} by {self.unit}"
        )
        rows = list(self.totals().items())
        return head + ("\n" + short_table(rows, ["event", "total"]) if rows else "")


@dataclass(frozen=True)
class PropertyCountsResult(TimeSeries, ResultBase):
    """Counts of ``event`` per value of ``property_name`` per ``unit``.

    ``.df`` columns (one row per date × value returned, sorted by date, value):

    =====  ==================  ================================================
    date   ``datetime64[ns]``  start of the time bucket
    value  ``string``          the property value (as Mixpanel spells it)
    count  ``int64``           the count (``float64`` for ``type="average"``)
    =====  ==================  ================================================
    """

    event: str
    property_name: str
    from_date: str
    to_date: str
    unit: str
    type: str
    dates: list[str] = field(repr=False)
    series: dict[str, dict[str, int | float]] = field(repr=False)
    """``{value: {date: count}}``."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        event: str,
        property_name: str,
        from_date: str,
        to_date: str,
        unit: str = "day",
        type: str = "general",
    ) -> PropertyCountsResult:
        """Build from Mixpanel's ``/events/properties`` JSON body."""
        dates, series = series_table(raw, what="property counts response")
        return cls(
            event=event,
            property_name=property_name,
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            type=type,
            dates=dates,
            series=series,
            _raw=raw,
        )

    def totals(self) -> dict[str, int | float]:
        """``{value: total}``, largest first."""
        return _totals(self.series)

    def _build_df(self) -> pd.DataFrame:
        return series_frame(self.series, "value")

    def _plot_data(self) -> tuple[list[str], dict[str, dict[str, int | float]], str]:
        title = f"{self.event} by {self.property_name} ({self.type}), by {self.unit}"
        return self.dates, self.series, title

    def __str__(self) -> str:
        head = (
            f"Counts ({self.type}) of {self.event!r} by {self.property_name!r}, "
            f"{self.from_date} to {self.to_date} by {self.unit}"
        )
        rows = list(self.totals().items())
        return head + ("\n" + short_table(rows, ["value", "total"]) if rows else "")
