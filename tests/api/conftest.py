"""Fixtures for the ``_api`` tests: one small sandbox per module and clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._credentials import Credentials, make_credentials
from mixpanel_data._pacing import reset_pacers
from mixpanel_data.sandbox import Sandbox

# The sandbox's one feature-flag workspace (operations under /workspaces/{workspace_id}/).
SANDBOX_WORKSPACE_ID = 70001


@pytest.fixture(autouse=True)
def _fresh_pacers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("MP_ACCOUNT", "MP_BASE_URL", "MP_CONFIG_PATH", "MP_FORMAT"):
        monkeypatch.delenv(var, raising=False)
    reset_pacers()
    yield
    reset_pacers()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=5, users=40, days=7, end_date="2026-01-31") as sb:
        yield sb


def sandbox_credentials(sb: Sandbox, **changes: Any) -> Credentials:
    """Every credential the sandbox accepts (service account, token, OAuth bearer)."""
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
    return make_credentials(**fields)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[ApiClients]:
    with ApiClients(
        sandbox_credentials(sandbox), workspace_id=SANDBOX_WORKSPACE_ID, retries=0
    ) as clients:
        yield clients
