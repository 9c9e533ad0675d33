"""`mp copy events|profiles` between two sandbox projects named as accounts in the config; both
sides are read back through their own export and engage APIs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import isolated_env, run_in_process

from mixpanel_data._config import ConfigManager
from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

DAY = "2026-10-31"


@pytest.fixture(scope="module")
def dst() -> Iterator[Sandbox]:
    with Sandbox(seed=9, users=3, days=1, end_date="2025-01-01") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def src() -> Iterator[Sandbox]:
    with Sandbox(seed=5, users=15, days=2, end_date=DAY) as sandbox:
        yield sandbox


def _env(tmp_path: Path, src: Sandbox, dst: Sandbox) -> dict[str, str]:
    env = isolated_env(tmp_path)
    config = ConfigManager(env["MP_CONFIG_PATH"])
    config.add_account("src", src.credentials.client_credentials(src.url), default=True)
    config.add_account("dst", dst.credentials.client_credentials(dst.url))
    return env


def _exported(sb: Sandbox) -> set[tuple[Any, ...]]:
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws:
        return {
            (e["event"], p["distinct_id"], p["time"], p["$insert_id"])
            for e in ws.stream_events(from_date=DAY, to_date=DAY, raw=True)
            for p in [e["properties"]]
        }


def test_copy_events_then_again_skips_the_finished_day(
    src: Sandbox, dst: Sandbox, tmp_path: Path
) -> None:
    env = _env(tmp_path, src, dst)
    args = ["copy", "events", "--to-account", "dst", "--from", DAY, "--to", DAY]
    run = run_in_process(*args, env=env)
    assert run.code == 0, run
    first = json.loads(run.stdout)
    assert first["imported"] > 0 and first["rejected"] == 0
    assert _exported(dst) == _exported(src)
    again = run_in_process(*args, "--from-account", "src", env=env)
    assert again.code == 0, again
    assert (json.loads(again.stdout)["imported"], json.loads(again.stdout)["skipped"]) == (
        0,
        first["imported"],
    )
    bad = run_in_process("copy", "events", "--to-account", "nope", "--from", DAY, "--to", DAY,
                         env=env)  # fmt: skip
    assert bad.code != 0 and "nope" in bad.stderr


def test_copy_profiles(src: Sandbox, dst: Sandbox, tmp_path: Path) -> None:
    env = _env(tmp_path, src, dst)
    run = run_in_process("copy", "profiles", "--to-account", "dst", env=env)
    assert run.code == 0, run
    with (
        Workspace.memory(credentials=src.credentials.client_credentials(src.url)) as a,
        Workspace.memory(credentials=dst.credentials.client_credentials(dst.url)) as b,
    ):
        source = {p["$distinct_id"]: p["$properties"] for p in a.stream_profiles(raw=True)}
        copied = {p["$distinct_id"]: p["$properties"] for p in b.stream_profiles(raw=True)}
    assert json.loads(run.stdout)["imported"] == len(source)
    assert {d: copied.get(d) for d in source} == source
