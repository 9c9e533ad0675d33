"""Helpers for the `mp` CLI tests: running `mp`, and checking what it prints.

End-to-end behaviour (exit codes, stderr, no traceback) goes through a real subprocess
(``python -m mixpanel_data.cli.main``) with its stdin closed (not a TTY); typer's ``CliRunner`` is
used only to check how output is rendered. Every run asserts that stderr has no traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mixpanel_data.cli._output import render
from mixpanel_data.cli.main import app

FORMATS = ("json", "jsonl", "table", "csv", "plain")
ENTRY = (sys.executable, "-m", "mixpanel_data.cli.main")


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


def invoke(args: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run `mp ARGS` in-process with typer's CliRunner (output rendering checks only)."""
    result = CliRunner().invoke(app, list(args), env=dict(env or {}), catch_exceptions=False)
    return Run(tuple(args), result.exit_code, result.stdout, result.stderr)


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
