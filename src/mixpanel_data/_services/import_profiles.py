"""Importing user and group profile updates: checked locally, batched, sent gzipped, each at most
once when repeating it would change something.

Each source record becomes one update of ``/engage`` (users) or ``/groups`` (groups). A record
that already holds operations (``$set``, ``$add``, ... with ``$distinct_id`` or ``$group_id``)
is sent as it is; a flat row (CSV, table, DataFrame, plain dict) names the profile in its id
column and every other non-empty column is a property updated with ``operation`` (default
``$set``), or with the operation ``columns`` gives for that column.

Exactly once: a batch without ``$add`` or ``$append`` is safe to repeat (the spec's rule), so the
transport retries it like an event batch. A batch with them is never sent again once it may have
reached Mixpanel: when no answer comes (or a 5xx does), its updates are reported as "unknown
outcome" in the rejects file, with their lines, and the batch counts as done so a re-run does
not apply them twice. File imports resume like event imports (``.mp-import/`` beside the file).

Example:
    >>> importer = ProfileImporter(api, "12345", token="...")       # doctest: +SKIP
    >>> importer.run("plans.csv", operation="$set").imported         # doctest: +SKIP
    500
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mixpanel_data._services.import_records import RecordRejected
from mixpanel_data._services.import_sources import (
    ColumnMapping,
    open_source,
    unreadable_reason,
)
from mixpanel_data._services.importer import (
    MAX_BATCH_BYTES,
    ImportProgress,
    ProgressFile,
    RejectsFile,
    progress_file_for,
)
from mixpanel_data.exceptions import ServerError, TransportError, ValidationError
from mixpanel_data.results.imports import ImportResult

MAX_BATCH_UPDATES = 2000
OPERATIONS = ("$set", "$set_once", "$unset", "$delete", "$add", "$append", "$remove", "$union")
_OBJECT_OPERATIONS = frozenset({"$set", "$set_once", "$add", "$append", "$remove", "$union"})

Kind = Literal["user", "group"]


class _AsIs(ColumnMapping):
    """Rows are kept as they are: the profile importer reads them itself."""

    def to_event(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return dict(row)


def _number(value: Any, column: str) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            pass
    raise RecordRejected(column, f"$add needs a number, not {value!r}")


def _listed(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        if isinstance(parsed, list):
            return parsed
    return [value]


@dataclass(frozen=True)
class UpdateShape:
    """How records become updates: user or group, the id column, the default operation and
    the per-column operations."""

    kind: Kind
    token: str
    operation: str = "$set"
    columns: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    group_key: str | None = None

    @property
    def id_field(self) -> str:
        return "$distinct_id" if self.kind == "user" else "$group_id"

    def check(self) -> None:
        """Raise :class:`ValidationError` for settings no record could satisfy."""
        for name, op in [("operation", self.operation), *self.columns.items()]:
            if op not in OPERATIONS:
                raise ValidationError(
                    f"{'operation' if name == 'operation' else f'column {name!r}'}: {op!r} is "
                    f"not one of {', '.join(OPERATIONS)}",
                    details={"param": "operation" if name == "operation" else "columns"},
                )
        if self.kind == "group" and not self.group_key:
            raise ValidationError("group_key is required", details={"param": "group_key"})

    def to_update(self, record: Any) -> dict[str, Any]:
        """The update for ``record``; raises :class:`RecordRejected`."""
        if not isinstance(record, dict):
            raise RecordRejected("", "each record must be an object")
        given = [k for k in record if k in OPERATIONS]
        update = self._shaped(record, given) if given else self._flat(record)
        update["$token"] = self.token
        if self.kind == "group":
            update.setdefault("$group_key", self.group_key)
        update.setdefault("$ignore_time", True)
        return update

    def _id_of(self, record: Mapping[str, Any], names: list[str]) -> str:
        for name in names:
            value = record.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return str(value)
        raise RecordRejected(names[0], f"the profile id ({' or '.join(names)}) is missing")

    def _shaped(self, record: dict[str, Any], given: list[str]) -> dict[str, Any]:
        update = dict(record)
        update[self.id_field] = self._id_of(record, [self.id_field])
        for op in given:
            value = record[op]
            if op in _OBJECT_OPERATIONS and not isinstance(value, dict):
                raise RecordRejected(op, f"{op} must be an object of properties")
            if op == "$unset" and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise RecordRejected(op, "$unset must be a list of property names")
            if op == "$add":
                update[op] = {k: _number(v, f"$add.{k}") for k, v in value.items()}
            if op == "$union":
                bad = [k for k, v in value.items() if not isinstance(v, list)]
                if bad:
                    raise RecordRejected(f"$union.{bad[0]}", "$union values must be lists")
        return update

    def _flat(self, record: Mapping[str, Any]) -> dict[str, Any]:
        default_id = "distinct_id" if self.kind == "user" else "group_id"
        names = [self.id_column] if self.id_column else [default_id, self.id_field]
        profile_id = self._id_of(record, names)
        update: dict[str, Any] = {self.id_field: profile_id}
        skip = {*names, self.id_field, "$group_key"}
        if self.operation == "$delete" and not self.columns:
            update["$delete"] = ""
            return update
        for column, value in record.items():
            if column in skip or value is None or value == "":
                continue
            op = self.columns.get(column, self.operation)
            if op == "$delete":
                update["$delete"] = ""
            elif op == "$unset":
                update.setdefault("$unset", []).append(column)
            elif op == "$add":
                update.setdefault("$add", {})[column] = _number(value, column)
            elif op == "$union":
                update.setdefault("$union", {})[column] = _listed(value)
            else:
                update.setdefault(op, {})[column] = value
        if len(update) == 1:
            raise RecordRejected("", "the record has no property to update")
        return update


@dataclass
class _Batch:
    number: int
    updates: list[dict[str, Any]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)


@dataclass
class _Tally:
    read: int = 0
    valid: int = 0
    imported: int = 0
    skipped: int = 0
    unknown: int = 0
    batches: int = 0


class ProfileImporter:
    """Imports user or group profile updates into one project (see the module docstring)."""

    def __init__(self, api: Any, project_id: str, storage: Callable[[], Any] | None = None):
        self._api = api
        self._project_id = project_id
        self._storage = storage

    def _batches(
        self, records: Iterator[Any], shape: UpdateShape, tally: _Tally, rejects: RejectsFile,
        batch_size: int,
    ) -> Iterator[_Batch]:  # fmt: skip
        batch = _Batch(0)
        size = 2
        for position, record, _line in records:
            tally.read += 1
            reason = unreadable_reason(record)
            try:
                if reason is not None:
                    raise RecordRejected("", reason)
                update = shape.to_update(record)
                length = len(json.dumps(update, separators=(",", ":"), default=str))
                if length + 2 > MAX_BATCH_BYTES:
                    raise RecordRejected("", f"the update is {length:,} bytes of JSON")
            except RecordRejected as exc:
                rejects.add(
                    {
                        "line": position,
                        "field": exc.field,
                        "reason": exc.reason,
                        "record": None if reason is not None else record,
                    }
                )
                continue
            if batch.updates and (
                len(batch.updates) >= batch_size or size + 1 + length > MAX_BATCH_BYTES
            ):
                tally.valid += len(batch.updates)
                yield batch
                batch = _Batch(batch.number + 1)
                size = 2
            size += length + 1
            batch.updates.append(update)
            batch.positions.append(position)
        if batch.updates:
            tally.valid += len(batch.updates)
            yield batch

    def _send(self, shape: UpdateShape, batch: _Batch) -> tuple[int, list[dict[str, Any]]]:
        """Send one batch: (updates applied, rejects of this batch)."""
        from mixpanel_data._api.call import call_gzip_json, repeatable_body
        from mixpanel_data._api.catalog import load_catalog

        operation = "profile_batch_update" if shape.kind == "user" else "group_batch_update"
        repeatable = repeatable_body(load_catalog().get(operation), batch.updates)
        try:
            answer = call_gzip_json(self._api, operation, batch.updates, verbose="1")
        except (TransportError, ServerError) as exc:
            if repeatable:
                raise
            reason = (
                "unknown outcome: the request may have reached Mixpanel and was not sent again "
                f"($add/$append are not safe to repeat): {exc.message}"
            )
            return 0, [
                {"line": p, "field": "", "reason": reason, "record": u, "unknown": True}
                for p, u in zip(batch.positions, batch.updates, strict=True)
            ]
        if isinstance(answer, dict) and answer.get("status") in (1, "1"):
            return len(batch.updates), []
        error = answer.get("error") if isinstance(answer, dict) else str(answer)
        return 0, [
            {"line": p, "field": "", "reason": f"Mixpanel refused the batch: {error}", "record": u}
            for p, u in zip(batch.positions, batch.updates, strict=True)
        ]

    def run(
        self,
        source: Any,
        shape: UpdateShape,
        *,
        batch_size: int = MAX_BATCH_UPDATES,
        dry_run: bool = False,
        progress: Callable[[ImportProgress], None] | None = None,
        rejects_path: str | os.PathLike[str] | None = None,
        resume: bool = True,
        table: str | None = None,
        sql: str | None = None,
    ) -> ImportResult:
        """Import ``source``; see :meth:`mixpanel_data.Workspace.import_profiles`."""
        shape.check()
        if not 1 <= batch_size <= MAX_BATCH_UPDATES:
            raise ValidationError(
                f"batch_size must be 1-{MAX_BATCH_UPDATES}", details={"param": "batch_size"}
            )
        opened = open_source(source, mapping=_AsIs(), table=table, sql=sql, storage=self._storage)
        if rejects_path is not None:
            rejects_file: Path | None = Path(rejects_path)
        elif opened.path is not None:
            rejects_file = opened.path.with_name(opened.path.name + ".rejects.jsonl")
        else:
            rejects_file = None
        rejects = RejectsFile(rejects_file)
        state: ProgressFile | None = None
        if not dry_run:
            state = progress_file_for(
                opened,
                self._project_id,
                batch_size,
                resume,
                kind=shape.kind,
                operation=shape.operation,
                columns=dict(shape.columns),
                id_column=shape.id_column,
                group_key=shape.group_key,
            )
        if state is not None:
            for entry in state.rejects:
                rejects.add(entry)
        tally = _Tally()
        tally.unknown = sum(1 for e in (state.rejects if state else []) if e.get("unknown"))
        started = time.monotonic()

        def report() -> None:
            if progress is not None:
                progress(
                    ImportProgress(
                        tally.read, tally.imported, rejects.count, tally.skipped, tally.batches,
                        started,
                    )
                )  # fmt: skip

        try:
            for batch in self._batches(opened.records, shape, tally, rejects, batch_size):
                if dry_run:
                    tally.batches += 1
                    continue
                if state is not None and batch.number in state.done:
                    tally.skipped += len(batch.updates)
                    continue
                applied, new = self._send(shape, batch)
                tally.imported += applied
                tally.batches += 1
                tally.unknown += sum(1 for e in new if e.get("unknown"))
                for entry in new:
                    rejects.add(entry)
                if state is not None:
                    state.done.add(batch.number)
                    state.rejects.extend(new)
                    state.save()
                report()
        finally:
            written = rejects.close()
            if state is not None:
                state.save()
        report()
        return ImportResult(
            source=opened.label,
            imported=tally.imported,
            rejected=rejects.count - tally.unknown,
            skipped=tally.skipped,
            batches=tally.batches,
            valid=tally.valid,
            dry_run=dry_run,
            rejects_path=str(written) if written is not None else None,
            seconds=round(time.monotonic() - started, 3),
            unknown=tally.unknown,
            _rejects=rejects.sample,
        )


__all__ = ["MAX_BATCH_UPDATES", "OPERATIONS", "ProfileImporter", "UpdateShape"]
