"""The ``format("mixpanel")`` options and row shapes, without Spark: bad values name their option,
credentials resolve on the driver, chunks are dealt into at most ``concurrency`` partitions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mixpanel_data import ConfigError, ValidationError
from mixpanel_data.spark._options import connection, read_options, write_options
from mixpanel_data.spark._read import deal
from mixpanel_data.spark._write import event_of


def test_read_defaults_and_names() -> None:
    opts = read_options(
        {"FROM_DATE": "2026-10-01", "to_date": "2026-10-31", "events": '["A, B", "C"]'}
    )
    assert (opts.kind, opts.partition_days, opts.concurrency) == ("events", 1, 3)
    assert opts.events == ["A, B", "C"]
    assert read_options({"kind": "profiles", "events": "Sign Up"}).events == ["Sign Up"]


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"from_date": "2026-10-01"}, "from_date"),
        ({"from_date": "2026-10-05", "to_date": "2026-10-01"}, "to_date"),
        ({"from_date": "2026-10-01", "to_date": "2026-10-02", "concurrency": "0"}, "concurrency"),
        ({"kind": "people"}, "kind"),
        ({"kind": "profiles", "events": "[1]"}, "events"),
    ],
)
def test_a_bad_read_option_is_named(given: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        read_options(given)


def test_write_options() -> None:
    opts = write_options({"kind": "groups", "allow_rejects": "TRUE", "batch_size": "500"})
    assert (opts.kind, opts.allow_rejects, opts.batch_size, opts.strict) == (
        "groups",
        True,
        500,
        True,
    )
    with pytest.raises(ValidationError, match="strict"):
        write_options({"strict": "maybe"})
    with pytest.raises(ValidationError, match="batch_size"):
        write_options({"batch_size": "2001"})


def test_credentials_from_options_and_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("MP_USERNAME", "MP_SECRET", "MP_PROJECT_ID", "MP_API_SECRET", "MP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MP_CONFIG_PATH", str(tmp_path / "none.toml"))
    conn = connection({"username": "sa", "secret": "s3cret", "project_id": "7", "retries": "1"})
    assert (conn.credentials.project_id, conn.retries) == ("7", 1)
    assert "s3cret" not in repr(conn)
    with pytest.raises(ValidationError, match="project_id"):
        connection({"secret": "x"})
    with pytest.raises(ConfigError):
        connection({})
    monkeypatch.setenv("MP_USERNAME", "env-sa")
    monkeypatch.setenv("MP_SECRET", "env-secret")
    monkeypatch.setenv("MP_PROJECT_ID", "9")
    conn = connection({"region": "eu", "token": "t0k"})
    assert (conn.credentials.username, conn.credentials.region) == ("env-sa", "eu")
    assert conn.credentials.token is not None


def test_chunks_are_dealt_into_at_most_concurrency_partitions() -> None:
    chunks = [(f"2026-10-{d:02d}", f"2026-10-{d:02d}") for d in range(1, 8)]
    hands = deal(chunks, 3)
    assert [len(h) for h in hands] == [3, 2, 2]
    assert sorted(c for h in hands for c in h) == chunks
    assert deal(chunks[:2], 5) == [[chunks[0]], [chunks[1]]]


def test_rows_become_events() -> None:
    when = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    stored = {
        "event_name": "Purchase",
        "event_time": when,
        "distinct_id": "u1",
        "insert_id": "abc",
        "properties": '{"amount": 3}',
        "mp_processing_time_ms": 1,
    }
    assert event_of(stored) == {
        "event": "Purchase",
        "properties": {
            "amount": 3,
            "distinct_id": "u1",
            "time": 1790856000000,
            "$insert_id": "abc",
        },
    }
    flat = {
        "event": "Login",
        "distinct_id": "u2",
        "time": when.replace(tzinfo=None),
        "tags": [("a", 1)],
        "day": dt.date(2026, 10, 1),
        "gone": None,
    }
    assert event_of(flat) == {
        "event": "Login",
        "properties": {
            "distinct_id": "u2",
            "time": 1790856000000,
            "tags": {"a": 1},
            "day": "2026-10-01",
        },
    }
