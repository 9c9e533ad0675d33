"""The MCP server: the tools of :mod:`._read_tools`, :mod:`._store_tools` and, with
``allow_writes``, :mod:`._write_tools`, served over stdio or streamable HTTP on loopback.

Without ``allow_writes`` the write tools are not listed, and a call to one by name is refused with
a tool error (code ``WRITES_NOT_ALLOWED``) before anything is sent. The SDK's own log lines go to
stderr at WARNING and above; they name tools, never arguments or credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, InputRequiredResult

from mixpanel_data._version import __version__
from mixpanel_data.exceptions import ConfigError
from mixpanel_data.mcp import _read_tools, _store_tools, _write_tools
from mixpanel_data.mcp._session import McpSession, failed

INSTRUCTIONS = """\
Mixpanel analytics for one project (the account configured for `mp`).
Discover before querying: list_events, list_properties(event), list_property_values(property)
give the exact names and values; list_funnels, list_cohorts, list_bookmarks the saved objects.
Live queries (segmentation, funnel, retention, ...) answer small questions at once. For anything
heavy, fetch_events (a date range) into the local store once, then ask sql as often as needed;
properties is a JSON column: properties->>'$.plan'. Dates are YYYY-MM-DD. Answers are capped;
a `truncated` note says how many rows there were: narrow the query rather than raising the cap.
Errors carry the same message and code as the `mp` CLI.
"""


class _Server(MCPServer[Any]):
    """MCPServer that refuses the write tools by name when they are not allowed."""

    def __init__(self, *, allow_writes: bool) -> None:
        super().__init__(
            "mixpanel_data",
            title="Mixpanel (mixpanel_data)",
            instructions=INSTRUCTIONS,
            version=__version__,
            log_level="WARNING",
        )
        self.allow_writes = allow_writes

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        if not self.allow_writes and name in _write_tools.WRITE_TOOLS:
            return failed(
                ConfigError(
                    f"{name} changes the project; the server was started without "
                    "--allow-writes (restart it with `mp mcp serve --allow-writes`)",
                    code="WRITES_NOT_ALLOWED",
                )
            )
        return await super().call_tool(name, arguments, context)


def build_server(
    *, account: str | None = None, db: Path | None = None, allow_writes: bool = False
) -> tuple[MCPServer[Any], McpSession]:
    """The server and the session its tools share (close the session when done).

    Example:
        >>> import anyio
        >>> server, session = build_server()
        >>> "segmentation" in {t.name for t in anyio.run(server.list_tools)}
        True
    """
    session = McpSession(account=account, db=db)
    server = _Server(allow_writes=allow_writes)
    _read_tools.register(server, session)
    _store_tools.register(server, session)
    if allow_writes:
        _write_tools.register(server, session)
    return server, session


def serve(
    *,
    account: str | None = None,
    db: Path | None = None,
    allow_writes: bool = False,
    http: bool = False,
    port: int = 8765,
) -> None:
    """Serve until the client goes away (stdio) or Ctrl-C (HTTP on 127.0.0.1:``port``/mcp)."""
    server, session = build_server(account=account, db=db, allow_writes=allow_writes)
    try:
        if http:
            server.run("streamable-http", host="127.0.0.1", port=port)
        else:
            server.run("stdio")
    finally:
        session.close()


__all__ = ["INSTRUCTIONS", "build_server", "serve"]
