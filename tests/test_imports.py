"""Start-up stays light: `import mixpanel_data`, `mp --help` and every group's `--help` load none
of the heavy libraries, and `mp query sql` prints without pandas.

Each case runs in a fresh interpreter (``sys.modules`` of this test process is full of everything)
and reports the modules loaded once the command has finished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mixpanel_data.cli.main import GROUPS, app

HEAVY = ("httpx", "pydantic", "rich", "duckdb", "pandas", "mixpanel_openapi")

# Runs `mp ARGV...` in-process (as the console script does) and prints what it loaded.
DRIVER = """
import contextlib, io, json, sys
sys.argv = ["mp", *json.loads(sys.argv[1])]
out = io.StringIO()
code = None
with contextlib.redirect_stdout(out):
    from mixpanel_data.cli.main import main
    try:
        main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "stdout": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted({m for m in modules if any(m == n or m.startswith(n + ".") for n in names)})


def _run_mp(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(proc.stdout)


def test_import_mixpanel_data_is_light() -> None:
    code = "import json, sys, mixpanel_data; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    heavy = _loaded(json.loads(proc.stdout), (*HEAVY, "typer"))
    assert not heavy, f"`import mixpanel_data` loads {heavy[:10]}"


def test_public_names_still_load_on_use() -> None:
    code = (
        "import mixpanel_data as mp; "
        "print(mp.Workspace.__name__, mp.auth.__name__, mp.FunnelResult.__name__)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.split() == ["Workspace", "mixpanel_data.auth", "FunnelResult"]


@pytest.mark.parametrize("group", [None, *GROUPS], ids=lambda g: f"mp {g or ''} --help")
def test_help_is_light(group: str | None) -> None:
    report = _run_mp(*((group,) if group else ()), "--help")
    assert report["code"] == 0 and "Usage:" in report["stdout"]
    heavy = _loaded(report["modules"], HEAVY)
    assert not heavy, f"`mp {group or ''} --help` loads {heavy[:10]}"


def test_root_help_imports_no_command_module() -> None:
    report = _run_mp("--help")
    commands = _loaded(report["modules"], ("mixpanel_data.cli.commands",))
    assert commands in ([], ["mixpanel_data.cli.commands"]), commands
    for name, entry in GROUPS.items():
        assert name in report["stdout"]
        assert entry.help.split()[0] in report["stdout"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "plain", "table"])
def test_query_sql_prints_without_pandas(fmt: str, tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    duckdb.connect(str(db)).close()
    sql = "SELECT 1 AS n, 'a' AS s, 'nan'::DOUBLE AS x UNION ALL SELECT 2, NULL, 0.5 ORDER BY n"
    report = _run_mp("query", "sql", sql, "--db", str(db), "-f", fmt)
    assert report["code"] == 0, report["stdout"]
    allowed_heavy = ("duckdb", "rich") if fmt == "table" else ("duckdb",)
    heavy = _loaded(report["modules"], tuple(h for h in HEAVY if h not in allowed_heavy))
    assert not heavy, f"`mp query sql -f {fmt}` loads {heavy[:10]}"
    out = report["stdout"]
    if fmt == "json":
        assert json.loads(out) == [{"n": 1, "s": "a", "x": None}, {"n": 2, "s": None, "x": 0.5}]
    elif fmt == "jsonl":
        assert [json.loads(line) for line in out.splitlines()][1] == {"n": 2, "s": None, "x": 0.5}
    elif fmt == "csv":
        assert out.splitlines() == ["n,s,x", "1,a,", "2,,0.5"]
    elif fmt == "plain":
        assert out.splitlines() == ["1\ta\t", "2\t\t0.5"]
    else:
        assert "n" in out.splitlines()[0] and "0.5" in out


def test_lazy_group_help_matches_the_group() -> None:
    """The one-line helps `mp --help` shows without importing a group are the groups' own."""
    import typer.main

    root = typer.main.get_command(app)
    for name, entry in GROUPS.items():
        group = root.commands[name]  # type: ignore[attr-defined]
        assert group.help == entry.help, name
