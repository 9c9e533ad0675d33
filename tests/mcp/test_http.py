"""`mp mcp serve --http`: the same tools over streamable HTTP on 127.0.0.1, driven by the SDK's
streamable HTTP client."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from mixpanel_data._workspace import Workspace


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not listen")


def test_http_serves_the_same_tools(server_env: dict[str, str], home: Path, ws: Workspace) -> None:
    port = _free_port()
    log = (home / "http.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mixpanel_data.cli.main", "mcp", "serve", "--http",
         "--port", str(port)],
        env=server_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip

    async def drive() -> tuple[set[str], list[str]]:
        async with (
            streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            names = {t.name for t in (await session.list_tools()).tools}
            result = await session.call_tool("list_events", {})
            assert result.structured_content is not None
            return names, [r["event"] for r in result.structured_content["rows"]]

    try:
        _wait_for(port, process)
        names, events = anyio.run(drive)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    assert {"segmentation", "sql", "fetch_events"} <= names
    assert "create_annotation" not in names
    assert events == ws.list_events()
    assert f"http://127.0.0.1:{port}/mcp" in (home / "http.log").read_text()


def test_a_port_in_use_is_one_line_and_exit_3(server_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "mixpanel_data.cli.main", "mcp", "serve", "--http",
             "--port", str(port)],
            env=server_env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
        )  # fmt: skip
    assert run.returncode == 3, run.stderr
    assert run.stderr.strip() == (
        f"Error: --port {port}: cannot listen on 127.0.0.1 (Address already in use)"
    )
