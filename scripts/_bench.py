"""What the benchmarks share: a sandbox in its own process, child runs, peak memory.

Each ``scripts/bench_NAME.py`` (run by ``just bench NAME``) times one side against a reference in
the same run; the sides run as child processes of the script so their peak RSS is their own.
"""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import sys
from collections.abc import Iterator
from typing import Any


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def sandbox_process(
    *, events: int, days: int, seed: int, users: int | None = None
) -> Iterator[dict[str, Any]]:
    """Run ``mp sandbox serve --json`` in its own process; yield its JSON line (url, dates, env).

    Example:
        >>> with sandbox_process(events=10_000, days=3, seed=1) as info:   # doctest: +SKIP
        ...     print(info["url"])
    """
    users = max(100, events // (days * 3)) if users is None else users
    cmd = [sys.executable, "-m", "mixpanel_data.cli.main", "sandbox", "serve", "--json"]
    cmd += ["--events", str(events), "--days", str(days), "--seed", str(seed)]
    cmd += ["--users", str(users)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the sandbox did not start")
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_child(script: str, *args: str) -> dict[str, Any]:
    """Run ``script --child ARGS`` in a fresh interpreter; return the JSON of its last line."""
    out = subprocess.run(
        [sys.executable, script, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args[0] if args else ''} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
