"""Helpers for the `mp` CLI tests: running `mp`, and checking what it prints.

Most tests run `mp` in this process with :func:`run_in_process`: the same entry point as the
console script (:func:`mixpanel_data.cli._state.run`, so the same exit codes and one-line errors),
with its own environment, stdin (never a TTY), stdout, stderr and logging. A few tests keep a real
subprocess (:func:`run_mp`) for what only a process shows: exit statuses, signals, closed pipes and
start-up imports. Every run asserts that nothing printed a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpanel_data._pacing import reset_pacers
from mixpanel_data.cli import _state
from mixpanel_data.cli._output import render
from mixpanel_data.cli.main import app

FORMATS = ("json", "jsonl", "table", "csv", "plain")
ENTRY = (sys.executable, "-m", "mixpanel_data.cli.main")

# `mp` in a child whose Ctrl-C raises KeyboardInterrupt whatever the parent's SIGINT disposition
# (a child inherits SIG_IGN, e.g. from a shell's background job, and Python then keeps it).
_WITH_SIGINT = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('mixpanel_data.cli.main', run_name='__main__')"
)
ENTRY_WITH_SIGINT = (sys.executable, "-c", _WITH_SIGINT)


# -- running `mp` -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What one `mp` invocation did."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:  # shown by pytest when an assertion on a Run fails
        return (
            f"mp {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.stdout[:3000]}"
            f"\n--- stderr\n{self.stderr[:3000]}"
        )

    def error_line(self) -> str:
        """The one-line error on stderr (asserts there is exactly one line, ``Error: ...``)."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, str(self)
        assert lines[0].startswith("Error: "), str(self)
        return lines[0]


def isolated_env(root: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any ``MP_*`` variable, with HOME, the config file and the
    data folder under ``root``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
    env.pop("COLUMNS", None)
    env.update(
        HOME=str(root / "home"),
        MP_CONFIG_PATH=str(root / "home" / ".mp" / "config.toml"),
        MP_DATA_DIR=str(root / "data"),
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra or {})
    return env


def run_mp(
    *args: str,
    env: Mapping[str, str],
    input: str | None = None,
    timeout: float = 180,
) -> Run:
    """Run `mp ARGS` in a subprocess; stdin is ``input`` or closed (never a TTY)."""
    proc = subprocess.run(
        [*ENTRY, *args],
        env=dict(env),
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    run = Run(tuple(args), proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in run.stderr, str(run)
    assert "Traceback" not in run.stdout, str(run)
    return run


MpRunner = Callable[..., Run]


def _text_stream(data: str = "") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data.encode()), encoding="utf-8", write_through=True)


def _read(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _own_logging() -> Iterator[None]:
    """No root handler during the run (so `-v` logs to the run's stderr), then as before."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def run_in_process(
    *args: str, env: Mapping[str, str] | None = None, input: str | None = None
) -> Run:
    """Run `mp ARGS` in this process, as the console script would (see the module doc).

    ``env`` replaces the whole environment for the run (default: the current one); stdin holds
    ``input`` (or nothing) and is not a TTY.
    """
    out, err, stdin = _text_stream(), _text_stream(), _text_stream(input or "")
    reset_pacers()
    with (
        _environment(dict(os.environ) if env is None else env),
        _own_logging(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        saved_stdin, sys.stdin = sys.stdin, stdin
        try:
            code = _state.run(app, list(args))
        finally:
            sys.stdin = saved_stdin
    run = Run(tuple(args), code, _read(out), _read(err))
    assert "Traceback" not in run.stderr, str(run)
    assert "Traceback" not in run.stdout, str(run)
    return run


def invoke(args: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """`mp ARGS` in this process with ``env`` added to the current environment."""
    return run_in_process(*args, env={**os.environ, **(env or {})})


# -- checking output --------------------------------------------------------------------------


def check_format(fmt: str, text: str) -> Any:
    """Assert ``text`` is well-formed ``fmt`` output and return it parsed.

    json: the parsed document; jsonl: the list of parsed lines; csv: the list of rows (header
    first); table: the lines (at most 80 columns wide); plain: the non-empty lines.
    """
    assert text.strip(), f"empty {fmt} output"
    if fmt == "json":
        return json.loads(text)
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and rows[0] and all(h.strip() for h in rows[0]), f"no csv header: {text[:200]}"
        assert all(len(r) == len(rows[0]) for r in rows), "ragged csv"
        return rows
    if fmt == "table":
        lines = text.splitlines()
        wide = [line for line in lines if len(line) > 80]
        assert not wide, f"table wider than 80 columns: {wide[0]!r}"
        assert len(lines) >= 2, f"table without header: {text!r}"
        return lines
    assert fmt == "plain", fmt
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines
    return lines


def as_json(value: Any) -> Any:
    """The library's answer as the CLI's json format writes it, parsed back."""
    return json.loads(render(value, "json"))
