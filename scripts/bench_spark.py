"""Benchmark: read N events from the sandbox with Spark (local[1], local[2]) vs ``fetch_events``.

    python scripts/bench_spark.py [--events 1000000] [--days 30] [--rounds 1]

The sandbox runs in its own process. Each measured case runs in a fresh Python process:

- fetch (the reference): ``Workspace.fetch_events`` into a fresh DuckDB file (download three
  chunks at a time, dedup, load);
- spark local[N]: ``spark.read.format("mixpanel")`` with one-day partitions and
  ``concurrency=N``, materialised with the ``noop`` sink (every row and column is produced, none is
  kept). The SparkSession's start-up is timed apart from the read.

Peak RSS: the fetch process's own; for Spark the driver JVM's (``VmHWM``), the Python driver's, and
the largest sum of the Python workers' RSS seen while reading (sampled every 0.2 s from /proc).
Prints events/s per case, the ratio to fetch, and local[2] / local[1].
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _bench import run_child, sandbox_process


def _self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _kb(value: str | None) -> float:
    return float(value.split()[0]) / 1024 if value else 0.0


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    out.append(int(child))
                    todo.append(int(child))
    return out


class WorkerSampler(threading.Thread):
    """The largest summed RSS of the JVM's Python descendants, sampled while it runs."""

    def __init__(self, jvm: int) -> None:
        super().__init__(daemon=True)
        self.jvm, self.peak_mb, self.workers = jvm, 0.0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            pids = [p for p in _descendants(self.jvm) if "python" in _status(p).get("Name", "")]
            total = sum(_kb(_status(p).get("VmRSS")) for p in pids)
            self.peak_mb = max(self.peak_mb, total)
            self.workers = max(self.workers, len(pids))


def child_fetch(env_json: str, db: str, from_date: str, to_date: str) -> dict[str, Any]:
    os.environ.update(json.loads(env_json))
    import mixpanel_data._services.fetcher
    import mixpanel_data._storage.engine  # noqa: F401
    from mixpanel_data import Workspace

    start = time.perf_counter()
    with Workspace(path=db) as ws:
        result = ws.fetch_events(from_date=from_date, to_date=to_date, progress=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.rows, "rss_mb": _self_peak_mb()}


def child_spark(env_json: str, cores: str, from_date: str, to_date: str) -> dict[str, Any]:
    env = json.loads(env_json)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    t0 = time.perf_counter()
    from pyspark.sql import SparkSession

    from mixpanel_data.spark import register

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    register(spark)
    jvm = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
    startup = time.perf_counter() - t0
    options = {
        "username": env["MP_USERNAME"],
        "secret": env["MP_SECRET"],
        "project_id": env["MP_PROJECT_ID"],
        "base_url": env["MP_BASE_URL"],
        "from_date": from_date,
        "to_date": to_date,
        "partition_days": "1",
        "concurrency": cores,
    }
    sampler = WorkerSampler(jvm)
    sampler.start()
    start = time.perf_counter()
    df = spark.read.format("mixpanel").options(**options).load()
    df.write.format("noop").mode("overwrite").save()
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    rows = df.count()  # not timed: the same read again, counted
    jvm_peak = _kb(_status(jvm).get("VmHWM"))
    spark.stop()
    return {
        "seconds": seconds,
        "startup": startup,
        "rows": rows,
        "jvm_mb": jvm_peak,
        "driver_py_mb": _self_peak_mb(),
        "workers_mb": sampler.peak_mb,
        "workers": sampler.workers,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_fetch(*rest) if kind == "fetch" else child_spark(*rest)
        print(json.dumps(result))
        return 0

    import httpx

    with (
        tempfile.TemporaryDirectory(prefix="mp-bench-") as tmp,
        sandbox_process(events=args.events, days=args.days, seed=11) as info,
    ):
        env = info["env"]
        from_date, to_date = info["from_date"], info["to_date"]
        # One gzip request first fills the sandbox's per-day gzip cache (Mixpanel compresses on
        # its own machines), so every case measures the client.
        params = {"from_date": from_date, "to_date": to_date, "project_id": env["MP_PROJECT_ID"]}
        with httpx.stream(
            "GET",
            info["url"] + "/api/2.0/export",
            params=params,
            auth=(env["MP_USERNAME"], env["MP_SECRET"]),
            headers={"Accept-Encoding": "gzip"},
            timeout=600,
        ) as r:
            r.raise_for_status()
            for _ in r.iter_raw(1 << 20):
                pass
        print(f"N={args.events:,} events over {args.days} days; {os.cpu_count()} cores", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {"fetch": [], "local[1]": [], "local[2]": []}
        for round_no in range(1, args.rounds + 1):
            db = str(Path(tmp) / f"fetch{round_no}.duckdb")
            runs["fetch"].append(
                run_child(__file__, "fetch", json.dumps(env), db, from_date, to_date)
            )
            for cores in ("1", "2"):
                got = run_child(__file__, "spark", json.dumps(env), cores, from_date, to_date)
                runs[f"local[{cores}]"].append(got)
            line = ", ".join(
                f"{k} {v[-1]['rows'] / v[-1]['seconds']:,.0f} ev/s" for k, v in runs.items()
            )
            print(f"round {round_no}: {line}", flush=True)

        def rate(case: str) -> float:
            return statistics.median(r["rows"] / r["seconds"] for r in runs[case])

        def med(case: str, key: str) -> float:
            return statistics.median(r[key] for r in runs[case])

        ref = rate("fetch")
        print("\ncase      events/s   ratio to fetch  rows       read s  start s  peak RSS MB")
        print(
            f"fetch     {ref:>9,.0f}  1.00            {med('fetch', 'rows'):>9,.0f}  "
            f"{med('fetch', 'seconds'):>6.1f}  -        {med('fetch', 'rss_mb'):.0f} (process)"
        )
        for case in ("local[1]", "local[2]"):
            print(
                f"{case:<9} {rate(case):>9,.0f}  {rate(case) / ref:<14.2f}  "
                f"{med(case, 'rows'):>9,.0f}  {med(case, 'seconds'):>6.1f}  "
                f"{med(case, 'startup'):>6.1f}   JVM {med(case, 'jvm_mb'):.0f}, Python driver "
                f"{med(case, 'driver_py_mb'):.0f}, workers {med(case, 'workers_mb'):.0f} "
                f"({max(r['workers'] for r in runs[case])} processes)"
            )
        print(f"\nlocal[2] / local[1]: {rate('local[2]') / rate('local[1]'):.2f}x")
        print("(spark rows include the export's duplicates; fetch rows are deduplicated)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
