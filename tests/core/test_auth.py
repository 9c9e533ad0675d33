"""The public ``mixpanel_data.auth`` module, on a real config file and a real server."""

from __future__ import annotations

import socket
import tomllib

import pytest

from mixpanel_data import auth
from mixpanel_data._api.catalog import load_catalog
from mixpanel_data.auth import AccountInfo, TestResult
from mixpanel_data.exceptions import AccountExistsError, AccountNotFoundError, ConfigError

# Where test_account's one call goes: its operation's path, from the spec.
TEST_PATH = load_catalog().get(auth.TEST_OPERATION).path


def _plain(value):
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def _add_server_account(server, name="sandbox", **changes):
    c = server.credentials
    fields = {
        "username": c.username,
        "secret": _plain(c.secret),
        "project_id": c.project_id,
        "api_secret": None,
        "token": _plain(c.token),
        "base_url": server.url,
    }
    fields.update(changes)
    return auth.add_account(name, **fields)


def test_add_list_get_and_default(tmp_path):
    path = tmp_path / "c.toml"
    first = auth.add_account("prod", username="sa", secret="pw", project_id=1, config_path=path)
    second = auth.add_account(
        "eu",
        username="sa2",
        secret="pw2",
        project_id="2",
        region="eu",
        token="tok",
        config_path=path,
    )
    assert first == AccountInfo("prod", "sa", "1", "us", True, True)
    assert second.is_default is False and second.token_set is True
    assert [a.name for a in auth.list_accounts(config_path=path)] == ["prod", "eu"]
    assert [a.is_default for a in auth.list_accounts(config_path=path)] == [True, False]

    info = auth.get_account("eu", config_path=path)
    assert (info.username, info.project_id, info.region, info.secret_set) == (
        "sa2",
        "2",
        "eu",
        True,
    )
    assert info.api_secret_set is False and info.oauth_token_set is False
    assert "pw2" not in repr(info) and "pw2" not in str(info.to_dict())
    assert str(auth.get_account("prod", config_path=path)) == "prod (default): project 1 in us"


def test_uses_mp_config_path_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("MP_CONFIG_PATH", str(tmp_path / "env.toml"))
    auth.add_account("a", username="u", secret="s", project_id=1)
    assert tomllib.loads((tmp_path / "env.toml").read_text())["default"] == "a"


def test_add_with_default_true_switches_the_default():
    auth.add_account("a", username="u", secret="s", project_id=1)
    info = auth.add_account("b", username="u", secret="s", project_id=2, default=True)
    assert info.is_default
    assert [a.name for a in auth.list_accounts() if a.is_default] == ["b"]


def test_project_secret_only_account():
    info = auth.add_account("legacy", username=None, secret=None, api_secret="ps", project_id=3)
    assert info.secret_set is False and info.api_secret_set is True and info.username is None


def test_duplicate_and_unknown_accounts():
    auth.add_account("a", username="u", secret="s", project_id=1)
    with pytest.raises(AccountExistsError):
        auth.add_account("a", username="u", secret="s", project_id=1)
    for call in (auth.get_account, auth.remove_account, auth.set_default, auth.test_account):
        with pytest.raises(AccountNotFoundError) as info:
            call("missing")
        assert info.value.details["available"] == ["a"]


def test_invalid_values_are_config_errors():
    with pytest.raises(ConfigError, match="region"):
        auth.add_account("a", username="u", secret="s", project_id=1, region="mars")
    assert auth.list_accounts() == []


def test_remove_the_default_says_which_account_took_over():
    auth.add_account("a", username="u", secret="s", project_id=1)
    auth.add_account("b", username="u", secret="s", project_id=2)
    assert auth.remove_account("a") == "b"
    assert auth.get_account("b").is_default
    assert auth.remove_account("b") is None
    assert auth.list_accounts() == []


def test_set_default():
    auth.add_account("a", username="u", secret="s", project_id=1)
    auth.add_account("b", username="u", secret="s", project_id=2)
    auth.set_default("b")
    assert [a.is_default for a in auth.list_accounts()] == [False, True]


# -- test_account: one real call ------------------------------------------------------------------


def test_test_account_succeeds_against_the_server(server):
    _add_server_account(server)
    start = len(server.requests)

    result = auth.test_account("sandbox")

    assert result == TestResult(True, "sandbox", str(server.credentials.project_id), "us", None)
    calls = [r for r in server.requests[start:] if r.path == TEST_PATH]
    assert len(calls) == 1
    assert calls[0].query.get("type") == "general" and str(calls[0].query.get("limit")) == "1"
    assert str(result).startswith("ok: sandbox can read project")


def test_test_account_defaults_to_the_default_account(server):
    _add_server_account(server, "other", secret="wrong")
    _add_server_account(server, "good")
    auth.set_default("good")
    assert auth.test_account().account == "good"
    assert auth.test_account().success


def test_test_account_reports_bad_credentials(server):
    _add_server_account(server, secret="not-the-secret")
    start = len(server.requests)

    result = auth.test_account("sandbox")

    assert result.success is False
    assert result.error is not None and "HTTP 401" in result.error
    assert "not-the-secret" not in result.error
    assert len([r for r in server.requests[start:] if r.path == TEST_PATH]) == 1
    assert str(result).startswith("failed: ")


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [(401, "AUTH_FAILED", 2), (429, "RATE_LIMITED", 5), (404, "NOT_FOUND", 4)],
)
def test_test_account_keeps_the_kind_of_failure(server, fault, status, code, exit_code):
    _add_server_account(server)
    # test_account never retries: the first answer is the verdict
    server.faults.add(
        fault(kind="status", status=status, retry_after=3600, times=None, path=TEST_PATH)
    )
    result = auth.test_account("sandbox")
    assert (result.success, result.error_code, result.exit_code) == (False, code, exit_code)


def test_test_account_reports_an_unreachable_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    auth.add_account(
        "dead", username="u", secret="s", project_id=1, base_url=f"http://127.0.0.1:{port}"
    )
    result = auth.test_account("dead")
    assert result.success is False
    assert result.error is not None and "ConnectError" in result.error
    assert (result.error_code, result.exit_code) == ("TRANSPORT_ERROR", 1)


def test_test_account_with_environment_only(server, monkeypatch):
    c = server.credentials
    monkeypatch.setenv("MP_USERNAME", c.username)
    monkeypatch.setenv("MP_SECRET", _plain(c.secret))
    monkeypatch.setenv("MP_PROJECT_ID", str(c.project_id))
    monkeypatch.setenv("MP_BASE_URL", server.url)
    result = auth.test_account()
    assert result.success and result.account is None


def test_test_account_with_nothing_configured_raises():
    with pytest.raises(ConfigError, match="mp auth add NAME"):
        auth.test_account()


def test_test_account_does_not_retry(server, fault):
    _add_server_account(server)
    server.faults.add(fault(kind="status", status=503, times=1, path=TEST_PATH))
    start = len(server.requests)
    result = auth.test_account("sandbox")
    assert (result.success, result.error_code) == (False, "SERVER_ERROR")
    assert len([r for r in server.requests[start:] if r.path == TEST_PATH]) == 1
