"""Where imported records come from: files (JSONL, JSON array, CSV, Parquet; gzip too), an
iterable of dicts, a pandas DataFrame, or a table / SQL query of the local store.

Every source yields :class:`SourceRecord` items: the record's position (1-based file line, or
row number) so a rejection can point back at it, the record itself, and for JSONL the original
line (sent as is when the record needs no change). Flat rows (CSV, tables, DataFrames, flat
dicts) become Mixpanel events through a :class:`ColumnMapping`.

Example:
    >>> mapping = ColumnMapping(distinct_id="user")
    >>> mapping.to_event({"event": "Signed Up", "user": "u1", "time": 1767225600, "plan": "pro"})
    {'event': 'Signed Up', 'properties': {'distinct_id': 'u1', 'time': 1767225600, 'plan': 'pro'}}
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mixpanel_data.exceptions import TableNotFoundError, ValidationError

if TYPE_CHECKING:
    from mixpanel_data._storage.engine import StorageEngine


# One record of a source: its position (file line or row, 1-based), the record, and the
# original JSON line when the source was JSONL (else None). A plain tuple: made once per event.
SourceRecord = tuple[int, Any, "bytes | None"]


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of a flat row holds each of Mixpanel's event fields; every other column
    becomes a property (empty CSV cells are left out)."""

    event: str = "event"
    distinct_id: str = "distinct_id"
    time: str = "time"
    insert_id: str = "$insert_id"

    def to_event(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A Mixpanel-shaped event from a flat row (a row already shaped so is left alone)."""
        if isinstance(row.get("properties"), Mapping) and set(row) <= {"event", "properties"}:
            return {"event": row.get("event"), "properties": dict(row["properties"])}
        special = {
            self.distinct_id: "distinct_id",
            self.time: "time",
            self.insert_id: "$insert_id",
        }
        props: dict[str, Any] = {}
        for key, value in row.items():
            if key == self.event or value is None or value == "":
                continue
            props[special.get(key, key)] = value
        return {"event": row.get(self.event), "properties": props}


@dataclass(frozen=True)
class Source:
    """An opened source: its records, a label for messages, and (files only) an identity that
    changes when the file does, for resuming."""

    records: Iterator[SourceRecord]
    label: str
    identity: dict[str, Any] | None
    path: Path | None


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _open_binary(path: Path) -> IO[bytes]:
    if _is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _file_kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    with _open_binary(path) as fh:
        head = fh.read(4096).lstrip()
    return "json" if head.startswith(b"[") else "jsonl"


_CHUNK_LINES = 1000
_decode = json.JSONDecoder().decode


def _parse_lines(lines: list[tuple[int, bytes]]) -> Iterator[SourceRecord]:
    """Records of a run of JSON lines: parsed in one call (fast), else line by line (a run with
    a bad line, or with as many values as lines only by accident, is rejected line by line or
    refused by Mixpanel as a whole: never sent as something else)."""
    try:
        records = _decode("[" + b",".join(line for _, line in lines).decode() + "]")
    except ValueError:
        records = None
    if isinstance(records, list) and len(records) == len(lines):
        for (number, line), record in zip(lines, records, strict=True):
            yield (number, record, line)
        return
    for number, line in lines:
        try:
            record = _decode(line.decode())
        except ValueError as exc:
            yield (number, _Unreadable(f"not valid JSON: {exc}"), None)
            continue
        yield (number, record, line)


def _jsonl(path: Path) -> Iterator[SourceRecord]:
    with _open_binary(path) as fh:
        chunk: list[tuple[int, bytes]] = []
        for number, raw in enumerate(fh, start=1):
            line = raw.strip()
            if line:
                chunk.append((number, line))
                if len(chunk) == _CHUNK_LINES:
                    yield from _parse_lines(chunk)
                    chunk = []
        yield from _parse_lines(chunk)


def _json_array(path: Path) -> Iterator[SourceRecord]:
    with _open_binary(path) as fh:
        try:
            data = json.load(fh)
        except ValueError as exc:
            raise ValidationError(
                f"{path}: not valid JSON ({exc})", details={"param": "source"}
            ) from exc
    if not isinstance(data, list):
        raise ValidationError(
            f"{path}: a JSON file must hold an array of events", details={"param": "source"}
        )
    for index, record in enumerate(data, start=1):
        yield (index, record, None)


def _csv(path: Path, mapping: ColumnMapping) -> Iterator[SourceRecord]:
    with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        reader = csv.DictReader(text)
        for row in reader:
            yield (reader.line_num, mapping.to_event(row), None)


def _rows(
    columns: list[str], fetch: Callable[[], list[tuple[Any, ...]]], mapping: ColumnMapping
) -> Iterator[SourceRecord]:
    number = 0
    while chunk := fetch():
        for values in chunk:
            number += 1
            yield (number, mapping.to_event(dict(zip(columns, values, strict=True))), None)


# The columns of a table `fetch_events` made: such rows go back to Mixpanel's own shape.
STORE_EVENT_COLUMNS = frozenset(
    {"event_name", "event_time", "distinct_id", "insert_id", "properties"}
)


class _StoredEvents(ColumnMapping):
    """Rows of a fetched events table back in Mixpanel's shape (time in epoch milliseconds)."""

    def to_event(self, row: Mapping[str, Any]) -> dict[str, Any]:
        props = row["properties"]
        props = json.loads(props) if isinstance(props, str) else dict(props or {})
        when = row["event_time"]
        if isinstance(when, datetime):
            when = round(when.replace(tzinfo=when.tzinfo or UTC).timestamp() * 1000)
        props.update(distinct_id=row["distinct_id"], time=when)
        if row["insert_id"] is not None:
            props["$insert_id"] = row["insert_id"]
        return {"event": row["event_name"], "properties": props}


def _query_rows(storage: StorageEngine, sql: str, mapping: ColumnMapping) -> Iterator[SourceRecord]:
    from mixpanel_data._storage._errors import user_query

    cursor = storage.connection.cursor()
    try:
        with user_query(sql):
            cursor.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        if set(columns) >= STORE_EVENT_COLUMNS:
            mapping = _StoredEvents()

        def fetch() -> list[tuple[Any, ...]]:
            with user_query(sql):
                return cursor.fetchmany(5000)

        yield from _rows(columns, fetch, mapping)
    finally:
        cursor.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _identity(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


class _Unreadable:
    """A record that could not be read (its reason is the rejection)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def unreadable_reason(record: Any) -> str | None:
    """Why a record could not be read, or ``None`` when it was."""
    return record.reason if isinstance(record, _Unreadable) else None


def open_source(
    source: Any,
    *,
    mapping: ColumnMapping | None = None,
    table: str | None = None,
    sql: str | None = None,
    storage: Callable[[], StorageEngine] | None = None,
) -> Source:
    """Open ``source`` (a path, an iterable of dicts, a DataFrame) or ``table`` / ``sql`` of the
    local store; raises :class:`ValidationError` for what cannot be read."""
    mapping = mapping or ColumnMapping()
    if table is not None or sql is not None:
        if storage is None:
            raise ValidationError("a table or SQL source needs the local store")
        if table is not None and not storage().table_exists(table):
            raise TableNotFoundError(
                f"no table named {table!r} in the local store", details={"table": table}
            )
        query = sql if sql is not None else f"SELECT * FROM {_quote(str(table))}"
        label = f"table {table}" if table is not None else "SQL query"
        return Source(_query_rows(storage(), query, mapping), label, None, None)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"no such file: {path}", details={"param": "source"})
        kind = _file_kind(path)
        if kind == "csv":
            records = _csv(path, mapping)
        elif kind == "json":
            records = _json_array(path)
        elif kind == "jsonl":
            records = _jsonl(path)
        else:
            if storage is None:
                raise ValidationError("a Parquet source needs the local store")
            literal = "'" + str(path).replace("'", "''") + "'"
            records = _query_rows(storage(), f"SELECT * FROM read_parquet({literal})", mapping)
        return Source(records, str(path), _identity(path), path)
    if type(source).__name__ == "DataFrame" and hasattr(source, "itertuples"):
        frame = source
        columns = [str(c) for c in frame.columns]

        def frame_rows() -> Iterator[SourceRecord]:
            for number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
                row = {k: _plain(v) for k, v in zip(columns, values, strict=True)}
                yield (number, mapping.to_event(row), None)

        return Source(frame_rows(), "DataFrame", None, None)
    if isinstance(source, Iterable) and not isinstance(source, bytes | Mapping):
        items: Iterable[Any] = source

        def dict_rows() -> Iterator[SourceRecord]:
            for number, item in enumerate(items, start=1):
                record = mapping.to_event(item) if isinstance(item, Mapping) else item
                yield (number, record, None)

        return Source(dict_rows(), "records", None, None)
    raise ValidationError(
        f"cannot import from a {type(source).__name__}: give a file path, an iterable of dicts, "
        "a DataFrame, or table=/sql=",
        details={"param": "source"},
    )


def _plain(value: Any) -> Any:
    """A DataFrame cell as plain JSON data (NaN/NaT become missing, timestamps ISO text)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "isoformat"):
        return None if str(value) == "NaT" else value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def file_digest(identity: Mapping[str, Any], *extra: Any) -> str:
    """A short stable name for a source identity plus the settings that shape its batches."""
    text = json.dumps([dict(identity), *extra], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
