"""Live queries: ask Mixpanel now and get a typed result back; nothing is stored.

Every method does the same three things: validate the arguments (dates, units, types, limits,
expressions; a bare property name in ``on`` becomes ``properties["name"]``), call the operation by
its spec id with :meth:`ApiClients.call_json <mixpanel_data._api.clients.ApiClients.call_json>`, and
build the result with ``Result.from_response``. Keyword arguments a method does not validate
itself (``**params``) go to the operation as they are, so an optional parameter added to the spec
needs no code here.

Saved funnels and reports are looked up first (once per service), so an unknown id fails with
:class:`~mixpanel_data.exceptions.NotFoundError` naming the ones that exist, and the result
carries the funnel's name and the report's kind.

Example:
    >>> svc = LiveQueryService(api, "12345")                              # doctest: +SKIP
    >>> svc.segmentation("Signed Up", from_date="2026-01-01", to_date="2026-01-07",
    ...                  on="country").total                              # doctest: +SKIP
    1183
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mixpanel_data._services import validation as check
from mixpanel_data._services.discovery import DiscoveryService
from mixpanel_data.exceptions import JQLError, QueryError, ValidationError
from mixpanel_data.results import (
    ActivityFeedResult,
    EventCountsResult,
    FlowsResult,
    FrequencyResult,
    FunnelResult,
    JQLResult,
    NumericAverageResult,
    NumericBucketResult,
    NumericSumResult,
    PropertyCountsResult,
    RetentionResult,
    SavedReportResult,
    SegmentationResult,
)

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients

MAX_INTERVAL_COUNT = 100


def flows_definition(
    event: str,
    *,
    from_date: str,
    to_date: str,
    direction: str,
    steps: int,
    where: str | None = None,
) -> dict[str, Any]:
    """The ad-hoc Flows report definition (``bookmark`` parameter) for one anchor event.

    Example:
        >>> flows_definition("Signed Up", from_date="2026-01-01", to_date="2026-01-31",
        ...                  direction="after", steps=3)["steps"]
        [{'event': 'Signed Up', 'forward': 3, 'reverse': 0}]
    """
    step: dict[str, Any] = {
        "event": event,
        "forward": steps if direction in ("after", "both") else 0,
        "reverse": steps if direction in ("before", "both") else 0,
    }
    definition: dict[str, Any] = {
        "steps": [step],
        "date_range": {"type": "between", "from_date": from_date, "to_date": to_date},
        "count_type": "unique",
        "chartType": "sankey",
        "version": 2,
    }
    if where is not None:
        definition["where"] = where
    return definition


class LiveQueryService:
    """Every live query of a :class:`~mixpanel_data.Workspace`, for one project."""

    def __init__(
        self,
        api: ApiClients,
        project_id: str | int,
        discovery: DiscoveryService | None = None,
    ) -> None:
        self._api = api
        self._project_id = int(project_id)
        # The Workspace passes its own, so clear_discovery_cache() clears what this one looked up.
        self._lookup = discovery if discovery is not None else DiscoveryService(api, project_id)

    def __repr__(self) -> str:
        return f"LiveQueryService(project_id={self._project_id})"

    # -- segmentation ---------------------------------------------------------------------------

    def segmentation(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str | None = None,
        unit: str = "day",
        where: str | None = None,
        type: str = "general",
        limit: int | None = None,
        **params: Any,
    ) -> SegmentationResult:
        """Counts of ``event`` per ``unit``, split by ``on``."""
        check.event_name(event)
        start, end = check.date_range(from_date, to_date)
        unit = check.choice(unit, check.SEGMENTATION_UNITS, "unit", "segmentation")
        type = check.choice(type, check.COUNT_TYPES, "type", "segmentation")
        on_expr = check.optional_on(on)
        where = check.where(where)
        n = check.limit(limit)
        raw = self._api.call_json(
            "segmentation", event=event, from_date=start, to_date=end, on=on_expr, unit=unit,
            where=where, limit=n, type=type, **params,
        )  # fmt: skip
        return SegmentationResult.from_response(
            raw, event=event, from_date=start, to_date=end, unit=unit, on=on_expr, type=type
        )

    def segmentation_numeric(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str,
        unit: str = "day",
        where: str | None = None,
        type: str = "general",
        **params: Any,
    ) -> NumericBucketResult:
        """Counts of ``event`` in numeric ranges of ``on``."""
        check.event_name(event)
        start, end = check.date_range(from_date, to_date)
        unit = check.choice(unit, check.NUMERIC_UNITS, "unit", "segmentation_numeric")
        type = check.choice(type, check.COUNT_TYPES, "type", "segmentation_numeric")
        on_expr = check.on_expression(on)
        where = check.where(where)
        raw = self._api.call_json(
            "segmentation_numeric", event=event, from_date=start, to_date=end, on=on_expr,
            unit=unit, where=where, type=type, **params,
        )  # fmt: skip
        return NumericBucketResult.from_response(
            raw, event=event, from_date=start, to_date=end, on=on_expr, unit=unit, type=type
        )

    def segmentation_sum(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str,
        unit: str = "day",
        where: str | None = None,
        **params: Any,
    ) -> NumericSumResult:
        """Sum of the numeric expression ``on`` over ``event`` per ``unit``."""
        check.event_name(event)
        start, end = check.date_range(from_date, to_date)
        unit = check.choice(unit, check.NUMERIC_UNITS, "unit", "segmentation_sum")
        on_expr = check.on_expression(on)
        where = check.where(where)
        raw = self._api.call_json(
            "segmentation_sum", event=event, from_date=start, to_date=end, on=on_expr, unit=unit,
            where=where, **params,
        )  # fmt: skip
        return NumericSumResult.from_response(
            raw, event=event, from_date=start, to_date=end, on=on_expr, unit=unit
        )

    def segmentation_average(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str,
        unit: str = "day",
        where: str | None = None,
        **params: Any,
    ) -> NumericAverageResult:
        """Average of the numeric expression ``on`` over ``event`` per ``unit``."""
        check.event_name(event)
        start, end = check.date_range(from_date, to_date)
        unit = check.choice(unit, check.NUMERIC_UNITS, "unit", "segmentation_average")
        on_expr = check.on_expression(on)
        where = check.where(where)
        raw = self._api.call_json(
            "segmentation_average", event=event, from_date=start, to_date=end, on=on_expr,
            unit=unit, where=where, **params,
        )  # fmt: skip
        return NumericAverageResult.from_response(
            raw, event=event, from_date=start, to_date=end, on=on_expr, unit=unit
        )

    # -- event breakdown ------------------------------------------------------------------------

    def event_counts(
        self,
        events: Sequence[str],
        *,
        from_date: str,
        to_date: str,
        unit: str = "day",
        type: str = "general",
        **params: Any,
    ) -> EventCountsResult:
        """Counts of several events per ``unit``."""
        names = check.event_list(events)
        start, end = check.date_range(from_date, to_date)
        type = check.choice(type, check.COUNT_TYPES, "type", "event_counts")
        unit = check.count_unit(unit, type, "event_counts")
        raw = self._api.call_json(
            "event_counts", event=names, from_date=start, to_date=end, unit=unit, type=type,
            **params,
        )  # fmt: skip
        return EventCountsResult.from_response(
            raw, events=names, from_date=start, to_date=end, unit=unit, type=type
        )

    def property_counts(
        self,
        event: str,
        property: str,
        *,
        from_date: str,
        to_date: str,
        unit: str = "day",
        type: str = "general",
        values: Sequence[str] | None = None,
        limit: int | None = None,
        **params: Any,
    ) -> PropertyCountsResult:
        """Counts of ``event`` per value of ``property`` per ``unit``."""
        check.event_name(event)
        check.event_name(property, "property")
        start, end = check.date_range(from_date, to_date)
        type = check.choice(type, check.COUNT_TYPES, "type", "property_counts")
        unit = check.count_unit(unit, type, "property_counts")
        wanted = None if values is None else check.name_list(values, "values")
        n = check.limit(limit)
        raw = self._api.call_json(
            "property_counts", event=event, name=property, from_date=start, to_date=end,
            unit=unit, type=type, values=wanted, limit=n, **params,
        )  # fmt: skip
        return PropertyCountsResult.from_response(
            raw, event=event, property_name=property, from_date=start, to_date=end, unit=unit,
            type=type,
        )  # fmt: skip

    # -- funnels, retention, frequency ----------------------------------------------------------

    def funnel(
        self,
        funnel_id: int,
        *,
        from_date: str,
        to_date: str,
        unit: str | None = None,
        on: str | None = None,
        where: str | None = None,
        length: int | None = None,
        length_unit: str | None = None,
        **params: Any,
    ) -> FunnelResult:
        """A saved funnel's steps; an unknown ``funnel_id`` raises :class:`NotFoundError`."""
        fid = check.positive_id(funnel_id, "funnel_id")
        start, end = check.date_range(from_date, to_date)
        if unit is not None:
            unit = check.choice(unit, check.FUNNEL_UNITS, "unit", "funnel")
        on_expr = check.optional_on(on)
        where = check.where(where)
        window, window_unit = check.funnel_window(length, length_unit)
        info = self._lookup.funnel_info(fid)
        raw = self._api.call_json(
            "funnel", funnel_id=fid, from_date=start, to_date=end, unit=unit, on=on_expr,
            where=where, length=window, length_unit=window_unit, **params,
        )  # fmt: skip
        return FunnelResult.from_response(
            raw, funnel_id=fid, funnel_name=info.name, from_date=start, to_date=end, unit=unit,
            on=on_expr,
        )  # fmt: skip

    def retention(
        self,
        born_event: str,
        return_event: str | None = None,
        *,
        from_date: str,
        to_date: str,
        born_where: str | None = None,
        return_where: str | None = None,
        interval: int = 1,
        interval_count: int = 10,
        unit: str = "day",
        retention_type: str = "birth",
        **params: Any,
    ) -> RetentionResult:
        """Cohorts of ``born_event`` users and how many did ``return_event`` in later periods."""
        retention_type = check.choice(
            retention_type, check.RETENTION_TYPES, "retention_type", "retention"
        )
        if retention_type == "birth" or born_event is not None:
            check.event_name(born_event, "born_event")
        if return_event is not None:
            check.event_name(return_event, "return_event")
        start, end = check.date_range(from_date, to_date)
        unit = check.choice(unit, check.RETENTION_UNITS, "unit", "retention")
        every = check.retention_interval(interval, unit)
        count = check.integer(
            interval_count, "interval_count", minimum=1, maximum=MAX_INTERVAL_COUNT
        )
        born_where = check.where(born_where, "born_where")
        return_where = check.where(return_where, "return_where")
        raw = self._api.call_json(
            "retention", from_date=start, to_date=end, retention_type=retention_type,
            born_event=born_event, event=return_event, born_where=born_where, where=return_where,
            interval=every, interval_count=count, unit=unit, **params,
        )  # fmt: skip
        return RetentionResult.from_response(
            raw, born_event=born_event, return_event=return_event, from_date=start, to_date=end,
            unit=unit, interval=every, interval_count=count, retention_type=retention_type,
        )  # fmt: skip

    def frequency(
        self,
        *,
        from_date: str,
        to_date: str,
        unit: str = "day",
        addiction_unit: str = "hour",
        event: str | None = None,
        where: str | None = None,
        **params: Any,
    ) -> FrequencyResult:
        """Users active in at least N ``addiction_unit``s of each ``unit``."""
        start, end = check.date_range(from_date, to_date)
        unit = check.choice(unit, check.FREQUENCY_UNITS, "unit", "frequency")
        addiction_unit = check.choice(
            addiction_unit, check.ADDICTION_UNITS, "addiction_unit", "frequency"
        )
        if event is not None:
            check.event_name(event)
        where = check.where(where)
        raw = self._api.call_json(
            "frequency", from_date=start, to_date=end, unit=unit, addiction_unit=addiction_unit,
            event=event, where=where, **params,
        )  # fmt: skip
        return FrequencyResult.from_response(
            raw, from_date=start, to_date=end, unit=unit, addiction_unit=addiction_unit,
            event=event,
        )  # fmt: skip

    # -- users, saved reports, flows, JQL -------------------------------------------------------

    def activity_feed(
        self,
        distinct_ids: Sequence[str],
        *,
        from_date: str | None = None,
        to_date: str | None = None,
    ) -> ActivityFeedResult:
        """The events of some users; missing dates mean the 30 days up to today (UTC)."""
        ids = check.name_list(distinct_ids, "distinct_ids")
        start, end = check.optional_date_range(from_date, to_date)
        raw = self._api.call_json("activity_stream", distinct_ids=ids, from_date=start, to_date=end)
        return ActivityFeedResult.from_response(raw, distinct_ids=ids, from_date=start, to_date=end)

    def saved_report(self, bookmark_id: int) -> SavedReportResult:
        """Run a saved report of any kind; an unknown id raises :class:`NotFoundError`.

        Flows reports run on the Flows endpoint, the others on ``/insights``. A Funnels or
        Retention report that ``/insights`` refuses (400) is run from its saved definition
        with :meth:`funnel` or :meth:`retention` instead.
        """
        bid = check.positive_id(bookmark_id, "bookmark_id")
        info = self._lookup.bookmark_info(bid)
        if info.type == "flows":
            raw = self._flows(bookmark_id=bid)
            return SavedReportResult.from_response(
                raw, bookmark_id=bid, kind="flows", name=info.name
            )
        try:
            raw = self._api.call_json("insights", bookmark_id=bid)
        except QueryError:
            if info.type not in ("funnels", "retention"):
                raise
            params = self._lookup.bookmark_params(bid)
            result = self._run_definition(info.type, bid, params)
            return SavedReportResult.from_result(result, bookmark_id=bid, name=info.name)
        return SavedReportResult.from_response(raw, bookmark_id=bid, kind=info.type, name=info.name)

    def _run_definition(
        self, kind: str, bookmark_id: int, params: Mapping[str, Any]
    ) -> FunnelResult | RetentionResult:
        """A Funnels or Retention report's definition, run as the matching live query."""
        start, end = saved_range(params)
        behavior = _first_behavior(params)
        if kind == "funnels":
            funnel_id = params.get("funnel_id", bookmark_id)
            length = behavior.get("conversionWindowDuration")
            length_unit = behavior.get("conversionWindowUnit")
            return self.funnel(
                funnel_id, from_date=start, to_date=end,
                length=length if isinstance(length, int) else None,
                length_unit=length_unit if isinstance(length, int) else None,
            )  # fmt: skip
        steps = behavior.get("behaviors")
        events = (
            [b.get("name") for b in steps if isinstance(b, Mapping)]
            if isinstance(steps, list)
            else []
        )
        if not events or not isinstance(events[0], str):
            raise ValidationError(
                f"saved report {bookmark_id} has no born event in its definition; "
                "run it with retention() instead"
            )
        back = events[1] if len(events) > 1 and isinstance(events[1], str) else None
        unit = behavior.get("retentionUnit", "day")
        return self.retention(
            events[0], back, from_date=start, to_date=end,
            unit=unit if unit in check.RETENTION_UNITS else "day",
        )  # fmt: skip

    def flows(
        self,
        event: str | None = None,
        *,
        from_date: str | None = None,
        to_date: str | None = None,
        direction: str = "after",
        steps: int = 3,
        where: str | None = None,
        bookmark_id: int | None = None,
    ) -> FlowsResult:
        """An ad-hoc flow around ``event``, or a saved Flows report by ``bookmark_id``."""
        if bookmark_id is not None:
            bid = check.positive_id(bookmark_id, "bookmark_id")
            info = self._lookup.bookmark_info(bid)
            if info.type != "flows":
                raise ValidationError(
                    f"saved report {bid} ({info.name}) is a {info.type} report, not flows; "
                    "run it with saved_report()"
                )
            raw = self._flows(bookmark_id=bid)
            return FlowsResult.from_response(raw, bookmark_id=bid)
        if event is None:
            raise ValidationError("flows needs an anchor event (or bookmark_id of a saved flow)")
        check.event_name(event)
        if from_date is None or to_date is None:
            raise ValidationError(
                "flows needs from_date and to_date (YYYY-MM-DD) for an ad-hoc flow"
            )
        start, end = check.date_range(from_date, to_date)
        direction = check.choice(direction, check.FLOW_DIRECTIONS, "direction", "flows")
        hops = check.integer(steps, "steps", minimum=1, maximum=check.MAX_FLOW_STEPS)
        where = check.where(where)
        definition = flows_definition(
            event, from_date=start, to_date=end, direction=direction, steps=hops, where=where
        )
        raw = self._flows(bookmark=definition)
        return FlowsResult.from_response(
            raw, event=event, direction=direction, from_date=start, to_date=end
        )

    def _flows(self, **params: Any) -> Any:
        """``/arb_funnels`` as the Sankey report: a saved flow or an ad-hoc definition."""
        return self._api.call_json("flows", query_type="flows_sankey", **params)

    def jql(self, script: str, params: Mapping[str, Any] | None = None) -> JQLResult:
        """Run a JQL script; a script error raises :class:`JQLError` with Mixpanel's details."""
        source = check.jql_script(script)
        params_text = check.jql_params(params)
        try:
            body = {"script": source, **({"params": params_text} if params_text else {})}
            raw = self._api.call_json("jql", body=body)
        except JQLError as err:
            raise _jql_error(err) from err
        return JQLResult.from_response(raw, script=source, params=params)


