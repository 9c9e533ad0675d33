"""Fixtures for the core tests: an isolated config/env, and the sandbox on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from mixpanel_data._credentials import Credentials, make_credentials
from mixpanel_data._pacing import reset_pacers
from mixpanel_data.sandbox import Fault, Sandbox

MP_VARS = (
    "MP_USERNAME",
    "MP_SECRET",
    "MP_PROJECT_ID",
    "MP_REGION",
    "MP_BASE_URL",
    "MP_API_SECRET",
    "MP_TOKEN",
    "MP_OAUTH_TOKEN",
    "MP_CONFIG_PATH",
    "MP_DATA_DIR",
    "MP_ACCOUNT",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No MP_* variable leaks in; the config file and HOME live in tmp_path; fresh pacers."""
    for var in MP_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MP_CONFIG_PATH", str(tmp_path / "home" / ".mp" / "config.toml"))
    reset_pacers()
    yield
    reset_pacers()


# -- the sandbox ------------------------------------------------------------------------------


def start_server(*, rate_limits: bool = False) -> Sandbox:
    """A sandbox with a little data (use as a context manager)."""
    return Sandbox(seed=7, users=20, days=3, end_date="2026-01-31", rate_limits=rate_limits)


@pytest.fixture(scope="session")
def _session_server() -> Iterator[Sandbox]:
    with start_server() as server:
        yield server


@pytest.fixture
def server(_session_server: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox, idle and with no faults left over from another test."""
    _session_server.wait_idle()
    _session_server.faults.clear()
    yield _session_server
    _session_server.faults.clear()


@pytest.fixture
def limited_server() -> Iterator[Sandbox]:
    """A fresh sandbox with Mixpanel-like rate limits on."""
    with start_server(rate_limits=True) as srv:
        yield srv


@pytest.fixture
def fault() -> type[Fault]:
    """The sandbox's Fault class."""
    return Fault


@dataclass
class SleepRecorder:
    """A ``sleep`` hook that records waits instead of sleeping."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


def plain(value: Any) -> Any:
    """The text of a secret whether the server hands out ``str`` or ``SecretStr``."""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def credentials_for(srv: Any, **changes: Any) -> Credentials:
    """Credentials that the server accepts (``changes`` replace fields; ``None`` drops one)."""
    c = srv.credentials
    fields: dict[str, Any] = {
        "username": c.username,
        "secret": plain(c.secret),
        "project_id": c.project_id,
        "api_secret": plain(c.api_secret),
        "token": plain(c.token),
        "oauth_token": plain(c.oauth_token),
        "base_url": srv.url,
    }
    fields.update(changes)
    return make_credentials(**{k: v for k, v in fields.items() if v is not None})


@pytest.fixture
def creds_for() -> Any:
    return credentials_for
