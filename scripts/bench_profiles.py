"""Benchmark: `fetch_profiles` of N profiles with one engage page in flight (before) and several.

    python scripts/bench_profiles.py [--profiles 100000] [--rounds 2] [--workers 1 3 5]
                                     [--latency SECONDS]

The sandbox runs in its own process (`mp sandbox serve`, one day of events). Each case runs in a
fresh Python process into an in-memory store and reports profiles/s; the first ``--workers`` value
is the reference of each round (1 = pages one after another, as before). Prints every round, the
medians, and each case's ratio to the reference of the same round. Noisy on a loaded machine.

The sandbox shares the machine and answers at once; ``--latency 0.2`` makes it wait that long
before every engage page (a ``slow`` fault), as a server across a network would.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from _bench import run_child, sandbox_process


def child(workers: int, info: dict[str, Any]) -> dict[str, Any]:
    os.environ.update(info["env"])
    import duckdb  # noqa: F401
    import mixpanel_openapi.api.query.query_profiles  # noqa: F401

    import mixpanel_data._services.engage_pages
    import mixpanel_data._services.fetcher  # noqa: F401
    from mixpanel_data import Workspace

    with Workspace.memory() as ws:
        start = time.perf_counter()
        result = ws.fetch_profiles(progress=False, max_workers=workers)
        return {"rows": result.rows, "seconds": time.perf_counter() - start}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3, 5])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), json.loads(args.child[1]))))
        return 0
    cases = args.workers
    with sandbox_process(events=args.profiles, days=1, seed=13, users=args.profiles) as info:
        if args.latency:
            import httpx

            fault = {"kind": "slow", "delay": args.latency, "times": None}
            fault["path"] = "/api/query/engage"
            httpx.post(info["url"] + "/_sandbox/faults", json=fault).raise_for_status()
            print(f"every engage page waits {args.latency} s in the sandbox")
        rates: dict[int, list[float]] = {w: [] for w in cases}
        ratios: dict[int, list[float]] = {w: [] for w in cases[1:]}
        for round_no in range(1, args.rounds + 1):
            got = {w: run_child(__file__, str(w), json.dumps(info)) for w in cases}
            rows = {w: r["rows"] for w, r in got.items()}
            if len(set(rows.values())) != 1:
                raise SystemExit(f"the cases stored different numbers of profiles: {rows}")
            for w, r in got.items():
                rates[w].append(r["rows"] / r["seconds"])
            for w in cases[1:]:
                ratios[w].append(rates[w][-1] / rates[cases[0]][-1])
            print(
                f"round {round_no} ({rows[cases[0]]:,} profiles): "
                + ", ".join(f"{w} worker(s) {rates[w][-1]:,.0f}/s" for w in cases)
            )
        print(f"\nreference ({cases[0]} worker): {statistics.median(rates[cases[0]]):,.0f} /s")
        for w in cases[1:]:
            print(
                f"{w} workers: {statistics.median(rates[w]):,.0f} profiles/s, ratio "
                f"{statistics.median(ratios[w]):.2f} [{min(ratios[w]):.2f}-{max(ratios[w]):.2f}]"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
