"""Fetch raw events and profiles into the local store, or stream them: extract → stage → load.

Events: the date range is cut into chunks that are downloaded concurrently (paced by the transport)
and saved as received (gzip on the wire stays gzip on disk) in a staging folder; finished chunks
are handed to DuckDB in batches while the others still download, and the table appears atomically
(see :meth:`StorageEngine.load_events`). Python never inflates or parses the bytes on this path,
which keeps it near DuckDB's own speed (scripts/bench_fetch.py).

Failure model:
- a connection cut mid-chunk: that chunk is downloaded again (bounded attempts); a body whose
  gzip stream ends early (found by DuckDB at load time) is deleted and downloaded again, and the
  load starts over from the files on disk;
- a chunk that still fails: :class:`FetchError`; the finished chunks stay in the staging folder
  and the same call (``resume=True``, the default) picks them up instead of downloading them again;
- Ctrl-C: downloads stop, nothing is stored, the finished chunks stay for a resume;
- an error while loading: nothing is stored; no table is created or changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data._api.export import EXPORT_PATH, engage_page, open_export
from mixpanel_data._storage import LoadMetadata, LoadResult
from mixpanel_data._storage._names import validate_table_name
from mixpanel_data._transport import transport_errors
from mixpanel_data.exceptions import (
    DataError,
    FetchError,
    MixpanelDataError,
    TableExistsError,
    Transient,
    ValidationError,
)

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients
    from mixpanel_data._credentials import Credentials
    from mixpanel_data._storage.engine import StorageEngine
    from mixpanel_data.results import FetchResult

CHUNK_ATTEMPTS = 4
# Finished chunk files go to DuckDB together: all at once when the downloads end within
# FIRST_BATCH seconds (a fast network), else whenever BATCH_BYTES of them are ready, so a slow
# network still overlaps loading with downloading. Each extra INSERT into the table costs DuckDB
# about a second at the next checkpoint (merging the partial row groups it left; measured on
# 1M sandbox events: one statement 0.0 s, two 0.9-1.3 s).
BATCH_BYTES = 64 << 20
FIRST_BATCH = 2.0
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Chunk:
    """One export request: an inclusive range of UTC days."""

    from_date: str
    to_date: str

    @property
    def name(self) -> str:
        return f"chunk-{self.from_date}_{self.to_date}"


@dataclass
class FetchProgress:
    """What a progress callback receives (the same object, updated, on every call).

    Attributes:
        phase: ``"download"``, ``"load"`` or ``"done"``.
        chunks_done, chunks_total: finished and planned export requests (profiles: pages).
        chunks_resumed: chunks found finished from an earlier, interrupted run.
        events: rows read into the store so far (export lines, counted as each batch of chunk
            files is loaded; after the load: the rows kept, without duplicates).
        bytes: bytes received on the wire.
        elapsed: seconds since the fetch started.
    """

    phase: str = "download"
    chunks_done: int = 0
    chunks_total: int = 0
    chunks_resumed: int = 0
    events: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def rate(self) -> float:
        """Rows per second so far."""
        return self.events / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[FetchProgress], None]


def parse_day(value: str, name: str) -> dt.date:
    """A ``YYYY-MM-DD`` date, or a :class:`ValidationError` naming the parameter."""
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{name} must be a date as YYYY-MM-DD (got {value!r})",
            details={"parameter": name, "value": str(value)},
        ) from None


def date_chunks(from_date: str, to_date: str, chunk_days: int) -> list[Chunk]:
    """Cut ``[from_date, to_date]`` into inclusive ranges of at most ``chunk_days`` days.

    Example:
        >>> [c.name for c in date_chunks("2026-01-01", "2026-01-10", 4)]
        ['chunk-2026-01-01_2026-01-04', 'chunk-2026-01-05_2026-01-08',
        'chunk-2026-01-09_2026-01-10']
    """
    start, end = parse_day(from_date, "from_date"), parse_day(to_date, "to_date")
    if start > end:
        raise ValidationError(f"from_date {from_date} is after to_date {to_date}")
    if chunk_days < 1:
        raise ValidationError(f"chunk_days must be at least 1 (got {chunk_days})")
    chunks, day = [], start
    while day <= end:
        last = min(end, day + dt.timedelta(days=chunk_days - 1))
        chunks.append(Chunk(day.isoformat(), last.isoformat()))
        day = last + dt.timedelta(days=1)
    return chunks


def normalize_event(raw: dict[str, Any]) -> dict[str, Any]:
    """Mixpanel's export shape → the stored row shape (``event_name, event_time, ...``)."""
    props = dict(raw.get("properties") or {})
    time_value = props.pop("time", None)
    event_time = None
    if isinstance(time_value, int | float):
        seconds = time_value / 1000 if time_value > 1e11 else time_value
        event_time = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return {
        "event_name": raw.get("event"),
        "event_time": event_time,
        "distinct_id": props.pop("distinct_id", None),
        "insert_id": props.pop("$insert_id", None),
        "properties": props,
    }


