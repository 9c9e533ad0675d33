"""The `mp mcp` commands: `tools` prints what the server lists; neither `import mixpanel_data`
nor `mp --help` (nor `mp mcp --help`) loads the MCP SDK."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from mcp_helpers import McpProcess

from mixpanel_data.mcp._write_tools import WRITE_TOOLS

LOADED = (
    "import json, sys, runpy\n"
    "sys.argv = ['mp', *json.loads(sys.argv[1])]\n"
    "try:\n"
    "    runpy.run_module('mixpanel_data.cli.main', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(json.dumps(sorted(m for m in sys.modules if m == 'mcp' or m.startswith('mcp.'))),"
    " file=sys.stderr)\n"
)


@pytest.mark.parametrize("argv", [None, ["--help"], ["mcp", "--help"]], ids=str)
def test_start_up_never_imports_the_sdk(argv: list[str] | None) -> None:
    if argv is None:
        code = "import sys, mixpanel_data; print([m for m in sys.modules if m.startswith('mcp')])"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.stdout.strip() == "[]", out.stderr
        return
    run = subprocess.run(
        [sys.executable, "-c", LOADED, json.dumps(argv)], capture_output=True, text=True
    )
    assert json.loads(run.stderr.strip().splitlines()[-1]) == [], run.stderr


def test_tools_lists_what_the_server_lists(server: McpProcess) -> None:
    def listed(*flags: str) -> list[dict[str, str]]:
        run = subprocess.run(
            [sys.executable, "-m", "mixpanel_data.cli.main", "mcp", "tools", "-f", "json", *flags],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(run.stdout)

    plain = listed()
    assert {t["name"] for t in plain} == server.tool_names()
    assert all(t["description"] for t in plain)
    writes = {t["name"] for t in listed("--allow-writes")} - {t["name"] for t in plain}
    assert writes == set(WRITE_TOOLS)


def test_without_the_extra_serve_names_it_in_one_line() -> None:
    """`import mcp` failing (the extra not installed) is one line and exit 1, no traceback."""
    driver = (
        "import sys, runpy; sys.modules['mcp'] = None; "
        "sys.argv = ['mp', 'mcp', 'serve']; "
        "runpy.run_module('mixpanel_data.cli.main', run_name='__main__')"
    )
    run = subprocess.run(
        [sys.executable, "-c", driver], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip() == (
        "Error: the MCP server needs its extra: pip install 'mixpanel_data[mcp]'"
    )
    assert run.stdout == ""
