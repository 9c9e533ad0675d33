"""The docs site's pages: every ```bash and ```python block runs against a sandbox, JSON examples
parse, and the CLI reference holds every command.

Like the README's test: a sandbox holding October 2026 is running and its ``MP_*`` variables are
set, as Getting started tells a reader to do. Each page runs in a fresh folder and home, its python
blocks in order in one interpreter (later blocks see earlier names), its bash blocks with ``mp`` on
the PATH. ```console, ```text and ```toml blocks are illustrations and are not run.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixpanel_data.sandbox import Sandbox

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)

RUNNER = """
import sys, json
blocks = json.load(open(sys.argv[1]))
namespace = {"__name__": "__main__"}
for i, source in enumerate(blocks):
    try:
        exec(compile(source, f"<python block {i + 1}>", "exec"), namespace)
    except BaseException:
        print(f"python block {i + 1} failed", file=sys.stderr)
        raise
"""


def blocks(page: str, *languages: str) -> list[tuple[str, str]]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return [(m[1], m[2]) for m in FENCE.finditer(text) if m[1] in languages]


@pytest.fixture(scope="module")
def sandbox_env() -> Iterator[dict[str, str]]:
    with Sandbox(seed=3, users=40, days=31, end_date="2026-10-31") as sb:
        yield sb.credentials.env(sb.url)


@pytest.fixture
def page_env(sandbox_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
    env.update(sandbox_env)
    env.update(
        HOME=str(tmp_path / "home"),
        MP_CONFIG_PATH=str(tmp_path / "home" / ".mp" / "config.toml"),
        MP_DATA_DIR=str(tmp_path / "data"),
        MPLBACKEND="Agg",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    (tmp_path / "work").mkdir()
    return env


def test_pages_have_runnable_blocks() -> None:
    """The pages this test runs exist and most carry code that runs."""
    assert "getting-started.md" in PAGES and "reference/cli.md" in PAGES
    runnable = [p for p in PAGES if blocks(p, "bash", "python")]
    assert len(runnable) >= 8


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "bash", "python")])
def test_code_blocks_run_against_the_sandbox(
    page: str, page_env: dict[str, str], tmp_path: Path
) -> None:
    work = tmp_path / "work"
    python = [textwrap.dedent(src) for lang, src in blocks(page, "python")]
    if python:
        (tmp_path / "blocks.json").write_text(json.dumps(python))
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, str(tmp_path / "blocks.json")],
            cwd=work, env=page_env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, f"{page}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    for i, (_, src) in enumerate(blocks(page, "bash")):
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", src],
            cwd=work, env=page_env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, f"{page} bash block {i + 1}\n{src}\n{done.stderr[-4000:]}"
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "json")])
def test_json_examples_parse(page: str) -> None:
    for _, src in blocks(page, "json"):
        json.loads(src)


def test_cli_reference_has_every_command() -> None:
    """The hook writes a section per command, each with that command's own --help."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import docs_hooks
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    import typer.main

    from mixpanel_data.cli.main import app

    text = docs_hooks.on_page_markdown((DOCS / "reference" / "cli.md").read_text())
    assert docs_hooks.MARKER not in text
    root = typer.main.get_command(app)
    for name, group in root.commands.items():  # type: ignore[attr-defined]
        assert f"\n## mp {name}\n" in text
        for sub in getattr(group, "commands", {}):
            section = text.split(f"\n## mp {name} {sub}\n", 1)
            assert len(section) == 2, f"mp {name} {sub}"
            assert section[1].lstrip().startswith(f"```text\nUsage: mp {name} {sub} ")
    assert doctest.testmod(docs_hooks).failed == 0
