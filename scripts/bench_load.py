#!/usr/bin/env python
"""Benchmark ``StorageEngine.load_events`` against DuckDB's own load of the same export file.

One run generates N synthetic export lines (deterministic; shaped like the data set of
shared/reference/perf-notes.md: 17 weighted event names, 21-28 properties, non-ASCII strings,
lists, a nested object; about 700 bytes a line), then for R rounds runs, each in a fresh process:

* ``reference``: perf-notes' query (a), one ``INSERT … SELECT … FROM read_ndjson`` into a fresh
  on-disk file, no dedup;
* ``engine``: ``StorageEngine(fresh file).load_events("events", [file])`` (with its dedup);
* ``engine-reappend`` (``--reappend``): ``load_events(..., append=True)`` of the same file into a
  file that already holds it, so every row is a duplicate (the dedup's worst case).

The timed region is the perf-notes one: from the load's first read until ``close()`` returned
(checkpoint included); imports, connect and CREATE TABLE (engine: opening the store) come before.
After each run the parent fingerprints the table (count, names, Σ epoch, id hashes, Σ keys of
properties) and checks that both loads stored the same data. It prints medians of rows/s and of
the per-round speed ratio (reference time / case time), for wall time and for CPU time (user+sys
of all threads: steadier than wall time when other work shares the machine).

Usage:
    .venv/bin/python scripts/bench_load.py --rows 1000000 --rounds 3 [--gzip] [--reappend]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REFERENCE_QUERY = """
INSERT INTO events
SELECT event, to_timestamp(x[1]::BIGINT)::TIMESTAMP, x[2], x[3],
       json_merge_patch(properties, '{{"time":null,"distinct_id":null,"$insert_id":null}}')
FROM (SELECT event, properties,
             json_extract_string(properties, ['time','distinct_id','$."$insert_id"']) AS x
      FROM read_ndjson('{src}', columns={{event:'VARCHAR', properties:'JSON'}}))
"""

REFERENCE_DDL = (
    "CREATE TABLE events(event_name VARCHAR, event_time TIMESTAMP, distinct_id VARCHAR,"
    " insert_id VARCHAR, properties JSON)"
)

FINGERPRINT = """
SELECT count(*), count(DISTINCT event_name), sum(epoch(event_time))::BIGINT,
       sum(hash(distinct_id) % 1000003)::BIGINT, sum(hash(insert_id) % 1000003)::BIGINT,
       sum(json_array_length(json_keys(properties)))::BIGINT,
       sum((properties->>'$.mp_processing_time_ms')::BIGINT)::BIGINT
FROM events
"""

EVENT_WEIGHTS = [
    ("$mp_web_page_view", 30), ("Page View", 12), ("Button Click", 10), ("Sign Up", 3),
    ("Login", 6), ("Logout", 2), ("Search", 6), ("Add To Cart", 5), ("Checkout", 3),
    ("Purchase", 3), ("$identify", 4), ("Video Play", 4), ("Share", 2), ("Item Viewed", 5),
    ("Notification Opened", 2), ("Settings Changed", 1), ("Error", 2),
]  # fmt: skip


def generator_sql(rows: int, out: Path) -> str:
    """DuckDB SQL writing ``rows`` export lines to ``out``, ordered by time (January 2024)."""
    names = [name for name, weight in EVENT_WEIGHTS for _ in range(weight)]
    assert len(names) == 100
    name_list = "[" + ",".join("'" + n.replace("'", "''") + "'" for n in names) + "]"
    return f"""
