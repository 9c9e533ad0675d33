"""The config file and credential resolution: every edge case, on real files in tmp_path."""

from __future__ import annotations

import os
import stat
import tomllib
import warnings
from pathlib import Path

import pytest

from mixpanel_data._config import (
    ConfigManager,
    ConfigPermissionWarning,
    config_path,
    dumps_toml,
    toml_string,
)
from mixpanel_data._credentials import make_credentials
from mixpanel_data.exceptions import AccountExistsError, AccountNotFoundError, ConfigError

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def creds(project_id: str = "100", region: str = "us", **kw: str):
    fields = {"username": f"sa.{project_id}", "secret": f"secret-{project_id}", **kw}
    return make_credentials(project_id=project_id, region=region, **fields)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cfg" / "config.toml"


@pytest.fixture
def mgr(path: Path) -> ConfigManager:
    return ConfigManager(path)


def read(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- missing, empty, first account ----------------------------------------------------------------


def test_missing_file_has_no_accounts_and_resolving_says_how_to_start(mgr, path):
    assert not path.exists()
    assert mgr.accounts() == {} and mgr.default_name() is None
    with pytest.raises(ConfigError) as info:
        mgr.resolve_credentials()
    assert "`mp auth add NAME`" in info.value.message
    assert "`mp sandbox serve`" in info.value.message
    assert "\n" not in info.value.message
    assert not path.exists()  # reading never creates the file


def test_empty_file_is_like_no_file(mgr, path):
    path.parent.mkdir()
    path.write_text("")
    path.chmod(0o600)
    assert mgr.accounts() == {}
    with pytest.raises(ConfigError, match="mp auth add NAME"):
        mgr.resolve_credentials()


@posix_only
def test_first_account_becomes_default_and_file_is_0600(mgr, path):
    assert mgr.add_account("prod", creds("100")) is True
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    data = read(path)
    assert data == {
        "default": "prod",
        "accounts": {
            "prod": {
                "username": "sa.100",
                "secret": "secret-100",
                "project_id": "100",
                "region": "us",
            }
        },
    }
    assert mgr.resolve_credentials().project_id == "100"


def test_second_account_is_not_default_unless_asked(mgr):
    mgr.add_account("prod", creds("100"))
    assert mgr.add_account("staging", creds("200", "eu")) is False
    assert mgr.default_name() == "prod"
    assert mgr.add_account("dev", creds("300"), default=True) is True
    assert mgr.default_name() == "dev"
    assert mgr.account_names() == ["prod", "staging", "dev"]
    assert mgr.resolve_credentials("staging").region == "eu"


def test_duplicate_add_is_refused_and_leaves_the_file_alone(mgr, path):
    mgr.add_account("prod", creds("100"))
    before = path.read_bytes()
    with pytest.raises(AccountExistsError) as info:
        mgr.add_account("prod", creds("999"))
    assert info.value.code == "ACCOUNT_EXISTS"
    assert path.read_bytes() == before


@pytest.mark.parametrize("bad", ["", "  ", " lead", "tab\tname", "new\nline", "x" * 101])
def test_bad_account_names_are_refused(mgr, bad):
    with pytest.raises(ConfigError):
        mgr.add_account(bad, creds())


# -- unknown accounts, removal, default -----------------------------------------------------------


def test_unknown_account_lists_the_available_names(mgr):
    mgr.add_account("prod", creds("100"))
    mgr.add_account("staging", creds("200"))
    for action in (mgr.get_account, mgr.remove_account, mgr.set_default, mgr.resolve_credentials):
        with pytest.raises(AccountNotFoundError) as info:
            action("nope")
        assert info.value.details["available"] == ["prod", "staging"]
        assert "nope" in info.value.message and "prod, staging" in info.value.message


def test_removing_the_default_promotes_the_next_account(mgr, caplog):
    mgr.add_account("prod", creds("100"))
    mgr.add_account("staging", creds("200"))
    mgr.add_account("dev", creds("300"))
    caplog.set_level("INFO", logger="mixpanel_data.config")

    assert mgr.remove_account("prod") == "staging"

    assert mgr.default_name() == "staging"
    assert mgr.account_names() == ["staging", "dev"]
    assert "'staging' is now the default" in caplog.text


def test_removing_another_account_keeps_the_default(mgr):
    mgr.add_account("prod", creds("100"))
    mgr.add_account("staging", creds("200"))
    assert mgr.remove_account("staging") == "prod"
    assert mgr.default_name() == "prod"


def test_removing_the_last_account_clears_the_default(mgr, path):
    mgr.add_account("prod", creds("100"))
    assert mgr.remove_account("prod") is None
    assert "default" not in read(path)
    with pytest.raises(ConfigError, match="mp auth add NAME"):
        mgr.resolve_credentials()


def test_set_default(mgr):
    mgr.add_account("prod", creds("100"))
    mgr.add_account("staging", creds("200"))
    mgr.set_default("staging")
    assert mgr.resolve_credentials().project_id == "200"


def test_default_naming_a_missing_account_is_reported(mgr, path):
    path.parent.mkdir()
    path.write_text(
        'default = "gone"\n[accounts.prod]\nusername = "u"\nsecret = "s"\nproject_id = "1"\n'
    )
    path.chmod(0o600)
    with pytest.raises(AccountNotFoundError, match="gone"):
        mgr.resolve_credentials()


def test_accounts_without_a_default_need_a_name(mgr, path):
    path.parent.mkdir()
    path.write_text('[accounts.prod]\nusername = "u"\nsecret = "s"\nproject_id = "1"\n')
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="no default account"):
        mgr.resolve_credentials()
    assert mgr.resolve_credentials("prod").project_id == "1"


