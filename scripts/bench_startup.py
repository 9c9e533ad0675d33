"""Benchmark: how long `import mixpanel_data` and a few `mp` commands take to start.

    python scripts/bench_startup.py [--runs 15] [--cold] [--json]

Each case runs ``--runs`` times, each time in a fresh process, interleaved with the others so
that machine load hits them alike. Prints the median wall time of each case and its ratio to
``python -c pass`` measured in the same run (so numbers from a busy and an idle machine compare).
``mp`` is the console script next to the running interpreter (``.venv/bin/mp``).

Bytecode goes to a ``PYTHONPYCACHEPREFIX`` in a temporary folder (never into the source tree,
whatever ``PYTHONDONTWRITEBYTECODE`` says): by default one folder that a warm-up run fills, so
every measured run starts with bytecode cached; with ``--cold`` a fresh folder per run, so nothing
is cached (what the first run after an install without compiled bytecode costs).

The SQL case runs ``mp query sql 'select 1'`` on a DuckDB file made for the run (created by a
child process so this script itself stays free of duckdb).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _mp() -> list[str]:
    script = Path(sys.executable).parent / "mp"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "mixpanel_data.cli.main"]


def _cases(db: Path) -> dict[str, list[str]]:
    mp = _mp()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import mixpanel_data": [sys.executable, "-c", "import mixpanel_data"],
        "mp --help": [*mp, "--help"],
        "mp query --help": [*mp, "query", "--help"],
        "mp query sql 'select 1'": [*mp, "query", "sql", "select 1", "--db", str(db)],
    }


def _time_once(argv: list[str], env: dict[str, str], cold_root: Path | None) -> float:
    if cold_root is not None:
        env = {**env, "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(dir=cold_root)}
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv} exited {proc.returncode}:\n{proc.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per case")
    parser.add_argument("--cold", action="store_true", help="no bytecode cache")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mp-bench-startup-") as tmp:
        root = Path(tmp)
        db = root / "bench.duckdb"
        subprocess.run(
            [sys.executable, "-c", f"import duckdb; duckdb.connect({str(db)!r}).close()"],
            check=True,
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            HOME=str(root / "home"),
            MP_CONFIG_PATH=str(root / "home" / "config.toml"),
            PYTHONPYCACHEPREFIX=str(root / "pycache"),
        )
        cold_root = root / "cold" if args.cold else None
        if cold_root is not None:
            cold_root.mkdir()
        cases = _cases(db)
        for argv in cases.values():  # warm the OS file cache and the shared bytecode folder
            _time_once(argv, env, None)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                times[name].append(_time_once(argv, env, cold_root))

    medians = {name: statistics.median(ts) for name, ts in times.items()}
    base = medians["python -c pass"]
    if args.json:
        print(json.dumps({"runs": args.runs, "cold": args.cold, "median_s": medians}))
        return
    mode = "cold (no bytecode cache)" if args.cold else "bytecode cached"
    version = sys.version.split()[0]
    print(f"start-up, median of {args.runs} fresh processes, {mode}, python {version}")
    print(f"{'case':<28}{'median s':>10}{'x pass':>9}")
    for name, median in medians.items():
        print(f"{name:<28}{median:>10.3f}{median / base:>9.1f}")


if __name__ == "__main__":
    main()
