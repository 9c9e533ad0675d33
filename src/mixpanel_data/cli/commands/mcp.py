"""`mp mcp serve`: the MCP server for AI agents (stdio, or streamable HTTP on loopback);
`mp mcp tools`: the tools it offers. Needs the ``[mcp]`` extra."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import DbOpt, FormatOpt
from mixpanel_data.cli._output import Format, emit, err

if TYPE_CHECKING:
    from types import ModuleType

app = typer.Typer(
    no_args_is_help=True,
    help="The MCP server that lets AI agents use Mixpanel (needs the [mcp] extra).",
)

WritesOpt = Annotated[
    bool,
    typer.Option(
        "--allow-writes",
        help="Also offer the tools that change things (annotations, imports, GDPR, flags, ...).",
    ),
]


def _server_module() -> ModuleType:
    try:
        import mixpanel_data.mcp as module
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != "mcp":
            raise
        raise _state.fail(
            "the MCP server needs its extra: pip install 'mixpanel_data[mcp]'", _state.EXIT_ERROR
        ) from None
    return module


def _check_port(port: int) -> None:
    """Fail in one line (exit 3) when ``port`` cannot be listened on at 127.0.0.1."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise _state.fail(
                f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror})"
            ) from None


@app.command("serve")
def serve(
    allow_writes: WritesOpt = False,
    http: Annotated[
        bool, typer.Option("--http", help="Streamable HTTP on 127.0.0.1 instead of stdio.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --http.")] = 8765,
    db: DbOpt = None,
) -> None:
    """Serve the tools over stdio (what agent apps start) until the client disconnects."""
    module = _server_module()
    if http:
        _check_port(port)
        if not _state.STATE.quiet:
            err(f"MCP server on http://127.0.0.1:{port}/mcp (Ctrl-C stops it)")
    module.serve(
        account=_state.STATE.account, db=db, allow_writes=allow_writes, http=http, port=port
    )


@app.command("tools")
def tools(allow_writes: WritesOpt = False, fmt: FormatOpt = Format.table) -> None:
    """List the tools the server offers (name and what it does)."""
    import anyio

    server, _ = _server_module().build_server(allow_writes=allow_writes)
    rows: list[dict[str, Any]] = [
        {"name": t.name, "description": (t.description or "").strip().splitlines()[0]}
        for t in anyio.run(server.list_tools)
    ]
    emit(rows, fmt)
