"""The local-store tools: fetch events and profiles into DuckDB, then SQL, tables and schemas.

Fetching is the way to anything heavy: one fetch, then as many SQL queries as needed, each
answered locally in milliseconds. A fetch reports its progress as MCP progress notifications
(chunks done of chunks planned, rows so far). SQL runs on a read-only connection, so a query
never changes the store; each call opens the DuckDB file and closes it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from mixpanel_data.mcp import _shape
from mixpanel_data.mcp._params import FromDate, MaxRows, Table, ToDate, Where
from mixpanel_data.mcp._read_tools import READ_ONLY

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from mixpanel_data._services.fetcher import FetchProgress
    from mixpanel_data.mcp._session import McpSession

FETCHES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)
LOCAL = ToolAnnotations(read_only_hint=True, open_world_hint=False)

_SQL_HELP = (
    "DuckDB SQL over the local store (read-only). Table events: event_name, event_time, "
    "distinct_id, insert_id, properties (JSON); profiles: distinct_id, last_seen, properties. "
    "Read JSON with properties->>'$.plan' or json_extract_string(properties, '$.plan'), e.g. "
    "SELECT properties->>'$.plan' AS plan, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC"
)


def register(server: MCPServer[Any], session: McpSession) -> None:
    """Add fetch_events, fetch_profiles, sql, list_tables, table_schema and store_info."""
    tool = server.tool

    @tool(annotations=FETCHES)
    async def fetch_events(
        from_date: FromDate,
        to_date: ToDate,
        ctx: Context,
        table: Table = "events",
        events: Annotated[
            list[str] | None, Field(description="Only these events (default: all).")
        ] = None,
        where: Where = None,
        append: Annotated[
            bool, Field(description="Add to an existing table (rows already there win).")
        ] = False,
    ) -> CallToolResult:
        """Download raw events for a date range into a local DuckDB table, then query it with sql.

        Use this for anything heavy (many days, joins, distributions): one fetch, then many
        cheap sql calls. Without append the table must not exist yet (drop it or pick a name)."""

        def body(progress: Callable[[FetchProgress], None]) -> dict[str, Any]:
            with session.store(write=True) as ws:
                result = ws.fetch_events(
                    table,
                    from_date=from_date,
                    to_date=to_date,
                    events=events,
                    where=where,
                    append=append,
                    progress=progress,
                )
                return {"fetched": result.to_dict(), "next": f"sql: SELECT ... FROM {table}"}

        return await _with_progress(session, body, ctx)

    @tool(annotations=FETCHES)
    async def fetch_profiles(
        ctx: Context,
        table: Table = "profiles",
        where: Where = None,
        cohort_id: Annotated[
            int | None, Field(description="Only members of this saved cohort (list_cohorts).")
        ] = None,
        append: Annotated[bool, Field(description="Add to an existing table.")] = False,
    ) -> CallToolResult:
        """Download user profiles into a local DuckDB table (all pages), then query with sql."""

        def body(progress: Callable[[FetchProgress], None]) -> dict[str, Any]:
            with session.store(write=True) as ws:
                result = ws.fetch_profiles(
                    table, where=where, cohort_id=cohort_id, append=append, progress=progress
                )
                return {"fetched": result.to_dict(), "next": f"sql: SELECT ... FROM {table}"}

        return await _with_progress(session, body, ctx)

    @tool(annotations=LOCAL, description=_SQL_HELP)
    def sql(
        query: Annotated[str, Field(description="One SQL statement.")],
        max_rows: MaxRows = _shape.DEFAULT_ROWS,
    ) -> CallToolResult:
        def body() -> dict[str, Any]:
            from mixpanel_data._storage._errors import user_query

            with session.store(write=False) as ws, user_query(query):
                cursor = ws.storage.connection.execute(query)
                columns = [str(d[0]) for d in cursor.description or ()]
                first = cursor.fetchmany(max_rows)
                total = len(first)
                while rest := cursor.fetchmany(10_000):
                    total += len(rest)
            rows = [dict(zip(columns, row, strict=True)) for row in first]
            return _shape.table(rows, max_rows=max_rows, columns=columns, total=total)

        return session.answer(body)

    @tool(annotations=LOCAL)
    def list_tables() -> CallToolResult:
        """Tables in the local store: name, type, row_count and the dates fetched into them."""

        def body() -> dict[str, Any]:
            if not session.db_path.is_file():
                return {"path": str(session.db_path), **_shape.table([])}
            with session.store(write=False) as ws:
                found = [t.to_dict() for t in ws.tables()]
            return {"path": str(session.db_path), **_shape.table(found, max_rows=_shape.MAX_ROWS)}

        return session.answer(body)

    @tool(annotations=LOCAL)
    def table_schema(table: Table) -> CallToolResult:
        """The columns of one local table (name, type, nullable), to write correct SQL."""

        def body() -> dict[str, Any]:
            with session.store(write=False) as ws:
                schema = ws.schema(table).to_dict()
            return {"table": schema["name"], **_shape.table(schema["columns"], max_rows=1000)}

        return session.answer(body)

    @tool(annotations=READ_ONLY)
    def store_info() -> CallToolResult:
        """Which project the server talks to and where its local DuckDB store is."""

        def body() -> dict[str, Any]:
            creds = session.workspace.credentials
            path = session.db_path
            return {
                "project_id": creds.project_id,
                "region": creds.region,
                "store": str(path),
                "store_exists": path.is_file(),
            }

        return session.answer(body)


async def _with_progress(
    session: McpSession,
    body: Callable[[Callable[[FetchProgress], None]], dict[str, Any]],
    ctx: Context,
) -> CallToolResult:
    """Run a fetch on a worker thread and relay its progress as MCP progress notifications.

    The fetch's callback only keeps the latest state; this task sends it every quarter second
    when it moved, with a progress value that only grows (chunks done, plus one when finished).
    """
    latest: list[FetchProgress] = []
    sent = [-1.0]

    def keep(progress: FetchProgress) -> None:
        latest[:] = [progress]

    async def send() -> None:
        if not latest:
            return
        p = latest[0]
        value = float(p.chunks_done + (1 if p.phase == "done" else 0))
        if value <= sent[0]:
            return
        sent[0] = value
        total = float(p.chunks_total + 1) if p.chunks_total else None
        await ctx.report_progress(
            value, total, f"{p.phase}: {p.chunks_done}/{p.chunks_total} chunks, {p.events:,} rows"
        )

    async def relay() -> None:
        while True:
            await anyio.sleep(0.25)
            await send()

    async with anyio.create_task_group() as group:
        group.start_soon(relay)
        answer = await anyio.to_thread.run_sync(lambda: session.answer(lambda: body(keep)))
        group.cancel_scope.cancel()
    await send()
    return answer


__all__ = ["register"]
