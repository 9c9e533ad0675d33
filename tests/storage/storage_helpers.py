"""Helpers for the storage tests: export and engage lines written exactly as Mixpanel sends them."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BASE_TIME = 1704067200  # 2024-01-01T00:00:00Z
EXTRACTED = ("time", "distinct_id", "$insert_id")


def export_event(
    i: int,
    *,
    event: str | None = None,
    time: int | None = None,
    distinct_id: str | None = None,
    insert_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One export line as a dict: varied names, ids, non-ASCII values, lists, a nested object."""
    props: dict[str, Any] = {
        "time": BASE_TIME + 60 * i if time is None else time,
        "distinct_id": f"u{i % 7}" if distinct_id is None else distinct_id,
        "$insert_id": f"ins-{i:06d}" if insert_id is None else insert_id,
        "$city": ["São Paulo", "Zürich", "東京", "Kraków"][i % 4],
        "n": i,
        "tags": ["a", "ü", str(i)],
        "nested": {"k": i, "deep": {"ok": i % 2 == 0}},
        "$referrer": None,
    }
    props.update(extra)
    return {"event": event or ["Login", "Page View", "Purchase"][i % 3], "properties": props}


def write_lines(path: Path, lines: Sequence[dict[str, Any] | str]) -> Path:
    """Write JSONL (gzip when the name ends in .gz); strings are written as they are."""
    text = "".join(
        (x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines
    )
    data = text.encode("utf-8")
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def event_key(line: dict[str, Any]) -> tuple[Any, ...]:
    """Mixpanel's dedup key of an export line, with time normalised to microseconds."""
    p = line["properties"]
    t = int(p["time"])
    micros = t * 1000 if t > 100_000_000_000 else t * 1_000_000
    return (line["event"], p.get("distinct_id"), micros, p.get("$insert_id"))


def expected_time(t: int) -> datetime:
    """The naive-UTC TIMESTAMP an export ``time`` (seconds or ms) should become."""
    epoch = datetime(1970, 1, 1)
    return epoch + (timedelta(milliseconds=t) if t > 100_000_000_000 else timedelta(seconds=t))


def remaining_properties(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line["properties"].items() if k not in EXTRACTED}


def first_copies(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines a dedup that keeps the first copy of each key must store, in order."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for line in lines:
        key = event_key(line)
        if key not in seen:
            seen.add(key)
            out.append(line)
    return out


def profile_line(distinct_id: Any, **props: Any) -> dict[str, Any]:
    return {"$distinct_id": distinct_id, "$properties": props}


def now_utc() -> datetime:
    return datetime.now(UTC)
