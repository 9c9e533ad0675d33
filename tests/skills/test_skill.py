"""skills/mixpanel-data/SKILL.md: agent-tool front matter, and every `mp` command in it runs.

The commands are taken from the document itself: each line of its ```bash blocks that starts
with `mp`, in order, and each inline `mp ...` span that is a whole command (no ``...``). They run
against the sandbox the document's own `mp sandbox serve` line starts (its printed ``export``
lines applied), in a private home and data folder: a line with shell syntax (``||``) and the
`mp mcp` commands in bash with `mp` on PATH, the others in this process (the console script's
entry point, split as bash would split them; much faster on a busy machine).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
from cli_helpers import run_in_process

SKILL = Path(__file__).parents[2] / "skills" / "mixpanel-data" / "SKILL.md"
TEXT = SKILL.read_text(encoding="utf-8")


def front_matter(text: str) -> dict[str, str]:
    match = re.match(r"\A---\n(.*?)\n---\n", text, re.S)
    assert match, "no front matter"
    fields = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def block_commands(text: str) -> list[str]:
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        commands += [line for line in block.splitlines() if line.startswith("mp ")]
    return commands


def inline_commands(text: str) -> list[str]:
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    spans = re.findall(r"`(mp [^`]*)`", prose)
    return [s for s in spans if "..." not in s]


BLOCKS = block_commands(TEXT)
SERVE = next(c for c in BLOCKS if c.startswith("mp sandbox serve"))
COMMANDS = [c for c in BLOCKS if c != SERVE]
INLINE = [c for c in inline_commands(TEXT) if c not in BLOCKS]


def test_front_matter_names_and_describes_the_skill() -> None:
    fields = front_matter(TEXT)
    assert fields["name"] == SKILL.parent.name == "mixpanel-data"
    assert 40 < len(fields["description"]) <= 1024
    assert "mp" in fields["description"]


def test_the_document_teaches_the_essentials() -> None:
    for needle in ("mp inspect events", "mp fetch events", "mp query sql", "->>'$.", "exit",
                   "sandbox", "--format"):  # fmt: skip
        assert needle in TEXT.replace("\\$", "$"), needle
    assert len(COMMANDS) >= 15
    assert all("2026-10" in c for c in COMMANDS if "--from" in c)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment after the document's `mp sandbox serve` line: its exports applied."""
    root = tmp_path_factory.mktemp("skill")
    base = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
    base.update(
        HOME=str(root / "home"),
        MP_CONFIG_PATH=str(root / "home" / ".mp" / "config.toml"),
        MP_DATA_DIR=str(root / "data"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}",
        PYTHONIOENCODING="utf-8",
    )
    server = subprocess.Popen(
        shlex.split(SERVE), env=base, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                base[name] = shlex.split(value)[0]
            if line.startswith("Press Ctrl-C"):
                break
        assert "MP_BASE_URL" in base, "the sandbox printed no export lines"
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if any(op in command for op in ("|", "&", ";", ">", "<")) or command.startswith("mp mcp"):
        return subprocess.run(
            ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=300,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    argv = shlex.split(command.replace("\\$", "$"))  # bash keeps $ literal after a backslash
    run = run_in_process(*argv[1:], env=env)
    return subprocess.CompletedProcess(argv, run.code, run.stdout, run.stderr)


def test_every_command_runs_against_the_sandbox(env: dict[str, str]) -> None:
    """In the document's order (a fetch comes before the SQL that reads it)."""
    for command in COMMANDS:
        run = _run(command, env)
        assert run.returncode == 0, f"{command}\n{run.stderr}"
        assert "Traceback" not in run.stderr, command
        if "|| echo" in command:  # the exit-code example: a bad date is exit 3
            assert run.stdout.strip() == "exit 3", run.stdout
            assert run.stderr.startswith("Error: --from '2026-10-32'"), run.stderr
        else:
            assert (run.stdout + run.stderr).strip(), f"{command} printed nothing"


def test_sql_examples_answer_from_the_fetched_events(env: dict[str, str], tmp_path: Path) -> None:
    """The SQL lines read real rows: the scalar is the events since Oct 15 in the store."""
    own = dict(env, MP_DATA_DIR=str(tmp_path / "data"))  # its own store, whatever ran before
    fetch = next(c for c in COMMANDS if c.startswith("mp fetch events") and "--stdout" not in c)
    assert _run(fetch, own).returncode == 0, fetch
    scalar = next(c for c in COMMANDS if c.endswith("--scalar"))
    counted = int(_run(scalar, own).stdout)
    total = int(_run('mp query sql "SELECT count(*) FROM events" --scalar', own).stdout)
    assert 0 < counted < total


@pytest.mark.parametrize("command", INLINE)
def test_inline_commands_run(command: str, env: dict[str, str]) -> None:
    run = _run(command, env)
    assert run.returncode == 0, f"{command}\n{run.stderr}"
