"""Fixtures for the MCP server tests: one sandbox and one `mp mcp serve` child per module, driven
by the SDK's stdio client (mcp_helpers.McpProcess), and a Workspace on the same sandbox whose
answers the tools' answers are compared with."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp_helpers import McpProcess

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

FROM, TO = "2026-10-18", "2026-10-31"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7, users=60, days=14, end_date=TO) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def server_env(sb: Sandbox, home: Path) -> dict[str, str]:
    """No MP_* from the outside; the sandbox's credentials; a private home and data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
    env.update(sb.credentials.env(sb.url))
    env.update(
        HOME=str(home),
        MP_CONFIG_PATH=str(home / ".mp" / "config.toml"),
        MP_DATA_DIR=str(home / "data"),
    )
    return env


@pytest.fixture(scope="module")
def ws(sb: Sandbox) -> Iterator[Workspace]:
    """The library on the same sandbox: the reference answers."""
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as workspace:
        yield workspace


def start(env: dict[str, str], home: Path, *args: str) -> McpProcess:
    """`mp mcp serve ARGS` with ``env``; its stderr in a log file of its own under ``home``."""
    slug = re.sub(r"\W+", "-", " ".join(args)).strip("-")
    return McpProcess(*args, env=env, log=home / f"server-{slug or 'plain'}.log")


@pytest.fixture(scope="module")
def server(server_env: dict[str, str], home: Path) -> Iterator[McpProcess]:
    """`mp mcp serve` without --allow-writes."""
    with start(server_env, home) as process:
        yield process
