"""Benchmark: Mixpanel's reports over the local store (``ws.local``) vs the same answer written as
plain, hand-optimised DuckDB SQL, over the same stored events.

    python scripts/bench_local.py [--events 5000000] [--users 100000] [--rounds 3]

A store is generated once (October 2026, six events, a few properties, fixed seed; written as a
Mixpanel export file and loaded by the store exactly as ``fetch_events`` loads one), then three
reports run:

- funnel: an ad-hoc 4-step funnel (Sign Up → Page View → Add to Cart → Purchase, 7-day window,
  daily entry buckets) — reference: one min-time join per step;
- retention: birth retention Sign Up → Login, daily cohorts, 10 intervals — reference: first
  Sign Up per user joined to later Logins;
- segmentation: Page View per day split by ``properties["page"]`` — reference: one GROUP BY.

Each case and each side runs in its own Python process (so peak RSS is its own): one untimed
warm-up run, then ``--rounds`` timed rounds; the answers are checked equal. Prints the median
seconds of each, the ratio local/reference per case, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FROM, TO = "2026-10-01", "2026-10-31"
START, END = 1790812800, 1790812800 + 31 * 86400  # 2026-10-01 .. 2026-11-01 (UTC)
DAY = 86400
WINDOW = 7 * DAY
STEPS = ("Sign Up", "Page View", "Add to Cart", "Purchase")

GENERATE = """
CREATE TABLE events AS
SELECT CASE WHEN r < 0.04 THEN 'Sign Up' WHEN r < 0.54 THEN 'Page View'
            WHEN r < 0.68 THEN 'Add to Cart' WHEN r < 0.73 THEN 'Purchase'
            WHEN r < 0.93 THEN 'Login' ELSE 'Search' END AS event_name,
       (TIMESTAMP '2026-10-01' + to_seconds((hash(i, 1) % (31 * 86400))::BIGINT)) AS event_time,
       'u' || (hash(i, 2) % $users)::VARCHAR AS distinct_id,
       'i' || i::VARCHAR AS insert_id,
       json_object('page',
                   ['/', '/pricing', '/docs', '/blog', '/signup'][1 + (hash(i, 3) % 5)::INT],
                   'amount', (hash(i, 4) % 10000) / 100.0,
                   'browser', ['Chrome', 'Safari', 'Firefox'][1 + (hash(i, 5) % 3)::INT])::JSON
           AS properties
