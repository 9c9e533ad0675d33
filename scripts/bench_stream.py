"""Benchmark: streaming events from the sandbox, against a bare httpx loop over the same range.

    python scripts/bench_stream.py [--events 400000] [--rounds 2] [--days 30] [--profile CASE]

The sandbox runs in its own process (`mp sandbox serve`). Each case runs in a fresh Python process
(imports happen before the timer starts) and reads the whole range once:

- reference: ``httpx.stream("GET", export).iter_lines()`` and ``json.loads`` per line (one
  request for the whole range, httpx's default headers);
- raw: ``Workspace.stream_events(raw=True)`` consumed;
- normalized: ``Workspace.stream_events()`` consumed;
- cli-raw: ``mp fetch events --stdout --raw > /dev/null`` (the whole process, start-up included),
  with Python's bytecode cache as an installed ``mp`` has it (``pip``/``uv tool install`` compile
  it; one untimed run writes it for the source tree);
- cli-raw-cold: the same with no bytecode cache at all (``PYTHONPYCACHEPREFIX`` an empty folder,
  ``PYTHONDONTWRITEBYTECODE=1``: every module, the standard library's too, compiled at start);
  the worst case, shown for information.

Prints events/s per case and round, then the medians and each case's ratio to the reference of the
same round (median and range). ``--profile raw`` (or normalized) runs that case once under cProfile
and prints the top functions instead. Numbers on a loaded machine are noisy; compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from _bench import sandbox_process

CASES = ("reference", "raw", "normalized", "cli-raw", "cli-raw-cold")


def child(kind: str, info: dict[str, Any]) -> dict[str, Any]:
    env = info["env"]
    os.environ.update(env)
    from_date, to_date = info["from_date"], info["to_date"]
    if kind == "reference":
        import httpx

        auth = (env["MP_USERNAME"], env["MP_SECRET"])
        params = {"from_date": from_date, "to_date": to_date, "project_id": env["MP_PROJECT_ID"]}
        start = time.perf_counter()
        n = 0
        with httpx.stream(
            "GET", info["url"] + "/api/2.0/export", params=params, auth=auth, timeout=600
        ) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if line:
                    json.loads(line)
                    n += 1
        return {"events": n, "seconds": time.perf_counter() - start}
    if kind.startswith("cli-raw"):
        cmd = [sys.executable, "-m", "mixpanel_data.cli.main", "fetch", "events", "--stdout"]
        cmd += ["--raw", "--from", from_date, "--to", to_date]
        cold = kind == "cli-raw-cold"
        run_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        if cold:
            run_env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=_empty_cache())
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            proc = subprocess.run(
                cmd, stdout=sink, stderr=subprocess.PIPE, text=True, check=False, env=run_env
            )
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"mp failed: {proc.stderr}")
        return {"events": int(proc.stderr.split()[0]), "seconds": seconds}
    import mixpanel_openapi.api.export.export_events  # noqa: F401

    import mixpanel_data._services.fetcher  # noqa: F401
    from mixpanel_data import Workspace

    with Workspace.memory() as ws:
        rows = ws.stream_events(from_date=from_date, to_date=to_date, raw=kind == "raw")
        start = time.perf_counter()
        n = sum(1 for _ in rows)
        return {"events": n, "seconds": time.perf_counter() - start}


def _empty_cache() -> str:
    """A fresh, empty folder for ``PYTHONPYCACHEPREFIX``: no bytecode cache can be found."""
    import tempfile

    return tempfile.mkdtemp(prefix="mp-bench-nocache-")


def _warm_bytecode_cache(info: dict[str, Any]) -> None:
    """Start ``mp`` once with bytecode writing on, so the timed cli-raw runs find the cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(info["env"])
    cmd = [sys.executable, "-m", "mixpanel_data.cli.main", "fetch", "events", "--stdout", "--raw"]
    cmd += ["--from", info["from_date"], "--to", info["from_date"]]
    subprocess.run(cmd, env=env, capture_output=True, check=True)


def _run_child(kind: str, info: dict[str, Any], profile: bool = False) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", kind, json.dumps(info)]
    if profile:
        args.append("--profile-child")
    out = subprocess.run(args, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child {kind} failed:\n{out.stderr}")
    if profile:
        print(out.stdout)
        return {}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--profile", choices=CASES[1:3], default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, info = args.child[0], json.loads(args.child[1])
        if args.profile_child:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(child, kind, info)
            pstats.Stats(prof).sort_stats("tottime").print_stats(18)
            return 0
        print(json.dumps(child(kind, info)))
        return 0

    with sandbox_process(events=args.events, days=args.days, seed=11) as info:
        # One untimed read fills the sandbox's caches (its gzip per day), so rounds measure clients.
        _run_child("reference", info)
        _warm_bytecode_cache(info)
        if args.profile:
            _run_child(args.profile, info, profile=True)
            return 0
        rates: dict[str, list[float]] = {c: [] for c in CASES}
        ratios: dict[str, list[float]] = {c: [] for c in CASES[1:]}
        for round_no in range(1, args.rounds + 1):
            got = {c: _run_child(c, info) for c in CASES}
            counts = {c: r["events"] for c, r in got.items()}
            if len(set(counts.values())) != 1:
                raise SystemExit(f"the cases read different numbers of events: {counts}")
            for c, r in got.items():
                rates[c].append(r["events"] / r["seconds"])
            for c in CASES[1:]:
                ratios[c].append(rates[c][-1] / rates["reference"][-1])
            print(
                f"round {round_no} ({counts['reference']:,} events): "
                + ", ".join(f"{c} {rates[c][-1]:,.0f}/s" for c in CASES)
            )
        print()
        print(f"median reference: {statistics.median(rates['reference']):,.0f} events/s")
        for c in CASES[1:]:
            print(
                f"{c:>10}: {statistics.median(rates[c]):,.0f} events/s, ratio to reference "
                f"{statistics.median(ratios[c]):.2f} [{min(ratios[c]):.2f}-{max(ratios[c]):.2f}]"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
