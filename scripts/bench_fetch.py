"""Benchmark: fetch N events from the sandbox into DuckDB vs DuckDB's own load of the same JSONL.

    python scripts/bench_fetch.py [--events 1000000] [--rounds 3] [--days 30]

The sandbox runs in its own process (as Mixpanel would be on another machine). Each measured case
runs in a fresh Python process so peak RSS is its own:

- reference: the export saved once to a local .jsonl file, loaded by DuckDB with one
  ``INSERT ... SELECT`` from ``read_ndjson`` into the events schema of a fresh on-disk database
  (perf-notes strategy (a));
- fetch: ``Workspace.fetch_events`` against the sandbox into a fresh on-disk database (download,
  dedup, load, checkpoint).

Prints medians of events/s and peak RSS, and the ratio fetch/reference computed per round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _bench import peak_rss_mb, run_child, sandbox_process

REFERENCE_SQL = """
INSERT INTO events
SELECT event, to_timestamp(x[1]::BIGINT)::TIMESTAMP, x[2], x[3],
       json_merge_patch(properties, '{"time":null,"distinct_id":null,"$insert_id":null}')
FROM (SELECT event, properties,
             json_extract_string(properties, ['time','distinct_id','$."$insert_id"']) AS x
      FROM read_ndjson(?, columns={event:'VARCHAR', properties:'JSON'}))
"""


def child_reference(jsonl: str, db: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(db)
    con.execute("SET TimeZone='UTC'")
    con.execute(
        "CREATE TABLE events (event_name VARCHAR, event_time TIMESTAMP, distinct_id VARCHAR, "
        "insert_id VARCHAR, properties JSON)"
    )
    start = time.perf_counter()
    con.execute(REFERENCE_SQL, [jsonl])
    con.close()
    seconds = time.perf_counter() - start
    con = duckdb.connect(db, read_only=True)
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]  # type: ignore[index]
    con.close()
    return {"seconds": seconds, "rows": rows, "rss_mb": peak_rss_mb()}


def child_fetch(env_json: str, db: str, from_date: str, to_date: str) -> dict[str, Any]:
    env = json.loads(env_json)
    os.environ.update(env)
    # As for the reference (perf-notes method): imports happen before the timer starts.
    import duckdb  # noqa: F401
    import mixpanel_openapi.api.export.export_events  # noqa: F401

    import mixpanel_data._services.fetcher
    import mixpanel_data._storage.engine
    import mixpanel_data.results  # noqa: F401
    from mixpanel_data import Workspace

    start = time.perf_counter()
    with Workspace(path=db) as ws:
        result = ws.fetch_events(from_date=from_date, to_date=to_date, progress=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.rows, "rss_mb": peak_rss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_reference(*rest) if kind == "reference" else child_fetch(*rest)
        print(json.dumps(result))
        return 0

    import httpx

    with (
        tempfile.TemporaryDirectory(prefix="mp-bench-") as tmp,
        sandbox_process(events=args.events, days=args.days, seed=11) as info,
    ):
        env = info["env"]
        from_date, to_date = info["from_date"], info["to_date"]
        jsonl = Path(tmp) / "export.jsonl"
        auth = (env["MP_USERNAME"], env["MP_SECRET"])
        params = {"from_date": from_date, "to_date": to_date, "project_id": env["MP_PROJECT_ID"]}
        t0 = time.perf_counter()
        with (
            httpx.stream(
                "GET", info["url"] + "/api/2.0/export", params=params, auth=auth, timeout=600
            ) as r,
            open(jsonl, "wb") as fh,
        ):
            r.raise_for_status()
            for block in r.iter_bytes(1 << 20):
                fh.write(block)
        size = jsonl.stat().st_size
        # Mixpanel compresses on its own machines; the sandbox shares ours. One gzip request first
        # fills the sandbox's per-day gzip cache, so the rounds measure the client, not zlib in
        # the server process.
        with httpx.stream(
            "GET",
            info["url"] + "/api/2.0/export",
            params=params,
            auth=auth,
            headers={"Accept-Encoding": "gzip"},
            timeout=600,
        ) as r:
            r.raise_for_status()
            for _ in r.iter_raw(1 << 20):
                pass
        print(
            f"sandbox export (plain, saved to disk): {size / 1e6:.0f} MB "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        ref_runs, fetch_runs, ratios = [], [], []
        for round_no in range(1, args.rounds + 1):
            ref = run_child(
                __file__, "reference", str(jsonl), str(Path(tmp) / f"ref{round_no}.duckdb")
            )
            got = run_child(
                __file__,
                "fetch",
                json.dumps(env),
                str(Path(tmp) / f"fetch{round_no}.duckdb"),
                from_date,
                to_date,
            )
            ratio = (got["rows"] / got["seconds"]) / (ref["rows"] / ref["seconds"])
            ref_runs.append(ref)
            fetch_runs.append(got)
            ratios.append(ratio)
            print(
                f"round {round_no}: reference {ref['rows'] / ref['seconds']:,.0f} rows/s "
                f"({ref['rss_mb']:.0f} MB), fetch {got['rows'] / got['seconds']:,.0f} rows/s "
                f"({got['rss_mb']:.0f} MB, {got['rows']:,} rows), ratio {ratio:.2f}"
            )

        def med(runs: list[dict[str, Any]], key: str) -> float:
            if key == "rate":
                return statistics.median(r["rows"] / r["seconds"] for r in runs)
            return statistics.median(r[key] for r in runs)

        print(
            f"\nN={args.events:,}: reference {med(ref_runs, 'rate'):,.0f} rows/s, "
            f"peak RSS {med(ref_runs, 'rss_mb'):.0f} MB | fetch {med(fetch_runs, 'rate'):,.0f} "
            f"rows/s, peak RSS {med(fetch_runs, 'rss_mb'):.0f} MB | "
            f"ratio median {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
