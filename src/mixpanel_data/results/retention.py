"""The result of a retention query: cohorts by date, and how many came back in each period.

Example:
    >>> raw = {"2026-03-02": {"counts": [10, 4, 2], "first": 10}}
    >>> r = RetentionResult.from_response(raw, born_event="Signed Up", return_event=None,
    ...                                   from_date="2026-03-02", to_date="2026-03-02")
    >>> r.cohorts[0].rates
    [1.0, 0.4, 0.2]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import (
    DATE_DTYPE,
    ResultBase,
    as_int,
    as_list,
    as_mapping,
    date_part,
    frame,
    percent,
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class CohortRow:
    """One retention cohort: the users born on ``date`` and how many returned per period.

    Example:
        >>> row = CohortRow(date="2026-03-02", size=10, counts=[10, 4], rates=[1.0, 0.4])
        >>> row.to_dict()["rates"]
        [1.0, 0.4]
    """

    date: str
    """Cohort date, ``YYYY-MM-DD``."""
    size: int
    """Users in the cohort."""
    counts: list[int]
    """Returning users in period 0, 1, 2, ..."""
    rates: list[float]
    """``counts`` / ``size`` (0.0 for an empty cohort), 0-1."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        return {
            "date": self.date,
            "size": self.size,
            "counts": list(self.counts),
            "rates": list(self.rates),
        }

    def __str__(self) -> str:
        return f"{self.date} ({self.size:,}): " + " ".join(percent(r) for r in self.rates)


@dataclass(frozen=True)
class RetentionResult(ResultBase):
    """Cohorts of users who did ``born_event`` and how many did ``return_event`` in later periods.

    ``.df`` columns (one row per cohort × period, sorted by cohort date, period):

    ===========  ==================  ==============================================
    cohort_date  ``datetime64[ns]``  the cohort's date
    size         ``int64``           users in the cohort
    period       ``int64``           0, 1, 2, ... ``interval`` × ``unit`` after birth
    count        ``int64``           users who returned in that period
    rate         ``float64``         ``count / size``, 0-1
    ===========  ==================  ==============================================
    """

    born_event: str | None
    """The event that puts users in a cohort (``None`` for compounded retention)."""
    return_event: str | None
    """The event that counts as a return (``None``: any event)."""
    from_date: str
    to_date: str
    unit: str
    interval: int
    interval_count: int
    retention_type: str
    """``birth`` (first time) or ``compounded`` (recurring)."""
    cohorts: list[CohortRow]
    """Cohorts in date order."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        born_event: str | None,
        return_event: str | None,
        from_date: str,
        to_date: str,
        unit: str = "day",
        interval: int = 1,
        interval_count: int = 10,
        retention_type: str = "birth",
    ) -> RetentionResult:
        """Build from Mixpanel's ``/retention`` JSON body (``{date: {counts, first}}``)."""
        body = as_mapping(raw, what="retention response")
        if isinstance(body.get("data"), Mapping):
            body = body["data"]
        cohorts = []
        for date, item in sorted(body.items()):
            entry = as_mapping(item, what=f"retention[{date!r}]")
            counts = [
                as_int(c, what=f"retention[{date!r}] counts")
                for c in as_list(entry.get("counts"), what=f"retention[{date!r}] counts")
            ]
            first = entry.get("first")
            size = (
                as_int(first, what=f"retention[{date!r}] first")
                if first is not None
                else (counts[0] if counts else 0)
            )
            cohorts.append(
                CohortRow(
                    date=date_part(str(date)),
                    size=size,
                    counts=counts,
                    rates=[c / size if size else 0.0 for c in counts],
                )
            )
        return cls(
            born_event=born_event,
            return_event=return_event,
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            interval=interval,
            interval_count=interval_count,
            retention_type=retention_type,
            cohorts=cohorts,
            _raw=raw,
        )

    @property
    def average_rates(self) -> list[float]:
        """Retention per period over all cohorts that reached it: sum of counts / sum of sizes."""
        periods = max((len(c.counts) for c in self.cohorts), default=0)
        out = []
        for p in range(periods):
            having = [c for c in self.cohorts if len(c.counts) > p]
            size = sum(c.size for c in having)
            out.append(sum(c.counts[p] for c in having) / size if size else 0.0)
        return out

    def _build_df(self) -> pd.DataFrame:
        rows = [
            (c, p, n, r)
            for c in self.cohorts
            for p, (n, r) in enumerate(zip(c.counts, c.rates, strict=True))
        ]
        return frame(
            {
                "cohort_date": ([c.date for c, *_ in rows], DATE_DTYPE),
                "size": ([c.size for c, *_ in rows], "int64"),
                "period": ([p for _, p, _, _ in rows], "int64"),
                "count": ([n for _, _, n, _ in rows], "int64"),
                "rate": ([r for *_, r in rows], "float64"),
            }
        )

    def _display_frame(self) -> pd.DataFrame:
        """One row per cohort: its size and the rate (0-1) of each period."""
        import pandas as pd

        periods = max((len(c.rates) for c in self.cohorts), default=0)
        columns: dict[str, list[Any]] = {
            "cohort": [c.date for c in self.cohorts],
            "size": [c.size for c in self.cohorts],
        }
        for p in range(periods):
            columns[f"p{p}"] = [c.rates[p] if p < len(c.rates) else None for c in self.cohorts]
        return pd.DataFrame(columns)

    def plot(self, *, ax: Axes | None = None) -> Figure:
        """A heat map: one row per cohort, one column per period, colour = retention rate.

        Needs matplotlib (``pip install 'mixpanel_data[plot]'``).

        Example:
            >>> fig = ws.retention("Signed Up", from_date="2026-10-01",
            ...                    to_date="2026-10-31").plot()  # doctest: +SKIP
        """
        from mixpanel_data.results._plot import heat_map

        what = self.born_event or "any event"
        title = f"Retention of {what!r}, every {self.interval} {self.unit}(s)"
        return heat_map(self.cohorts, title=title, ax=ax)

    def __str__(self) -> str:
        what = self.born_event or "any event"
        back = self.return_event or "any event"
        head = (
            f"Retention ({self.retention_type}) of {what!r} -> {back!r}, {self.from_date} to "
            f"{self.to_date}, every {self.interval} {self.unit}(s): {len(self.cohorts)} cohort(s)"
        )
        periods = min(6, max((len(c.counts) for c in self.cohorts), default=0))
        headers = ["cohort", "size", *[f"p{p}" for p in range(periods)]]
        rows = [
            [c.date, c.size, *[percent(r) for r in c.rates[:periods]]]
            + [""] * (periods - min(periods, len(c.rates)))
            for c in self.cohorts
        ]
        return head + ("\n" + short_table(rows, headers) if rows else "")