# -- broken files ---------------------------------------------------------------------------------


def test_malformed_toml_is_a_one_line_config_error(mgr, path):
    path.parent.mkdir()
    path.write_text('default = "prod"\n[accounts.prod\nsecret = "hunter2"\n')
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        mgr.accounts()
    message = info.value.message
    assert "\n" not in message
    assert str(path) in message and "not valid TOML" in message and "line 2" in message
    assert "hunter2" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize(
    "text",
    [
        "default = 3\n",
        'accounts = "x"\n',
        'accounts = ["x"]\n',
        "[accounts]\nprod = 1\n",
        '[accounts.prod]\nusername = 1\nsecret = "s"\nproject_id = "1"\n',
    ],
)
def test_wrong_shapes_are_config_errors(mgr, path, text):
    path.parent.mkdir()
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(ConfigError):
        mgr.accounts()


def test_invalid_values_in_an_account_name_the_field_not_the_value(mgr, path):
    path.parent.mkdir()
    path.write_text(
        '[accounts.prod]\nusername = "u"\nsecret = "hunter2"\nproject_id = "12a"\nregion = "mars"\n'
    )
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        mgr.get_account("prod")
    assert "project_id" in info.value.message and "region" in info.value.message
    assert "hunter2" not in info.value.message and "12a" not in info.value.message


def test_integer_project_id_in_the_file_is_accepted(mgr, path):
    path.parent.mkdir()
    path.write_text('default = "p"\n[accounts.p]\nusername = "u"\nsecret = "s"\nproject_id = 42\n')
    path.chmod(0o600)
    assert mgr.resolve_credentials().project_id == "42"


@posix_only
def test_a_symlinked_config_file_is_refused_for_reading_and_writing(tmp_path, mgr, path):
    real = tmp_path / "elsewhere.toml"
    real.write_text('default = "p"\n')
    path.parent.mkdir()
    path.symlink_to(real)
    with pytest.raises(ConfigError, match="symlink") as info:
        mgr.accounts()
    assert "\n" not in info.value.message
    with pytest.raises(ConfigError, match="symlink"):
        mgr.add_account("x", creds())
    assert real.read_text() == 'default = "p"\n'


def test_a_directory_in_place_of_the_file_is_a_config_error(mgr, path):
    path.mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory"):
        mgr.accounts()


@posix_only
def test_a_readable_file_warns_and_names_the_path_but_no_secret(mgr, path):
    mgr.add_account("prod", creds("100"))
    path.chmod(0o644)
    with pytest.warns(ConfigPermissionWarning) as record:
        mgr.accounts()
    message = str(record[0].message)
    assert str(path) in message and "0644" in message and "chmod 600" in message
    assert "secret-100" not in message