COPY (
WITH base AS (
  SELECT i,
    (hash(i, 'e') % 100)::BIGINT AS he, (hash(i, 'u') % 2147483647)::BIGINT AS hu,
    (hash(i, 'g') % 5)::BIGINT AS hg, (hash(i, 'b') % 2147483647)::BIGINT AS hb,
    (hash(i, 'x') % 100)::BIGINT AS hx,
    1704067200 + (i * 2678400) // {rows} AS t
  FROM range({rows}) r(i)
), ev AS (
  SELECT *, {name_list}[1 + he] AS event,
    substr(md5(hu::VARCHAR), 1, 8) || '-' || substr(md5(hu::VARCHAR), 9, 4) || '-4'
      || substr(md5(hu::VARCHAR), 14, 3) || '-a' || substr(md5(hu::VARCHAR), 18, 3) || '-'
      || substr(md5(hu::VARCHAR), 21, 12) AS uuid_str
  FROM base
)
SELECT event, json_merge_patch(
  json_object(
    'time', t,
    'distinct_id', CASE WHEN hu % 10 < 7 THEN 'u' || (hu % 20000) ELSE '$device:' || uuid_str END,
    '$insert_id', md5(i::VARCHAR),
    'mp_processing_time_ms', t * 1000 + hb % 5000,
    '$browser', ['Chrome','Safari','Firefox','Edge','Opera'][1 + hb % 5],
    '$browser_version', (100 + hb % 30) + (hb % 10) / 10.0,
    '$os', ['Windows','Mac OS X','iOS','Android','Linux'][1 + (hb // 7) % 5],
    '$city', ['São Paulo','Zürich','東京','Kraków','New York'][1 + hg],
    '$region', ['São Paulo','Zürich','東京都','Małopolskie','New York'][1 + hg],
    'mp_country_code', ['BR','CH','JP','PL','US'][1 + hg],
    '$current_url', 'https://www.example.com/' || ['pricing','docs/getting-started',
        'blog/2024/why-we-built-it','app/dashboard','signup'][1 + (hb // 11) % 5]
        || '?session=' || (hb % 100000),
    '$referrer', CASE WHEN hx < 35 THEN NULL ELSE 'https://' || ['www.google.com/',
        'news.ycombinator.com/item?id=1','t.co/abc','duckduckgo.com/'][1 + hx % 4] END,
    '$referring_domain', CASE WHEN hx < 35 THEN '$direct' ELSE ['www.google.com',
        'news.ycombinator.com','t.co','duckduckgo.com'][1 + hx % 4] END,
    '$screen_height', [768, 900, 1080, 1440, 2532][1 + (hb // 13) % 5],
    '$screen_width', [1366, 1440, 1920, 2560, 1170][1 + (hb // 13) % 5],
    '$device_id', uuid_str,
    '$lib_version', '2.' || (40 + hb % 15) || '.0',
    'mp_lib', 'web',
    '$initial_referrer', '$direct',
    'is_logged_in', hu % 10 < 7,
    'session_length_s', hb % 3600
  ),
  CASE WHEN hx % 3 = 0 THEN json_object('utm_source', ['google','newsletter','twitter'][1 + hx % 3],
      'utm_medium', 'cpc', 'utm_campaign', 'spring_sale_ñ_2024') ELSE '{{}}' END,
  CASE WHEN hx % 5 = 1 THEN json_object('experiments', json_object('checkout_v2',
      ['control','variant_a','variant_b'][1 + hb % 3],
      'exposure', json_object('at', t - 60, 'sticky', true))) ELSE '{{}}' END,
  CASE WHEN event IN ('Purchase', 'Checkout') THEN json_object('items', [
      json_object('sku', 'SKU-' || (hb % 900), 'qty', 1 + hb % 3, 'price', 9.99),
      json_object('sku', 'SKU-' || (hb % 700), 'qty', 1, 'price', 24.5)],
      'amount', 34.49 + hb % 100, 'currency', ['USD','EUR','BRL'][1 + hg % 3]) ELSE '{{}}' END,
  CASE WHEN event IN ('Search', 'Item Viewed') THEN json_object('filters',
      ['price<50','color:blue'], 'tags', ['sale','new','日本']) ELSE '{{}}' END
)::JSON AS properties
FROM ev
ORDER BY i
) TO '{out}' (FORMAT json)
"""


def generate(rows: int, out: Path, compress: bool) -> Path:
    """Write the synthetic export file (and gzip it with ``gzip -6`` when asked)."""
    import duckdb

    con = duckdb.connect()
    con.execute(generator_sql(rows, out))
    con.close()
    if compress:
        subprocess.run(["gzip", "-6", "-f", str(out)], check=True)
        return out.with_name(out.name + ".gz")
    return out


# -- children (each case in a fresh process) ---------------------------------------------------


def _fresh(db: Path) -> None:
    for f in (db, db.with_name(db.name + ".wal")):
        f.unlink(missing_ok=True)


def child_reference(src: Path, db: Path) -> tuple[float, float]:
    import duckdb

    _fresh(db)
    con = duckdb.connect(str(db))
    con.execute("SET TimeZone='UTC'")
    con.execute(REFERENCE_DDL)
    query = REFERENCE_QUERY.format(src=str(src).replace("'", "''"))
    start, cpu = time.perf_counter(), time.process_time()
    con.execute(query)
    con.close()
    return time.perf_counter() - start, time.process_time() - cpu


def child_engine(src: Path, db: Path) -> tuple[float, float]:
    from mixpanel_data._storage import StorageEngine

    _fresh(db)
    store = StorageEngine(db)
    start, cpu = time.perf_counter(), time.process_time()
    store.load_events("events", [src], append=False)
    store.close()
    return time.perf_counter() - start, time.process_time() - cpu


def child_engine_reappend(src: Path, db: Path) -> tuple[float, float]:
    from mixpanel_data._storage import StorageEngine

    _fresh(db)
    with StorageEngine(db) as setup:
        setup.load_events("events", [src])
    store = StorageEngine(db)
    start, cpu = time.perf_counter(), time.process_time()
    result = store.load_events("events", [src], append=True)
    store.close()
    elapsed = time.perf_counter() - start, time.process_time() - cpu
    if result.rows_loaded != 0:
        raise SystemExit(f"re-append stored {result.rows_loaded} duplicate rows")
    return elapsed


CHILDREN = {
    "reference": child_reference,
    "engine": child_engine,
    "engine-reappend": child_engine_reappend,
}


# -- parent ------------------------------------------------------------------------------------


def fingerprint(db: Path) -> list[int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(FINGERPRINT).fetchone()
    finally:
        con.close()
    assert row is not None
    return [int(v) for v in row]


def count_lines(src: Path) -> int:
    opener = gzip.open if src.name.endswith(".gz") else open
    with opener(src, "rb") as f:
        return sum(1 for line in f if line.strip())


def run_case(case: str, src: Path, db: Path) -> tuple[float, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", case, "--src", str(src), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"case {case} failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(out["seconds"]), float(out["cpu_seconds"])


def _spread(values: list[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}-{max(values):{fmt}}]"


def summarize(
    rows: int, results: dict[str, list[tuple[float, float]]], reference: str = "reference"
) -> None:
    """Medians over runs; ratios are speed ratios (reference time / case time) of the same round."""
    print(
        f"\n{'case':16s} {'runs':>4s}  {'wall s':>7s}  {'rows/s median [min-max]':>31s}"
        f"  {'wall ratio [min-max]':>22s}  {'CPU s':>6s}  {'CPU ratio [min-max]':>22s}"
    )
    for case, runs in results.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        rates = [rows / w for w in walls]
        ref = results[reference]
        wall_ratio = [r[0] / w for r, w in zip(ref, walls, strict=True)]
        cpu_ratio = [r[1] / c for r, c in zip(ref, cpus, strict=True)]
        rate_text = _spread(rates, ",.0f")
        print(
            f"{case:16s} {len(runs):4d}  {statistics.median(walls):7.2f}  {rate_text:>31s}"
            f"  {_spread(wall_ratio, '.3f'):>22s}  {statistics.median(cpus):6.2f}"
            f"  {_spread(cpu_ratio, '.3f'):>22s}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="export lines to generate")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every case")
    parser.add_argument("--gzip", action="store_true", help="load a .gz file instead")
    parser.add_argument("--reappend", action="store_true", help="also time a full-overlap append")
    parser.add_argument("--src", type=Path, help="use this export file instead of generating one")
    parser.add_argument("--workdir", type=Path, help="folder for the files (default: a temp dir)")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        seconds, cpu = CHILDREN[args.child](args.src, args.db)
        print(json.dumps({"case": args.child, "seconds": seconds, "cpu_seconds": cpu}))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.src:
            src = args.src.resolve()
        else:
            start = time.perf_counter()
            src = generate(args.rows, workdir / "events.jsonl", args.gzip)
            print(f"generated {args.rows:,} lines in {time.perf_counter() - start:.1f} s")
        print(f"source {src} ({os.path.getsize(src):,} bytes)  python {sys.version.split()[0]}")
        rows = count_lines(src)

        cases = ["reference", "engine"] + (["engine-reappend"] if args.reappend else [])
        results: dict[str, list[tuple[float, float]]] = {c: [] for c in cases}
        prints: dict[str, list[int]] = {}
        for r in range(args.rounds):
            order = cases[:]
            random.Random(r).shuffle(order)
            for case in order:
                db = workdir / f"{case}.duckdb"
                wall, cpu = run_case(case, src, db)
                results[case].append((wall, cpu))
                prints[case] = fingerprint(db)
                print(
                    f"round {r + 1} {case:16s} {wall:7.2f} s  {rows / wall:10,.0f} rows/s"
                    f"  CPU {cpu:6.2f} s"
                )
        if any(fp != prints["reference"] for fp in prints.values()):
            raise SystemExit(f"fingerprints differ: {prints}")
        print(f"fingerprints equal: {prints['reference']}")
        summarize(rows, results)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
