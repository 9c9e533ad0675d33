"""The result of running a saved report (bookmark), whatever kind of report it is.

Insights, Funnels and Retention bookmarks come back from ``/insights`` as a nested ``series``
whose levels ``headers`` names (``$event``, ``$funnel``, ``$retention``, ...); Flows bookmarks come
back from the Flows endpoint. Where ``/insights`` does not compute a Funnels or Retention report,
the report is run from its definition with the funnel or retention query instead, and the result
carries that :class:`FunnelResult` or :class:`RetentionResult`. :class:`SavedReportResult` says
which in :attr:`kind` and gives one tidy frame either way.

Example:
    >>> raw = {"computed_at": "2026-04-02T09:14:07+00:00", "headers": ["$event"],
    ...        "date_range": {"from_date": "2026-03-02T00:00:00-08:00",
    ...                       "to_date": "2026-03-08T23:59:59-08:00"},
    ...        "series": {"Purchased": {"2026-03-02T00:00:00-08:00": 1204}}}
    >>> r = SavedReportResult.from_response(raw, bookmark_id=1)
    >>> r.kind, r.from_date, r.totals()
    ('insights', '2026-03-02', {'Purchased': 1204})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.exceptions import ValidationError
from mixpanel_data.results._base import (
    DATE_DTYPE,
    TEXT_DTYPE,
    ResultBase,
    TimeSeries,
    as_list,
    as_mapping,
    date_part,
    frame,
    is_date_key,
    number_dtype,
    short_table,
)
from mixpanel_data.results.flows import FlowsResult
from mixpanel_data.results.funnel import FunnelResult
from mixpanel_data.results.retention import RetentionResult

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

KINDS = ("insights", "funnels", "retention", "flows")


def _leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(node, bool):
        yield path, int(node)
    elif isinstance(node, int | float):
        yield path, node


def flatten_series(series: Mapping[str, Any]) -> list[tuple[str | None, str, str | None, Any]]:
    """``(date, metric, segment, value)`` for every number in a nested ``series``.

    The first key is the metric; the first key that reads as a date is the date (kept as its
    calendar day); the other keys, joined with `` / ``, are the segment (``None`` when there are
    none).

    Example:
        >>> flatten_series({"Signups": {"US": {"2026-03-02T00:00:00-08:00": 5}}})
        [('2026-03-02', 'Signups', 'US', 5)]
    """
    rows = []
    for path, value in _leaves(series):
        if not path:
            continue
        metric, rest = path[0], path[1:]
        date = next((date_part(k) for k in rest if is_date_key(k)), None)
        others = [k for k in rest if not is_date_key(k)]
        rows.append((date, metric, " / ".join(others) or None, value))
    return rows


def _kind_from_headers(headers: list[str]) -> str:
    if "$funnel" in headers:
        return "funnels"
    if "$retention" in headers:
        return "retention"
    return "insights"


@dataclass(frozen=True)
class SavedReportResult(TimeSeries, ResultBase):
    """A saved report's data: Insights series, Funnels or Retention from ``/insights``, or Flows.

    ``.df`` for ``kind`` insights, funnels and retention (one row per number in ``series``, in
    Mixpanel's order):

    =======  ==================  ====================================================
    date     ``datetime64[ns]``  the bucket's calendar day (NaT when the level has none)
    metric   ``string``          first level of ``series`` (event, formula, funnel...)
    segment  ``string``          the other non-date levels joined by `` / `` (NA if none)
    value    ``int64``           the number (``float64`` as soon as one is fractional)
    =======  ==================  ====================================================

    When the report was run as a flow, funnel or retention query it is that result's frame
    (see :class:`FlowsResult`, :class:`FunnelResult`, :class:`RetentionResult`).
    """

    bookmark_id: int
    kind: str
    """``insights``, ``funnels``, ``retention`` or ``flows``."""
    name: str | None
    """The report's name, when known."""
    computed_at: str | None
    from_date: str | None
    """First day of the report's range (calendar day of Mixpanel's timestamp)."""
    to_date: str | None
    headers: list[str]
    """What the levels of ``series`` mean (``$event``, ``$funnel``, ``$retention``...)."""
    series: dict[str, Any] = field(repr=False)
    """Mixpanel's nested series as returned (empty for flows)."""
    flows: FlowsResult | None = field(default=None, repr=False)
    """The computed flow, for ``kind="flows"``."""
    funnel: FunnelResult | None = field(default=None, repr=False)
    """The funnel, when a Funnels report was run from its definition."""
    retention: RetentionResult | None = field(default=None, repr=False)
    """The retention, when a Retention report was run from its definition."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        bookmark_id: int,
        kind: str | None = None,
        name: str | None = None,
    ) -> SavedReportResult:
        """Build from ``/insights`` JSON (or, with ``kind="flows"``, the Flows JSON)."""
        body = as_mapping(raw, what="saved report response")
        computed = body.get("computed_at")
        if kind == "flows":
            flows = FlowsResult.from_response(raw, bookmark_id=bookmark_id)
            return cls(
                bookmark_id=bookmark_id,
                kind="flows",
                name=name,
                computed_at=flows.computed_at,
                from_date=None,
                to_date=None,
                headers=[],
                series={},
                flows=flows,
                _raw=raw,
            )
        headers = [str(h) for h in as_list(body.get("headers"), what="headers")]
        span = as_mapping(body.get("date_range"), what="date_range")
        start, end = span.get("from_date"), span.get("to_date")
        return cls(
            bookmark_id=bookmark_id,
            kind=kind if kind in KINDS else _kind_from_headers(headers),
            name=name,
            computed_at=None if computed is None else str(computed),
            from_date=None if start is None else date_part(str(start)),
            to_date=None if end is None else date_part(str(end)),
            headers=headers,
            series=dict(as_mapping(body.get("series"), what="series")),
            _raw=raw,
        )

    @classmethod
    def from_result(
        cls,
        result: FunnelResult | RetentionResult,
        *,
        bookmark_id: int,
        name: str | None = None,
    ) -> SavedReportResult:
        """Wrap the funnel or retention query a saved report was run as."""
        is_funnel = isinstance(result, FunnelResult)
        return cls(
            bookmark_id=bookmark_id,
            kind="funnels" if is_funnel else "retention",
            name=name,
            computed_at=None,
            from_date=result.from_date,
            to_date=result.to_date,
            headers=[],
            series={},
            funnel=result if isinstance(result, FunnelResult) else None,
            retention=result if isinstance(result, RetentionResult) else None,
        )

    @property
    def inner(self) -> FlowsResult | FunnelResult | RetentionResult | None:
        """The flow, funnel or retention result the report was run as (``None`` for series)."""
        return self.flows or self.funnel or self.retention

    def totals(self) -> dict[str, int | float]:
        """``{metric: sum of its numbers}`` (for insights series of counts)."""
        out: dict[str, int | float] = {}
        for _, metric, _, value in flatten_series(self.series):
            out[metric] = out.get(metric, 0) + value
        return out

    def _plot_data(self) -> tuple[list[str], dict[str, dict[str, int | float]], str]:
        """An Insights report's numbers as ``{metric[ / segment]: {date: value}}``."""
        series: dict[str, dict[str, int | float]] = {}
        for date, metric, segment, value in flatten_series(self.series):
            if date is None or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            line = series.setdefault(metric if segment is None else f"{metric} / {segment}", {})
            line[date] = line.get(date, 0) + value
        dates = sorted({d for line in series.values() for d in line})
        return dates, series, self.name or f"Saved report {self.bookmark_id}"

    def plot(self, *, ax: Axes | None = None, top: int = 10) -> Figure:
        """The report's picture: a line per metric (and segment) over time for Insights; the
        funnel's bars or the retention heat map for those reports (flows have no plot).

        Needs matplotlib (``pip install 'mixpanel_data[plot]'``).

        Example:
            >>> ws.saved_report(9001).plot().savefig("report.png")  # doctest: +SKIP
        """
        if self.funnel is not None:
            return self.funnel.plot(ax=ax)
        if self.retention is not None:
            return self.retention.plot(ax=ax)
        if self.flows is not None:
            raise ValidationError("a flows report has no plot; use .df or .flows")
        return super().plot(ax=ax, top=top)

    def _build_df(self) -> pd.DataFrame:
        if self.inner is not None:
            return self.inner.df
        rows = flatten_series(self.series)
        return frame(
            {
                "date": ([r[0] for r in rows], DATE_DTYPE),
                "metric": ([r[1] for r in rows], TEXT_DTYPE),
                "segment": ([r[2] for r in rows], TEXT_DTYPE),
                "value": ([r[3] for r in rows], number_dtype(r[3] for r in rows)),
            }
        )

    def __str__(self) -> str:
        title = f"Saved report {self.bookmark_id}" + (f" {self.name!r}" if self.name else "")
        if self.inner is not None:
            return f"{title} ({self.kind})\n{self.inner}"
        span = f", {self.from_date} to {self.to_date}" if self.from_date else ""
        head = f"{title} ({self.kind}){span}"
        rows = list(self.totals().items())
        return head + ("\n" + short_table(rows, ["metric", "total"]) if rows else "")