@posix_only
def test_a_0600_file_does_not_warn(mgr):
    mgr.add_account("prod", creds("100"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mgr.accounts()


@posix_only
def test_rewriting_a_loose_file_tightens_it_to_0600(mgr, path):
    mgr.add_account("prod", creds("100"))
    path.chmod(0o644)
    with pytest.warns(ConfigPermissionWarning):
        mgr.add_account("staging", creds("200"))
    assert mode(path) == 0o600


# -- atomic writes --------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temp_files(mgr, path, monkeypatch):
    mgr.add_account("prod", creds("100"))
    before = path.read_bytes()

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ConfigError, match="No space left on device"):
        mgr.add_account("staging", creds("200"))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_writes_leave_no_temp_files(mgr, path):
    for n in range(5):
        mgr.add_account(f"a{n}", creds(str(n + 1)))
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_unknown_keys_survive_a_rewrite(mgr, path):
    path.parent.mkdir()
    path.write_text(
        'default = "p"\ntheme = "dark"\n[accounts.p]\nusername = "u"\nsecret = "s"\n'
        'project_id = "1"\n[cli]\nformat = "json"\nwidth = 120\n'
    )
    path.chmod(0o600)
    mgr.add_account("q", creds("2"))
    data = read(path)
    assert data["theme"] == "dark" and data["cli"] == {"format": "json", "width": 120}
    assert set(data["accounts"]) == {"p", "q"}


# -- TOML writing ---------------------------------------------------------------------------------

AWKWARD = [
    'quote " and backslash \\',
    "new\nline\ttab\rcr",
    "control \x01\x1f and del \x7f",
    "unicode: zürich 東京 🎉",
    "#not a comment = [x]",
    "'single' '''triple'''",
    '"""triple double"""',
    "",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_toml_strings_round_trip(value):
    assert tomllib.loads(f"v = {toml_string(value)}\n")["v"] == value


@pytest.mark.parametrize("name", ["plain", "with space", "dotted.name", 'q"uote', "ünï", "a-b_c"])
def test_awkward_account_names_and_secrets_round_trip(mgr, name):
    secret = "".join(AWKWARD)
    mgr.add_account(name, creds("7", secret=secret, token="tok\n\"'"))
    again = ConfigManager(mgr.path).get_account(name)
    assert again.secret is not None and again.secret.get_secret_value() == secret
    assert again.token is not None and again.token.get_secret_value() == "tok\n\"'"
    assert ConfigManager(mgr.path).default_name() == name


def test_dumps_toml_handles_scalars_lists_and_nesting():
    data = {
        "a": 1,
        "b": 2.5,
        "c": True,
        "d": ["x", 2, False],
        "t": {"k": "v", "inner": {"z": "deep"}},
    }
    assert tomllib.loads(dumps_toml(data)) == data


def test_dumps_toml_refuses_unknown_types():
    with pytest.raises(ConfigError, match="unsupported type"):
        dumps_toml({"x": object()})


# -- environment ----------------------------------------------------------------------------------

ENV = {"MP_USERNAME": "env.user", "MP_SECRET": "env-secret", "MP_PROJECT_ID": "555"}


def test_config_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MP_CONFIG_PATH", str(tmp_path / "x.toml"))
    assert config_path() == tmp_path / "x.toml"
    assert ConfigManager().path == tmp_path / "x.toml"
    monkeypatch.delenv("MP_CONFIG_PATH")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_path() == tmp_path / ".mp" / "config.toml"


def test_a_complete_env_set_wins_and_the_file_is_not_read(mgr, path, monkeypatch):
    path.parent.mkdir()
    path.write_text("this is [not toml")
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    got = mgr.resolve_credentials()
    assert (got.username, got.project_id, got.region) == ("env.user", "555", "us")
    assert got.secret is not None and got.secret.get_secret_value() == "env-secret"


def test_a_complete_env_set_beats_the_default_account_field_by_field(mgr, monkeypatch):
    mgr.add_account("prod", creds("100", "eu", api_secret="file-api-secret"))
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MP_REGION", "in")
    got = mgr.resolve_credentials()
    assert (got.username, got.project_id, got.region) == ("env.user", "555", "in")
    assert got.api_secret is None  # the file is not mixed into a complete env set


def test_api_secret_and_project_id_are_a_complete_env_set(mgr, monkeypatch):
    monkeypatch.setenv("MP_API_SECRET", "env-api-secret")
    monkeypatch.setenv("MP_PROJECT_ID", "9")
    got = mgr.resolve_credentials()
    assert got.username is None and got.project_id == "9"
    assert got.project_secret_header() is not None


def test_a_partial_env_set_overrides_fields_of_the_default_account(mgr, monkeypatch):
    mgr.add_account("prod", creds("100", "us", token="file-token"))
    monkeypatch.setenv("MP_PROJECT_ID", "777")
    monkeypatch.setenv("MP_REGION", "EU")
    monkeypatch.setenv("MP_BASE_URL", "http://127.0.0.1:9999/")
    got = mgr.resolve_credentials()
    assert (got.username, got.project_id, got.region) == ("sa.100", "777", "eu")
    assert got.base_url == "http://127.0.0.1:9999"
    assert got.token is not None and got.token.get_secret_value() == "file-token"


def test_env_overrides_a_named_account_too(mgr, monkeypatch):
    mgr.add_account("prod", creds("100"))
    mgr.add_account("staging", creds("200"))
    monkeypatch.setenv("MP_SECRET", "rotated")
    got = mgr.resolve_credentials("staging")
    assert got.username == "sa.200" and got.project_id == "200"
    assert got.secret is not None and got.secret.get_secret_value() == "rotated"


def test_empty_env_values_count_as_unset(mgr, monkeypatch):
    mgr.add_account("prod", creds("100"))
    monkeypatch.setenv("MP_PROJECT_ID", "")
    monkeypatch.setenv("MP_SECRET", "")
    assert mgr.resolve_credentials().project_id == "100"


def test_a_partial_env_set_without_a_file_names_what_is_missing(mgr, monkeypatch):
    monkeypatch.setenv("MP_USERNAME", "u")
    monkeypatch.setenv("MP_PROJECT_ID", "1")
    with pytest.raises(ConfigError) as info:
        mgr.resolve_credentials()
    assert info.value.details["missing"] == ["MP_SECRET"]
    assert "MP_SECRET" in info.value.message and "mp auth add NAME" in info.value.message


def test_arguments_override_env_and_file(mgr, monkeypatch):
    mgr.add_account("prod", creds("100"))
    monkeypatch.setenv("MP_PROJECT_ID", "777")
    got = mgr.resolve_credentials(project_id=888, region="in", base_url="http://localhost:1")
    assert (got.project_id, got.region, got.base_url) == ("888", "in", "http://localhost:1")


def test_a_bad_region_in_the_env_is_a_config_error(mgr, monkeypatch):
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MP_REGION", "mars")
    with pytest.raises(ConfigError, match="region: must be us, eu or in") as info:
        mgr.resolve_credentials()
    assert "env-secret" not in info.value.message


def test_every_documented_env_var_is_read(mgr, monkeypatch):
    values = {
        "MP_USERNAME": "u",
        "MP_SECRET": "s",
        "MP_PROJECT_ID": "3",
        "MP_REGION": "eu",
        "MP_BASE_URL": "http://127.0.0.1:5",
        "MP_API_SECRET": "a",
        "MP_TOKEN": "t",
        "MP_OAUTH_TOKEN": "o",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    got = mgr.resolve_credentials()
    plain = {
        k: (v.get_secret_value() if hasattr(v, "get_secret_value") else v)
        for k, v in got.model_dump().items()
    }
    assert plain == {
        "username": "u",
        "secret": "s",
        "project_id": "3",
        "region": "eu",
        "base_url": "http://127.0.0.1:5",
        "api_secret": "a",
        "token": "t",
        "oauth_token": "o",
    }
    doc = ConfigManager.resolve_credentials.__doc__ or ""
    assert all(var in doc for var in values)
