"""The result of a segmentation query: counts of one event per time bucket, per segment.

Example:
    >>> raw = {"data": {"series": ["2026-03-01", "2026-03-02"],
    ...                 "values": {"US": {"2026-03-01": 4, "2026-03-02": 6}}}, "legend_size": 1}
    >>> r = SegmentationResult.from_response(raw, event="Signed Up", from_date="2026-03-01",
    ...                                      to_date="2026-03-02", on='properties["country"]')
    >>> r.total, r.segments
    (10, ['US'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import (
    ResultBase,
    TimeSeries,
    date_part,
    series_frame,
    series_table,
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class SegmentationResult(TimeSeries, ResultBase):
    """Counts of ``event`` per ``unit``, split by ``segment_property`` (when one was given).

    Without ``on``, Mixpanel returns one segment named after the event. ``.plot()`` draws a line
    per segment.

    ``.df`` columns (one row per date × segment that Mixpanel returned, sorted by date, segment):

    ========  ==================  =================================================
    date      ``datetime64[ns]``  start of the time bucket
    segment   ``string``          the ``on`` value (or the event name without ``on``)
    count     ``int64``           events (``float64`` for ``type="average"``)
    ========  ==================  =================================================
    """

    event: str
    """The event counted."""
    from_date: str
    """First day, ``YYYY-MM-DD`` (inclusive)."""
    to_date: str
    """Last day, ``YYYY-MM-DD`` (inclusive)."""
    unit: str
    """Bucket size: minute, hour, day, week or month."""
    segment_property: str | None
    """The ``on`` expression sent to Mixpanel (``None`` when not segmented)."""
    type: str
    """``general`` (every event), ``unique`` (users) or ``average`` (events per user)."""
    total: int | float
    """Sum of every count in :attr:`series`."""
    dates: list[str] = field(repr=False)
    """Every bucket date, sorted."""
    series: dict[str, dict[str, int | float]] = field(repr=False)
    """``{segment: {date: count}}`` as Mixpanel returned it."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        event: str,
        from_date: str,
        to_date: str,
        unit: str = "day",
        on: str | None = None,
        type: str = "general",
    ) -> SegmentationResult:
        """Build from Mixpanel's ``/segmentation`` JSON body and the query that produced it."""
        dates, series = series_table(raw, what="segmentation response")
        total = sum(v for by_date in series.values() for v in by_date.values())
        return cls(
            event=event,
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            segment_property=on,
            type=type,
            total=total,
            dates=dates,
            series=series,
            _raw=raw,
        )

    @property
    def segments(self) -> list[str]:
        """Segment names, largest total first."""
        return sorted(self.series, key=lambda s: (-sum(self.series[s].values()), s))

    def _build_df(self) -> pd.DataFrame:
        return series_frame(self.series, "segment")

    def _display_frame(self) -> pd.DataFrame:
        """One row per date, one column per segment (largest first)."""
        import pandas as pd

        by_segment = {s: [self.series[s].get(d) for d in self.dates] for s in self.segments}
        table = pd.DataFrame(by_segment)
        table.insert(0, "date", [date_part(d) for d in self.dates], allow_duplicates=True)
        return table

    def _plot_data(self) -> tuple[list[str], dict[str, dict[str, int | float]], str]:
        return self.dates, self.series, f"{self.event} ({self.type}) by {self.unit}"

    def __str__(self) -> str:
        on = f", on {self.segment_property}" if self.segment_property else ""
        head = (
            f"Segmentation of {self.event!r} ({self.type}), {self.from_date} to {self.to_date} "
            f"by {self.unit}{on}\n"
            f"{len(self.series)} segment(s), {len(self.dates)} date(s), total {self.total:,}"
        )
        rows = [(s, sum(self.series[s].values())) for s in self.segments]
        return head + ("\n" + short_table(rows, ["segment", "total"]) if rows else "")
