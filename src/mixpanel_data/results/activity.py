"""The result of an activity-feed query: some users' events in time order.

Example:
    >>> raw = {"status": "ok", "results": {"events": [
    ...     {"event": "Opened App", "properties": {"time": 1772442000, "$distinct_id": "u1"}}]}}
    >>> r = ActivityFeedResult.from_response(raw, distinct_ids=["u1"])
    >>> r.events[0].time.isoformat(), r.events[0].distinct_id
    ('2026-03-02T09:00:00+00:00', 'u1')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import (
    TEXT_DTYPE,
    TIME_DTYPE,
    ResultBase,
    as_list,
    as_mapping,
    as_number,
    frame,
    jsonable,
    short_table,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class UserEvent:
    """One event of a user.

    Example:
        >>> e = UserEvent(event="Purchased", time=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        ...               distinct_id="u1", properties={"amount": 19.99})
        >>> e.to_dict()["time"]
        '2026-03-02T00:00:00+00:00'
    """

    event: str
    time: dt.datetime
    """When it happened (UTC)."""
    distinct_id: str | None
    properties: dict[str, Any] = field(repr=False)
    """Every property Mixpanel returned, ``time`` and the distinct id included."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict (``time`` as ISO 8601)."""
        return {
            "event": self.event,
            "time": self.time.isoformat(),
            "distinct_id": self.distinct_id,
            "properties": jsonable(self.properties),
        }

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.distinct_id} {self.event}"


def _event_time(item: Mapping[str, Any], props: Mapping[str, Any], what: str) -> dt.datetime:
    value = props.get("time", item.get("time"))
    if value is None:
        return dt.datetime.fromtimestamp(0, dt.UTC)
    if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    seconds = float(as_number(value, what=what))
    if seconds > 1e11:  # milliseconds
        seconds /= 1000.0
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


@dataclass(frozen=True)
class ActivityFeedResult(ResultBase):
    """The events of ``distinct_ids`` between two dates, oldest first.

    ``.df`` columns (one row per event, in time order):

    ===========  ======================  ==================================
    time         ``datetime64[ns, UTC]``  when the event happened
    distinct_id  ``string``              whose event it is
    event        ``string``              event name
    properties   ``object``              the event's properties (a dict)
    ===========  ======================  ==================================
    """

    distinct_ids: list[str]
    from_date: str | None
    to_date: str | None
    events: list[UserEvent]
    """Events in time order."""
    _raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        raw: Any,
        *,
        distinct_ids: Sequence[str],
        from_date: str | None = None,
        to_date: str | None = None,
    ) -> ActivityFeedResult:
        """Build from Mixpanel's ``/stream/query`` JSON body."""
        results = as_mapping(raw, what="activity feed response").get("results")
        items = (
            results.get("events") if isinstance(results, Mapping) else results
        )  # {"results": {"events": [...]}} or {"results": [...]}
        events = []
        for i, item in enumerate(as_list(items, what="activity feed events")):
            entry = as_mapping(item, what=f"activity feed event {i}")
            props = dict(as_mapping(entry.get("properties"), what=f"event {i} properties"))
            distinct = props.get("$distinct_id", props.get("distinct_id", entry.get("distinct_id")))
            events.append(
                UserEvent(
                    event=str(entry.get("event", "")),
                    time=_event_time(entry, props, f"event {i} time"),
                    distinct_id=None if distinct is None else str(distinct),
                    properties=props,
                )
            )
        events.sort(key=lambda e: e.time)
        return cls(
            distinct_ids=list(distinct_ids),
            from_date=from_date,
            to_date=to_date,
            events=events,
            _raw=raw,
        )

    def _build_df(self) -> pd.DataFrame:
        df = frame(
            {
                "time": ([e.time for e in self.events], TIME_DTYPE),
                "distinct_id": ([e.distinct_id for e in self.events], TEXT_DTYPE),
                "event": ([e.event for e in self.events], TEXT_DTYPE),
                "properties": ([e.properties for e in self.events], "object"),
            }
        )
        return df

    def __str__(self) -> str:
        span = f"{self.from_date} to {self.to_date}" if self.from_date else "all dates"
        head = f"Activity of {len(self.distinct_ids)} user(s), {span}: {len(self.events)} event(s)"
        rows = [(f"{e.time:%Y-%m-%d %H:%M:%S}", e.distinct_id, e.event) for e in self.events]
        return head + (
            "\n" + short_table(rows, ["time (UTC)", "distinct_id", "event"], limit=20)
            if rows
            else ""
        )
