"""Fixtures for the management tests: one sandbox per module and a Workspace with every credential
it accepts (service account, project token, OAuth bearer)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mixpanel_data._credentials import make_credentials
from mixpanel_data._pacing import reset_pacers
from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

# The sandbox's one feature-flag workspace.
FLAG_WORKSPACE = 70001


def workspace_for(sb: Sandbox, *, retries: int = 0, **changes: Any) -> Workspace:
    """A memory Workspace on ``sb`` with every credential, ``changes`` applied."""
    c = sb.credentials
    fields: dict[str, Any] = {
        "username": c.username,
        "secret": c.secret,
        "project_id": c.project_id,
        "token": c.token,
        "oauth_token": c.oauth_token,
        "base_url": sb.url,
    }
    fields.update(changes)
    return Workspace.memory(credentials=make_credentials(**fields), retries=retries)


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
    sb.faults.clear()
    with workspace_for(sb) as workspace:
        yield workspace
    sb.faults.clear()
