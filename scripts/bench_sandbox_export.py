"""Measure how fast the sandbox serves ``/api/2.0/export`` to an httpx client.

Generates a sandbox project (default 1M events), then downloads the whole window with httpx
``iter_raw`` (no decoding, no parsing: the client does the least possible) and reports MB/s on the
wire and events/s, plain and gzip. Gzip is measured cold (per-day compressed runs rebuilt) and warm
(served from the cache). Each case runs ``--runs`` times; the median is reported.

Usage:
    uv run python scripts/bench_sandbox_export.py [--events 1000000] [--users 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from collections.abc import Callable

import httpx

from mixpanel_data.sandbox import Sandbox


def _download(client: httpx.Client, params: dict[str, str], accept: str) -> tuple[int, int]:
    """Bytes received and newlines seen (newlines only for identity)."""
    size = lines = 0
    with client.stream(
        "GET", "/api/2.0/export", params=params, headers={"Accept-Encoding": accept}
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            size += len(chunk)
            if accept == "identity":
                lines += chunk.count(b"\n")
    return size, lines


def _median_time(runs: int, before: Callable[[], None], action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    sb = Sandbox(
        seed=1, users=args.users, days=args.days, end_date="2026-01-31", events=args.events
    ).start()
    generated = time.perf_counter() - start
    try:
        with sb.data.cursor() as cur:
            row = cur.execute("SELECT count(*) FROM events").fetchone()
        n_events = int(row[0]) if row else 0
        print(
            f"generated {n_events:,} events ({args.users:,} users, {args.days} days) "
            f"in {generated:.2f} s"
        )
        creds = sb.credentials
        params = {
            "from_date": sb.start_date.isoformat(),
            "to_date": sb.end_date.isoformat(),
            "project_id": str(creds.project_id),
        }
        with httpx.Client(
            base_url=sb.url, auth=(creds.username, creds.secret), timeout=600
        ) as client:
            plain_size, plain_lines = _download(client, params, "identity")
            assert plain_lines == n_events, (plain_lines, n_events)
            gz_size, _ = _download(client, params, "gzip")
            with client.stream(
                "GET", "/api/2.0/export", params=params, headers={"Accept-Encoding": "gzip"}
            ) as response:
                body = b"".join(response.iter_raw())
            assert len(gzip.decompress(body)) == plain_size

            def nothing() -> None:
                pass

            cases = [
                ("plain (identity)", plain_size, nothing, "identity"),
                ("gzip, cold cache", gz_size, sb.data.export_cache.invalidate, "gzip"),
                ("gzip, warm cache", gz_size, nothing, "gzip"),
            ]
            print(
                f"body: {plain_size / 1e6:.1f} MB plain, {gz_size / 1e6:.1f} MB gzip "
                f"({plain_size / max(gz_size, 1):.1f}x); median of {args.runs} runs"
            )
            print(f"{'case':<20} {'seconds':>8} {'wire MB/s':>10} {'events/s':>12}")
            for label, size, before, accept in cases:
                seconds = _median_time(
                    args.runs, before, lambda a=accept: _download(client, params, a)
                )
                print(
                    f"{label:<20} {seconds:8.2f} {size / seconds / 1e6:10.1f} "
                    f"{n_events / seconds:12,.0f}"
                )
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
