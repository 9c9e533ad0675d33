"""The result of a frequency (addiction) query: how many users were active in at least N slots.

Example:
    >>> raw = {"data": {"2026-03-02": [30, 12, 5]}}
    >>> r = FrequencyResult.from_response(raw, from_date="2026-03-02", to_date="2026-03-08",
    ...                                   unit="week", addiction_unit="day")
    >>> r.data["2026-03-02"][1]   # users active on at least 2 days of that week
    12
"""

from __future__ import annotations

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
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class FrequencyResult(ResultBase):
    """Per ``unit`` starting on a date: users active in at least 1, 2, 3 ... ``addiction_unit``s.

    Element N of ``data[date]`` counts the users who did ``event`` in at least N+1 distinct
    ``addiction_unit``s of that ``unit``.

    ``.df`` columns (one row per date × N, sorted by date, at_least):

    ========  ==================  =====================================================
    date      ``datetime64[ns]``  start of the period (``unit``)
    at_least  ``int64``           N: 1, 2, 3, ... ``addiction_unit``s
    users     ``int64``           users active in at least N ``addiction_unit``s
    ========  ==================  =====================================================
    """

    event: str | None
    """The event counted (``None``: any event)."""
    from_date: str
    to_date: str
    unit: str
    """Period: day, week or month."""
    addiction_unit: str
    """Slot: hour or day."""
    data: dict[str, list[int]]
    """``{date: [users in >=1 slot, >=2 slots, ...]}``, sorted by date."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        from_date: str,
        to_date: str,
        unit: str = "day",
        addiction_unit: str = "hour",
        event: str | None = None,
    ) -> FrequencyResult:
        """Build from Mixpanel's ``/retention/addiction`` JSON body."""
        body = as_mapping(as_mapping(raw, what="frequency response").get("data"), what="data")
        data = {
            date_part(str(d)): [
                as_int(n, what=f"frequency[{d!r}]") for n in as_list(v, what=f"frequency[{d!r}]")
            ]
            for d, v in sorted(body.items())
        }
        return cls(
            event=event,
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            addiction_unit=addiction_unit,
            data=data,
            _raw=raw,
        )

    def _build_df(self) -> pd.DataFrame:
        rows = [(d, i + 1, n) for d, counts in self.data.items() for i, n in enumerate(counts)]
        return frame(
            {
                "date": ([d for d, _, _ in rows], DATE_DTYPE),
                "at_least": ([i for _, i, _ in rows], "int64"),
                "users": ([n for _, _, n in rows], "int64"),
            }
        )

    def __str__(self) -> str:
        what = repr(self.event) if self.event else "any event"
        head = (
            f"Frequency of {what} per {self.unit} in {self.addiction_unit}s, "
            f"{self.from_date} to {self.to_date}"
        )
        width = min(6, max((len(v) for v in self.data.values()), default=0))
        headers = ["date", *[f">={i + 1}" for i in range(width)]]
        rows = [
            [d, *v[:width]] + [None] * (width - min(width, len(v))) for d, v in self.data.items()
        ]
        return head + ("\n" + short_table(rows, headers) if rows else "")
