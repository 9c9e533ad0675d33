"""Fixtures for the `mp` CLI tests: an isolated home, a module-scoped sandbox and ways to run `mp`
(in this process by default; see cli_helpers.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from cli_helpers import MpRunner, Run, isolated_env, run_in_process

from mixpanel_data._pacing import reset_pacers
from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test process itself (CliRunner, library calls) sees no MP_* variable and no real home."""
    for name in list(os.environ):
        if name.startswith("MP_"):
            monkeypatch.delenv(name)
    for name, value in isolated_env(tmp_path).items():
        if name.startswith("MP_") or name == "HOME":
            monkeypatch.setenv(name, value)
    reset_pacers()
    yield
    reset_pacers()


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """One sandbox per test module. The default end date (yesterday) keeps saved reports' "last
    30 days" on the data."""
    with Sandbox(seed=5, users=60, days=14) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sb: Sandbox) -> Iterator[Sandbox]:
    """The module's sandbox, idle and with no faults left over from another test."""
    sb.wait_idle()
    sb.faults.clear()
    yield sb
    sb.faults.clear()


@pytest.fixture(scope="module")
def span(sb: Sandbox) -> tuple[str, str]:
    """The sandbox's first and last day with events."""
    return sb.start_date.isoformat(), sb.end_date.isoformat()


@pytest.fixture(scope="module")
def ws(sb: Sandbox) -> Iterator[Workspace]:
    """The library, pointed at the module's sandbox (the reference answers)."""
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as workspace:
        yield workspace


@pytest.fixture
def home_env(tmp_path: Path) -> dict[str, str]:
    """A subprocess environment with an empty home and no credentials."""
    return isolated_env(tmp_path)


@pytest.fixture
def sb_env(sandbox: Sandbox, home_env: dict[str, str]) -> dict[str, str]:
    """A subprocess environment whose MP_* variables point at the sandbox."""
    return {**home_env, **sandbox.credentials.env(sandbox.url)}


@pytest.fixture
def mp(sb_env: dict[str, str]) -> MpRunner:
    """``mp(*args, input=None, env_extra=None)``: run `mp` in this process against the sandbox."""

    def call(
        *args: str, input: str | None = None, env_extra: Mapping[str, str] | None = None
    ) -> Run:
        return run_in_process(*args, env={**sb_env, **(env_extra or {})}, input=input)

    return call
