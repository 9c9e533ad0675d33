#!/usr/bin/env python
"""Benchmark what the MCP layer adds: a tool call over stdio against the same library call.

Starts a sandbox and `mp mcp serve` (driven by the MCP SDK's stdio client), fetches the events
once through the server, then for R rounds times, in the same run:

* ``segmentation``: the ``segmentation`` tool vs ``Workspace.segmentation`` (the reference), the
  same query, both over real HTTP to the sandbox;
* ``sql``: the ``sql`` tool vs ``Workspace.sql_rows`` on the same DuckDB file (the reference),
  a GROUP BY over the fetched events.

It prints the median milliseconds of each and the ratio (tool / reference). The tool's time holds
JSON-RPC over pipes, argument validation, the answer's shaping and (for sql) opening the DuckDB
file, which the reference keeps open (the server opens it per call so that `mp` in a terminal can
use the same file between calls; opening a DuckDB file costs tens of milliseconds).

Usage:
    .venv/bin/python scripts/bench_mcp.py [--rounds 20] [--users 200] [--days 31]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "mcp"))

from mcp_helpers import McpProcess  # the tests' stdio driver

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

SQL = "SELECT event_name, count(*) AS n FROM events GROUP BY 1 ORDER BY 2 DESC"


def _median_ms(call: object, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--days", type=int, default=31)
    args = parser.parse_args()
    span = {"from_date": "2026-10-01", "to_date": "2026-10-31"}
    with (
        Sandbox(seed=1, users=args.users, days=args.days, end_date="2026-10-31") as sb,
        tempfile.TemporaryDirectory() as home,
    ):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
        env.update(sb.credentials.env(sb.url), HOME=home, MP_DATA_DIR=str(Path(home) / "data"))
        with (
            McpProcess(env=env, log=Path(home) / "server.log") as server,
            Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as ws,
        ):
            fetched = server.data("fetch_events", **span)["fetched"]["rows"]
            db = Path(server.data("store_info")["store"])
            seg = {"event": "Page View", "on": "plan", **span}
            tool = _median_ms(lambda: server.data("segmentation", **seg), args.rounds)
            ref = _median_ms(lambda: ws.segmentation("Page View", on="plan", **span), args.rounds)
            print(f"events fetched: {fetched:,}; rounds: {args.rounds}")
            print(
                f"segmentation  tool {tool:8.1f} ms  library {ref:8.1f} ms  ratio {tool / ref:5.2f}"
            )
            tool = _median_ms(lambda: server.data("sql", query=SQL), args.rounds)
            with Workspace.open(db, read_only=True) as local:
                ref = _median_ms(lambda: local.sql_rows(SQL), args.rounds)
            print(
                f"sql           tool {tool:8.1f} ms  library {ref:8.1f} ms  ratio {tool / ref:5.2f}"
            )


if __name__ == "__main__":
    main()
