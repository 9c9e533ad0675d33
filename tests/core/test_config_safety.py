"""The config file under concurrency and hostile permissions: 12 `mp auth add` processes at once
keep every account; a loose file or folder is warned about once, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

from mixpanel_data._config import ConfigManager, ConfigPermissionWarning
from mixpanel_data._credentials import make_credentials

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes and flock")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
    env.update(HOME=str(tmp_path / "home"), MP_CONFIG_PATH=str(tmp_path / "cfg" / "config.toml"))
    return env


@posix_only
def test_twelve_concurrent_auth_adds_keep_every_account(tmp_path: Path) -> None:
    env = _env(tmp_path)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mixpanel_data.cli.main",
                "auth",
                "add",
                f"acct{n}",
                "-u",
                f"user{n}",
                "-p",
                str(1000 + n),
                "--secret-stdin",
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(12)
    ]
    outcomes = [p.communicate(f"secret-{n}\n".encode(), timeout=300) for n, p in enumerate(procs)]
    assert [p.returncode for p in procs] == [0] * 12, outcomes
    data = tomllib.loads((tmp_path / "cfg" / "config.toml").read_text())
    assert sorted(data["accounts"]) == sorted(f"acct{n}" for n in range(12))
    assert {a["project_id"] for a in data["accounts"].values()} == {
        str(1000 + n) for n in range(12)
    }
    assert sorted(p.name for p in (tmp_path / "cfg").iterdir()) == ["config.toml"]


@posix_only
def test_a_loose_file_warns_once_per_process(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "config.toml"
    mgr = ConfigManager(path)
    mgr.add_account("prod", make_credentials(username="u", secret="s-9931", project_id=1))
    path.chmod(0o644)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        mgr.accounts()
        mgr.account_names()
        ConfigManager(path).default_name()
    assert [type(w.message) for w in seen] == [ConfigPermissionWarning]
    assert "s-9931" not in str(seen[0].message)


@posix_only
def test_a_group_writable_folder_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "open" / "config.toml"
    mgr = ConfigManager(path)
    mgr.add_account("prod", make_credentials(username="u", secret="s", project_id=1))
    path.parent.chmod(0o777)
    with pytest.warns(ConfigPermissionWarning, match="can be written by other users"):
        mgr.accounts()


@posix_only
def test_the_cli_says_the_permission_warning_in_one_line_once(tmp_path: Path) -> None:
    env = _env(tmp_path)
    add = [sys.executable, "-m", "mixpanel_data.cli.main", "auth", "add", "prod", "-u", "u",
           "-p", "7", "--secret-stdin"]  # fmt: skip
    assert subprocess.run(add, env=env, input="s\n", text=True, capture_output=True).returncode == 0
    (tmp_path / "cfg" / "config.toml").chmod(0o644)
    run = subprocess.run(
        [sys.executable, "-m", "mixpanel_data.cli.main", "auth", "list"],
        env=env, text=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 0, run.stderr
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("Warning: config file") and "chmod 600" in lines[0]
