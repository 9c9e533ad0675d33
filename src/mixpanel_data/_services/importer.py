"""Importing events: checked locally, cut into batches, sent gzipped by a few threads, exactly once.

The reader (the caller's thread) checks each record (:mod:`.import_records`), gives it a
deterministic ``$insert_id`` when it has none, and cuts the stream into batches of at most
``batch_size`` events (2000 at most) and :data:`MAX_BATCH_BYTES` of uncompressed JSON. Batches
are numbered in source order, so the same file always gives the same batches. A small pool sends
them (gzip on the wire); at most ``2 * workers`` batches wait in memory, so memory does not grow
with the file. Every request carries only events with ``$insert_id``, so the transport may repeat
it after a 429, a 5xx or a lost answer: Mixpanel keeps one copy per insert id.

Resume: for a file, a progress file (``.mp-import/`` beside the source, 0700; the file 0600)
records the source's identity (path, size, mtime), the project, the batch size and the numbers of
the finished batches, plus the rejects Mixpanel reported for them. A re-run after Ctrl-C or a
crash skips the finished batches; ``resume=False`` starts over.

Rejects: records refused locally, and those Mixpanel refuses in strict mode (``failed_records``:
index in the batch, insert id, field, message), are mapped back to their source line or row and
written as JSON lines (``line``, ``field``, ``reason``, ``record``) to the rejects file.

Example:
    >>> importer = EventImporter(api, project_id="12345")             # doctest: +SKIP
    >>> importer.run("events.jsonl", rejects_path=None).imported       # doctest: +SKIP
    10000
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mixpanel_data._services.import_records import (
    RecordRejected,
    parse_timezone,
    prepare_event,
)
from mixpanel_data._services.import_sources import (
    ColumnMapping,
    Source,
    file_digest,
    open_source,
    unreadable_reason,
)
from mixpanel_data.exceptions import APIError, QueryError, ValidationError
from mixpanel_data.results.imports import ImportResult

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients
    from mixpanel_data._storage.engine import StorageEngine

MAX_BATCH_EVENTS = 2000
MAX_BATCH_BYTES = 2_097_152  # the limit in Mixpanel's published 413 example
STATE_DIR = ".mp-import"


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands: records read, events imported / rejected / skipped, batches."""

    read: int
    imported: int
    rejected: int
    skipped: int
    batches_done: int
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Events imported per second so far."""
        elapsed = time.monotonic() - self.started
        return self.imported / elapsed if elapsed > 0 else 0.0


@dataclass
class _Batch:
    number: int
    lines: list[bytes] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    size: int = 2  # the brackets

    def payload(self) -> bytes:
        return b"[" + b",".join(self.lines) + b"]"


@dataclass
class _Tally:
    read: int = 0
    valid: int = 0
    imported: int = 0
    rejected: int = 0
    skipped: int = 0
    batches: int = 0


class RejectsFile:
    """The rejects file, opened on the first reject; also counts and keeps the first few."""

    def __init__(
        self, path: Path | None, on_reject: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.path = path
        self.on_reject = on_reject
        self._fh: IO[str] | None = None
        self.count = 0
        self.sample: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        self.count += 1
        if len(self.sample) < 100:
            self.sample.append(entry)
        if self.on_reject is not None:
            self.on_reject(entry)
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Rejects hold whole records: private to this user, never through a planted symlink.
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(self.path, flags, 0o600)
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            self._fh = os.fdopen(fd, "w", encoding="utf-8")
        self._fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    def close(self) -> Path | None:
        if self._fh is not None:
            self._fh.close()
            return self.path
        if self.path is not None and self.path.exists():
            self.path.unlink()  # a stale file from an earlier run
        return None


class ProgressFile:
    """The progress file of one file import (see the module docstring)."""

    def __init__(self, path: Path, key: dict[str, Any]) -> None:
        self.path = path
        self.key = key
        self.done: set[int] = set()
        self.rejects: list[dict[str, Any]] = []

    @classmethod
    def load(cls, path: Path, key: dict[str, Any], resume: bool) -> ProgressFile:
        state = cls(path, key)
        if resume and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            if data.get("key") == key:
                state.done = {int(n) for n in data.get("done", [])}
                state.rejects = list(data.get("rejects", []))
        return state

    def save(self) -> None:
        write_private_json(
            self.path, {"key": self.key, "done": sorted(self.done), "rejects": self.rejects}
        )


def write_private_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically: the file 0600, a new folder 0700."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, separators=(",", ":")))
    os.replace(tmp, path)


def progress_file_for(
    source: Source, project_id: str, batch_size: int, resume: bool, **settings: Any
) -> ProgressFile | None:
    """The progress file of a file import (``None`` for other sources); ``settings`` are what
    else shapes the batches or their meaning (a profile import's operation, ...)."""
    if source.path is None or source.identity is None:
        return None
    key = {**source.identity, "project_id": project_id, "batch_size": batch_size, **settings}
    folder = source.path.parent / STATE_DIR
    name = f"{source.path.name}.{file_digest(key)}.json"
    return ProgressFile.load(folder / name, key, resume)


def _failed_records(err: APIError) -> list[dict[str, Any]] | None:
    body = err.details.get("response_body")
    if isinstance(body, dict) and isinstance(body.get("failed_records"), list):
        return [r for r in body["failed_records"] if isinstance(r, dict)]
    return None


class EventImporter:
    """Imports events into one project through ``/import`` (see the module docstring)."""

    def __init__(
        self,
        api: ApiClients,
        project_id: str,
        storage: Callable[[], StorageEngine] | None = None,
    ) -> None:
        self._api = api
        self._project_id = project_id
        self._storage = storage

    # -- sending ---------------------------------------------------------------------------

    def _send(self, payload: bytes, strict: bool) -> tuple[int, list[dict[str, Any]] | None]:
        """POST one batch gzipped; (events stored, Mixpanel's failed records or None)."""
        from mixpanel_data._api.call import call_gzip_json

        try:
            # Every event of a batch has an $insert_id, so the spec's rule lets it be repeated.
            answer = call_gzip_json(
                self._api, "import_events", payload, repeatable=True, strict="1" if strict else "0"
            )
        except QueryError as err:
            failed = _failed_records(err) if strict and err.status == 400 else None
            if failed is None:
                raise
            body = err.details.get("response_body") or {}
            return int(body.get("num_records_imported") or 0), failed
        return int(answer.get("num_records_imported") or 0), None

    # -- the run ---------------------------------------------------------------------------

    def _batches(
        self, source: Source, tally: _Tally, rejects: RejectsFile, batch_size: int, zone: Any
    ) -> Iterator[_Batch]:
        now_ms = int(time.time() * 1000)
        batch = _Batch(0)
        lines, positions = batch.lines, batch.positions  # the hot loop uses locals
        size = 2
        for position, record, line in source.records:
            tally.read += 1
            reason = unreadable_reason(record) if line is None else None
            try:
                if reason is not None:
                    raise RecordRejected("", reason)
                event, changed = prepare_event(record, zone, now_ms)
                if line is None or changed:
                    line = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
                length = len(line)
                if length + 2 > MAX_BATCH_BYTES:
                    raise RecordRejected("", f"the event is {length:,} bytes of JSON")
            except ValidationError as exc:
                exc.message = f"{source.label}, line {position}: {exc.message}"
                exc.args = (exc.message,)
                raise
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
            if lines and (len(lines) >= batch_size or size + 1 + length > MAX_BATCH_BYTES):
                batch.size = size
                tally.valid += len(lines)
                yield batch
                batch = _Batch(batch.number + 1)
                lines, positions = batch.lines, batch.positions
                size = 2
            size += length + 1 if lines else length
            lines.append(line)
            positions.append(position)
        if lines:
            batch.size = size
            tally.valid += len(lines)
            yield batch

    def run(
        self,
        source: Any,
        *,
        strict: bool = True,
        batch_size: int = MAX_BATCH_EVENTS,
        workers: int = 2,
        dry_run: bool = False,
        progress: Callable[[ImportProgress], None] | None = None,
        rejects_path: str | os.PathLike[str] | None = None,
        timezone: str | None = None,
        resume: bool = True,
        mapping: ColumnMapping | Mapping[str, str] | None = None,
        table: str | None = None,
        sql: str | None = None,
        on_reject: Callable[[dict[str, Any]], None] | None = None,
    ) -> ImportResult:
        """Import ``source``; see :meth:`mixpanel_data.Workspace.import_events`.

        ``on_reject`` receives every reject entry (``line``, ``field``, ``reason``, ``record``)
        as it is found, besides the rejects file (the Spark sink collects them this way).
        """
        if mapping is not None and not isinstance(mapping, ColumnMapping):
            known = {f.name for f in dataclasses.fields(ColumnMapping)}
            unknown = sorted(set(mapping) - known)
            if unknown:
                raise ValidationError(
                    f"mapping: unknown field(s) {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}",
                    details={"param": "mapping"},
                )
            mapping = ColumnMapping(**dict(mapping))
        if not 1 <= batch_size <= MAX_BATCH_EVENTS:
            raise ValidationError(
                f"batch_size must be 1-{MAX_BATCH_EVENTS}", details={"param": "batch_size"}
            )
        if not 1 <= workers <= 16:
            raise ValidationError("workers must be 1-16", details={"param": "workers"})
        try:
            zone = parse_timezone(timezone)
        except ValueError as exc:
            raise ValidationError(str(exc), details={"param": "timezone"}) from None
        opened = open_source(source, mapping=mapping, table=table, sql=sql, storage=self._storage)
        if rejects_path is not None:
            rejects_file: Path | None = Path(rejects_path)
        elif opened.path is not None:
            rejects_file = opened.path.with_name(opened.path.name + ".rejects.jsonl")
        else:
            rejects_file = None
        rejects = RejectsFile(rejects_file, on_reject)
        state = None if dry_run else progress_file_for(opened, self._project_id, batch_size, resume)
        if state is not None:
            for entry in state.rejects:
                rejects.add(entry)
        tally = _Tally()
        started = time.monotonic()

        def report() -> None:
            if progress is not None:
                progress(
                    ImportProgress(
                        tally.read,
                        tally.imported,
                        rejects.count,
                        tally.skipped,
                        tally.batches,
                        started,
                    )
                )

        try:
            batches = self._batches(opened, tally, rejects, batch_size, zone)
            if dry_run:
                for _ in batches:
                    tally.batches += 1
            else:
                self._send_all(batches, state, tally, rejects, strict, workers, report)
        finally:
            written = rejects.close()
            if state is not None:
                state.save()
        report()
        return ImportResult(
            source=opened.label,
            imported=tally.imported,
            rejected=rejects.count,
            skipped=tally.skipped,
            batches=tally.batches,
            valid=tally.valid,
            dry_run=dry_run,
            rejects_path=str(written) if written is not None else None,
            _rejects=rejects.sample,
            seconds=round(time.monotonic() - started, 3),
        )

    def _send_all(
        self,
        batches: Iterator[_Batch],
        state: ProgressFile | None,
        tally: _Tally,
        rejects: RejectsFile,
        strict: bool,
        workers: int,
        report: Callable[[], None],
    ) -> None:
        pending: dict[Future[tuple[int, list[dict[str, Any]] | None]], _Batch] = {}

        def settle(done: set[Future[tuple[int, list[dict[str, Any]] | None]]]) -> None:
            error: BaseException | None = None
            for future in done:
                batch = pending.pop(future)
                try:
                    imported, failed = future.result()
                except BaseException as exc:  # the others of this round are still recorded
                    error = error or exc
                    continue
                tally.imported += imported
                tally.batches += 1
                new: list[dict[str, Any]] = []
                if failed:
                    for item in failed:
                        index = item.get("index")
                        if not isinstance(index, int) or not 0 <= index < len(batch.lines):
                            index = None
                        new.append(
                            {
                                "line": batch.positions[index] if index is not None else None,
                                "field": item.get("field", ""),
                                "reason": item.get("message", ""),
                                "insert_id": item.get("insert_id", ""),
                                "record": (
                                    json.loads(batch.lines[index]) if index is not None else None
                                ),
                            }
                        )
                elif not strict and imported < len(batch.lines):
                    new.append(
                        {
                            "line": batch.positions[0],
                            "last_line": batch.positions[-1],
                            "field": "",
                            "reason": f"Mixpanel dropped {len(batch.lines) - imported} events "
                            "of this batch without saying which (strict=False)",
                            "record": None,
                        }
                    )
                for entry in new:
                    rejects.add(entry)
                if state is not None:
                    state.done.add(batch.number)
                    state.rejects.extend(new)
                    state.save()
            report()
            if error is not None:
                raise error

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mp-import")
        try:
            for batch in batches:
                if state is not None and batch.number in state.done:
                    tally.skipped += len(batch.lines)
                    continue
                while len(pending) >= 2 * workers:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    settle(done)
                future = pool.submit(self._send, batch.payload(), strict)
                pending[future] = batch
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                settle(done)
        except BaseException:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


__all__ = ["MAX_BATCH_BYTES", "MAX_BATCH_EVENTS", "EventImporter", "ImportProgress"]
