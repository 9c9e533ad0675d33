"""Writing a DataFrame to Mixpanel: each Spark task imports its partition, exactly once.

Events go through the same importer as ``mp import events``
(:class:`~mixpanel_data._services.importer.EventImporter`): checked locally, batches of at most
2000 events / 2 MiB, gzip, strict mode, and a ``$insert_id`` derived from the event's content when
the row has none, so a Spark task that fails and runs again sends the same ids and Mixpanel keeps
one copy of each event. Rows are either the store's shape (``event_name, event_time,
distinct_id, insert_id, properties``: what ``format("mixpanel")`` reads and ``fetch_events``
stores) or flat (``event``, ``distinct_id``, ``time``, optional ``$insert_id``; every other column
is a property).

Profiles and groups are ``$set`` updates (repeating one is harmless) of at most 2000 per request:
``distinct_id`` (groups: ``group_key`` column or option, and ``group_id``) plus ``properties``
(JSON text or a map/struct) or, without that column, every other column.

Each task's commit message carries its counts and its rejects (line = row number in the task's
partition, field, reason, record); the job's commit sums them, writes every reject to
``rejects_path`` when given, and fails with one line when anything was rejected, unless
``allow_rejects``.

Example:
    >>> event_of({"event": "Signup", "distinct_id": "u1", "time": 1790812800, "plan": "pro"})
    {'event': 'Signup', 'properties': {'distinct_id': 'u1', 'time': 1790812800, 'plan': 'pro'}}
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql.datasource import DataSourceArrowWriter, WriterCommitMessage

from mixpanel_data.exceptions import MixpanelDataError, ValidationError
from mixpanel_data.spark._options import Connection, WriteOptions

PROFILE_BATCH = 2000
_STORE_COLUMNS = frozenset({"event_name", "event_time", "distinct_id", "insert_id", "properties"})
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _plain(value: Any) -> Any:
    """A Spark value as JSON data: times as epoch milliseconds (naive ones are UTC), dates as
    ISO text, maps (lists of pairs from Arrow) as objects."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return (aware - _EPOCH) // dt.timedelta(milliseconds=1)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {str(k): _plain(v) for k, v in value}
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _properties(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        parsed = json.loads(value)
        if not isinstance(parsed, dict):
            raise ValueError("properties is not a JSON object")
        return parsed
    plain = _plain(value)
    return dict(plain) if isinstance(plain, Mapping) else {}


def event_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row (store-shaped or flat) as a Mixpanel event."""
    if set(row) >= _STORE_COLUMNS:
        props = _properties(row["properties"])
        props["distinct_id"] = row["distinct_id"]
        props["time"] = _plain(row["event_time"])
        if row["insert_id"] is not None:
            props["$insert_id"] = row["insert_id"]
        return {"event": row["event_name"], "properties": props}
    props = {}
    for key, value in row.items():
        if key == "event" or value is None:
            continue
        props[key] = _plain(value)
    return {"event": row.get("event"), "properties": props}


@dataclass
class MixpanelCommit(WriterCommitMessage):
    """What one task did: counts and (up to ``max_rejects``) its rejects."""

    partition: int
    imported: int = 0
    rejected: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)


def _rows(batches: Iterator[Any]) -> Iterator[dict[str, Any]]:
    for batch in batches:
        yield from batch.to_pylist()


def _partition_id() -> int:
    from pyspark import TaskContext

    context = TaskContext.get()
    return int(context.partitionId()) if context is not None else 0


class MixpanelWriter(DataSourceArrowWriter):
    """Imports each task's rows (see the module docstring)."""

    def __init__(self, options: WriteOptions, conn: Connection) -> None:
        self.options = options
        self.conn = conn

    def write(self, iterator: Iterator[Any]) -> MixpanelCommit:
        commit = MixpanelCommit(_partition_id())

        def on_reject(entry: dict[str, Any]) -> None:
            commit.rejected += 1
            if len(commit.rejects) < self.options.max_rejects:
                commit.rejects.append({"partition": commit.partition, **entry})

        ws = self.conn.workspace()
        try:
            if self.options.kind == "events":
                self._events(ws, _rows(iterator), commit, on_reject)
            else:
                self._profiles(ws, _rows(iterator), commit, on_reject)
        finally:
            ws.close()
        return commit

    def _events(
        self, ws: Any, rows: Iterator[dict[str, Any]], commit: MixpanelCommit, on_reject: Any
    ) -> None:
        from mixpanel_data._services.importer import EventImporter

        def events() -> Iterator[Any]:
            for row in rows:
                try:
                    yield event_of(row)
                except (ValueError, TypeError) as exc:  # an unreadable properties value
                    yield {"event": row.get("event_name"), "properties": f"unreadable: {exc}"}

        importer = EventImporter(ws.api, ws.credentials.project_id)
        result = importer.run(
            events(),
            strict=self.options.strict,
            batch_size=self.options.batch_size,
            workers=self.options.workers,
            timezone=self.options.timezone,
            resume=False,
            on_reject=on_reject,
        )
        commit.imported += result.imported

    def _profiles(
        self, ws: Any, rows: Iterator[dict[str, Any]], commit: MixpanelCommit, on_reject: Any
    ) -> None:
        from mixpanel_data._api.call import call_json

        token = ws.credentials.token
        if token is None:
            raise ValidationError(
                'writing profiles or groups needs the project token: option "token" or MP_TOKEN',
                details={"param": "token"},
            )
        groups = self.options.kind == "groups"
        operation = "group_set" if groups else "profile_set"
        batch: list[dict[str, Any]] = []

        def send() -> None:
            call_json(ws.api, operation, body=batch)
            commit.imported += len(batch)
            batch.clear()

        for number, row in enumerate(rows, start=1):
            try:
                update = self._update(row, token.get_secret_value(), groups)
            except (ValueError, TypeError) as exc:
                on_reject({"line": number, "field": "", "reason": str(exc), "record": row})
                continue
            batch.append(update)
            if len(batch) >= PROFILE_BATCH:
                send()
        if batch:
            send()

    def _update(self, row: Mapping[str, Any], token: str, groups: bool) -> dict[str, Any]:
        keys = ("group_key", "group_id") if groups else ("distinct_id",)
        if "properties" in row:
            props = _properties(row["properties"])
        else:
            props = {k: _plain(v) for k, v in row.items() if k not in keys and v is not None}
        update: dict[str, Any] = {"$token": token, "$set": props}
        if groups:
            key = row.get("group_key") or self.options.group_key
            if not key or row.get("group_id") in (None, ""):
                raise ValueError("a group needs group_key (column or option) and group_id")
            update.update({"$group_key": str(key), "$group_id": str(row["group_id"])})
        else:
            if row.get("distinct_id") in (None, ""):
                raise ValueError("distinct_id is missing")
            update["$distinct_id"] = str(row["distinct_id"])
        return update

    def commit(self, messages: list[WriterCommitMessage | None]) -> None:
        done = [m for m in messages if isinstance(m, MixpanelCommit)]
        rejected = sum(m.rejected for m in done)
        rejects = [r for m in done for r in m.rejects]
        if self.options.rejects_path and rejects:
            path = self.options.rejects_path
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for entry in rejects:
                    fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        if rejected and not self.options.allow_rejects:
            imported = sum(m.imported for m in done)
            first = rejects[0] if rejects else {}
            where = (
                f" (first: partition {first.get('partition')}, row {first.get('line')}: "
                f"{first.get('field') or 'record'}: {first.get('reason')})"
                if first
                else ""
            )
            raise MixpanelDataError(
                f"{rejected} {self.options.kind} rejected, {imported} imported{where}; "
                'see option "rejects_path", or pass allow_rejects=true',
                details={"rejected": rejected, "imported": imported},
            )


__all__ = ["PROFILE_BATCH", "MixpanelCommit", "MixpanelWriter", "event_of"]
