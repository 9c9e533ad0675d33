"""The result of a saved-funnel query: steps with counts, conversion and average times.

Mixpanel answers per date bucket (``{"data": {date: {"steps": [...], "analysis": {...}}}}``); with
``on`` each bucket holds one step list per segment value plus ``$overall``. :class:`FunnelResult`
keeps every bucket and also adds the buckets up into one list of :class:`FunnelStep`.

Example:
    >>> raw = {"meta": {"dates": ["2026-03-02"]}, "data": {"2026-03-02": {"steps": [
    ...     {"count": 100, "event": "A", "goal": "A", "avg_time": None},
    ...     {"count": 25, "event": "B", "goal": "B", "avg_time": 60}]}}}
    >>> r = FunnelResult.from_response(raw, funnel_id=7, funnel_name="A to B",
    ...                                from_date="2026-03-02", to_date="2026-03-08")
    >>> [(s.name, s.count, s.overall_conversion) for s in r.steps], r.conversion_rate
    ([('A', 100, 1.0), ('B', 25, 0.25)], 0.25)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import (
    DATE_DTYPE,
    TEXT_DTYPE,
    ResultBase,
    as_int,
    as_list,
    as_mapping,
    as_number,
    date_part,
    frame,
    percent,
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OVERALL = "$overall"


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class FunnelStep:
    """One step of a funnel.

    Example:
        >>> FunnelStep(step=2, event="B", name="B", count=25, step_conversion=0.25,
        ...            overall_conversion=0.25, avg_time=60.0).to_dict()["overall_conversion"]
        0.25
    """

    step: int
    """1-based position in the funnel."""
    event: str
    """Event of the step (``$custom_event:<id>`` for custom events)."""
    name: str
    """Display name (the custom event's name for custom events, else the event)."""
    count: int
    """Users who reached this step."""
    step_conversion: float
    """``count`` / the previous step's count (1.0 for the first step), 0-1."""
    overall_conversion: float
    """``count`` / the first step's count, 0-1."""
    avg_time: float | None = None
    """Mean seconds from the previous step (``None`` when Mixpanel gave none)."""
    avg_time_from_start: float | None = None
    """Mean seconds from the first step."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        return {
            "step": self.step,
            "event": self.event,
            "name": self.name,
            "count": self.count,
            "step_conversion": self.step_conversion,
            "overall_conversion": self.overall_conversion,
            "avg_time": self.avg_time,
            "avg_time_from_start": self.avg_time_from_start,
        }

    def __str__(self) -> str:
        return (
            f"{self.step}. {self.name}: {self.count:,} "
            f"({percent(self.step_conversion)} of previous, {percent(self.overall_conversion)} "
            "overall)"
        )


def _optional_seconds(value: Any, what: str) -> float | None:
    return None if value is None else float(as_number(value, what=what))


def _steps_of(raw_steps: Any, what: str) -> list[FunnelStep]:
    items = as_list(raw_steps, what=what)
    counts = [as_int(as_mapping(s, what=what).get("count"), what=f"{what} count") for s in items]
    steps: list[FunnelStep] = []
    for i, item in enumerate(items):
        s = as_mapping(item, what=what)
        event = str(s.get("event") or s.get("goal") or s.get("name") or f"step {i + 1}")
        name = str(s.get("step_label") or s.get("name") or s.get("goal") or event)
        step_conv = s.get("step_conv_ratio")
        overall = s.get("overall_conv_ratio")
        steps.append(
            FunnelStep(
                step=i + 1,
                event=event,
                name=name,
                count=counts[i],
                step_conversion=(
                    float(step_conv)
                    if isinstance(step_conv, int | float)
                    else (1.0 if i == 0 else _ratio(counts[i], counts[i - 1]))
                ),
                overall_conversion=(
                    float(overall)
                    if isinstance(overall, int | float)
                    else _ratio(counts[i], counts[0])
                ),
                avg_time=_optional_seconds(s.get("avg_time"), f"{what} avg_time"),
                avg_time_from_start=_optional_seconds(
                    s.get("avg_time_from_start"), f"{what} avg_time_from_start"
                ),
            )
        )
    return steps


def _bucket_segments(bucket: Any, what: str) -> dict[str, list[FunnelStep]]:
    """``{segment: steps}`` of one date bucket, whatever shape Mixpanel used."""
    if isinstance(bucket, list):  # simplified shape: the bucket is the step list
        return {OVERALL: _steps_of(bucket, what)}
    b = as_mapping(bucket, what=what)
    if "steps" in b:
        return {OVERALL: _steps_of(b["steps"], what)}
    out: dict[str, list[FunnelStep]] = {}
    for segment, value in b.items():
        if segment == "analysis":
            continue
        inner = value.get("steps") if isinstance(value, Mapping) else value
        out[str(segment)] = _steps_of(inner, f"{what}[{segment!r}]")
    return out


def _weighted(values: Sequence[tuple[float | None, int]]) -> float | None:
    known = [(v, w) for v, w in values if v is not None]
    if not known:
        return None
    weight = sum(w for _, w in known)
    if weight == 0:
        return sum(v for v, _ in known) / len(known)
    return sum(v * w for v, w in known) / weight


def combine_steps(lists: Sequence[Sequence[FunnelStep]]) -> list[FunnelStep]:
    """Add several buckets' steps up: counts summed, conversions recomputed from the sums,
    average times weighted by each bucket's count at that step."""
    lists = [s for s in lists if s]
    if not lists:
        return []
    n = max(len(s) for s in lists)
    counts = [sum(s[i].count for s in lists if i < len(s)) for i in range(n)]
    template = next(s for s in lists if len(s) == n)
    out = []
    for i in range(n):
        at_i = [s[i] for s in lists if i < len(s)]
        out.append(
            FunnelStep(
                step=i + 1,
                event=template[i].event,
                name=template[i].name,
                count=counts[i],
                step_conversion=1.0 if i == 0 else _ratio(counts[i], counts[i - 1]),
                overall_conversion=_ratio(counts[i], counts[0]),
                avg_time=_weighted([(s.avg_time, s.count) for s in at_i]),
                avg_time_from_start=_weighted([(s.avg_time_from_start, s.count) for s in at_i]),
            )
        )
    return out


@dataclass(frozen=True)
class FunnelResult(ResultBase):
    """A saved funnel over a date range: the steps added up over every date bucket, and each bucket.

    :attr:`steps` sums the counts of all buckets (of the ``$overall`` segment when the funnel was
    segmented with ``on``) and recomputes conversion from the sums; average times are weighted by
    the step's count in each bucket.

    ``.df`` columns (one row per date × segment × step, sorted by date, segment, step):

    ==================  ==================  ==========================================
    date                ``datetime64[ns]``  first day of the date bucket
    segment             ``string``          ``$overall``, or the ``on`` value
    step                ``int64``           1-based step number
    event               ``string``          the step's event
    name                ``string``          the step's display name
    count               ``int64``           users who reached the step in that bucket
    step_conversion     ``float64``         vs the previous step, 0-1
    overall_conversion  ``float64``         vs the first step, 0-1
    avg_time            ``float64``         mean seconds from the previous step (NaN: none)
    avg_time_from_start ``float64``         mean seconds from the first step (NaN: none)
    ==================  ==================  ==========================================
    """

    funnel_id: int
    funnel_name: str
    from_date: str
    to_date: str
    unit: str | None
    """The bucket unit asked for (``None``: Mixpanel's default of one-day buckets)."""
    segment_property: str | None
    """The ``on`` expression, when segmented."""
    conversion_rate: float
    """Last step count / first step count over the whole range, 0-1."""
    steps: list[FunnelStep]
    """The steps, added up over every bucket."""
    dates: list[str] = field(repr=False)
    """Bucket dates, sorted."""
    buckets: dict[str, dict[str, list[FunnelStep]]] = field(repr=False)
    """``{date: {segment: steps}}`` for every bucket (segment ``$overall`` when not segmented)."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        funnel_id: int,
        from_date: str,
        to_date: str,
        funnel_name: str = "",
        unit: str | None = None,
        on: str | None = None,
    ) -> FunnelResult:
        """Build from Mixpanel's ``/funnels`` JSON body."""
        data = as_mapping(as_mapping(raw, what="funnel response").get("data"), what="funnel data")
        buckets = {
            str(d): _bucket_segments(b, f"funnel data[{d!r}]") for d, b in sorted(data.items())
        }
        overall = [segs.get(OVERALL) for segs in buckets.values()]
        if all(s is not None for s in overall):
            steps = combine_steps([s for s in overall if s is not None])
        else:  # segmented without an $overall entry: add the segments up
            steps = combine_steps([s for segs in buckets.values() for s in segs.values()])
        return cls(
            funnel_id=funnel_id,
            funnel_name=funnel_name,
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            segment_property=on,
            conversion_rate=_ratio(steps[-1].count, steps[0].count) if steps else 0.0,
            steps=steps,
            dates=sorted(buckets),
            buckets=buckets,
            _raw=raw,
        )

    def _build_df(self) -> pd.DataFrame:
        rows = [
            (date, segment, s)
            for date, segments in sorted(self.buckets.items())
            for segment, steps in sorted(segments.items(), key=lambda kv: (kv[0] != OVERALL, kv[0]))
            for s in steps
        ]
        nan = float("nan")
        return frame(
            {
                "date": ([date_part(d) for d, _, _ in rows], DATE_DTYPE),
                "segment": ([g for _, g, _ in rows], TEXT_DTYPE),
                "step": ([s.step for _, _, s in rows], "int64"),
                "event": ([s.event for _, _, s in rows], TEXT_DTYPE),
                "name": ([s.name for _, _, s in rows], TEXT_DTYPE),
                "count": ([s.count for _, _, s in rows], "int64"),
                "step_conversion": ([s.step_conversion for _, _, s in rows], "float64"),
                "overall_conversion": ([s.overall_conversion for _, _, s in rows], "float64"),
                "avg_time": (
                    [nan if s.avg_time is None else s.avg_time for _, _, s in rows],
                    "float64",
                ),
                "avg_time_from_start": (
                    [
                        nan if s.avg_time_from_start is None else s.avg_time_from_start
                        for *_, s in rows
                    ],
                    "float64",
                ),
            }
        )

    def _display_frame(self) -> pd.DataFrame:
        """The added-up steps: count and conversions (0-1) per step."""
        import pandas as pd

        return pd.DataFrame(
            {
                "step": [s.step for s in self.steps],
                "name": [s.name for s in self.steps],
                "count": [s.count for s in self.steps],
                "step_conversion": [s.step_conversion for s in self.steps],
                "overall_conversion": [s.overall_conversion for s in self.steps],
            }
        )

    def plot(self, *, ax: Axes | None = None) -> Figure:
        """A bar per step (users who reached it), labelled with its overall conversion.

        Needs matplotlib (``pip install 'mixpanel_data[plot]'``).

        Example:
            >>> r = ws.funnel(7509, from_date="2026-10-01", to_date="2026-10-31")  # doctest: +SKIP
            >>> r.plot().savefig("funnel.png")  # doctest: +SKIP
        """
        from mixpanel_data.results._plot import funnel_bars

        title = self.funnel_name or f"Funnel {self.funnel_id}"
        return funnel_bars(self.steps, title=f"{title}: {percent(self.conversion_rate)}", ax=ax)

    def __str__(self) -> str:
        title = f"Funnel {self.funnel_id}" + (f" {self.funnel_name!r}" if self.funnel_name else "")
        head = (
            f"{title}, {self.from_date} to {self.to_date}: {len(self.steps)} step(s), "
            f"conversion {percent(self.conversion_rate)}"
        )
        rows = [
            (
                s.step,
                s.name,
                s.count,
                percent(s.step_conversion),
                percent(s.overall_conversion),
                None if s.avg_time is None else round(s.avg_time),
            )
            for s in self.steps
        ]
        headers = ["#", "step", "count", "from prev", "overall", "avg s"]
        return head + ("\n" + short_table(rows, headers, limit=50) if rows else "")
