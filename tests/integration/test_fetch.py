"""Fetching into DuckDB against the sandbox: correctness, faults, atomicity, resume, Ctrl-C.

Expected numbers come from the sandbox's own event table (deduplicated by Mixpanel's key with SQL in
the test), never from the fetch's own report.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mixpanel_data import Workspace
from mixpanel_data._api.clients import ApiClients
from mixpanel_data._services.fetcher import FetchProgress
from mixpanel_data._transport import RetryPolicy
from mixpanel_data.exceptions import (
    DataError,
    FetchError,
    RateLimitError,
    ServerError,
    TableExistsError,
    TruncatedBodyError,
)
from mixpanel_data.sandbox import Fault, Sandbox

FROM, TO = "2026-01-20", "2026-01-31"
EXPORT = "/api/2.0/export"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=21, users=120, days=12, end_date=TO) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _clean(sb: Sandbox) -> Iterator[None]:
    sb.wait_idle()
    sb.faults.clear()
    sb.clear_requests()
    yield
    sb.faults.clear()


def _ws(sb: Sandbox, path: Path) -> Workspace:
    return Workspace(path=path, credentials=sb.credentials.client_credentials(sb.url))


def _expected_counts(sb: Sandbox, first: str, last: str) -> dict[tuple[str, str], int]:
    """(event, day) -> count from the sandbox's table, deduplicated on Mixpanel's key."""
    with sb.data.cursor() as con:
        rows = con.execute(
            """
            SELECT event, strftime(to_timestamp(time) AT TIME ZONE 'UTC', '%Y-%m-%d') AS day,
                   count(*)
            FROM (SELECT DISTINCT event, distinct_id, time, insert_id FROM events)
            WHERE to_timestamp(time) AT TIME ZONE 'UTC' >= ?::TIMESTAMP
              AND to_timestamp(time) AT TIME ZONE 'UTC' < ?::TIMESTAMP + INTERVAL 1 DAY
            GROUP BY 1, 2
            """,
            [first, last],
        ).fetchall()
    return {(e, d): n for e, d, n in rows}


def _stored_counts(ws: Workspace, table: str = "events") -> dict[tuple[str, str], int]:
    rows = ws.sql_rows(
        f"SELECT event_name, strftime(event_time, '%Y-%m-%d'), count(*) FROM {table} GROUP BY 1, 2"
    )
    return {(e, d): n for e, d, n in rows}


def _export_requests(sb: Sandbox) -> list[tuple[str, str]]:
    return [
        (r.query.get("from_date", ""), r.query.get("to_date", ""))
        for r in sb.requests
        if r.path == EXPORT
    ]


def test_counts_per_event_and_day_equal_the_sandbox(sb: Sandbox, tmp_path: Path) -> None:
    with _ws(sb, tmp_path / "a.duckdb") as ws:
        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=4)
        stored = _stored_counts(ws)
        dupes = ws.sql_scalar(
            "SELECT count(*) - count(DISTINCT (event_name, distinct_id, event_time, insert_id)) "
            "FROM events"
        )
    expected = _expected_counts(sb, FROM, TO)
    assert stored == expected
    assert result.rows == sum(expected.values())
    assert dupes == 0
    assert result.chunks == 3


def test_export_duplicates_are_dropped_and_counted(sb: Sandbox, tmp_path: Path) -> None:
    with sb.data.cursor() as con:
        raw, distinct = con.execute(
            "SELECT count(*), count(DISTINCT (event, distinct_id, time, insert_id)) FROM events "
            "WHERE to_timestamp(time) >= ?::TIMESTAMP",
            [FROM],
        ).fetchone()  # type: ignore[misc]
    assert raw > distinct, "the sandbox is expected to serve some genuine duplicates"
    with _ws(sb, tmp_path / "d.duckdb") as ws:
        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=False)
    assert result.duplicates_dropped == raw - distinct
    assert result.rows == distinct


def test_append_over_an_overlapping_range_adds_only_new_events(sb: Sandbox, tmp_path: Path) -> None:
    with _ws(sb, tmp_path / "b.duckdb") as ws:
        ws.fetch_events(from_date="2026-01-20", to_date="2026-01-26", progress=False)
        second = ws.fetch_events(
            from_date="2026-01-24", to_date=TO, append=True, progress=False, chunk_days=3
        )
        stored = _stored_counts(ws)
        meta = ws.storage.get_metadata("events")
    expected = _expected_counts(sb, FROM, TO)
    assert stored == expected
    overlap = sum(n for (_, day), n in expected.items() if "2026-01-24" <= day <= "2026-01-26")
    assert second.duplicates_dropped >= overlap
    assert meta is not None and str(meta.from_date) == FROM and str(meta.to_date) == TO


def test_existing_table_is_refused_before_any_download(sb: Sandbox, tmp_path: Path) -> None:
    with _ws(sb, tmp_path / "c.duckdb") as ws:
        ws.fetch_events(from_date=TO, to_date=TO, progress=False)
        sb.clear_requests()
        with pytest.raises(TableExistsError, match="append"):
            ws.fetch_events(from_date=FROM, to_date=TO, progress=False)
    assert _export_requests(sb) == []


def test_connection_cut_mid_export_is_retried_exactly(sb: Sandbox, tmp_path: Path) -> None:
    sb.faults.add(Fault(kind="cut", after_bytes=20_000, times=2, path=EXPORT))
    with _ws(sb, tmp_path / "cut.duckdb") as ws:
        ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=6)
        stored = _stored_counts(ws)
    assert stored == _expected_counts(sb, FROM, TO)
    assert len(_export_requests(sb)) == 2 + 2  # two chunks, two of the requests cut


def test_truncated_gzip_is_downloaded_again(sb: Sandbox, tmp_path: Path) -> None:
    sb.faults.add(Fault(kind="truncate_gzip", times=1, path=EXPORT))
    with _ws(sb, tmp_path / "gz.duckdb") as ws:
        ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=12)
        stored = _stored_counts(ws)
    assert stored == _expected_counts(sb, FROM, TO)
    assert len(_export_requests(sb)) == 2


def test_a_gzip_stream_cut_every_time_ends_in_a_clear_error(sb: Sandbox, tmp_path: Path) -> None:
    sb.faults.add(Fault(kind="truncate_gzip", times=None, path=EXPORT))
    with _ws(sb, tmp_path / "gz.duckdb") as ws:
        ws._fetch_service.chunk_attempts = 3
        ws._fetch_service.retry_wait = 0.01
        with pytest.raises(FetchError, match="gzip body ends early") as info:
            ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=12)
        assert ws.tables() == []
    assert isinstance(info.value.__cause__, TruncatedBodyError)
    assert len(_export_requests(sb)) == 3  # one chunk, downloaded once per attempt


@pytest.mark.parametrize("after_bytes", [0, 5, 12])
def test_a_gzip_body_cut_inside_its_first_bytes_is_downloaded_again(
    sb: Sandbox, tmp_path: Path, after_bytes: int
) -> None:
    sb.faults.add(Fault(kind="truncate_gzip", after_bytes=after_bytes, times=1, path=EXPORT))
    with _ws(sb, tmp_path / "first.duckdb") as ws:
        ws._fetch_service.retry_wait = 0.01
        ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=6)
        stored = _stored_counts(ws)
    assert stored == _expected_counts(sb, FROM, TO)
    assert len(_export_requests(sb)) == 2 + 1


def test_a_chunk_that_always_fails_costs_only_the_transports_attempts(
    sb: Sandbox, tmp_path: Path
) -> None:
    sb.faults.add(Fault(kind="status", status=503, times=None, path=EXPORT))
    with _ws(sb, tmp_path / "503.duckdb") as ws:
        ws._api = ApiClients(ws.credentials, retry=RetryPolicy(backoff_base=0.01))
        ws._fetch_service.api = ws._api
        with pytest.raises(FetchError, match="HTTP 503") as info:
            ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=12)
        assert ws.tables() == []
    assert isinstance(info.value.__cause__, ServerError)
    assert len(_export_requests(sb)) == RetryPolicy().attempts


def test_a_long_retry_after_costs_one_request(sb: Sandbox, tmp_path: Path) -> None:
    sb.faults.add(Fault(kind="status", status=429, retry_after=120, times=None, path=EXPORT))
    with (
        _ws(sb, tmp_path / "429.duckdb") as ws,
        pytest.raises(FetchError, match="retry after 120 s") as info,
    ):
        ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=12)
    assert isinstance(info.value.__cause__, RateLimitError)
    assert info.value.details["retry_after"] == 120.0
    assert info.value.exit_code == RateLimitError.exit_code
    assert len(_export_requests(sb)) == 1


def test_chunks_are_staged_as_received_and_progress_counts_stored_rows(
    sb: Sandbox, tmp_path: Path
) -> None:
    seen: list[tuple[str, int, int]] = []
    staged: set[str] = set()

    def progress(p: FetchProgress) -> None:
        seen.append((p.phase, p.chunks_done, p.events))
        staged.update(f.name for f in (tmp_path / ".mp-staging").rglob("chunk-*"))

    with _ws(sb, tmp_path / "p.duckdb") as ws:
        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=progress, chunk_days=6)
    assert staged and all(name.endswith((".jsonl.gz", ".jsonl.gz.part")) for name in staged)
    assert seen[-1] == ("done", 2, result.rows)
    loaded = [events for phase, _, events in seen if phase != "done"]
    assert loaded == sorted(loaded) and loaded[-1] == result.rows + result.duplicates_dropped
    assert not (tmp_path / ".mp-staging").exists() or not any((tmp_path / ".mp-staging").rglob("*"))


def test_a_slow_download_overlaps_with_loading_the_chunks_already_there(
    sb: Sandbox, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    slowed: list[bool] = []

    def progress(p: FetchProgress) -> None:
        # Chunk 1 waits 0.5 s in the sandbox; while it does, chunk 2 is made slow.
        if len(_export_requests(sb)) == 1 and not slowed:
            slowed.append(True)
            sb.faults.add(Fault(kind="slow", delay=1.5, times=1, path=EXPORT))
        seen.append((p.chunks_done, p.stored))

    sb.faults.add(Fault(kind="slow", delay=0.5, times=1, path=EXPORT))

    with _ws(sb, tmp_path / "o.duckdb") as ws:
        ws._fetch_service.batch_bytes, ws._fetch_service.first_batch = 1, 0.0
        result = ws.fetch_events(
            from_date=FROM, to_date=TO, progress=progress, chunk_days=6, max_workers=1
        )
        stored = _stored_counts(ws)
    assert stored == _expected_counts(sb, FROM, TO)
    # chunk 1's rows were in the store while chunk 2 was still on its way
    assert any(done == 1 and 0 < events < result.rows for done, events in seen)


def test_fast_downloads_load_in_one_statement(sb: Sandbox, tmp_path: Path) -> None:
    batches: list[int] = []
    with _ws(sb, tmp_path / "one.duckdb") as ws:
        ws._fetch_service.first_batch = 60.0
        store = ws.storage
        load = store.load_events

        def counting_load(*args: Any, **kwargs: Any) -> Any:
            on_batch = kwargs["on_batch"]
            kwargs["on_batch"] = lambda rows: (batches.append(rows), on_batch(rows))
            return load(*args, **kwargs)

        store.load_events = counting_load  # type: ignore[method-assign]
        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=3)
    assert result.chunks == 4
    assert batches == [result.rows + result.duplicates_dropped]


def test_retries_exhausted_leave_nothing_and_resume_finishes(sb: Sandbox, tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with _ws(sb, db) as ws:
        ws._api = ApiClients(ws.credentials, retry=RetryPolicy(attempts=2, backoff_base=0.01))
        ws._fetch_service.retry_wait = 0.01
        ws.fetch_events("keep", from_date=TO, to_date=TO, progress=False)
        before = ws.sql_scalar("SELECT count(*) FROM keep")

        def fail_after_first_chunk(p: FetchProgress) -> None:
            # Once the first chunk was asked for (it waits 0.5 s in the sandbox), the server
            # fails every export from then on.
            if len(_export_requests(sb)) == 1 and not sb.faults.armed():
                sb.faults.add(Fault(kind="status", status=503, times=None, path=EXPORT))

        sb.clear_requests()
        sb.faults.add(Fault(kind="slow", delay=0.5, times=1, path=EXPORT))

        with pytest.raises(FetchError, match="run the same fetch again") as info:
            ws.fetch_events(
                from_date=FROM,
                to_date=TO,
                progress=fail_after_first_chunk,
                chunk_days=6,
                max_workers=1,
            )
        assert {t.name for t in ws.tables()} == {"keep"}
        assert ws.sql_scalar("SELECT count(*) FROM keep") == before
        assert info.value.details["chunks_saved"] == 1
        sb.faults.clear()
        sb.clear_requests()
        result = ws.fetch_events(
            from_date=FROM, to_date=TO, progress=False, chunk_days=6, max_workers=1
        )
        stored = _stored_counts(ws)
    assert stored == _expected_counts(sb, FROM, TO)
    assert result.resumed_chunks == 1
    assert _export_requests(sb) == [("2026-01-26", "2026-01-31")]


def test_a_malformed_line_costs_one_more_download_of_its_chunk_only(
    sb: Sandbox, tmp_path: Path
) -> None:
    sb.faults.add(Fault(kind="malformed", line=5, times=1, path=EXPORT))
    with _ws(sb, tmp_path / "m1.duckdb") as ws:
        result = ws.fetch_events(
            from_date=FROM, to_date=TO, progress=False, chunk_days=6, max_workers=1
        )
        stored = _stored_counts(ws)
    assert stored == _expected_counts(sb, FROM, TO)
    assert result.resumed_chunks == 1  # the good chunk, kept from the first pass
    first, second = ("2026-01-20", "2026-01-25"), ("2026-01-26", "2026-01-31")
    assert sorted(_export_requests(sb)) == sorted([first, second, first])


def test_a_chunk_malformed_twice_stops_naming_line_and_chunk_and_keeps_the_others(
    sb: Sandbox, tmp_path: Path
) -> None:
    # Only the first chunk's range is malformed, every time it is asked for.
    with _ws(sb, tmp_path / "m2.duckdb") as ws:
        sb.faults.add(Fault(kind="malformed", line=5, times=2, path=EXPORT))
        with pytest.raises(DataError, match=r"line 5") as info:
            ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=12)
        assert "2026-01-20..2026-01-31" in str(info.value) and ws.tables() == []
        assert len(_export_requests(sb)) == 2
        sb.clear_requests()
        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=12)
    assert result.rows == sum(_expected_counts(sb, FROM, TO).values())


def test_a_malformed_chunk_leaves_the_finished_chunks_for_a_resume(
    sb: Sandbox, tmp_path: Path
) -> None:
    # Both chunks arrive malformed once; the re-download of the first bad one is good, the
    # other one is still bad: the fetch stops and keeps the good chunk.
    with _ws(sb, tmp_path / "m3.duckdb") as ws:
        sb.faults.add(Fault(kind="malformed", line=3, times=2, path=EXPORT))
        with pytest.raises(DataError, match="line 3"):
            ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=6)
        assert ws.tables() == [] and len(_export_requests(sb)) == 3
        assert len(list((tmp_path / ".mp-staging").rglob("chunk-*"))) == 1
        sb.clear_requests()
        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=6)
        stored = _stored_counts(ws)
    assert stored == _expected_counts(sb, FROM, TO)
    assert result.resumed_chunks == 1 and len(_export_requests(sb)) == 1


def test_profiles_equal_engage_total(sb: Sandbox, tmp_path: Path) -> None:
    with sb.data.cursor() as con:
        total = con.execute("SELECT count(*) FROM profiles").fetchone()[0]  # type: ignore[index]
        pro = con.execute(
            "SELECT count(*) FROM profiles WHERE properties->>'$.plan' = 'pro'"
        ).fetchone()[0]  # type: ignore[index]
    with _ws(sb, tmp_path / "p.duckdb") as ws:
        everyone = ws.fetch_profiles(progress=False)
        only_pro = ws.fetch_profiles("pro", where='user["plan"] == "pro"', progress=False)
        ids = ws.sql_scalar("SELECT count(DISTINCT distinct_id) FROM profiles")
    assert everyone.rows == total == ids
    assert only_pro.rows == pro


def _served(sb: Sandbox, first: str) -> int:
    with sb.data.cursor() as con:
        row = con.execute(
            "SELECT count(*) FROM events WHERE to_timestamp(time) >= ?::TIMESTAMP", [first]
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="cut", after_bytes=0, times=1, path=EXPORT),
        Fault(kind="truncate_gzip", after_bytes=5, times=1, path=EXPORT),
        Fault(kind="drop", times=1, path=EXPORT),
        Fault(kind="status", status=502, times=1, path=EXPORT),
    ],
    ids=["cut-before-the-body", "gzip-cut-in-its-header", "dropped", "502"],
)
def test_stream_events_asks_again_while_nothing_was_yielded(
    sb: Sandbox, tmp_path: Path, fault: Fault
) -> None:
    sb.faults.add(fault)
    with _ws(sb, tmp_path / "s.duckdb") as ws:
        rows = list(ws.stream_events(from_date=FROM, to_date=TO))
    assert len(rows) == _served(sb, FROM)  # raw export lines, duplicates included, none twice
    assert {"event_name", "event_time", "distinct_id", "insert_id", "properties"} <= set(rows[0])
    assert len(_export_requests(sb)) == 2 + 1  # two chunks, the first asked for twice


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="cut", after_bytes=30_000, times=None, path=EXPORT),
        Fault(kind="truncate_gzip", times=None, path=EXPORT),
    ],
    ids=["cut", "truncated-gzip"],
)
def test_stream_events_cut_after_yielding_is_an_error_not_a_short_stream(
    sb: Sandbox, tmp_path: Path, fault: Fault
) -> None:
    sb.faults.add(fault)
    rows: list[dict[str, Any]] = []
    with _ws(sb, tmp_path / "s.duckdb") as ws, pytest.raises(TruncatedBodyError) as info:
        rows.extend(ws.stream_events(from_date=FROM, to_date=TO))
    assert 0 < len(rows) < _served(sb, FROM)
    assert info.value.details["events_yielded"] == len(rows)
    assert "the stream is incomplete" in info.value.message
    # The cut chunk was asked for once (the next chunk may have been asked for ahead of time).
    assert _export_requests(sb).count(("2026-01-20", "2026-01-26")) == 1


# `mp` in a child whose Ctrl-C raises KeyboardInterrupt whatever SIGINT disposition the test
# runner hands down (a child inherits SIG_IGN, and Python then keeps it).
MP_WITH_SIGINT = (
    sys.executable,
    "-c",
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('mixpanel_data.cli.main', run_name='__main__')",
)


def _cli_env(sb: Sandbox, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(sb.credentials.env(sb.url))
    env["MP_CONFIG_PATH"] = str(tmp_path / "config.toml")
    env["MP_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_ctrl_c_in_the_cli_exits_130_and_leaves_no_table(sb: Sandbox, tmp_path: Path) -> None:
    sb.faults.add(Fault(kind="slow", delay=4.0, times=None, path=EXPORT))
    db = tmp_path / "cli.duckdb"
    proc = subprocess.Popen(
        [*MP_WITH_SIGINT, "fetch", "events", "--from", FROM, "--to", TO, "--db", str(db),
         "--no-progress"],
        env=_cli_env(sb, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not any(r.path == EXPORT for r in sb.requests):
        assert time.monotonic() < deadline, "the CLI never reached the export"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Interrupted" in err
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        con.close()
        assert ("events",) not in tables


def test_cli_stdout_jsonl_and_a_closed_pipe(sb: Sandbox, tmp_path: Path) -> None:
    env = _cli_env(sb, tmp_path)
    cmd = [sys.executable, "-m", "mixpanel_data.cli.main", "fetch", "events", "--stdout",
           "--from", TO, "--to", TO]  # fmt: skip
    full = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert full.returncode == 0, full.stderr
    lines = [json.loads(line) for line in full.stdout.splitlines()]
    expected = sum(_expected_counts(sb, TO, TO).values())
    assert len(lines) >= expected  # raw export lines: duplicates included
    piped = subprocess.run(
        " ".join(f"'{c}'" for c in cmd) + " | head -n 1",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert len(piped.stdout.splitlines()) == 1
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr


def test_cli_stdout_with_a_truncated_gzip_fails_clearly(sb: Sandbox, tmp_path: Path) -> None:
    sb.faults.add(Fault(kind="truncate_gzip", times=None, path=EXPORT))
    cmd = [sys.executable, "-m", "mixpanel_data.cli.main", "fetch", "events", "--stdout",
           "--from", FROM, "--to", TO]  # fmt: skip
    run = subprocess.run(
        cmd, env=_cli_env(sb, tmp_path), capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0
    assert "incomplete" in run.stderr and "Traceback" not in run.stderr
    assert 0 < len(run.stdout.splitlines()) < _served(sb, FROM)


def _summary(out: str) -> dict[str, Any]:
    return dict(json.loads(out))


def test_cli_fetch_then_sql(sb: Sandbox, tmp_path: Path) -> None:
    env = _cli_env(sb, tmp_path)
    db = tmp_path / "x.duckdb"
    base = [sys.executable, "-m", "mixpanel_data.cli.main"]
    fetched = subprocess.run(
        [*base, "fetch", "events", "--from", FROM, "--to", TO, "--db", str(db)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    summary = _summary(fetched.stdout)
    scalar = subprocess.run(
        [*base, "query", "sql", "--db", str(db), "--scalar", "SELECT count(*) FROM events"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert scalar.returncode == 0, scalar.stderr
    assert (
        int(scalar.stdout.strip())
        == summary["rows"]
        == sum(_expected_counts(sb, FROM, TO).values())
    )
