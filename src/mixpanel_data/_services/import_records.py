"""Checking one event before it is sent, and giving it a deterministic ``$insert_id``.

What Mixpanel would refuse is refused here first, so a bad file fails in seconds: a missing or
over-long event name, properties that are not an object or more than 255 of them, a missing
``distinct_id``, a missing or absurd ``time`` (before 1971, or more than an hour ahead), a
malformed ``$insert_id``. Times may be seconds, milliseconds or ISO text; ISO text without an
offset needs a time zone (else a :class:`ValidationError` stops the import at once). An event
without ``$insert_id`` gets one made from its content (event name, distinct_id, time and
properties), so importing the same file twice stores each event once.
Example:
    >>> event, changed = prepare_event(
    ...     {"event": "Signed Up", "properties": {"distinct_id": "u1", "time": 1767225600}}, None, 0
    ... )
    >>> event["properties"]["$insert_id"], changed
    ('6eca198c6e2f510b0510c668cec79dfe', True)
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, tzinfo
from typing import Any

from mixpanel_data.exceptions import ValidationError

MAX_EVENT_NAME = 255
MAX_PROPERTIES = 255
MAX_INSERT_ID = 36
FUTURE_SLACK_MS = 3_600_000
EARLIEST_MS = 31_536_000_000  # 1971-01-01
_INSERT_ID = re.compile(rf"[A-Za-z0-9-]{{1,{MAX_INSERT_ID}}}")


class RecordRejected(ValueError):
    """One record cannot be imported: the field at fault and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_timezone(name: str | None) -> tzinfo | None:
    """The zone called ``name`` (IANA name, or ``UTC``); ``ValueError`` when unknown."""
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def time_ms(value: Any, zone: tzinfo | None) -> int:
    """Milliseconds since the epoch from seconds, milliseconds or ISO text."""
    if isinstance(value, bool):
        raise RecordRejected("properties.time", "time must be a number or ISO text, not a boolean")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise RecordRejected("properties.time", "time must be a finite number")
        return int(value) if abs(value) >= 1e11 else round(value * 1000)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return time_ms(float(text) if "." in text else int(text), zone)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise RecordRejected(
                "properties.time", f"time {value!r} is not seconds, milliseconds or ISO 8601"
            ) from None
        if moment.tzinfo is None:
            if zone is None:
                raise ValidationError(
                    f"time {value!r} has no UTC offset: say which zone such times are in "
                    "(timezone='UTC', or an IANA name such as 'Europe/Paris')",
                    details={"param": "timezone"},
                )
            moment = moment.replace(tzinfo=zone)
        return round(moment.timestamp() * 1000)
    raise RecordRejected("properties.time", "time is required (seconds, milliseconds or ISO text)")


def derived_insert_id(name: str, distinct_id: str, t_ms: int, props: dict[str, Any]) -> str:
    """32 hex digits from the event's content: the same event always gets the same id."""
    rest = {k: v for k, v in props.items() if k not in ("time", "distinct_id", "$insert_id")}
    text = json.dumps(
        [name, distinct_id, t_ms, rest],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def prepare_event(record: Any, zone: tzinfo | None, now_ms: int) -> tuple[dict[str, Any], bool]:
    """The event as it will be sent, and whether it differs from ``record``; raises
    :class:`RecordRejected`. ``now_ms`` 0 skips the future check."""
    # The common case, checked with as few steps as possible: an event that needs no change.
    if type(record) is dict and len(record) == 2:
        name = record.get("event")
        props = record.get("properties")
        if (
            type(name) is str
            and 0 < len(name) <= MAX_EVENT_NAME
            and type(props) is dict
            and len(props) <= MAX_PROPERTIES
        ):
            distinct_id = props.get("distinct_id")
            t = props.get("time")
            insert_id = props.get("$insert_id")
            if (
                type(t) is int
                and (type(distinct_id) is str or type(distinct_id) is int)
                and type(insert_id) is str
                and _INSERT_ID.fullmatch(insert_id)
            ):
                t_ms = t if t >= 100_000_000_000 else t * 1000
                if t_ms >= EARLIEST_MS and (not now_ms or t_ms <= now_ms + FUTURE_SLACK_MS):
                    return record, False
    return _prepare(record, zone, now_ms)


def _prepare(record: Any, zone: tzinfo | None, now_ms: int) -> tuple[dict[str, Any], bool]:
    if not isinstance(record, dict):
        raise RecordRejected("", "each event must be a JSON object")
    name = record.get("event")
    if not isinstance(name, str) or not name:
        raise RecordRejected("event", "the event name ('event') is missing or empty")
    if len(name) > MAX_EVENT_NAME:
        raise RecordRejected("event", f"the event name is longer than {MAX_EVENT_NAME} characters")
    props = record.get("properties")
    if not isinstance(props, dict):
        raise RecordRejected("properties", "'properties' must be an object")
    if len(props) > MAX_PROPERTIES:
        raise RecordRejected(
            "properties", f"{len(props)} properties; Mixpanel takes at most {MAX_PROPERTIES}"
        )
    distinct_id = props.get("distinct_id")
    if isinstance(distinct_id, bool) or not isinstance(distinct_id, str | int):
        raise RecordRejected("properties.distinct_id", "distinct_id is missing")
    if "time" not in props or props["time"] is None:
        raise RecordRejected("properties.time", "time is missing")
    raw_time = props["time"]
    t_ms = time_ms(raw_time, zone)
    if t_ms < EARLIEST_MS:
        raise RecordRejected("properties.time", f"time {raw_time!r} is before 1971")
    if now_ms and t_ms > now_ms + FUTURE_SLACK_MS:
        raise RecordRejected("properties.time", f"time {raw_time!r} is in the future")
    changed = len(record) != 2
    if not isinstance(raw_time, int) or isinstance(raw_time, bool):
        props = {**props, "time": t_ms}
        changed = True
    insert_id = props.get("$insert_id")
    if insert_id is None or insert_id == "":
        props = {**props, "$insert_id": derived_insert_id(name, str(distinct_id), t_ms, props)}
        changed = True
    elif not isinstance(insert_id, str) or not _INSERT_ID.fullmatch(insert_id):
        raise RecordRejected(
            "properties.$insert_id",
            f"$insert_id must be 1-{MAX_INSERT_ID} letters, digits or '-'",
        )
    return {"event": name, "properties": props}, changed


__all__ = [
    "RecordRejected",
    "derived_insert_id",
    "parse_timezone",
    "prepare_event",
    "time_ms",
]
