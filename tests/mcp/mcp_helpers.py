"""Driving `mp mcp serve` as a subprocess with the MCP SDK's own stdio client, from sync tests.

:class:`McpProcess` starts the server (``python -m mixpanel_data.cli.main mcp serve ...``) with
the SDK's :func:`mcp.client.stdio.stdio_client`, keeps one initialized :class:`ClientSession` open
on an event loop in a background thread (an anyio blocking portal), and offers blocking
:meth:`McpProcess.call` / :meth:`McpProcess.tool_names`. The server's stderr goes to a file, so a
test can read everything it logged.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from anyio.from_thread import start_blocking_portal
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult


class McpProcess:
    """One `mp mcp serve` child and an initialized client session on it."""

    def __init__(self, *args: str, env: Mapping[str, str], log: Path) -> None:
        self.params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "mixpanel_data.cli.main", "mcp", "serve", *args],
            env=dict(env),
        )
        self.log = log
        self.progress: list[tuple[float, float | None, str | None]] = []

    def __enter__(self) -> McpProcess:
        self._errlog = self.log.open("w", encoding="utf-8")
        self._portal_cm = start_blocking_portal()
        self.portal = self._portal_cm.__enter__()
        self._session_cm = self.portal.wrap_async_context_manager(self._open())
        self.session: ClientSession = self._session_cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._session_cm.__exit__(None, None, None)
        finally:
            self._portal_cm.__exit__(None, None, None)
            self._errlog.close()

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[ClientSession]:
        async with (
            stdio_client(self.params, errlog=self._errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session

    def tools(self) -> list[Any]:
        """The tools the server lists."""
        return list(self.portal.call(self.session.list_tools).tools)

    def tool_names(self) -> set[str]:
        return {t.name for t in self.tools()}

    def call(self, name: str, /, **arguments: Any) -> CallToolResult:
        """Call a tool; progress notifications it sends are kept in :attr:`progress`."""

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            self.progress.append((progress, total, message))

        result = self.portal.call(
            partial(self.session.call_tool, name, arguments, progress_callback=on_progress)
        )
        assert isinstance(result, CallToolResult), result
        return result

    def data(self, name: str, /, **arguments: Any) -> dict[str, Any]:
        """A tool's structured answer (asserting it is not an error)."""
        result = self.call(name, **arguments)
        assert not result.is_error, result.content
        assert isinstance(result.structured_content, dict), result
        return result.structured_content

    def error(self, name: str, /, **arguments: Any) -> dict[str, Any]:
        """A tool's error (asserting it is one): ``code``, ``exit_code``, ``message``."""
        result = self.call(name, **arguments)
        assert result.is_error, result.structured_content
        assert isinstance(result.structured_content, dict), result.content
        error = result.structured_content["error"]
        text = result.content[0].text  # type: ignore[union-attr]
        assert text == f"Error: {error['message']} ({error['code']})"
        assert "\n" not in text
        return error
