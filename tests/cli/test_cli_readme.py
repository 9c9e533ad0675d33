"""The README's examples run as written against `mp sandbox serve` with its defaults.

Every ```bash and ```python block of README.md is run in order, as a reader would paste them, in
one working folder with an isolated home (config file, data folder), against one sandbox started
with the README's own `mp sandbox serve ...` line (other `mp sandbox serve` lines are that server
and are skipped). A bash block runs under ``bash -euo pipefail`` with `mp` on PATH. The python
blocks run in one interpreter, statement by statement like a REPL (each expression's value is
printed), with a data folder of their own: DuckDB lets one process write a file, and a session
that holds `ws` would lock the file `mp` writes to. A block passes
when it exits 0, prints something, and nothing it shows is empty: an `mp` empty-result notice
("no events between ...", "no event named ...") on stderr, or an expression whose value has no
rows, fails it. Blocks added to the README later are picked up as they are.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_helpers import ENTRY, isolated_env

from mixpanel_data.cli.main import GROUPS

README = Path(__file__).resolve().parents[2] / "README.md"
SERVE = "mp sandbox serve"
EMPTY_NOTICES = ("no events between", "no event named", "no profiles", "no rows")

# The python blocks share one interpreter, as in one REPL session: it reads one JSON request a line
# ({"code", "out", "err"}), runs each top-level statement as a REPL line ("single" mode, so values
# go through the display hook) with stdout/stderr sent to the two files, and answers one JSON line.
# The display hook fails the block on a value with no rows.
_PY_SESSION = r"""
import ast, json, sys, traceback

class NoRows(Exception):
    pass

def show(value):
    if value is None:
        return
    rows = getattr(value, "df", value)
    try:
        empty = len(rows) == 0
    except Exception:
        empty = False
    if empty:
        raise NoRows(f"an expression has no rows: {value!r}"[:300])
    print(repr(value)[:200])

sys.displayhook = show
answer, scope = sys.stdout, {"__name__": "__main__"}
for request in sys.stdin:
    job = json.loads(request)
    ok = True
    with open(job["out"], "w") as out, open(job["err"], "w") as err:
        sys.stdout, sys.stderr = out, err
        try:
            for node in ast.parse(job["code"]).body:
                exec(compile(ast.Interactive(body=[node]), "<README block>", "single"), scope)
        except NoRows as exc:
            ok = False
            print(f"README check: {exc}", file=err)
        except BaseException:
            ok = False
            traceback.print_exc(file=err)
        finally:
            sys.stdout, sys.stderr = answer, sys.__stderr__
    answer.write(json.dumps({"ok": ok}) + "\n")
    answer.flush()
