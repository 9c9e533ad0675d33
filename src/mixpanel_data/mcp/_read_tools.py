"""The tools that only read Mixpanel: discovery, every live query, saved reports and JQL.

Each tool is one Workspace call. Lists come back as capped rows; a live query comes back as its
key numbers (``summary``) plus its tidy table (``.df``) as capped rows, so an agent sees totals and
conversion at once and the detail on demand (see :mod:`._shape`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from mixpanel_data.mcp import _shape
from mixpanel_data.mcp._params import (
    Event,
    FromDate,
    HourOrDay,
    MaxRows,
    NumericOn,
    OptionalFromDate,
    OptionalToDate,
    ToDate,
    Unit,
    Where,
)

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from mixpanel_data.mcp._session import McpSession

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)


def register(server: MCPServer[Any], session: McpSession) -> None:
    """Add the discovery, live-query and JQL tools to ``server``."""
    _discovery(server, session)
    _live(server, session)
    _management(server, session)


def _discovery(server: MCPServer[Any], session: McpSession) -> None:
    tool = server.tool

    @tool(annotations=READ_ONLY)
    def list_events(max_rows: MaxRows = 500) -> CallToolResult:
        """Event names of the project, sorted. Start here: every query names an event."""
        return session.answer(
            lambda: _shape.items(session.workspace.list_events(), max_rows=max_rows, column="event")
        )

    @tool(annotations=READ_ONLY)
    def list_properties(event: Event, max_rows: MaxRows = 500) -> CallToolResult:
        """Property names seen on one event (use them in `on` and `where`)."""
        return session.answer(
            lambda: _shape.items(
                session.workspace.list_properties(event), max_rows=max_rows, column="property"
            )
        )

    @tool(annotations=READ_ONLY)
    def list_property_values(
        property: Annotated[str, Field(description="Property name, e.g. plan or $city.")],
        event: Annotated[
            str | None, Field(description="Only values seen on this event (optional).")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=10_000, description="Most values to ask for.")] = 100,
    ) -> CallToolResult:
        """Values seen for one property (as strings), to write exact `where` filters."""
        return session.answer(
            lambda: _shape.items(
                session.workspace.list_property_values(property, event=event, limit=limit),
                max_rows=limit,
            )
        )

    @tool(annotations=READ_ONLY)
    def list_funnels(max_rows: MaxRows = _shape.DEFAULT_ROWS) -> CallToolResult:
        """Saved funnels (funnel_id and name); run one with the `funnel` tool."""
        return session.answer(
            lambda: _shape.items(session.workspace.list_funnels(), max_rows=max_rows)
        )

    @tool(annotations=READ_ONLY)
    def list_cohorts(max_rows: MaxRows = _shape.DEFAULT_ROWS) -> CallToolResult:
        """Saved cohorts (id, name, count); fetch_profiles takes a cohort_id."""
        return session.answer(
            lambda: _shape.items(session.workspace.list_cohorts(), max_rows=max_rows)
        )

    @tool(annotations=READ_ONLY)
    def list_bookmarks(
        type: Annotated[
            Literal["insights", "funnels", "retention", "flows"] | None,
            Field(description="Only saved reports of this kind (optional)."),
        ] = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Saved reports (bookmarks); run one with `saved_report`."""
        return session.answer(
            lambda: _shape.items(session.workspace.list_bookmarks(type), max_rows=max_rows)
        )

    @tool(annotations=READ_ONLY)
    def list_top_events(
        type: Annotated[
            Literal["general", "average", "unique"],
            Field(description="general: all events, unique: distinct users, average: per user."),
        ] = "general",
        limit: Annotated[int | None, Field(ge=1, le=1000, description="Most events.")] = None,
    ) -> CallToolResult:
        """Today's most frequent events, with counts and change (never cached)."""
        return session.answer(
            lambda: _shape.items(
                session.workspace.list_top_events(type=type, limit=limit),
                max_rows=limit or _shape.MAX_ROWS,
            )
        )

    @tool(annotations=READ_ONLY)
    def list_schemas(
        entity_type: Annotated[
            Literal["event", "profile"] | None,
            Field(description="Only event or only profile schemas (optional)."),
        ] = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Lexicon schemas: the documented events and profile properties, with descriptions."""
        return session.answer(
            lambda: _shape.items(session.workspace.list_schemas(entity_type), max_rows=max_rows)
        )


def _live(server: MCPServer[Any], session: McpSession) -> None:
    tool = server.tool

    @tool(annotations=READ_ONLY)
    def segmentation(
        event: Event,
        from_date: FromDate,
        to_date: ToDate,
        on: Annotated[
            str | None,
            Field(
                description="Split by this property name or expression, e.g. plan or "
                'properties["plan"] (optional).'
            ),
        ] = None,
        unit: Unit = "day",
        where: Where = None,
        type: Annotated[
            Literal["general", "unique", "average"],
            Field(description="general: event count, unique: distinct users, average: per user."),
        ] = "general",
        limit: Annotated[int | None, Field(ge=1, description="Most segments (optional).")] = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Counts of one event per day/week/month, optionally split by a property.

        Rows: date, segment, count; summary.total is the sum over the whole range."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.segmentation(
                    event,
                    from_date=from_date,
                    to_date=to_date,
                    on=on,
                    unit=unit,
                    where=where,
                    type=type,
                    limit=limit,
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def segmentation_numeric(
        event: Event,
        from_date: FromDate,
        to_date: ToDate,
        on: NumericOn,
        unit: Unit = "day",
        where: Where = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Counts of one event in numeric buckets of a property (a histogram per unit)."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.segmentation_numeric(
                    event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def segmentation_sum(
        event: Event,
        from_date: FromDate,
        to_date: ToDate,
        on: NumericOn,
        unit: HourOrDay = "day",
        where: Where = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """The sum of a numeric property over one event, per unit (e.g. revenue per day)."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.segmentation_sum(
                    event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def segmentation_average(
        event: Event,
        from_date: FromDate,
        to_date: ToDate,
        on: NumericOn,
        unit: HourOrDay = "day",
        where: Where = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """The average of a numeric property over one event, per unit."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.segmentation_average(
                    event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def event_counts(
        events: Annotated[
            list[str], Field(min_length=1, description="Event names, each one whole.")
        ],
        from_date: FromDate,
        to_date: ToDate,
        unit: Unit = "day",
        type: Annotated[
            Literal["general", "unique", "average"],
            Field(description="general: event count, unique: distinct users, average: per user."),
        ] = "general",
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Counts of several events side by side, per unit."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.event_counts(
                    events, from_date=from_date, to_date=to_date, unit=unit, type=type
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def property_counts(
        event: Event,
        property: Annotated[str, Field(description="The property to split by, e.g. plan.")],
        from_date: FromDate,
        to_date: ToDate,
        unit: Unit = "day",
        values: Annotated[
            list[str] | None, Field(description="Only these values of the property (optional).")
        ] = None,
        limit: Annotated[int | None, Field(ge=1, description="Most values (optional).")] = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Counts of one event per value of one property, per unit."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.property_counts(
                    event,
                    property,
                    from_date=from_date,
                    to_date=to_date,
                    unit=unit,
                    values=values,
                    limit=limit,
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def funnel(
        funnel_id: Annotated[int, Field(description="A saved funnel's id (see list_funnels).")],
        from_date: FromDate,
        to_date: ToDate,
        on: Annotated[
            str | None, Field(description="Split by this property or expression (optional).")
        ] = None,
        where: Where = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """A saved funnel over a date range: each step's count and conversion.

        summary.conversion_rate is first step to last; rows are the steps."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.funnel(
                    funnel_id, from_date=from_date, to_date=to_date, on=on, where=where
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def retention(
        born_event: Annotated[str, Field(description="The event that puts a user in a cohort.")],
        from_date: FromDate,
        to_date: ToDate,
        return_event: Annotated[
            str | None, Field(description="The event that counts as coming back (default: any).")
        ] = None,
        born_where: Where = None,
        return_where: Where = None,
        unit: Unit = "day",
        interval_count: Annotated[
            int, Field(ge=1, le=100, description="How many intervals to follow each cohort.")
        ] = 10,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Cohorts of users by the day (week, month) they did born_event, and how many returned.

        Rows: cohort date, interval, users retained."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.retention(
                    born_event,
                    return_event,
                    from_date=from_date,
                    to_date=to_date,
                    born_where=born_where,
                    return_where=return_where,
                    unit=unit,
                    interval_count=interval_count,
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def frequency(
        from_date: FromDate,
        to_date: ToDate,
        event: Annotated[str | None, Field(description="Only this event (default: any).")] = None,
        unit: Unit = "day",
        addiction_unit: Annotated[
            Literal["hour", "day"], Field(description="The slices users are counted in.")
        ] = "hour",
        where: Where = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """How many users did the event in at least N hours (days) of each day (week, month)."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.frequency(
                    from_date=from_date,
                    to_date=to_date,
                    unit=unit,
                    addiction_unit=addiction_unit,
                    event=event,
                    where=where,
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def activity_feed(
        distinct_ids: Annotated[
            list[str], Field(min_length=1, description="The users' distinct ids.")
        ],
        from_date: OptionalFromDate = None,
        to_date: OptionalToDate = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """The events of some users, in time order (one user's story)."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.activity_feed(distinct_ids, from_date=from_date, to_date=to_date),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def saved_report(
        bookmark_id: Annotated[int, Field(description="A saved report's id (list_bookmarks).")],
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Run a saved report (insights, funnel, retention or flows) as it was saved."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.saved_report(bookmark_id), max_rows=max_rows
            )
        )

    @tool(annotations=READ_ONLY)
    def flows(
        event: Annotated[str, Field(description="The event paths start (or end) at.")],
        from_date: FromDate,
        to_date: ToDate,
        direction: Annotated[
            Literal["after", "before", "both"], Field(description="Paths after or before it.")
        ] = "after",
        steps: Annotated[int, Field(ge=1, le=10, description="Steps to follow.")] = 3,
        where: Where = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """The paths users took after (or before) one event, with counts per step."""
        return session.answer(
            lambda: _shape.result_table(
                session.workspace.flows(
                    event,
                    from_date=from_date,
                    to_date=to_date,
                    direction=direction,
                    steps=steps,
                    where=where,
                ),
                max_rows=max_rows,
            )
        )

    @tool(annotations=READ_ONLY)
    def jql(
        script: Annotated[
            str,
            Field(
                description="A JQL script defining main(), e.g. function main() { return "
                "Events({from_date: '2026-10-01', to_date: '2026-10-31'}).groupBy(['name'], "
                "mixpanel.reducer.count()); }"
            ),
        ],
        params: Annotated[
            dict[str, Any] | None, Field(description="Values the script reads as `params`.")
        ] = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """Run a JQL script on Mixpanel (JQL is in maintenance mode; prefer fetch + sql)."""

        def body() -> dict[str, Any]:
            result = session.workspace.jql(script, params)
            return _shape.items(result.raw, max_rows=max_rows)

        return session.answer(body)


def _management(server: MCPServer[Any], session: McpSession) -> None:
    tool = server.tool

    @tool(annotations=READ_ONLY)
    def list_annotations(
        from_date: OptionalFromDate = None,
        to_date: OptionalToDate = None,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """The project's annotations (dated notes: launches, incidents), to explain a change."""
        return session.answer(
            lambda: _shape.items(
                session.workspace.list_annotations(from_date, to_date).items, max_rows=max_rows
            )
        )

    @tool(annotations=READ_ONLY)
    def list_feature_flags(
        workspace_id: Annotated[int, Field(description="The workspace (data view) id.")],
        include_archived: Annotated[bool, Field(description="Archived flags too.")] = False,
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        """The feature flags of one workspace (data view)."""
        return session.answer(
            lambda: _shape.items(
                session.workspace.list_feature_flags(
                    workspace_id, include_archived=include_archived
                ).items,
                max_rows=max_rows,
            )
        )


__all__ = ["READ_ONLY", "register"]
