"""`fetch_profiles` with several engage pages in flight, resumable like events, against the
sandbox (page size 25, so 120 users are 5 pages). Expected rows come from the sandbox's own
profile table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mixpanel_data import Workspace
from mixpanel_data._api.clients import ApiClients
from mixpanel_data._services.progress import FetchProgress
from mixpanel_data._transport import RetryPolicy
from mixpanel_data.exceptions import ServerError
from mixpanel_data.sandbox import Fault, Sandbox

ENGAGE = "/api/query/engage"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=51, users=120, days=2, engage_page_size=25) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _clean(sb: Sandbox) -> Iterator[None]:
    sb.faults.clear()
    sb.clear_requests()
    yield
    sb.faults.clear()


def _profiles(sb: Sandbox) -> set[str]:
    with sb.data.cursor() as con:
        return {str(r[0]) for r in con.execute("SELECT distinct_id FROM profiles").fetchall()}


def _pages(sb: Sandbox) -> list[str]:
    """The engage requests the sandbox saw (the page number travels in the form body)."""
    return [r.path for r in sb.requests if r.path == ENGAGE]


def _ws(sb: Sandbox, path: Path) -> Workspace:
    return Workspace(path=path, credentials=sb.credentials.client_credentials(sb.url))


def test_pages_in_flight_together_store_every_profile_once(sb: Sandbox, tmp_path: Path) -> None:
    with _ws(sb, tmp_path / "p.duckdb") as ws:
        result = ws.fetch_profiles(progress=False, max_workers=4)
        stored = {r[0] for r in ws.sql_rows("SELECT distinct_id FROM profiles")}
    assert stored == _profiles(sb) and result.rows == len(stored) == 120
    assert len(_pages(sb)) == 5 and result.chunks == 5


def test_streamed_profiles_arrive_in_page_order(sb: Sandbox, tmp_path: Path) -> None:
    with _ws(sb, tmp_path / "s.duckdb") as ws:
        ids = [p["distinct_id"] for p in ws.stream_profiles()]
    assert len(ids) == 120 and set(ids) == _profiles(sb)


def test_a_rerun_after_a_failed_page_asks_only_for_the_missing_pages(
    sb: Sandbox, tmp_path: Path
) -> None:
    # Pages 0 and 1 wait 0.5 s each; while page 1 waits, every later engage request fails.
    sb.faults.add(Fault(kind="slow", delay=0.5, times=2, path=ENGAGE))

    def arm(p: FetchProgress) -> None:
        if len(_pages(sb)) == 2 and not any(f.kind == "status" for f, _ in sb.faults.armed()):
            sb.faults.add(Fault(kind="status", status=500, times=None, path=ENGAGE))

    with _ws(sb, tmp_path / "r.duckdb") as ws:
        ws._api = ApiClients(ws.credentials, retry=RetryPolicy(attempts=1))
        with pytest.raises(ServerError):
            ws.fetch_profiles(progress=arm, max_workers=1)
        assert ws.tables() == []
        sb.faults.clear()
        sb.clear_requests()
        result = ws.fetch_profiles(progress=False, max_workers=2)
        stored = {r[0] for r in ws.sql_rows("SELECT distinct_id FROM profiles")}
    assert stored == _profiles(sb)
    assert result.resumed_chunks == 1  # page 1 was saved by the first run
    assert len(_pages(sb)) == 4  # page 0 (a new session) and pages 2, 3, 4
    assert not (tmp_path / ".mp-staging").exists()
