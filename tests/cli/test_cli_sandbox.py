"""`mp sandbox serve`: the fixed default month, credentials stable per --seed, --save-account.

Each test runs the real command in a subprocess (it serves until SIGTERM) and reads its output.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cli_helpers import ENTRY, isolated_env, run_in_process


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[dict[str, Any]]:
    """`mp sandbox serve --json ARGS` until the block ends; yields its JSON line."""
    proc = subprocess.Popen(
        [*ENTRY, "sandbox", "serve", "--json", "--users", "20", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(30)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""


def test_default_window_is_october_2026(tmp_path: Path) -> None:
    with serving(isolated_env(tmp_path)) as info:
        assert (info["from_date"], info["to_date"]) == ("2026-10-01", "2026-10-31")
    with serving(isolated_env(tmp_path), "--end-date", "2026-03-31", "--days", "7") as info:
        assert (info["from_date"], info["to_date"]) == ("2026-03-25", "2026-03-31")


def test_credentials_are_stable_for_a_seed(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    with serving(env, "--seed", "4") as first:
        pass
    with serving(env, "--seed", "4") as again:
        pass
    with serving(env, "--seed", "5") as other:
        pass
    secrets = ("MP_SECRET", "MP_TOKEN", "MP_API_SECRET", "MP_OAUTH_TOKEN")
    for name in secrets:
        assert first["env"][name] == again["env"][name], name
        assert first["env"][name] != other["env"][name], name
    assert first["env"]["MP_PROJECT_ID"] != other["env"]["MP_PROJECT_ID"]


def test_save_account_writes_and_then_updates_the_account(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    config = Path(env["MP_CONFIG_PATH"])
    with serving(env, "--save-account", "sb") as info:
        stored = tomllib.loads(config.read_text())
        assert stored["default"] == "sb"
        account = stored["accounts"]["sb"]
        assert account["base_url"] == info["url"]
        assert account["secret"] == info["env"]["MP_SECRET"]
        assert account["project_id"] == info["env"]["MP_PROJECT_ID"]
        # `mp` with no MP_* variable reaches the sandbox through the saved default account.
        run = run_in_process("inspect", "events", "-f", "json", env=env)
        assert run.code == 0, str(run)
        assert "Purchase" in json.loads(run.stdout)
    with serving(env, "--save-account", "sb") as second:
        stored = tomllib.loads(config.read_text())
        assert list(stored["accounts"]) == ["sb"]
        assert stored["accounts"]["sb"]["base_url"] == second["url"]
        run = run_in_process("auth", "test", "sb", env=env)
        assert run.code == 0, str(run)


def test_save_account_with_a_bad_name_exits_3_before_serving(tmp_path: Path) -> None:
    run = run_in_process("sandbox", "serve", "--save-account", " ", env=isolated_env(tmp_path))
    assert run.code == 3, str(run)
    assert "account name" in run.error_line()
    bad_date = run_in_process("sandbox", "serve", "--end-date", "soon", env=isolated_env(tmp_path))
    assert bad_date.code == 3 and "--end-date" in bad_date.error_line()
