"""Results of the numeric segmentation queries: value buckets, sums and averages per date.

Example:
    >>> raw = {"status": "ok", "results": {"2026-03-02": 7, "2026-03-01": 4}}
    >>> r = NumericSumResult.from_response(raw, event="Purchased", from_date="2026-03-01",
    ...                                    to_date="2026-03-02", on='properties["amount"]')
    >>> r.total, list(r.results)
    (11, ['2026-03-01', '2026-03-02'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import (
    DATE_DTYPE,
    ResultBase,
    TimeSeries,
    as_mapping,
    as_number,
    date_part,
    frame,
    series_frame,
    series_table,
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd

_FIRST_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def bucket_start(label: str) -> float:
    """The lower bound of a bucket label such as ``"2,000 - 2,100"`` (``inf`` if none)."""
    match = _FIRST_NUMBER.search(label)
    return float(match.group(0).replace(",", "")) if match else float("inf")


@dataclass(frozen=True)
class NumericBucketResult(TimeSeries, ResultBase):
    """Counts of ``event`` per date in numeric ranges of ``property_expr``.

    ``.df`` columns (one row per date × bucket returned, sorted by date, then bucket lower bound):

    ========  ==================  ===========================================
    date      ``datetime64[ns]``  start of the time bucket
    bucket    ``string``          the value range, e.g. ``"2,000 - 2,100"``
    count     ``int64``           events in that range (``float64`` for average)
    ========  ==================  ===========================================
    """

    event: str
    from_date: str
    to_date: str
    property_expr: str
    """The numeric ``on`` expression."""
    unit: str
    type: str
    buckets: list[str]
    """Range labels, in ascending order of their lower bound."""
    dates: list[str] = field(repr=False)
    series: dict[str, dict[str, int | float]] = field(repr=False)
    """``{bucket: {date: count}}``."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        event: str,
        from_date: str,
        to_date: str,
        on: str,
        unit: str = "day",
        type: str = "general",
    ) -> NumericBucketResult:
        """Build from Mixpanel's ``/segmentation/numeric`` JSON body."""
        dates, series = series_table(raw, what="numeric segmentation response")
        return cls(
            event=event,
            from_date=from_date,
            to_date=to_date,
            property_expr=on,
            unit=unit,
            type=type,
            buckets=sorted(series, key=lambda b: (bucket_start(b), b)),
            dates=dates,
            series=series,
            _raw=raw,
        )

    @property
    def total(self) -> int | float:
        """Sum of every count."""
        return sum(v for by_date in self.series.values() for v in by_date.values())

    def _build_df(self) -> pd.DataFrame:
        df = series_frame(self.series, "bucket")
        order = {b: i for i, b in enumerate(self.buckets)}
        keys = df["bucket"].map(order).astype("int64")
        return (
            df.assign(_order=keys)
            .sort_values(["date", "_order"], kind="stable")
            .drop(columns="_order")
            .reset_index(drop=True)
        )

    def _plot_data(self) -> tuple[list[str], dict[str, dict[str, int | float]], str]:
        return self.dates, self.series, f"{self.event} by buckets of {self.property_expr}"

    def __str__(self) -> str:
        head = (
            f"Numeric buckets of {self.property_expr} on {self.event!r}, "
            f"{self.from_date} to {self.to_date} by {self.unit}: "
            f"{len(self.buckets)} bucket(s), total {self.total:,}"
        )
        rows = [(b, sum(self.series[b].values())) for b in self.buckets]
        return head + ("\n" + short_table(rows, ["bucket", "count"]) if rows else "")


def _results_by_date(raw: Any, what: str) -> dict[str, int | float]:
    results = as_mapping(as_mapping(raw, what=what).get("results"), what=f"{what} results")
    return {str(d): as_number(v, what=f"{what} results[{d!r}]") for d, v in sorted(results.items())}


@dataclass(frozen=True)
class NumericSumResult(TimeSeries, ResultBase):
    """The sum of ``property_expr`` over ``event`` per date (non-numeric values count as 0).

    ``.df`` columns (one row per date, sorted):

    ====  ==================  ========================
    date  ``datetime64[ns]``  start of the time bucket
    sum   ``float64``         the sum for that bucket
    ====  ==================  ========================
    """

    event: str
    from_date: str
    to_date: str
    property_expr: str
    unit: str
    results: dict[str, int | float]
    """``{date: sum}``, sorted by date."""
    computed_at: str | None = None
    """When Mixpanel computed it (ISO 8601), if it said."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls, raw: Any, *, event: str, from_date: str, to_date: str, on: str, unit: str = "day"
    ) -> NumericSumResult:
        """Build from Mixpanel's ``/segmentation/sum`` JSON body."""
        computed = as_mapping(raw, what="sum response").get("computed_at")
        return cls(
            event=event,
            from_date=from_date,
            to_date=to_date,
            property_expr=on,
            unit=unit,
            results=_results_by_date(raw, "sum response"),
            computed_at=None if computed is None else str(computed),
            _raw=raw,
        )

    @property
    def total(self) -> int | float:
        """Sum over every date."""
        return sum(self.results.values())

    def _build_df(self) -> pd.DataFrame:
        return frame(
            {
                "date": ([date_part(d) for d in self.results], DATE_DTYPE),
                "sum": (list(self.results.values()), "float64"),
            }
        )

    def _plot_data(self) -> tuple[list[str], dict[str, dict[str, int | float]], str]:
        title = f"Sum of {self.property_expr} on {self.event}, by {self.unit}"
        return sorted(self.results), {self.event: dict(self.results)}, title

    def __str__(self) -> str:
        head = (
            f"Sum of {self.property_expr} on {self.event!r}, {self.from_date} to {self.to_date} "
            f"by {self.unit}: total {self.total:,}"
        )
        rows = list(self.results.items())
        return head + ("\n" + short_table(rows, ["date", "sum"]) if rows else "")


@dataclass(frozen=True)
class NumericAverageResult(TimeSeries, ResultBase):
    """The average of ``property_expr`` over ``event`` per date (non-numeric values count as 0).

    ``.df`` columns (one row per date, sorted):

    =======  ==================  ===========================
    date     ``datetime64[ns]``  start of the time bucket
    average  ``float64``         the average for that bucket
    =======  ==================  ===========================
    """

    event: str
    from_date: str
    to_date: str
    property_expr: str
    unit: str
    results: dict[str, int | float]
    """``{date: average}``, sorted by date."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls, raw: Any, *, event: str, from_date: str, to_date: str, on: str, unit: str = "day"
    ) -> NumericAverageResult:
        """Build from Mixpanel's ``/segmentation/average`` JSON body."""
        return cls(
            event=event,
            from_date=from_date,
            to_date=to_date,
            property_expr=on,
            unit=unit,
            results=_results_by_date(raw, "average response"),
            _raw=raw,
        )

    def _build_df(self) -> pd.DataFrame:
        return frame(
            {
                "date": ([date_part(d) for d in self.results], DATE_DTYPE),
                "average": (list(self.results.values()), "float64"),
            }
        )

    def _plot_data(self) -> tuple[list[str], dict[str, dict[str, int | float]], str]:
        title = f"Average of {self.property_expr} on {self.event}, by {self.unit}"
        return sorted(self.results), {self.event: dict(self.results)}, title

    def __str__(self) -> str:
        head = (
            f"Average of {self.property_expr} on {self.event!r}, "
            f"{self.from_date} to {self.to_date} by {self.unit}"
        )
        rows = list(self.results.items())
        return head + ("\n" + short_table(rows, ["date", "average"]) if rows else "")