"""


class PythonSession:
    """One interpreter for every python block, so later blocks see earlier names (``ws``)."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work = work
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _PY_SESSION],
            cwd=work,
            env={**env, "MP_DATA_DIR": str(work.parent / "python-data")},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.count = 0

    def run(self, code: str) -> tuple[int, str, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.count += 1
        out = self.work.parent / f"py-{self.count}.out"
        err = self.work.parent / f"py-{self.count}.err"
        request = {"code": code, "out": str(out), "err": str(err)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        ok = bool(answer) and json.loads(answer)["ok"]
        return (0 if ok else 1), out.read_text(), err.read_text() if err.exists() else ""

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(60)


@dataclass(frozen=True)
class Block:
    """One fenced code block of the README."""

    lang: str
    code: str
    line: int  # where it starts in README.md
    section: str

    def __str__(self) -> str:
        return f"{self.lang} block at README.md:{self.line} ({self.section})"


def readme_blocks(text: str) -> list[Block]:
    """Every ```bash and ```python block, in order, with its line number and section heading."""
    blocks: list[Block] = []
    section = "top"
    lang: str | None = None
    start = 0
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if lang is None:
            if line.startswith("#"):
                section = line.lstrip("#").strip()
            fence = re.match(r"^```(\w+)\s*$", line)
            if fence:
                lang, start, body = fence.group(1), number, []
            elif line.startswith("```"):
                lang, start, body = "", number, []
        elif line.startswith("```"):
            if lang in ("bash", "python"):
                blocks.append(Block(lang, "\n".join(body) + "\n", start, section))
            lang = None
        else:
            body.append(line)
    return blocks


def _serve_line(blocks: list[Block]) -> list[str]:
    for block in blocks:
        for line in block.code.splitlines():
            if line.strip().startswith(SERVE):
                return shlex.split(line.split("#", 1)[0])[1:]
    raise AssertionError(f"the README shows no `{SERVE}` line")


def _without_serve(code: str) -> str:
    return "\n".join(
        line for line in code.splitlines() if not line.strip().startswith(SERVE)
    ).strip()


@pytest.fixture(scope="module")
def blocks() -> list[Block]:
    return readme_blocks(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, blocks: list[Block]) -> Iterator[Path]:
    """The README's `mp sandbox serve ...` running in an isolated home; yields the working dir."""
    root = tmp_path_factory.mktemp("readme")
    env = isolated_env(root)
    work = root / "work"
    work.mkdir()
    proc = subprocess.Popen(
        [*ENTRY, *_serve_line(blocks)],
        env=env,
        cwd=work,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        else:
            raise AssertionError(f"the sandbox did not start: {proc.stderr and proc.stderr.read()}")
        yield work
    finally:
        proc.terminate()
        proc.wait(30)


def _bash(block: Block, work: Path, env: dict[str, str]) -> tuple[int, str, str]:
    argv = ["bash", "-euo", "pipefail", "-c", _without_serve(block.code)]
    done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout, done.stderr


def _example_files(work: Path, env: dict[str, str]) -> None:
    """The files the README's examples name as the reader's own: ``events.jsonl`` (one day of the
    sandbox's events in Mixpanel's shape, as `mp fetch events --stdout --raw` writes them)."""
    day = ["--from", "2026-10-01", "--to", "2026-10-01"]
    with (work / "events.jsonl").open("w") as fh:
        subprocess.run(
            [*ENTRY, "fetch", "events", *day, "--stdout", "--raw"],
            cwd=work, env=env, stdout=fh, check=True, timeout=300,
        )  # fmt: skip


def test_every_code_block_runs_against_the_default_sandbox(
    blocks: list[Block], served: Path
) -> None:
    env = isolated_env(served.parent)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    _example_files(served, env)
    python = PythonSession(served, env)
    failures: list[str] = []
    ran = 0
    for block in blocks:
        if block.lang == "bash" and not _without_serve(block.code):
            continue
        if "pip install" in block.code:  # installs the project itself (## Two commands)
            continue
        ran += 1
        started = time.monotonic()
        code, stdout, stderr = (
            _bash(block, served, env) if block.lang == "bash" else python.run(block.code)
        )
        print(f"{block}: {time.monotonic() - started:.1f} s")
        notices = [
            line
            for line in stderr.splitlines()
            if any(line.lower().startswith(n) for n in EMPTY_NOTICES)
        ]
        problems = []
        if code != 0:
            problems.append(f"exit {code}")
        if not stdout.strip():
            problems.append("printed nothing")
        if notices:
            problems.append(f"empty result: {notices[0]}")
        if "Traceback" in stderr:
            problems.append("a traceback")
        if problems:
            failures.append(
                f"{block}: {', '.join(problems)}\n--- code\n{block.code}--- stdout\n"
                f"{stdout[-1500:]}\n--- stderr\n{stderr[-1500:]}"
            )
    python.close()
    assert ran >= 5, f"only {ran} README blocks ran"
    assert not failures, "\n\n".join(failures)


def test_the_readme_names_every_mp_group() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in GROUPS if not re.search(rf"\bmp {re.escape(name)}\b", text)]
    assert not missing, f"README.md never shows `mp <group>` for: {', '.join(missing)}"


def test_blocks_are_found_with_their_sections() -> None:
    text = (
        "# T\n\n## A\n\n```bash\nmp x\n```\n\n```text\nno\n```\n\n### B\n\n```python\nx = 1\n```\n"
    )
    found = readme_blocks(text)
    assert [(b.lang, b.code, b.line, b.section) for b in found] == [
        ("bash", "mp x\n", 5, "A"),
        ("python", "x = 1\n", 15, "B"),
    ]
