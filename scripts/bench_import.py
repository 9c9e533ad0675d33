"""Benchmark: import N events from a JSONL file into the sandbox vs a bare posting loop.

    python scripts/bench_import.py [--events 200000] [--workers 2] [--rounds 3]
    python scripts/bench_import.py --events 1000000 --rss   # memory only: one import, no reference

The sandbox runs in its own process (as Mixpanel would be on another machine), a fresh one for
each measured case (its table grows with every import, which slows it). The file has
``$insert_id`` on every event (the bare loop cannot send events without one). Each measured case
runs in a fresh Python process so its peak RSS is its own; rounds alternate which case goes first:

- reference: read the file, cut it into 2000-line batches, gzip each (same level as the importer)
  and POST them to ``/import?strict=1`` with the same number of threads; no parsing, no checks;
- import: ``Workspace.import_events(path, workers=...)`` (parse and check every event, batches
  within 2000 events and 2 MiB, gzip, progress file, rejects).

Prints events/s for both, the ratio import/reference per round and the medians, and peak RSS.
``--rss`` runs the import case once and prints its peak RSS beside the file size: the importer
keeps at most ``2 * workers`` batches in memory, so RSS must not grow with the file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _bench import peak_rss_mb, run_child, sandbox_process

T0 = 1767225600  # 2026-01-01T00:00:00Z


def make_file(path: Path, n: int) -> None:
    rng = random.Random(7)
    events = ["Page View", "Sign Up", "Purchase", "Search", "Add to Cart"]
    with path.open("w") as fh:
        for i in range(n):
            props = {
                "distinct_id": f"user-{rng.randrange(5000)}",
                "time": T0 + rng.randrange(300 * 86400),
                "$insert_id": f"bench-{i:012d}",
                "$browser": rng.choice(["Chrome", "Firefox", "Safari"]),
                "$city": rng.choice(["Paris", "Lyon", "Berlin", "Austin"]),
                "mp_country_code": rng.choice(["FR", "DE", "US"]),
                "$current_url": f"https://example.com/p/{rng.randrange(1000)}",
                "plan": rng.choice(["free", "pro", "team"]),
                "amount": round(rng.random() * 100, 2),
                "items": [{"sku": f"s{rng.randrange(50)}", "qty": rng.randrange(1, 4)}],
                "tags": ["a", "b"][: rng.randrange(3)],
            }
            fh.write(json.dumps({"event": rng.choice(events), "properties": props}) + "\n")


def child_reference(env_json: str, url: str, path: str, workers: str) -> dict[str, Any]:
    import gzip
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from mixpanel_data._api.call import GZIP_LEVEL

    env = json.loads(env_json)
    auth = (env["MP_USERNAME"], env["MP_SECRET"])
    params = {"strict": "1", "project_id": env["MP_PROJECT_ID"]}
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    client = httpx.Client(base_url=url, auth=auth, timeout=600)

    def post(lines: list[bytes]) -> int:
        body = gzip.compress(b"[" + b",".join(lines) + b"]", compresslevel=GZIP_LEVEL)
        r = client.post("/import", params=params, content=body, headers=headers)
        r.raise_for_status()
        return int(r.json()["num_records_imported"])

    def batches() -> Iterator[list[bytes]]:
        batch: list[bytes] = []
        with open(path, "rb") as fh:
            for line in fh:
                batch.append(line.rstrip(b"\n"))
                if len(batch) == 2000:
                    yield batch
                    batch = []
        if batch:
            yield batch

    start = time.perf_counter()
    with ThreadPoolExecutor(int(workers)) as pool:
        sent = sum(pool.map(post, batches()))
    seconds = time.perf_counter() - start
    client.close()
    return {"seconds": seconds, "events": sent, "rss_mb": peak_rss_mb()}


def child_import(env_json: str, url: str, path: str, workers: str) -> dict[str, Any]:
    os.environ.update(json.loads(env_json))
    # As for the reference, imports happen before the timer starts.
    import httpx  # noqa: F401
    import mixpanel_openapi.api.ingestion.import_events  # noqa: F401

    import mixpanel_data._services.importer  # noqa: F401
    from mixpanel_data import Workspace
    from mixpanel_data._api.call import prepare

    with Workspace.memory() as ws:
        # One-time set-up (the reference builds its client before its timer too): credentials,
        # clients, the operation catalog. Measured and printed apart.
        warm = time.perf_counter()
        prepare(ws.api, "import_events", body=[], strict="1")
        setup = time.perf_counter() - warm
        start = time.perf_counter()
        result = ws.import_events(path, workers=int(workers), resume=False)
        seconds = time.perf_counter() - start
    if result.rejected:
        raise SystemExit(f"{result.rejected} rejected: {result.rejects[:3]}")
    return {
        "seconds": seconds,
        "events": result.imported,
        "rss_mb": peak_rss_mb(),
        "setup": setup,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rss", action="store_true", help="one import, report peak RSS only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_reference(*rest) if kind == "reference" else child_import(*rest)
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="mp-bench-import-") as tmp:
        path = Path(tmp) / "events.jsonl"
        make_file(path, args.events)
        print(f"{args.events:,} events, {path.stat().st_size / 1e6:.0f} MB, {args.workers} workers")
        refs, imps, ratios = [], [], []
        if args.rss:
            with sandbox_process(events=1000, days=2, seed=3, users=100) as info:
                imp = run_child(
                    __file__,
                    "import",
                    json.dumps(info["env"]),
                    info["url"],
                    str(path),
                    str(args.workers),
                )
            print(
                f"RSS N={args.events:,} file {path.stat().st_size / 1e6:,.0f} MB: import peak RSS "
                f"{imp['rss_mb']:.0f} MB, {imp['events'] / imp['seconds']:,.0f} ev/s "
                f"({imp['events']:,} imported)"
            )
            return 0

        def measure(kind: str) -> dict[str, Any]:
            # A fresh sandbox per case: its event table grows with each import and slows it.
            with sandbox_process(events=1000, days=2, seed=3, users=100) as info:
                env = json.dumps(info["env"])
                return run_child(__file__, kind, env, info["url"], str(path), str(args.workers))

        for round_no in range(1, args.rounds + 1):
            order = ["reference", "import"] if round_no % 2 else ["import", "reference"]
            got = {kind: measure(kind) for kind in order}
            ref, imp = got["reference"], got["import"]
            if ref["events"] != args.events or imp["events"] != args.events:
                raise SystemExit(f"events missing: {ref['events']=} {imp['events']=}")
            ratio = (imp["events"] / imp["seconds"]) / (ref["events"] / ref["seconds"])
            refs.append(ref)
            imps.append(imp)
            ratios.append(ratio)
            print(
                f"round {round_no}: reference {ref['events'] / ref['seconds']:,.0f} ev/s "
                f"({ref['rss_mb']:.0f} MB), import {imp['events'] / imp['seconds']:,.0f} ev/s "
                f"({imp['rss_mb']:.0f} MB, set-up {imp['setup']:.2f} s), ratio {ratio:.2f}"
            )

        def rate(runs: list[dict[str, Any]]) -> float:
            return statistics.median(r["events"] / r["seconds"] for r in runs)

        print(
            f"\nN={args.events:,}: reference {rate(refs):,.0f} ev/s | import {rate(imps):,.0f} "
            f"ev/s, peak RSS {statistics.median(r['rss_mb'] for r in imps):.0f} MB | "
            f"ratio median {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
