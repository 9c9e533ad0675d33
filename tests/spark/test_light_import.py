"""The ``[spark]`` extra stays optional: importing the package or the CLI never loads pyspark or
pyarrow (each case in a fresh interpreter, whose ``sys.modules`` is then inspected)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

OPTIONAL = ("pyspark", "pyarrow", "py4j")


@pytest.mark.parametrize(
    "code",
    [
        "import mixpanel_data",
        "import mixpanel_data as mp; mp.Workspace",
        "from mixpanel_data.cli.main import app",
    ],
)
def test_package_import_loads_no_spark(code: str) -> None:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    modules = json.loads(proc.stdout.splitlines()[-1])
    loaded = [m for m in modules if m.split(".")[0] in OPTIONAL]
    assert not loaded, f"{code!r} loads {loaded[:5]}"