FROM (SELECT i, (hash(i, 0) % 1000000) / 1000000.0 AS r FROM range($events) t(i))
"""

# Every reference reads the stored layout directly (no dedup: the generated insert ids are unique).
EV = (
    "SELECT distinct_id AS u, event_name AS n, epoch_ms(event_time) // 1000 AS t FROM events"
    " WHERE event_time >= TIMESTAMP '2026-10-01' AND event_time < TIMESTAMP '2026-11-01'"
    " + INTERVAL 7 DAY AND event_name IN ('Sign Up', 'Page View', 'Add to Cart', 'Purchase')"
)
FUNNEL_SQL = f"""
WITH ev AS ({EV}),
s1 AS (SELECT u, min(t) AS t1 FROM ev WHERE n = 'Sign Up' AND t < {END} GROUP BY u, t // {DAY}),
s2 AS (SELECT s.u, s.t1, min(e.t) AS t2 FROM s1 s JOIN ev e ON e.u = s.u AND e.n = 'Page View'
       AND e.t >= s.t1 AND e.t <= s.t1 + {WINDOW} GROUP BY ALL),
s3 AS (SELECT s.u, s.t1, min(e.t) AS t3 FROM s2 s JOIN ev e ON e.u = s.u AND e.n = 'Add to Cart'
       AND e.t >= s.t2 AND e.t <= s.t1 + {WINDOW} GROUP BY ALL),
s4 AS (SELECT s.u, s.t1, min(e.t) AS t4 FROM s3 s JOIN ev e ON e.u = s.u AND e.n = 'Purchase'
       AND e.t >= s.t3 AND e.t <= s.t1 + {WINDOW} GROUP BY ALL)
SELECT (SELECT count(*) FROM s1), (SELECT count(*) FROM s2), (SELECT count(*) FROM s3),
       (SELECT count(*) FROM s4)
"""
RETENTION_SQL = f"""
WITH su AS (SELECT distinct_id AS u, min(epoch_ms(event_time) // 1000) AS t0 FROM events
            WHERE event_name = 'Sign Up' AND event_time < TIMESTAMP '2026-11-01' GROUP BY 1
            HAVING min(event_time) >= TIMESTAMP '2026-10-01'),
lo AS (SELECT distinct_id AS u, epoch_ms(event_time) // 1000 AS t FROM events
       WHERE event_name = 'Login'),
h AS (SELECT DISTINCT su.u, su.t0 // {DAY} AS c, (lo.t - su.t0) // {DAY} AS i
      FROM su JOIN lo ON lo.u = su.u AND lo.t > su.t0 AND lo.t < su.t0 + 11 * {DAY})
SELECT (SELECT count(*) FROM su), (SELECT count(*) FROM h)
"""
SEGMENTATION_SQL = """
SELECT properties->>'page' AS page, date_trunc('day', event_time) AS day, count(*) FROM events
WHERE event_name = 'Page View' AND event_time >= TIMESTAMP '2026-10-01'
  AND event_time < TIMESTAMP '2026-11-01'
GROUP BY ALL
"""


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference(con: Any, case: str) -> Any:
    """The hand-written SQL's answer, reduced to what is compared."""
    if case == "funnel":
        return list(con.execute(FUNNEL_SQL).fetchone())
    if case == "retention":
        size, hits = con.execute(RETENTION_SQL).fetchone()
        return [size, hits]
    per_page: dict[str, int] = {}
    for page, _day, n in con.execute(SEGMENTATION_SQL).fetchall():
        per_page[page] = per_page.get(page, 0) + n
    return dict(sorted(per_page.items()))


def local(ws: Any, case: str) -> Any:
    """``ws.local``'s answer, reduced the same way."""
    if case == "funnel":
        result = ws.local.funnel(steps=list(STEPS), from_date=FROM, to_date=TO, length=7)
        return [s.count for s in result.steps]
    if case == "retention":
        result = ws.local.retention("Sign Up", "Login", from_date=FROM, to_date=TO)
        cohorts = result.to_dict()["cohorts"]
        return [sum(c["size"] for c in cohorts), sum(sum(c["counts"]) for c in cohorts)]
    result = ws.local.segmentation("Page View", from_date=FROM, to_date=TO, on="page")
    totals = result.df.groupby("segment")["count"].sum()
    return {str(k): int(v) for k, v in sorted(totals.items())}


def child(db: str, case: str, side: str, rounds: int) -> None:
    import duckdb

    from mixpanel_data._workspace import Workspace

    times, answer = [], None
    # One untimed run first on each side: imports (pandas, the results) and DuckDB's first touch
    # of the file are not the report's cost.
    if side == "reference":
        con = duckdb.connect(db, read_only=True)
        reference(con, case)
        for _ in range(rounds):
            start = time.perf_counter()
            answer = reference(con, case)
            times.append(time.perf_counter() - start)
        con.close()
    else:
        with Workspace.open(db, read_only=True) as ws:
            local(ws, case)
            for _ in range(rounds):
                start = time.perf_counter()
                answer = local(ws, case)
                times.append(time.perf_counter() - start)
    print(json.dumps({"times": times, "answer": answer, "rss_mb": _peak_rss_mb()}))


def run_child(db: Path, case: str, side: str, rounds: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", case, side, "--db", str(db), "--rounds", str(rounds)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def generate(db: Path, events: int, users: int) -> float:
    """Write the events as a Mixpanel export file, then store them the way ``fetch_events``
    does (``StorageEngine.load_events``: the store's layout, dedup and ``_metadata`` row)."""
    import duckdb

    from mixpanel_data._storage.engine import StorageEngine
    from mixpanel_data._storage.types import LoadMetadata

    start = time.perf_counter()
    export = db.with_suffix(".jsonl")
    con = duckdb.connect()
    con.execute(GENERATE.replace("$users", str(users)).replace("$events", str(events)))
    con.execute(
        "COPY (SELECT event_name AS event, json_merge_patch(properties, json_object("
        "'time', epoch_ms(event_time) // 1000, 'distinct_id', distinct_id,"
        f" '$insert_id', insert_id)) AS properties FROM events) TO '{export}' (FORMAT JSON)"
    )
    con.close()
    with StorageEngine(db) as store:
        store.load_events("events", [export], metadata=LoadMetadata(from_date=FROM, to_date=TO))
    export.unlink()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default=None)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "SIDE"))
    args = parser.parse_args()
    if args.child:
        child(args.db, args.child[0], args.child[1], args.rounds)
        return 0
    with tempfile.TemporaryDirectory(prefix="mp-bench-local-") as tmp:
        db = Path(tmp) / "store.duckdb"
        seconds = generate(db, args.events, args.users)
        print(f"store: {args.events:,} events, {args.users:,} users, generated in {seconds:.1f} s")
        print(
            f"{'case':<14}{'local s':>10}{'SQL s':>10}{'ratio':>8}{'local RSS':>12}{'SQL RSS':>10}"
        )
        worst = 0.0
        for case in ("funnel", "retention", "segmentation"):
            ref = run_child(db, case, "reference", args.rounds)
            mine = run_child(db, case, "local", args.rounds)
            if ref["answer"] != mine["answer"]:
                print(f"{case}: answers differ: local {mine['answer']} vs SQL {ref['answer']}")
                return 1
            ratios = [a / b for a, b in zip(mine["times"], ref["times"], strict=True)]
            ratio = statistics.median(ratios)
            worst = max(worst, ratio)
            print(
                f"{case:<14}{statistics.median(mine['times']):>10.2f}"
                f"{statistics.median(ref['times']):>10.2f}{ratio:>7.2f}x"
                f"{mine['rss_mb']:>9.0f} MB{ref['rss_mb']:>7.0f} MB"
            )
        print(f"medians of {args.rounds} rounds; ratio = median of local/SQL per round")
        print(f"worst ratio {worst:.2f}x (target <= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
