"""Copying events and profiles between two sandbox projects; both sides are read back through
their own export and engage APIs."""

from __future__ import annotations

import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data import Workspace
from mixpanel_data._pacing import reset_pacers
from mixpanel_data._services.importer import ImportProgress
from mixpanel_data.sandbox import Sandbox

FIRST, LAST = "2026-10-29", "2026-10-31"
OCT_30 = 1793318400  # 2026-10-30T00:00:00Z


@pytest.fixture(scope="module")
def src() -> Iterator[Sandbox]:
    with Sandbox(seed=6, users=12, days=3, end_date=LAST) as sandbox:
        yield sandbox


@pytest.fixture
def dst() -> Iterator[Sandbox]:
    with Sandbox(seed=7, users=3, days=1, end_date="2025-01-01") as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MP_DATA_DIR", str(tmp_path / "data"))
    reset_pacers()
    yield
    reset_pacers()


def _ws(sb: Sandbox) -> Workspace:
    return Workspace.memory(credentials=sb.credentials.client_credentials(sb.url))


def _keys(sb: Sandbox, **filters: Any) -> Counter[tuple[Any, ...]]:
    with _ws(sb) as ws:
        return Counter(
            (e["event"], p["distinct_id"], p["time"], p["$insert_id"])
            for e in ws.stream_events(from_date=FIRST, to_date=LAST, raw=True, **filters)
            for p in [e["properties"]]
        )


def test_events_are_copied_once_each_and_a_stopped_copy_continues(
    src: Sandbox, dst: Sandbox, tmp_path: Path
) -> None:
    expected = _keys(src)
    days: list[float] = []

    def stop_in_the_second_day(p: ImportProgress) -> None:
        if p.started not in days:  # each day is one import run
            days.append(p.started)
        if len(days) == 2:
            raise KeyboardInterrupt

    to = dst.credentials.client_credentials(dst.url)
    with _ws(src) as ws:
        with pytest.raises(KeyboardInterrupt):
            ws.copy_events(
                to_account=to, from_date=FIRST, to_date=LAST, progress=stop_in_the_second_day
            )
        (state,) = (tmp_path / "data" / "copies").glob("*.json")
        assert stat.S_IMODE(state.stat().st_mode) == 0o600
        assert stat.S_IMODE(state.parent.stat().st_mode) == 0o700
        result = ws.copy_events(to_account=to, from_date=FIRST, to_date=LAST)
    first_day = sum(n for (_e, _d, t, _i), n in expected.items() if t < OCT_30)
    assert 0 < first_day < sum(expected.values())
    assert result.skipped == first_day
    assert result.imported + result.skipped == sum(expected.values())
    assert result.rejected == 0
    copied = _keys(dst)
    assert set(copied) == set(expected)  # nothing missing, nothing else
    assert max(copied.values()) == 1  # no duplicates (the source itself has a few)


def test_a_filtered_copy_holds_exactly_what_the_filter_exports(src: Sandbox, dst: Sandbox):
    where = 'properties["$browser"] == "Chrome"'
    expected = _keys(src, events=["Purchase", "Page View"], where=where)
    assert expected
    with _ws(src) as ws:
        ws.copy_events(
            to_account=dst.credentials.client_credentials(dst.url), from_date=FIRST,
            to_date=LAST, events=["Purchase", "Page View"], where=where,
        )  # fmt: skip
    assert _keys(dst) == Counter(set(expected))


def test_profiles_are_copied_with_their_properties(src: Sandbox, dst: Sandbox) -> None:
    with _ws(src) as ws:
        source = {p["$distinct_id"]: p["$properties"] for p in ws.stream_profiles(raw=True)}
        result = ws.copy_profiles(to_account=dst.credentials.client_credentials(dst.url))
    assert (result.imported, result.rejected) == (len(source), 0)
    with _ws(dst) as ws:
        copied = {
            p["$distinct_id"]: p["$properties"]
            for p in ws.stream_profiles(raw=True)
            if p["$distinct_id"] in source
        }
    assert copied == source
