"""Fixtures for the management tests: one sandbox per module and a Workspace on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from manage_helpers import workspace_for

from mixpanel_data._pacing import reset_pacers
from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _fresh_pacers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("MP_ACCOUNT", "MP_BASE_URL", "MP_CONFIG_PATH", "MP_FORMAT"):
        monkeypatch.delenv(var, raising=False)
    reset_pacers()
    yield
    reset_pacers()


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=5, users=20, days=3, end_date="2026-01-31") as sandbox:
        yield sandbox


@pytest.fixture
def ws(sb: Sandbox) -> Iterator[Workspace]:
    sb.wait_idle()
    sb.faults.clear()
    with workspace_for(sb) as workspace:
        yield workspace
    sb.faults.clear()
