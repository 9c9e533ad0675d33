"""One engine, two users: the library never imports the sandbox. Read from the source (every
``import`` statement of every module), so a lazy import inside a function counts too; only
``mp sandbox`` (cli/commands/sandbox.py) and the sandbox itself may name it."""

from __future__ import annotations

import ast
from pathlib import Path

import mixpanel_data

PACKAGE = Path(mixpanel_data.__file__).parent
ALLOWED = {PACKAGE / "cli" / "commands" / "sandbox.py"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_library_never_imports_the_sandbox() -> None:
    offenders = {}
    checked = 0
    for path in PACKAGE.rglob("*.py"):
        if PACKAGE / "sandbox" in path.parents or path in ALLOWED:
            continue
        checked += 1
        bad = {m for m in _imports(path) if m.startswith("mixpanel_data.sandbox")}
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert checked > 50
    assert offenders == {}


def test_the_sandbox_serves_the_library_engine() -> None:
    routes = _imports(PACKAGE / "sandbox" / "_analytics_routes.py")
    assert "mixpanel_data.analytics._registry" in routes
    assert not (PACKAGE / "sandbox" / "_analytics").exists()
    engine = set().union(*(_imports(p) for p in (PACKAGE / "analytics").glob("*.py")))
    assert not {m for m in engine if m.startswith("mixpanel_data.sandbox")}
