"""The same bad input gives the same message from a live query, a fetch and a stream (through the
Workspace, against the sandbox, with no request sent): one validation path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data._services import validation as check
from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import ValidationError
from mixpanel_data.sandbox import Sandbox

# -- the same bad input, the same message, whichever call gets it -------------------------------


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=3, users=10, days=3) as sandbox:
        yield sandbox


@pytest.fixture
def ws(sb: Sandbox, tmp_path: Path) -> Iterator[Workspace]:
    sb.clear_requests()
    with Workspace(
        path=tmp_path / "store.duckdb", credentials=sb.credentials.client_credentials(sb.url)
    ) as workspace:
        yield workspace


GOOD = {"from_date": "2026-01-01", "to_date": "2026-01-31"}

# (what is wrong, keyword arguments that replace the good ones)
BAD_INPUT: dict[str, dict[str, Any]] = {
    "month 13": {"from_date": "2026-13-01"},
    "slashes": {"to_date": "2026/01/31"},
    "not a day": {"from_date": "2026-02-30"},
    "datetime": {"from_date": dt.datetime(2026, 1, 1, 12)},
    "year 9999": {"to_date": "9999-12-31"},
    "from after to": {"from_date": "2026-02-01", "to_date": "2026-01-01"},
    "malformed where": {"where": 'properties["plan"] = "pro"'},
    "empty where": {"where": " "},
}
EVENT_LISTS: dict[str, dict[str, Any]] = {
    "no events": {"events": []},
    "an empty name": {"events": ["Login", ""]},
}


def _message(call: Callable[[], Any]) -> tuple[type[Exception], str]:
    with pytest.raises(ValidationError) as info:
        call()
    return type(info.value), info.value.message


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_same_message_from_query_fetch_and_stream(case: str, ws: Workspace, sb: Sandbox) -> None:
    args = {**GOOD, **BAD_INPUT[case]}
    seen = {
        "segmentation": _message(lambda: ws.segmentation("Login", **args)),
        "fetch_events": _message(lambda: ws.fetch_events("events", progress=False, **args)),
        "stream_events": _message(lambda: next(iter(ws.stream_events(**args)))),
    }
    assert len(set(seen.values())) == 1, seen
    assert sb.requests == []


@pytest.mark.parametrize("case", list(EVENT_LISTS))
def test_same_event_list_message_from_counts_fetch_and_stream(
    case: str, ws: Workspace, sb: Sandbox
) -> None:
    args = {**GOOD, **EVENT_LISTS[case]}
    seen = {
        "event_counts": _message(lambda: ws.event_counts(**args)),
        "fetch_events": _message(lambda: ws.fetch_events("events", progress=False, **args)),
        "stream_events": _message(lambda: next(iter(ws.stream_events(**args)))),
    }
    assert len(set(seen.values())) == 1, seen
    assert sb.requests == []


def test_a_bad_table_name_is_refused_like_the_store_refuses_it(ws: Workspace) -> None:
    fetched = _message(lambda: ws.fetch_events("1st", progress=False, **GOOD))
    assert fetched == _message(lambda: check.table_name("1st"))