def normalize_profile(raw: dict[str, Any]) -> dict[str, Any]:
    """An engage result → the stored profile row shape (``distinct_id, properties, last_seen``)."""
    props = dict(raw.get("$properties") or {})
    last_seen = props.get("$last_seen")
    return {"distinct_id": raw.get("$distinct_id"), "properties": props, "last_seen": last_seen}


@dataclass
class _Job:
    """One events fetch in flight: what to request, where it lands, who hears about it."""

    chunks: list[Chunk]
    staging: Path
    events: list[str] | None
    where: str | None
    tracker: _Progress
    max_workers: int


class _Stopped(Exception):
    """Raised inside a download worker when the fetch is being cancelled."""


class _Progress:
    """Thread-safe progress bookkeeping that calls the user's callback."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.state = FetchProgress(chunks_total=total)
        self._callback = callback
        self._start = time.monotonic()
        self._last = 0.0
        self.restarted = False

    def update(self, *, force: bool = False, **changes: int | str) -> None:
        with self.state._lock:
            for key, value in changes.items():
                if key in {"events", "bytes", "chunks_done", "chunks_resumed"}:
                    setattr(self.state, key, getattr(self.state, key) + int(value))
                else:
                    setattr(self.state, key, value)
            self.state.elapsed = time.monotonic() - self._start
            now = time.monotonic()
            due = force or "chunks_done" in changes or now - self._last >= 0.1
            if due:
                self._last = now
        if due and self._callback is not None:
            self._callback(self.state)

    def stored(self, rows: int) -> None:
        """A batch of chunk files was read into the store: ``rows`` more events."""
        self.update(force=True, events=rows)

    def restart(self) -> None:
        """The load starts over (a chunk is downloaded again); the files on disk count anew."""
        with self.state._lock:
            self.state.chunks_done = 0
            self.state.events = 0
            self.state.phase = "download"
            self.restarted = True


class Fetcher:
    """Runs fetches and streams for one Workspace (API clients + local store + credentials)."""

    def __init__(
        self,
        api: ApiClients,
        storage: StorageEngine | Callable[[], StorageEngine],
        credentials: Credentials,
        *,
        staging_root: Path | None = None,
        chunk_attempts: int = CHUNK_ATTEMPTS,
        retry_wait: float = 0.5,
        batch_bytes: int = BATCH_BYTES,
        first_batch: float = FIRST_BATCH,
    ) -> None:
        self.api = api
        # A callable opens the store only when something is stored (streams never need it).
        self._storage = storage
        self.credentials = credentials
        self._staging_root = staging_root
        self.chunk_attempts = chunk_attempts
        self.retry_wait = retry_wait
        self.batch_bytes = batch_bytes
        self.first_batch = first_batch

    @property
    def storage(self) -> StorageEngine:
        """The local store (opened on first use when given as a callable)."""
        if callable(self._storage):
            self._storage = self._storage()
        return self._storage

    # -- events -------------------------------------------------------------------------------

    def fetch_events(
        self,
        name: str = "events",
        *,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None = None,
        where: str | None = None,
        append: bool = False,
        progress: bool | ProgressCallback = True,
        chunk_days: int = 7,
        max_workers: int = 3,
        resume: bool = True,
    ) -> FetchResult:
        """Export events in ``[from_date, to_date]`` into table ``name`` (see the module doc)."""
        from mixpanel_data.results import FetchResult

        started = time.monotonic()
        events = _event_list(events)
        where = _valid_where(where, "event")
        chunks = date_chunks(from_date, to_date, chunk_days)
        self._check_table(name, append)
        key = {
            "kind": "events",
            "project_id": self.credentials.project_id,
            "table": name,
            "from_date": from_date,
            "to_date": to_date,
            "events": events,
            "where": where,
            "chunk_days": chunk_days,
        }
        staging = self._staging_dir(key, resume)
        callback = _progress_callback(progress, "events")
        tracker = _Progress(callback, len(chunks))
        metadata = LoadMetadata(
            from_date=from_date,
            to_date=to_date,
            filter_events=events,
            filter_where=where,
            project_id=self.credentials.project_id,
            details={"chunks": len(chunks), "chunk_days": chunk_days},
        )
        job = _Job(chunks, staging, events, where, tracker, max_workers)
        loaded = self._load_chunks(name, job, append=append, metadata=metadata)
        shutil.rmtree(staging, ignore_errors=True)
        tracker.state.events = loaded.rows_loaded
        tracker.update(force=True, phase="done")
        return FetchResult(
            table=name,
            rows=loaded.rows_loaded,
            type="events",
            duration_seconds=round(time.monotonic() - started, 3),
            date_range=(from_date, to_date),
            fetched_at=dt.datetime.now(dt.UTC),
            duplicates_dropped=loaded.duplicates_dropped,
            chunks=len(chunks),
            resumed_chunks=tracker.state.chunks_resumed,
        )

    def _load_chunks(
        self, name: str, job: _Job, *, append: bool, metadata: LoadMetadata
    ) -> LoadResult:
        """Download and load, overlapped; a chunk whose gzip stream proves cut is fetched again.

        DuckDB is the one that inflates the chunk files, so a body that ended early is found at
        load time: the load rolls back, that one file is deleted and downloaded again, and the
        load starts over from the files on disk (bounded by ``chunk_attempts``).
        """
        attempt = 0
        while True:
            attempt += 1
            # The store reads batches of finished chunks while the rest download (_downloads).
            files = self._downloads(job)
            try:
                return self.storage.load_events(
                    name, files, append=append, metadata=metadata, on_batch=job.tracker.stored
                )
            except DataError as err:
                files.close()  # stop the downloads still running before touching their folder
                cut = _cut_chunk_file(err, job.staging)
                if cut is not None and attempt < self.chunk_attempts:
                    cut.unlink(missing_ok=True)
                    job.tracker.restart()
                    continue
                if not isinstance(err, Transient):
                    # The saved bytes themselves are bad: a resume must download them again.
                    shutil.rmtree(job.staging, ignore_errors=True)
                raise
            finally:
                files.close()

    def _downloads(self, job: _Job) -> Generator[list[Path], None, None]:
        """Yield the finished chunk files in lists, each read by DuckDB in one statement.

        Files of an earlier, interrupted run count as finished. When the downloads end within
        ``first_batch`` seconds everything is one list; otherwise a list goes out whenever
        ``batch_bytes`` are ready, so loading overlaps the downloads still running.

        Closing the generator early (the load failed) cancels the downloads still running.
        """
        todo: list[Chunk] = []
        resumed: list[Path] = []
        chunks, staging, tracker = job.chunks, job.staging, job.tracker
        for chunk in chunks:
            existing = _finished_file(staging, chunk)
            if existing is not None:
                if tracker.restarted:  # already counted, resumed or downloaded, on the first pass
                    tracker.update(chunks_done=1)
                else:
                    tracker.update(chunks_done=1, chunks_resumed=1, bytes=existing.stat().st_size)
                resumed.append(existing)
            else:
                todo.append(chunk)
        stop = threading.Event()
        pool = ThreadPoolExecutor(
            max_workers=max(1, job.max_workers), thread_name_prefix="mp-fetch"
        )
        pending: set[Future[Path]] = {pool.submit(self._download_chunk, c, job, stop) for c in todo}
        try:
            ready, began = resumed, time.monotonic()
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                ready += [fut.result() for fut in finished]
                worth_it = (
                    _size(ready) >= self.batch_bytes
                    and time.monotonic() - began >= self.first_batch
                )
                if ready and pending and worth_it:
                    yield ready
                    ready = []
            if ready:
                yield ready
        except BaseException as err:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            if isinstance(err, GeneratorExit):
                raise
            if isinstance(err, Transient):
                kept = sum(1 for c in chunks if _finished_file(staging, c) is not None)
                raise FetchError(
                    f"the fetch stopped: {getattr(err, 'message', err)}. {kept} of "
                    f"{len(chunks)} chunks are saved; run the same fetch again to resume",
                    details={"resume": str(staging), "chunks_saved": kept},
                ) from err
            if not isinstance(err, KeyboardInterrupt | _Stopped | FetchError):
                shutil.rmtree(staging, ignore_errors=True)
            raise
        pool.shutdown(wait=True)
        tracker.update(force=True, phase="load")

    def _download_chunk(self, chunk: Chunk, job: _Job, stop: threading.Event) -> Path:
        attempt = 0
        while True:
            attempt += 1
            try:
                path = self._download_once(chunk, job, stop)
            except MixpanelDataError as err:
                if not isinstance(err, Transient) or attempt >= self.chunk_attempts:
                    raise
                if stop.wait(self.retry_wait * 2 ** (attempt - 1)):
                    raise _Stopped() from err
                continue
            job.tracker.update(chunks_done=1)
            return path

    def _download_once(self, chunk: Chunk, job: _Job, stop: threading.Event) -> Path:
        part: Path | None = None
        try:
            with open_export(
                self.api,
                from_date=chunk.from_date,
                to_date=chunk.to_date,
                events=job.events,
                where=job.where,
            ) as response:
                gz = response.headers.get("content-encoding", "").lower() == "gzip"
                # Saved as received: DuckDB inflates .gz itself (and finds a cut gzip stream,
                # see _load_chunks), so Python spends no time on the bytes.
                final = job.staging / f"{chunk.name}{'.jsonl.gz' if gz else '.jsonl'}"
                part = final.with_name(final.name + ".part")
                with open(part, "wb") as fh, transport_errors("GET", EXPORT_PATH):
                    for block in response.iter_raw(_BLOCK):
                        if stop.is_set():
                            raise _Stopped()
                        fh.write(block)
                        job.tracker.update(bytes=len(block))
            os.replace(part, final)
            return final
        except BaseException:
            if part is not None:
                with contextlib.suppress(OSError):
                    part.unlink()
            raise

    def stream_events(
        self,
        *,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None = None,
        where: str | None = None,
        raw: bool = False,
        chunk_days: int = 7,
    ) -> Iterator[dict[str, Any]]:
        """Yield every exported event, chunk by chunk, without storing anything.

        A connection cut mid-chunk re-requests the chunk and skips the lines already yielded.
        """
        events = _event_list(events)
        where = _valid_where(where, "event")
        for chunk in date_chunks(from_date, to_date, chunk_days):
            yielded, attempt = 0, 0
            while True:
                attempt += 1
                try:
                    for line_no, record in enumerate(self._iter_chunk(chunk, events, where)):
                        if line_no < yielded:
                            continue
                        yielded += 1
                        yield record if raw else normalize_event(record)
                    break
                except MixpanelDataError as err:
                    if not isinstance(err, Transient) or attempt >= self.chunk_attempts:
                        raise
                    time.sleep(self.retry_wait * 2 ** (attempt - 1))

    def _iter_chunk(
        self, chunk: Chunk, events: list[str] | None, where: str | None
    ) -> Iterator[dict[str, Any]]:
        with (
            open_export(
                self.api,
                from_date=chunk.from_date,
                to_date=chunk.to_date,
                events=events,
                where=where,
            ) as response,
            transport_errors("GET", EXPORT_PATH),
        ):
            for number, line in enumerate(response.iter_lines(), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    raise DataError(
                        f"export of {chunk.from_date}..{chunk.to_date}: line {number} is not "
                        f"valid JSON: {line[:80]!r}",
                        details={"line": number, "chunk": chunk.name},
                    ) from None
                if not isinstance(record, dict):
                    raise DataError(
                        f"export of {chunk.from_date}..{chunk.to_date}: line {number} is not "
                        "a JSON object"
                    )
                yield record

    # -- profiles -----------------------------------------------------------------------------

    def fetch_profiles(
        self,
        name: str = "profiles",
        *,
        where: str | None = None,
        cohort_id: int | None = None,
        output_properties: Sequence[str] | None = None,
        append: bool = False,
        progress: bool | ProgressCallback = True,
    ) -> FetchResult:
        """Fetch every engage page into table ``name`` in one transaction."""
        from mixpanel_data.results import FetchResult

        started = time.monotonic()
        where = _valid_where(where, "profile")
        self._check_table(name, append)
        tracker = _Progress(_progress_callback(progress, "profiles"), 0)
        with tempfile.TemporaryDirectory(prefix="mp-profiles-") as tmp:
            path = Path(tmp) / "profiles.jsonl"
            with open(path, "w", encoding="utf-8") as fh:
                for page in self._engage_pages(where, cohort_id, output_properties, tracker):
                    for result in page:
                        fh.write(json.dumps(result, ensure_ascii=False))
                        fh.write("\n")
            tracker.update(force=True, phase="load")
            metadata = LoadMetadata(
                filter_where=where,
                filter_cohort=cohort_id,
                project_id=self.credentials.project_id,
                details={"output_properties": list(output_properties or [])},
            )
            loaded = self.storage.load_profiles(name, [path], append=append, metadata=metadata)
        tracker.state.events = loaded.rows_loaded
        tracker.update(force=True, phase="done")
        return FetchResult(
            table=name,
            rows=loaded.rows_loaded,
            type="profiles",
            duration_seconds=round(time.monotonic() - started, 3),
            date_range=None,
            fetched_at=dt.datetime.now(dt.UTC),
            duplicates_dropped=loaded.duplicates_dropped,
            chunks=tracker.state.chunks_done,
            resumed_chunks=0,
        )

    def _engage_pages(
        self,
        where: str | None,
        cohort_id: int | None,
        output_properties: Sequence[str] | None,
        tracker: _Progress | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        session_id: str | None = None
        page = 0
        while True:
            data = engage_page(
                self.api,
                where=where,
                cohort_id=cohort_id,
                output_properties=output_properties,
                session_id=session_id,
                page=page,
            )
            results: list[dict[str, Any]] = data["results"]
            if page == 0:
                total = int(data.get("total") or 0)
                page_size = int(data.get("page_size") or 1000)
                if tracker is not None:
                    tracker.update(chunks_total=max(1, -(-total // max(page_size, 1))))
            session_id = data.get("session_id") or session_id
            if tracker is not None:
                tracker.update(chunks_done=1, events=len(results))
            if results:
                yield results
            if not results or len(results) < int(data.get("page_size") or 1000) or not session_id:
                return
            page += 1

    def stream_profiles(
        self,
        *,
        where: str | None = None,
        cohort_id: int | None = None,
        output_properties: Sequence[str] | None = None,
        raw: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Yield every profile page by page without storing anything."""
        where = _valid_where(where, "profile")
        for page in self._engage_pages(where, cohort_id, output_properties):
            for result in page:
                yield result if raw else normalize_profile(result)

    # -- helpers ------------------------------------------------------------------------------

    def _check_table(self, name: str, append: bool) -> None:
        """Reject a bad name, or an existing table without ``append``, before any download."""
        validate_table_name(name)
        if not append and self.storage.table_exists(name):
            raise TableExistsError(
                f"table {name!r} already exists; pass append=True (--append) to add to it, "
                "or drop it first",
                details={"table": name},
            )

    def _staging_dir(self, key: dict[str, Any], resume: bool) -> Path:
        root = self._staging_root or _default_staging_root(self.storage)
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        folder = root / f"{key['table']}-{digest}"
        if not resume and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fetch.json").write_text(json.dumps(key, indent=2, sort_keys=True))
        return folder


