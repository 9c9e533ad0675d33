"""`mp auth list|add|update|remove|switch|show|test` end to end, and the secrets test: a known
secret goes through every `mp auth` command, failing calls and `--verbose` logging without ever
being printed.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import FORMATS, Run, check_format, run_in_process

from mixpanel_data.sandbox import Fault, Sandbox, SandboxCredentials

SECRET = "Zebra-S3cr3t-Cli-4471-xyzzy"
WRONG = "Wrong-Quokka-Secret-0093"
API_SECRET = "ApiSecret-Narwhal-5521"
TOKEN = "Tok-Pangolin-3390"
OAUTH = "mpo_OAuth-Axolotl-1203"
USER = "cli.tests.mp-service-account"
PROJECT = 3_000_444


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """A sandbox that accepts the known secrets above (overrides the conftest sandbox)."""
    creds = SandboxCredentials(
        username=USER,
        secret=SECRET,
        project_id=PROJECT,
        token=TOKEN,
        api_secret=API_SECRET,
        oauth_token=OAUTH,
    )
    with Sandbox(seed=9, users=20, days=3, credentials=creds) as sandbox:
        yield sandbox


@pytest.fixture
def config(home_env: dict[str, str]) -> Path:
    return Path(home_env["MP_CONFIG_PATH"])


class Auth:
    """`mp` (in this process) with an isolated home and no MP_* credentials in the environment."""

    def __init__(self, env: dict[str, str], url: str) -> None:
        self.env = env
        self.url = url
        self.runs: list[Run] = []

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Run:
        run = run_in_process(*args, env={**self.env, **env}, input=input)
        self.runs.append(run)
        return run

    def add(self, name: str, secret: str = SECRET, *extra: str) -> Run:
        return self(
            "auth", "add", name, "-u", USER, "-p", str(PROJECT), "--base-url", self.url,
            "--secret-stdin", *extra, input=secret + "\n",
        )  # fmt: skip

    def accounts(self) -> dict[str, dict[str, object]]:
        run = self("auth", "list", "-f", "json")
        assert run.code == 0, str(run)
        return {a["name"]: a for a in json.loads(run.stdout)}


@pytest.fixture
def mp_auth(sandbox: Sandbox, home_env: dict[str, str]) -> Auth:
    return Auth(home_env, sandbox.url)


# -- add --------------------------------------------------------------------------------------


def test_add_with_secret_stdin(mp_auth: Auth, config: Path) -> None:
    run = mp_auth.add("main")
    assert run.code == 0, str(run)
    assert run.stdout == "" and "added account 'main'" in run.stderr
    accounts = mp_auth.accounts()
    assert accounts["main"]["is_default"] is True  # the first account becomes the default
    assert accounts["main"]["secret_set"] is True
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    stored = tomllib.loads(config.read_text())
    assert stored["accounts"]["main"]["secret"] == SECRET


def test_add_with_mp_secret(mp_auth: Auth, config: Path) -> None:
    run = mp_auth(
        "auth", "add", "envy", "-u", USER, "-p", str(PROJECT), "--base-url", mp_auth.url,
        MP_SECRET=SECRET,
    )  # fmt: skip
    assert run.code == 0, str(run)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    test = mp_auth("auth", "test", "envy")
    assert test.code == 0, str(test)
    assert json.loads(test.stdout)["success"] is True


def test_add_with_legacy_api_secret(mp_auth: Auth) -> None:
    run = mp_auth(
        "auth", "add", "legacy", "--api-secret", "-p", str(PROJECT), "--base-url", mp_auth.url,
        MP_API_SECRET=API_SECRET,
    )  # fmt: skip
    assert run.code == 0, str(run)
    assert mp_auth.accounts()["legacy"]["api_secret_set"] is True
    assert mp_auth("auth", "test", "legacy").code == 0


def test_add_without_tty_or_secret_never_prompts(mp_auth: Auth, config: Path) -> None:
    run = mp_auth("auth", "add", "main", "-u", USER, "-p", str(PROJECT))
    assert run.code == 3, str(run)
    line = run.error_line()
    assert "--secret-stdin" in line and "MP_SECRET" in line
    assert run.stdout == ""
    assert "Service account secret" not in run.stderr  # no prompt text
    assert not config.exists()


def test_add_with_empty_secret_stdin_exits_3(mp_auth: Auth, config: Path) -> None:
    run = mp_auth.add("main", "")
    assert run.code == 3, str(run)
    assert "--secret-stdin" in run.error_line()
    assert not config.exists()


def test_add_without_username_or_bad_region_exits_3(mp_auth: Auth) -> None:
    run = mp_auth("auth", "add", "main", "-p", str(PROJECT), MP_SECRET=SECRET)
    assert run.code == 3 and "--username" in run.error_line()
    run = mp_auth.add("main", SECRET, "--region", "mars")
    assert run.code == 3 and "--region" in run.error_line()


def test_duplicate_add_exits_1(mp_auth: Auth) -> None:
    assert mp_auth.add("main").code == 0
    run = mp_auth.add("main")
    assert run.code == 1, str(run)
    assert "already exists" in run.error_line() and "'main'" in run.error_line()


# -- update -----------------------------------------------------------------------------------


def test_update_replaces_only_the_named_fields(mp_auth: Auth, config: Path) -> None:
    mp_auth.add("main", WRONG)
    assert mp_auth("auth", "test", "main").code == 2  # the wrong secret is refused
    run = mp_auth("auth", "update", "main", "--secret-stdin", input=SECRET + "\n")
    assert run.code == 0, str(run)
    assert "updated account 'main'" in run.stderr and run.stdout == ""
    assert SECRET not in run.stdout + run.stderr
    assert mp_auth("auth", "test", "main").code == 0
    assert mp_auth("auth", "update", "main", "-r", "eu", "-u", "other.user").code == 0
    stored = tomllib.loads(config.read_text())["accounts"]["main"]
    assert stored["region"] == "eu" and stored["username"] == "other.user"
    assert stored["secret"] == SECRET and stored["project_id"] == str(PROJECT)
    assert stored["base_url"] == mp_auth.url
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_update_secret_from_the_environment_and_clear_base_url(mp_auth: Auth, config: Path) -> None:
    mp_auth.add("main", WRONG)
    run = mp_auth("auth", "update", "main", "--secret", "--base-url", "", MP_SECRET=SECRET)
    assert run.code == 0, str(run)
    stored = tomllib.loads(config.read_text())["accounts"]["main"]
    assert stored["secret"] == SECRET and "base_url" not in stored


def test_update_errors(mp_auth: Auth, config: Path) -> None:
    mp_auth.add("main")
    before = config.read_text()
    nothing = mp_auth("auth", "update", "main")
    assert nothing.code == 3 and "nothing to change" in nothing.error_line()
    missing = mp_auth("auth", "update", "nosuch", "-r", "eu")
    assert missing.code == 4 and "'nosuch'" in missing.error_line()
    region = mp_auth("auth", "update", "main", "-r", "mars")
    assert region.code == 3 and "--region" in region.error_line()
    no_tty = mp_auth("auth", "update", "main", "--secret")
    assert no_tty.code == 3 and "--secret-stdin" in no_tty.error_line()
    assert config.read_text() == before


# -- list, show, switch -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_list_formats(mp_auth: Auth, fmt: str) -> None:
    mp_auth.add("main")
    mp_auth.add("other")
    run = mp_auth("auth", "list", "-f", fmt)
    assert run.code == 0, str(run)
    check_format(fmt, run.stdout)
    assert "main" in run.stdout and "other" in run.stdout
    assert SECRET not in run.stdout + run.stderr


def test_list_with_no_accounts_says_how_to_add_one(mp_auth: Auth) -> None:
    run = mp_auth("auth", "list")
    assert run.code == 0, str(run)
    assert "mp auth add" in run.stderr and run.stdout == ""
    assert mp_auth("auth", "list", "-f", "json").stdout.strip() == "[]"


@pytest.mark.parametrize("fmt", FORMATS)
def test_show_masks_the_secret(mp_auth: Auth, fmt: str) -> None:
    mp_auth.add("main")
    run = mp_auth("auth", "show", "main", "-f", fmt)
    assert run.code == 0, str(run)
    check_format(fmt, run.stdout)
    assert SECRET not in run.stdout + run.stderr
    if fmt == "json":
        shown = json.loads(run.stdout)
        assert shown["name"] == "main" and shown["username"] == USER
        assert shown["secret_set"] is True
        assert shown["project_id"] == str(PROJECT)


def test_switch_changes_the_default(mp_auth: Auth) -> None:
    mp_auth.add("main")
    mp_auth.add("other")
    run = mp_auth("auth", "switch", "other")
    assert run.code == 0, str(run)
    assert "'other'" in run.stderr
    accounts = mp_auth.accounts()
    assert accounts["other"]["is_default"] is True and accounts["main"]["is_default"] is False
    shown = mp_auth("auth", "show")
    assert json.loads(shown.stdout)["name"] == "other"


# -- test -------------------------------------------------------------------------------------


def test_test_success_and_wrong_secret(mp_auth: Auth) -> None:
    mp_auth.add("main")
    mp_auth.add("wrong", WRONG)
    ok = mp_auth("auth", "test")  # the default account
    assert ok.code == 0, str(ok)
    assert json.loads(ok.stdout) | {"error": None} == {
        "success": True,
        "account": "main",
        "project_id": str(PROJECT),
        "region": "us",
        "error": None,
        "error_code": None,
        "exit_code": 0,
    }
    bad = mp_auth("auth", "test", "wrong")
    assert bad.code == 2, str(bad)
    result = json.loads(bad.stdout)
    assert result["success"] is False and "401" in result["error"]
    assert "401" in bad.error_line()


def test_test_when_rate_limited_exits_5(mp_auth: Auth, sandbox: Sandbox) -> None:
    sandbox.faults.add(Fault(kind="status", status=429, retry_after=3600, times=None))
    run = mp_auth("auth", "test", **sandbox.credentials.env(sandbox.url))
    assert run.code == 5, str(run)
    assert json.loads(run.stdout)["error_code"] == "RATE_LIMITED"


def test_test_uses_the_environment_alone(mp_auth: Auth, sandbox: Sandbox) -> None:
    run = mp_auth("auth", "test", "-f", "plain", **sandbox.credentials.env(sandbox.url))
    assert run.code == 0, str(run)
    assert "True" in run.stdout


# -- remove -----------------------------------------------------------------------------------


def test_remove_the_default_moves_it(mp_auth: Auth) -> None:
    mp_auth.add("main")
    mp_auth.add("other")
    run = mp_auth("auth", "remove", "main")  # stdin is not a TTY: no confirmation prompt
    assert run.code == 0, str(run)
    assert "removed account 'main'" in run.stderr and "'other' is now the default" in run.stderr
    accounts = mp_auth.accounts()
    assert list(accounts) == ["other"] and accounts["other"]["is_default"] is True


def test_remove_a_non_default_keeps_the_default(mp_auth: Auth) -> None:
    mp_auth.add("main")
    mp_auth.add("other")
    assert mp_auth("auth", "remove", "other", "--force").code == 0
    assert mp_auth.accounts()["main"]["is_default"] is True


# -- unknown accounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("auth", "show", "nope"),
        ("auth", "switch", "nope"),
        ("auth", "test", "nope"),
        ("auth", "remove", "nope"),
        ("-a", "nope", "inspect", "events"),
        ("-a", "nope", "query", "segmentation", "-e", "Login", "--from", "2026-01-01",
         "--to", "2026-01-02"),
    ],
    ids=lambda a: " ".join(a[:3]),
)  # fmt: skip
def test_unknown_account_exits_4(mp_auth: Auth, args: tuple[str, ...]) -> None:
    mp_auth.add("main")
    run = mp_auth(*args)
    assert run.code == 4, str(run)
    line = run.error_line()
    assert "nope" in line and "main" in line  # says which accounts exist
    assert run.stdout == ""


def test_show_with_no_account_exits_4(mp_auth: Auth) -> None:
    run = mp_auth("auth", "show")
    assert run.code == 4, str(run)
    assert "mp auth add" in run.error_line()


# -- the secrets test -------------------------------------------------------------------------


def _forbidden() -> list[str]:
    def b64(text: str) -> list[str]:
        raw = text.encode()
        return [
            base64.b64encode(raw).decode(),
            base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
        ]

    texts = [SECRET, WRONG, API_SECRET, TOKEN, OAUTH]
    for user, secret in ((USER, SECRET), (USER, WRONG), (API_SECRET, "")):
        texts += b64(f"{user}:{secret}")
    texts += b64(SECRET) + b64(WRONG)
    return texts


@pytest.mark.slow
def test_no_secret_in_any_output(mp_auth: Auth, sandbox: Sandbox, span_days: list[str]) -> None:
    """Every `mp auth` command (in every format), failing calls and `-v` debug logging."""
    project = str(PROJECT)
    env_creds = sandbox.credentials.env(sandbox.url)
    wrong_env = {**env_creds, "MP_SECRET": WRONG}
    add = ("auth", "add")
    sa = ("-u", USER, "-p", project, "--base-url", mp_auth.url)
    seg = ("query", "segmentation", "-e", "Login", "--from", span_days[0], "--to", span_days[1])
    storm = Fault(kind="status", status=429, retry_after=0.01, times=None)

    def step(code: int, *args: str, input: str | None = None, **env: str) -> None:
        run = mp_auth("-v", *args, input=input, **env)
        assert run.code == code, str(run)

    # add: from stdin, from MP_SECRET, the legacy secret, a wrong secret; and failing adds
    step(0, *add, "main", *sa, "--secret-stdin", input=SECRET + "\n")
    step(0, *add, "envy", *sa, MP_SECRET=SECRET)
    step(0, *add, "legacy", "--api-secret", "-p", project, "--base-url", mp_auth.url,
         MP_API_SECRET=API_SECRET)  # fmt: skip
    step(0, *add, "wrong", *sa, "--secret-stdin", input=WRONG + "\n")
    step(1, *add, "main", *sa, "--secret-stdin", input=SECRET + "\n")  # duplicate
    step(3, *add, "bad", *sa, "--region", "mars", MP_SECRET=SECRET)
    step(3, *add, "none", *sa)  # no secret, no TTY
    # list, show, switch and test, in every format
    for fmt in FORMATS:
        step(0, "auth", "list", "-f", fmt)
        for name in ("main", "envy", "legacy", "wrong"):
            step(0, "auth", "show", name, "-f", fmt)
    step(0, "auth", "show")
    step(0, "auth", "switch", "envy")
    for fmt in ("json", "table", "plain"):
        step(0, "auth", "test", "-f", fmt)
        step(0, "auth", "test", "main", "-f", fmt)
        step(0, "auth", "test", "legacy", "-f", fmt)
        step(2, "auth", "test", "wrong", "-f", fmt)  # a failing call
    step(0, "auth", "test", **env_creds)
    step(2, "auth", "test", **wrong_env)
    # queries with debug logging, from accounts and from the environment; failing ones too
    step(0, "-a", "main", *seg)
    step(0, "-a", "legacy", "inspect", "events")
    step(0, *seg, **env_creds)
    step(0, "fetch", "events", "--stdout", "--from", span_days[1], "--to", span_days[1],
         **env_creds)  # fmt: skip
    step(2, "-a", "wrong", *seg)
    step(2, "inspect", "events", **wrong_env)
    sandbox.faults.add(storm)
    step(5, "-a", "main", *seg)
    step(5, *seg, **env_creds)
    sandbox.faults.clear()
    # remove
    step(0, "auth", "remove", "wrong")
    step(0, "auth", "remove", "envy", "--force")
    step(4, "auth", "remove", "nope")

    assert any("DEBUG" in r.stderr for r in mp_auth.runs), "-v produced no debug logging"
    assert any(r.code == 2 and "401" in r.stderr for r in mp_auth.runs)
    forbidden = _forbidden()
    for run in mp_auth.runs:
        for text in forbidden:
            assert text not in run.stdout, f"secret {text[:4]}... on stdout of {run.args}"
            assert text not in run.stderr, f"secret {text[:4]}... on stderr of {run.args}"
    # The secret is on disk only, in a file only its owner can read.
    config = Path(mp_auth.env["MP_CONFIG_PATH"])
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert SECRET in config.read_text()


@pytest.fixture
def span_days(sandbox: Sandbox) -> list[str]:
    return [sandbox.start_date.isoformat(), sandbox.end_date.isoformat()]
