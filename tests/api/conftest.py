"""Fixtures for the ``_api`` tests: one small sandbox per module and clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_helpers import SANDBOX_WORKSPACE_ID, sandbox_credentials

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._pacing import reset_pacers
from mixpanel_data.sandbox import Sandbox


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


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[ApiClients]:
    with ApiClients(
        sandbox_credentials(sandbox), workspace_id=SANDBOX_WORKSPACE_ID, retries=0
    ) as clients:
        yield clients
