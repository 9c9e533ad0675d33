"""CI check: the wheel works with its base dependencies alone (`just check-wheel`).

    python scripts/check_wheel.py [--keep]

1. build the wheel (``uv build --wheel``) into a temporary folder;
2. install it into a fresh venv with its base dependencies only (no extras, no dev group; uv's
   installer, so a warm cache makes this take seconds) and check the sandbox's extra is absent;
3. start a sandbox from the dev venv (``mp sandbox serve --json``, the one JSON line gives its
   URL and credentials);
4. from the fresh venv: ``mp fetch events`` into a DuckDB file, ``mp query sql`` on it, a live
   ``mp inspect events``, and ``mp sandbox serve`` / ``mp mcp serve`` (which must ask for their
   extras, exit 1);
5. stop the sandbox.

Exits non-zero with the failing step's output on any mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def step(title: str) -> None:
    print(f"check-wheel: {title}", flush=True)


def run(argv: list[str], *, env: dict[str, str] | None = None, ok: int = 0) -> str:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, cwd="/")
    if proc.returncode != ok:
        raise SystemExit(
            f"check-wheel: `{' '.join(argv)}` exited {proc.returncode} (wanted {ok})\n"
            f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


def build_and_install(tmp: Path) -> Path:
    """The fresh venv's bin folder, with the wheel and its base dependencies installed."""
    step("building the wheel")
    dist = tmp / "dist"
    run(["uv", "build", "--wheel", "--out-dir", str(dist), "--quiet", str(ROOT)])
    (wheel,) = dist.glob("mixpanel_data-*.whl")
    step(f"installing {wheel.name} with base dependencies only into a fresh venv")
    venv = tmp / "venv"
    run(["uv", "venv", "--quiet", "--python", "python3", str(venv)])
    python = venv / "bin" / "python"
    run(["uv", "pip", "install", "--quiet", "--python", str(python), str(wheel)])
    absent = "import importlib.util as u, sys; sys.exit(u.find_spec('py_mini_racer') is not None)"
    run([str(python), "-c", absent])
    return venv / "bin"


def start_sandbox() -> tuple[subprocess.Popen[str], dict[str, Any]]:
    step("starting a sandbox from the dev venv")
    argv = [sys.executable, "-m", "mixpanel_data.cli.main", "sandbox", "serve", "--json"]
    proc = subprocess.Popen(
        [*argv, "--users", "50", "--days", "7"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=30)
        raise SystemExit(f"check-wheel: the sandbox exited {proc.returncode} before listening")
    return proc, json.loads(line)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def check_against(bin_dir: Path, info: dict[str, Any], tmp: Path) -> None:
    mp = str(bin_dir / "mp")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MP_", "PYTHON", "VIRTUAL"))}
    env.update(info["env"], HOME=str(tmp / "home"), MP_CONFIG_PATH=str(tmp / "home" / "c.toml"))
    db = str(tmp / "check.duckdb")

    step("mp fetch events (fresh venv)")
    args = ["--from", info["from_date"], "--to", info["to_date"], "--db", db, "-f", "json"]
    summary = json.loads(run([mp, "fetch", "events", *args], env=env))
    if not summary.get("rows", 0) > 0:
        raise SystemExit(f"check-wheel: the fetch stored no events: {summary}")

    step("mp query sql (fresh venv)")
    count = run([mp, "query", "sql", "SELECT count(*) FROM events", "--db", db, "-s"], env=env)
    if int(count) != summary["rows"]:
        raise SystemExit(f"check-wheel: query sql counted {count.strip()}, fetch said {summary}")
    sql = "SELECT event_name FROM events LIMIT 2"
    rows = json.loads(run([mp, "query", "sql", sql, "--db", db, "-f", "json"], env=env))
    if len(rows) != 2 or not all(r.get("event_name") for r in rows):
        raise SystemExit(f"check-wheel: unexpected rows {rows}")

    step("mp inspect events (fresh venv, live)")
    names = json.loads(run([mp, "inspect", "events", "-f", "json"], env=env))
    if not names:
        raise SystemExit("check-wheel: mp inspect events listed no event")

    step("mp sandbox serve asks for the extra (fresh venv)")
    run([mp, "sandbox", "serve"], env=env, ok=1)

    step("mp mcp serve asks for the [mcp] extra (fresh venv)")
    run([mp, "mcp", "serve"], env=env, ok=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if shutil.which("uv") is None:
        raise SystemExit("check-wheel: needs uv on PATH")
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="mp-check-wheel-"))
    try:
        bin_dir = build_and_install(tmp)
        sandbox, info = start_sandbox()
        try:
            check_against(bin_dir, info, tmp)
        finally:
            stop(sandbox)
    finally:
        if args.keep:
            print(f"check-wheel: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    step(f"ok in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
