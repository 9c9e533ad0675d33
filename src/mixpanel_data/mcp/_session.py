"""What the server's tools share: one Workspace for Mixpanel, the local store opened per call.

The account comes from the usual places (``--account``, the ``MP_*`` variables, the config file),
resolved on the first tool that needs Mixpanel, so a server started without credentials still
answers SQL over an existing ``--db`` file. The DuckDB file is opened for each store tool and closed
after it, so ``mp query sql`` in a terminal can use the same file between calls; read tools open it
read-only. One lock runs the tools one at a time (the Workspace is not made for threads).

Every tool body goes through :meth:`McpSession.answer`, which turns the library's errors into a
tool error with the same one-line message and the error's ``code`` and exit code.

Example:
    >>> session = McpSession(account=None, db=None)
    >>> session.answer(lambda: {"ok": True}).structured_content
    {'ok': True}
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.types import CallToolResult, TextContent

from mixpanel_data.exceptions import MixpanelDataError, TableNotFoundError

if TYPE_CHECKING:
    from mixpanel_data._workspace import Workspace


def ok(data: dict[str, Any]) -> CallToolResult:
    """A tool answer: ``data`` as structured content and as one JSON text block."""
    text = json.dumps(data, default=str, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def failed(exc: MixpanelDataError) -> CallToolResult:
    """A tool error carrying the library's one-line message, its ``code`` and exit code."""
    error = {"code": exc.code, "exit_code": exc.exit_code, "message": exc.message}
    return CallToolResult(
        content=[TextContent(type="text", text=f"Error: {exc.message} ({exc.code})")],
        structured_content={"error": error},
        is_error=True,
    )


class McpSession:
    """The state behind the tools: account, store path, the lazily built Workspace, one lock."""

    def __init__(self, *, account: str | None, db: Path | None) -> None:
        self.account = account
        self._db = db
        self._ws: Workspace | None = None
        self.lock = threading.Lock()

    @property
    def workspace(self) -> Workspace:
        """The Workspace for Mixpanel calls (credentials resolved on first use)."""
        if self._ws is None:
            from mixpanel_data._workspace import Workspace

            self._ws = Workspace.memory(self.account)
        return self._ws

    @property
    def db_path(self) -> Path:
        """The local store: ``--db``, else ``MP_DB``, else ``~/.mp/data/<project_id>.duckdb``."""
        if self._db is not None:
            return self._db
        if os.environ.get("MP_DB"):
            return Path(os.environ["MP_DB"]).expanduser()
        from mixpanel_data._workspace import default_db_path

        return default_db_path(self.workspace.credentials.project_id)

    @contextmanager
    def store(self, *, write: bool) -> Iterator[Workspace]:
        """A Workspace on the local store, closed (and the file released) when the block ends."""
        from mixpanel_data._workspace import Workspace

        path = self.db_path
        if write:
            ws = Workspace(path=path, credentials=self.workspace.credentials)
        else:
            if not path.is_file():
                raise TableNotFoundError(
                    f"no local store at {path} yet: fetch events or profiles first (fetch_events)"
                )
            ws = Workspace.open(path, read_only=True)
        with ws:
            yield ws

    def answer(self, body: Callable[[], dict[str, Any]]) -> CallToolResult:
        """Run one tool body under the lock; its dict is the answer, our errors a tool error."""
        with self.lock:
            try:
                return ok(body())
            except MixpanelDataError as exc:
                return failed(exc)

    def close(self) -> None:
        """Close the Workspace's clients."""
        if self._ws is not None:
            self._ws.close()


__all__ = ["McpSession", "failed", "ok"]
