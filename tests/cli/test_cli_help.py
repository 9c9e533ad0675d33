"""`mp --help`, `--version` and help text: every group, command, argument and option explains
itself, the README names every group, and `mp --help` stays light (no duckdb, pandas or the
generated API).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from cli_helpers import invoke, isolated_env, run_in_process, run_mp

import mixpanel_data
from mixpanel_data.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("duckdb", "pandas", "mixpanel_openapi.api")


def _walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


TREE = list(_walk(typer.main.get_command(app), ()))
GROUPS = sorted(path[0] for path, cmd in TREE if len(path) == 1 and hasattr(cmd, "commands"))
COMMANDS = [path for path, cmd in TREE if not hasattr(cmd, "commands")]


def test_the_tree_has_the_spec_groups() -> None:
    assert {"auth", "fetch", "query", "inspect", "sandbox"} <= set(GROUPS)
    names = {" ".join(p) for p in COMMANDS}
    for expected in (
        "auth add",
        "auth test",
        "fetch events",
        "query sql",
        "query saved-report",
        "inspect drop",
    ):
        assert expected in names


@pytest.mark.parametrize("path", [p for p, _ in TREE], ids=lambda p: " ".join(p) or "mp")
def test_every_command_and_parameter_has_help(path: tuple[str, ...]) -> None:
    cmd = dict(TREE)[path]
    assert (cmd.help or "").strip() or (cmd.short_help or "").strip(), f"mp {' '.join(path)}"
    for param in cmd.params:
        text = (getattr(param, "help", None) or "").strip()
        assert text, f"mp {' '.join(path)}: {param.param_type_name} {param.name!r} has no help"


@pytest.mark.parametrize("group", [None, *GROUPS])
def test_group_help_exits_0(group: str | None, tmp_path: Path) -> None:
    args = ("--help",) if group is None else (group, "--help")
    run = run_in_process(*args, env=isolated_env(tmp_path))
    assert run.code == 0, str(run)
    assert "Usage:" in run.stdout and run.stderr == ""
    if group is None:
        for name in GROUPS:
            assert name in run.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_help_exits_0(path: tuple[str, ...]) -> None:
    run = invoke([*path, "--help"])
    assert run.code == 0, str(run)
    assert "Usage:" in run.stdout


def test_readme_mentions_every_group() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [g for g in GROUPS if f"mp {g}" not in readme]
    assert not missing, f"README.md does not mention: {missing}"


def test_version(tmp_path: Path) -> None:
    run = run_in_process("--version", env=isolated_env(tmp_path))
    assert run.code == 0, str(run)
    assert mixpanel_data.__version__ in run.stdout


DRIVER = """
import contextlib, io, json, sys
sys.argv = ["mp", "--help"]
out = io.StringIO()
code = None
with contextlib.redirect_stdout(out):
    from mixpanel_data.cli.main import main
    try:
        main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "help": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_help_does_not_import_heavy_modules() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER], capture_output=True, text=True, timeout=120, check=True
    )
    report = json.loads(proc.stdout)
    assert report["code"] == 0 and "Usage:" in report["help"]
    heavy = [m for m in report["modules"] if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert not heavy, f"`mp --help` imports {heavy[:10]}"


def test_help_startup_time_is_reported(tmp_path: Path) -> None:
    """No timing assertion: print the best of three wall times and the slowest imports."""
    env = isolated_env(tmp_path)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run_mp("--help", env=env)
        times.append(time.perf_counter() - start)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mixpanel_data.cli.main", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    imports = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            imports.append((int(parts[1]), parts[2].strip()))
    top = sorted(imports, reverse=True)[:8]
    print(f"\n`mp --help` wall time: best {min(times):.3f} s of {[round(t, 3) for t in times]}")
    print("slowest imports (cumulative µs): " + ", ".join(f"{n} {us}" for us, n in top))


def _readme_examples() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = []
    for line in readme.splitlines():
        if line.startswith("mp "):
            words = shlex.split(line, comments=True)
            for shell_op in ("|", ">", ">>", "<", "&&", ";"):
                if shell_op in words:
                    words = words[: words.index(shell_op)]
            examples.append(words[1:])
    return examples


def test_readme_examples_parse() -> None:
    """Every `mp ...` line of the README names a real command with arguments it accepts."""
    examples = _readme_examples()
    assert examples, "README.md shows no `mp` example"
    commands = dict(TREE)
    for words in examples:
        depth = 0
        while depth < len(words) and (*words[:depth], words[depth]) in commands:
            depth += 1
        path = tuple(words[:depth])
        cmd = commands[path]
        assert not hasattr(cmd, "commands"), f"`mp {' '.join(words)}`: not a command"
        try:
            cmd.make_context(" ".join(("mp", *path)), list(words[depth:]))
        except Exception as exc:  # click's UsageError and friends
            pytest.fail(f"README example `mp {' '.join(words)}` does not parse: {exc}")
