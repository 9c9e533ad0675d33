"""What only a real `mp` process shows: its exit status for each documented code, one-line errors
on stderr with no traceback, and Ctrl-C (SIGINT) ending in 130 whatever SIGINT disposition the
test process hands down. Everything else runs in-process (cli_helpers.run_in_process).
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from cli_helpers import ENTRY_WITH_SIGINT, MpRunner, Run, check_format, run_mp

from mixpanel_data.sandbox import Fault, Sandbox


@pytest.fixture
def mp_process(sb_env: dict[str, str]) -> MpRunner:
    """``mp_process(*args, env_extra=None)``: run `mp` in a subprocess against the sandbox."""

    def call(*args: str, env_extra: dict[str, str] | None = None) -> Run:
        return run_mp(*args, env={**sb_env, **(env_extra or {})})

    return call


def _seg(sb: Sandbox, **dates: str) -> list[str]:
    f = dates.get("f", sb.start_date.isoformat())
    t = dates.get("t", sb.end_date.isoformat())
    return ["query", "segmentation", "-e", "Page View", "--from", f, "--to", t]


Setup = Callable[[Sandbox], None]


def _no_fault(sb: Sandbox) -> None:
    return None


def _storm(sb: Sandbox) -> None:
    sb.faults.add(Fault(kind="status", status=429, retry_after=0.01, times=None))


def _down(sb: Sandbox) -> None:
    sb.faults.add(Fault(kind="status", status=503, times=None))


# name: (arguments, extra environment, fault, exit code, text of the error line)
EXITS: dict[str, tuple[Callable[[Sandbox], list[str]], dict[str, str], Setup, int, str]] = {
    "ok": (_seg, {}, _no_fault, 0, ""),
    "server error": (lambda sb: ["inspect", "events"], {}, _down, 1, "503"),
    "auth": (_seg, {"MP_SECRET": "not-the-secret"}, _no_fault, 2, "401"),
    "usage": (lambda sb: ["query", "segmentation", "--from", "2026-01-01"], {}, _no_fault, 3, ""),
    "bad date": (lambda sb: _seg(sb, f="2026-13-01"), {}, _no_fault, 3, "--from '2026-13-01'"),
    "not found": (lambda sb: ["query", "saved-report", "999999"], {}, _no_fault, 4, "999999"),
    "rate limited": (_seg, {}, _storm, 5, "429"),
}


@pytest.mark.parametrize("name", list(EXITS))
def test_exit_status_of_a_real_process(name: str, sandbox: Sandbox, mp_process: MpRunner) -> None:
    build, env_extra, fault, code, mentions = EXITS[name]
    fault(sandbox)
    run = mp_process(*build(sandbox), env_extra=env_extra)
    assert run.code == code, str(run)
    if code == 0:
        check_format("json", run.stdout)
        assert run.stderr == ""
        return
    assert run.stdout == ""
    if name == "usage":
        assert "Missing option" in run.stderr
        return
    line = run.error_line()
    assert mentions in line
    assert "from_date" not in line


@pytest.fixture(params=["default", "ignored"])
def parent_sigint(request: pytest.FixtureRequest) -> Iterator[str]:
    """The SIGINT disposition this process hands to the child: Python's own, or SIG_IGN (as a
    shell gives a background job)."""
    previous = signal.getsignal(signal.SIGINT)
    if request.param == "ignored":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield request.param
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_exits_130(sandbox: Sandbox, sb_env: dict[str, str], parent_sigint: str) -> None:
    sandbox.faults.add(Fault(kind="slow", delay=10, times=None))
    sandbox.clear_requests()
    proc = subprocess.Popen(
        [*ENTRY_WITH_SIGINT, *_seg(sandbox)],
        env=sb_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(r.path == "/api/query/segmentation" for r in sandbox.requests):
            assert time.monotonic() < deadline, "the query never reached the sandbox"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Interrupted" in err
    assert out == ""
