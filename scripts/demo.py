"""The main job, end to end, against the offline sandbox (`just demo`).

1. start the sandbox (a local HTTP server that behaves like Mixpanel, with a synthetic project);
2. fetch a month of events and every profile into a local DuckDB file;
3. answer a few questions with SQL;
4. ask Mixpanel (the sandbox) the same question live and compare.

    python scripts/demo.py [--users 2000] [--days 31] [--db PATH] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import mixpanel_data as mp
from mixpanel_data.sandbox import Sandbox

console = Console()


def show(title: str, frame: object) -> None:
    """Print a DataFrame as a small table."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    table = Table(title=title, title_justify="left", show_edge=False)
    for column in frame.columns:
        table.add_column(
            str(column), justify="right" if frame[column].dtype.kind in "iuf" else "left"
        )
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)
    console.print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--end-date", default="2026-10-31")
    parser.add_argument("--db", type=Path, help="DuckDB file (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary DuckDB file")
    args = parser.parse_args()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mp-demo-") as tmp:
        db = args.db or Path(tmp) / "demo.duckdb"
        with Sandbox(seed=42, users=args.users, days=args.days, end_date=args.end_date) as sb:
            console.print(f"[bold]1. Sandbox[/bold] serving a synthetic project at {sb.url}")
            os.environ.update(sb.credentials.env(sb.url))
            first, last = sb.start_date.isoformat(), sb.end_date.isoformat()

            with mp.Workspace(path=db) as ws:
                console.print(f"[bold]2. Fetch[/bold] {first} .. {last} into {db}")
                events = ws.fetch_events("events", from_date=first, to_date=last, progress=False)
                profiles = ws.fetch_profiles("profiles", progress=False)
                console.print(
                    f"   {events.rows:,} events in {events.duration_seconds:.1f} s "
                    f"({events.duplicates_dropped} export duplicates dropped), "
                    f"{profiles.rows:,} profiles in {profiles.duration_seconds:.1f} s\n"
                )

                console.print("[bold]3. SQL[/bold] on the local copy")
                show(
                    "Events by name",
                    ws.sql(
                        "SELECT event_name, count(*) AS events, "
                        "count(DISTINCT distinct_id) AS users "
                        "FROM events GROUP BY 1 ORDER BY 2 DESC"
                    ),
                )
                show(
                    "Revenue by plan (events joined to profiles)",
                    ws.sql(
                        "SELECT p.properties->>'$.plan' AS plan, count(*) AS purchases, "
                        "round(sum((e.properties->>'$.amount')::DOUBLE), 2) AS revenue "
                        "FROM events e JOIN profiles p USING (distinct_id) "
                        "WHERE e.event_name = 'Purchase' GROUP BY 1 ORDER BY revenue DESC"
                    ),
                )
                show(
                    "Daily active users, last 7 days",
                    ws.sql(
                        "SELECT event_time::DATE AS day, count(DISTINCT distinct_id) AS dau "
                        "FROM events GROUP BY 1 ORDER BY 1 DESC LIMIT 7"
                    ),
                )

                console.print("[bold]4. Live[/bold] query vs the local answer")
                live = ws.segmentation("Purchase", from_date=first, to_date=last, unit="day")
                local = ws.sql_scalar("SELECT count(*) FROM events WHERE event_name = 'Purchase'")
                same = int(live.total) == int(local)
                mark = "[green]match[/green]" if same else "[red]DIFFER[/red]"
                console.print(
                    f"   Purchases {first}..{last}: live segmentation {int(live.total):,}, "
                    f"local SQL {int(local):,} -> {mark}"
                )
        if args.keep and args.db is None:
            kept = Path.cwd() / "demo.duckdb"
            db.replace(kept)
            console.print(f"   kept the database at {kept}")
    console.print(f"\nDone in {time.perf_counter() - started:.1f} s.")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