def _size(files: list[Path]) -> int:
    return sum(f.stat().st_size for f in files)


def _cut_chunk_file(err: DataError, staging: Path) -> Path | None:
    """The staged chunk file a load error says was cut short, if it is one of ours."""
    if not err.details.get("truncated"):
        return None
    path = Path(str(err.details.get("file", "")))
    ours = path.parent == staging.resolve() and path.name.startswith("chunk-")
    return path if ours else None


def _default_staging_root(storage: StorageEngine) -> Path:
    """Next to the database file (so a resume finds it), or in the temp folder for memory stores."""
    if storage.path is not None:
        return storage.path.parent / ".mp-staging"
    return Path(tempfile.gettempdir()) / f"mp-staging-{os.getpid()}"


def _finished_file(staging: Path, chunk: Chunk) -> Path | None:
    for suffix in (".jsonl.gz", ".jsonl"):
        path = staging / f"{chunk.name}{suffix}"
        if path.exists():
            return path
    return None


def _event_list(events: Sequence[str] | str | None) -> list[str] | None:
    if events is None:
        return None
    if isinstance(events, str):
        events = [events]
    cleaned = [e for e in events if isinstance(e, str) and e.strip()]
    if not cleaned:
        raise ValidationError("events must name at least one event (or be omitted for all)")
    return list(cleaned)


def _valid_where(where: str | None, kind: str) -> str | None:
    if where is None or not where.strip():
        return None
    from mixpanel_data import expressions

    return expressions.validate(where, kind="profile" if kind == "profile" else "event")


def _progress_callback(progress: bool | ProgressCallback, what: str) -> ProgressCallback | None:
    if callable(progress):
        return progress
    if not progress:
        return None
    from mixpanel_data._services.progress import rich_progress

    return rich_progress(what)


__all__ = [
    "Chunk",
    "FetchProgress",
    "Fetcher",
    "date_chunks",
    "normalize_event",
    "normalize_profile",
    "parse_day",
]
