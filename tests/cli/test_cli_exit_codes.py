"""The README's exit codes, as a table: situation -> code, each with a one-line error.

0 ok, 1 error, 2 authentication, 3 bad arguments, 4 not found, 5 rate limited, 130 interrupted
(Ctrl-C is in test_cli_process.py). Each row runs `mp` in this process against the module's
sandbox, with the fault or environment the situation needs; the closed pipe runs a real process
under a shell.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cli_helpers import run_in_process

from mixpanel_data.sandbox import Fault, Sandbox


@dataclass(frozen=True)
class Situation:
    args: Callable[[Sandbox], list[str]]
    code: int
    says: str = ""  # text the one error line must hold ("" for exit 0)
    env: dict[str, str] = field(default_factory=dict)
    sandbox_env: bool = True  # False: no MP_* variable at all
    fault: Fault | None = None


def _span(sb: Sandbox) -> list[str]:
    return ["--from", sb.start_date.isoformat(), "--to", sb.end_date.isoformat()]


def _fetch(sb: Sandbox) -> list[str]:
    return ["fetch", "events", *_span(sb), "--no-progress"]


def _seg(sb: Sandbox) -> list[str]:
    return ["query", "segmentation", "-e", "Purchase", *_span(sb)]


_429 = Fault(kind="status", status=429, retry_after=3600, times=None)

SITUATIONS: dict[str, Situation] = {
    "ok": Situation(_seg, 0),
    "server error (503 after retries)": Situation(
        lambda sb: ["inspect", "events"],
        1,
        "503",
        fault=Fault(kind="status", status=503, times=None),
    ),
    "wrong secret": Situation(_seg, 2, "401", env={"MP_SECRET": "not-the-secret"}),
    "no credentials at all": Situation(_seg, 2, "mp auth add", sandbox_env=False),
    "incomplete MP_* variables": Situation(
        _seg, 2, "MP_SECRET", sandbox_env=False, env={"MP_USERNAME": "u", "MP_PROJECT_ID": "1"}
    ),
    "MP_REGION=mars": Situation(_seg, 3, "region", env={"MP_REGION": "mars"}),
    "missing option": Situation(lambda sb: ["query", "segmentation", "-e", "Purchase"], 3),
    "--to 9999-12-31": Situation(
        lambda sb: [*_seg(sb)[:-1], "9999-12-31"], 3, "--to 9999-12-31 is out of range"
    ),
    "fetch --to 9999-12-31": Situation(
        lambda sb: [*_fetch(sb)[:-2], "9999-12-31", "--no-progress"],
        3,
        "--to 9999-12-31 is out of range",
    ),
    "unknown saved report": Situation(lambda sb: ["query", "saved-report", "999999"], 4, "999999"),
    "unknown account": Situation(lambda sb: ["-a", "nosuch", "inspect", "events"], 4, "nosuch"),
    "query rate limited": Situation(_seg, 5, "429", fault=_429),
    "fetch rate limited": Situation(_fetch, 5, "429", fault=_429),
    "fetch --stdout rate limited": Situation(
        lambda sb: [*_fetch(sb), "--stdout"], 5, "429", fault=_429
    ),
}


@pytest.mark.parametrize("name", list(SITUATIONS))
def test_exit_code(
    name: str, sandbox: Sandbox, home_env: dict[str, str], sb_env: dict[str, str]
) -> None:
    situation = SITUATIONS[name]
    if situation.fault is not None:
        sandbox.faults.add(situation.fault)
    env = {**(sb_env if situation.sandbox_env else home_env), **situation.env}
    run = run_in_process(*situation.args(sandbox), env=env)
    assert run.code == situation.code, str(run)
    if situation.code:
        line = run.error_line() if situation.code != 3 or situation.says else run.stderr
        assert situation.says in line, str(run)


def test_no_table_is_left_by_a_rate_limited_fetch(
    sandbox: Sandbox, sb_env: dict[str, str], tmp_path: Path
) -> None:
    sandbox.faults.add(_429)
    db = str(tmp_path / "x.duckdb")
    assert run_in_process(*_fetch(sandbox), "--db", db, env=sb_env).code == 5
    sandbox.faults.clear()
    run = run_in_process("inspect", "tables", "--db", db, "-f", "json", env=sb_env)
    assert "events" not in run.stdout, str(run)


def test_plain_mp_prints_help_and_exits_0(home_env: dict[str, str]) -> None:
    run = run_in_process(env=home_env)
    assert run.code == 0, str(run)
    assert "Usage: mp" in run.stdout + run.stderr and "sandbox" in run.stdout + run.stderr


def test_a_closed_pipe_is_success(sb_env: dict[str, str], sandbox: Sandbox) -> None:
    mp = f"{sys.executable} -m mixpanel_data.cli.main"
    script = f"{mp} {' '.join(_fetch(sandbox))} --stdout | head -n 1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(
        ["bash", "-c", script], env=sb_env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("{")
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