_RANGE_UNIT_DAYS = {"day": 1, "week": 7}


def saved_range(params: Mapping[str, Any], today: dt.date | None = None) -> tuple[str, str]:
    """The ``(from_date, to_date)`` of a saved report's definition.

    Reads ``sections.time[0]`` (or ``time[0]`` / ``date_range``) in Mixpanel's spellings
    (``in the last`` N days/weeks/months, ``between``, ``since``) or plain ``from_date`` /
    ``to_date`` / ``last``; "the last N days" ends today (UTC). No range means the last 30 days.

    Example:
        >>> saved_range({"sections": {"time": [{"dateRangeType": "in the last",
        ...     "window": {"unit": "day", "value": 7}}]}}, today=dt.date(2026, 1, 31))
        ('2026-01-25', '2026-01-31')
    """
    today = today or dt.datetime.now(dt.UTC).date()
    sections = params.get("sections")
    spans = sections.get("time") if isinstance(sections, Mapping) else None
    spans = spans or params.get("time")
    spec: Any = spans[0] if isinstance(spans, list) and spans else params.get("date_range")
    if not isinstance(spec, Mapping) or not spec:
        return ((today - dt.timedelta(days=29)).isoformat(), today.isoformat())
    if "from_date" in spec or "to_date" in spec:
        return check.date_range(
            str(spec.get("from_date"))[:10], str(spec.get("to_date", today.isoformat()))[:10]
        )
    if "last" in spec:
        n = check.integer(spec["last"], "the saved report's range length", minimum=1)
        return ((today - dt.timedelta(days=n - 1)).isoformat(), today.isoformat())
    kind = str(spec.get("dateRangeType", spec.get("type", "in the last"))).lower()
    value = spec.get("value")
    if kind == "between" and isinstance(value, list) and len(value) == 2:
        return check.date_range(str(value[0])[:10], str(value[1])[:10])
    if kind == "since":
        return check.date_range(str(value)[:10], today.isoformat())
    if kind != "in the last":
        raise ValidationError(f"the saved report's date range {kind!r} is not supported")
    window = spec.get("window")
    window = window if isinstance(window, Mapping) else {}
    n = check.integer(window.get("value", 30), "the saved report's range length", minimum=1)
    unit = str(window.get("unit", "day"))
    if unit == "month":
        start = _months_before(today, n) + dt.timedelta(days=1)
    elif unit in _RANGE_UNIT_DAYS:
        start = today - dt.timedelta(days=n * _RANGE_UNIT_DAYS[unit] - 1)
    else:
        raise ValidationError(f"the saved report's range unit {unit!r} is not supported")
    return start.isoformat(), today.isoformat()


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _first_behavior(params: Mapping[str, Any]) -> Mapping[str, Any]:
    sections = params.get("sections")
    show = sections.get("show") if isinstance(sections, Mapping) else None
    if isinstance(show, list) and show and isinstance(show[0], Mapping):
        behavior = show[0].get("behavior")
        if isinstance(behavior, Mapping):
            return behavior
    return {}


def _jql_error(err: JQLError) -> JQLError:
    """The same error with a message that leads with what the script did wrong."""
    details = dict(err.details)
    text = str(details.get("error_message") or err.message)
    kind = re.search(r"\b([A-Z][A-Za-z]*(?:Error|Exception))\b", text)
    if kind and "error_type" not in details:
        details["error_type"] = kind.group(1)
    where = ""
    if details.get("line") is not None:
        where = f" (line {details['line']}"
        where += f", column {details['column']})" if details.get("column") is not None else ")"
    return JQLError(
        f"JQL script failed{where}: {text}",
        status=err.status,
        method=err.method,
        path=err.path,
        params=err.params,
        response_body=err.response_body,
        details={
            k: v
            for k, v in details.items()
            if k not in ("status", "method", "path", "params", "response_body")
        },
    )


__all__ = ["LiveQueryService", "flows_definition", "saved_range"]
