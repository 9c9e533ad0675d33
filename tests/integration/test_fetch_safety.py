"""Fetching in a hostile or shared environment, against the sandbox: private staging, staging
per database file, the write lock only while loading, an overall deadline, private files.

Expected numbers come from the sandbox's own event table, never from the fetch's report.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixpanel_data import Workspace
from mixpanel_data._api.clients import ApiClients
from mixpanel_data._services.progress import FetchProgress
from mixpanel_data._transport import RetryPolicy
from mixpanel_data.exceptions import FetchError
from mixpanel_data.sandbox import Fault, Sandbox

FROM, TO = "2026-10-20", "2026-10-31"
EXPORT = "/api/2.0/export"
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX owners and modes")


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=31, users=60, days=12, end_date=TO) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _clean(sb: Sandbox) -> Iterator[None]:
    sb.wait_idle()
    sb.faults.clear()
    sb.clear_requests()
    yield
    sb.faults.clear()


def _ws(sb: Sandbox, path: Path | None = None) -> Workspace:
    creds = sb.credentials.client_credentials(sb.url)
    if path is None:
        return Workspace.memory(credentials=creds)
    return Workspace(path=path, credentials=creds)


def _expected(sb: Sandbox, first: str, last: str) -> int:
    with sb.data.cursor() as con:
        row = con.execute(
            """
            SELECT count(*) FROM (SELECT DISTINCT event, distinct_id, time, insert_id FROM events)
            WHERE to_timestamp(time) AT TIME ZONE 'UTC' >= ?::TIMESTAMP
              AND to_timestamp(time) AT TIME ZONE 'UTC' < ?::TIMESTAMP + INTERVAL 1 DAY
            """,
            [first, last],
        ).fetchone()
    assert row is not None
    return int(row[0])


def _exports(sb: Sandbox) -> list[tuple[str, str]]:
    return [(r.query["from_date"], r.query["to_date"]) for r in sb.requests if r.path == EXPORT]


def _failing_after_first_chunk(sb: Sandbox) -> None:
    """The first export waits 0.5 s and succeeds; every export asked for after it fails."""
    sb.faults.add(Fault(kind="slow", delay=0.5, times=1, path=EXPORT))

    def arm() -> None:
        if len(_exports(sb)) == 1 and not sb.faults.armed():
            sb.faults.add(Fault(kind="status", status=503, times=None, path=EXPORT))

    _failing_after_first_chunk.arm = arm  # type: ignore[attr-defined]


def _quick_retries(ws: Workspace) -> None:
    ws._api = ApiClients(ws.credentials, retry=RetryPolicy(attempts=1))
    ws._fetch_service.retry_wait = 0.01


@posix_only
def test_a_memory_store_stages_in_a_private_unpredictable_folder_and_removes_it(
    sb: Sandbox,
) -> None:
    seen: list[tuple[str, int, int]] = []

    with _ws(sb) as ws:

        def look(p: FetchProgress) -> None:
            root = ws._fetch_service._temp_root
            if root is not None and root.exists():
                info = root.lstat()
                seen.append((root.name, stat.S_IMODE(info.st_mode), info.st_uid))

        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=look, chunk_days=6)
        root = ws._fetch_service._temp_root
    assert result.rows == _expected(sb, FROM, TO)
    assert seen, "the staging folder was never seen"
    name, mode, uid = seen[0]
    assert mode == 0o700 and uid == os.getuid()
    assert name != f"mp-staging-{os.getpid()}" and name.startswith("mp-staging-")
    assert root is None  # removed when the fetch finished


@posix_only
def test_a_planted_symlink_staging_folder_is_refused_and_its_target_untouched(
    sb: Sandbox, tmp_path: Path
) -> None:
    target = tmp_path / "victim"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    (tmp_path / ".mp-staging").symlink_to(target)
    with _ws(sb, tmp_path / "s.duckdb") as ws, pytest.raises(FetchError, match="symlink"):
        ws.fetch_events(from_date=TO, to_date=TO, progress=False)
    assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]
    assert _exports(sb) == []


@posix_only
@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown")
def test_a_staging_folder_owned_by_another_user_is_not_resumed_from(
    sb: Sandbox, tmp_path: Path
) -> None:
    staging = tmp_path / ".mp-staging"
    staging.mkdir(mode=0o700)
    os.chown(staging, 65534, 65534)
    with _ws(sb, tmp_path / "s.duckdb") as ws, pytest.raises(FetchError, match="another user"):
        ws.fetch_events(from_date=TO, to_date=TO, progress=False)
    assert _exports(sb) == []


def test_two_database_files_in_one_folder_keep_their_own_chunks(
    sb: Sandbox, tmp_path: Path
) -> None:
    _failing_after_first_chunk(sb)
    with _ws(sb, tmp_path / "a.duckdb") as a:
        _quick_retries(a)
        with pytest.raises(FetchError, match="run the same fetch again"):
            a.fetch_events(
                from_date=FROM,
                to_date=TO,
                progress=lambda p: _failing_after_first_chunk.arm(),  # type: ignore[attr-defined]
                chunk_days=6,
                max_workers=1,
            )
        sb.faults.clear()
        # The same fetch into another file of the same folder finishes (and cleans up) ...
        with _ws(sb, tmp_path / "b.duckdb") as b:
            assert b.fetch_events(from_date=FROM, to_date=TO, progress=False, chunk_days=6).rows
        # ... and the first file's saved chunk is still there to resume from.
        sb.clear_requests()
        result = a.fetch_events(
            from_date=FROM, to_date=TO, progress=False, chunk_days=6, max_workers=1
        )
    assert result.resumed_chunks == 1 and result.rows == _expected(sb, FROM, TO)
    assert _exports(sb) == [("2026-10-26", "2026-10-31")]


def test_other_processes_can_write_the_database_while_the_fetch_downloads(
    sb: Sandbox, tmp_path: Path
) -> None:
    db = tmp_path / "shared.duckdb"
    with _ws(sb, db) as ws:
        ws.fetch_events("first", from_date=TO, to_date=TO, progress=False)
    # The export waits 15 s in the sandbox: room for another process (a cold Python + DuckDB start
    # on a busy machine) to open the file meanwhile.
    sb.faults.add(Fault(kind="slow", delay=15.0, times=1, path=EXPORT))
    probes: list[subprocess.CompletedProcess[str]] = []
    opener = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "c.execute('CREATE TABLE IF NOT EXISTS other (x INT)'); c.close()"
    )

    def probe(p: FetchProgress) -> None:
        if p.phase == "download" and not probes and _exports(sb):
            probes.append(
                subprocess.run(
                    [sys.executable, "-c", opener, str(db)], capture_output=True, text=True
                )
            )

    with _ws(sb, db) as ws:
        result = ws.fetch_events(from_date=TO, to_date=TO, progress=probe)
        tables = sorted(t.name for t in ws.tables())
    assert probes and probes[0].returncode == 0, probes[0].stderr if probes else "no probe"
    assert result.rows == _expected(sb, TO, TO)
    assert tables == ["events", "first", "other"]


def test_a_deadline_stops_the_fetch_resumably(sb: Sandbox, tmp_path: Path) -> None:
    sb.faults.add(Fault(kind="slow", delay=3.0, times=None, path=EXPORT))
    with _ws(sb, tmp_path / "d.duckdb") as ws:
        with pytest.raises(FetchError, match="deadline") as info:
            ws.fetch_events(from_date=FROM, to_date=TO, progress=False, deadline=0.5)
        assert info.value.details["param"] == "deadline"
        assert ws.tables() == []
        sb.faults.clear()
        result = ws.fetch_events(from_date=FROM, to_date=TO, progress=False)
    assert result.rows == _expected(sb, FROM, TO)


@posix_only
def test_a_first_fetch_makes_a_private_data_folder_and_database_file(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MP_DATA_DIR", str(tmp_path / "new" / "data"))
    old = os.umask(0o022)
    try:
        with Workspace(credentials=sb.credentials.client_credentials(sb.url)) as ws:
            ws.fetch_events(from_date=TO, to_date=TO, progress=False)
            db = ws.storage.path
    finally:
        os.umask(old)
    assert db is not None
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (db.parent.parent, db.parent, db)}
    assert modes == {"new": 0o700, "data": 0o700, db.name: 0o600}
    assert not (db.parent / ".mp-staging").exists()


def test_progress_shows_each_phase_from_one_thread_with_bytes_and_events(
    sb: Sandbox, tmp_path: Path
) -> None:
    import threading

    seen: list[tuple[str, str, int, int]] = []

    def progress(p: FetchProgress) -> None:
        seen.append((threading.current_thread().name, p.phase, p.bytes, p.events))

    sb.faults.add(Fault(kind="slow", delay=0.5, times=1, path=EXPORT))
    with _ws(sb, tmp_path / "p.duckdb") as ws:
        result = ws.fetch_events(
            from_date=FROM, to_date=TO, progress=progress, chunk_days=3, max_workers=3
        )
    assert {name for name, *_ in seen} == {"mp-progress"}
    phases = [phase for _, phase, _, _ in seen]
    assert phases[-1] == "done" and phases.count("done") == 1
    assert {"download", "dedup"} <= set(phases)
    downloading = [(b, e) for _, phase, b, e in seen if phase == "download"]
    assert any(b > 0 and e > 0 for b, e in downloading)  # events/s while downloading
    assert seen[-1][3] == result.rows


def test_a_failed_fetch_ends_its_progress_with_stopped(sb: Sandbox, tmp_path: Path) -> None:
    phases: list[str] = []
    sb.faults.add(Fault(kind="status", status=500, times=None, path=EXPORT))
    with _ws(sb, tmp_path / "f.duckdb") as ws:
        _quick_retries(ws)
        with pytest.raises(FetchError):
            ws.fetch_events(from_date=TO, to_date=TO, progress=lambda p: phases.append(p.phase))
    assert phases and phases[-1] == "stopped"
