"""Fetch raw events and profiles into the local store, or stream them: extract → stage → load.

Events: the date range is cut into chunks that are downloaded concurrently (paced by the transport)
and saved as received in a staging folder (:mod:`~mixpanel_data._services.downloads`); finished
chunks are handed to DuckDB in batches while the others still download, and the table appears
atomically (see :meth:`StorageEngine.load_events`). Python never parses the bytes on this path,
which keeps it near DuckDB's own speed (scripts/bench_fetch.py). Rows are shaped as
:mod:`~mixpanel_data._services.normalize` defines, stored or streamed alike.

Failure model:
- a request that fails: the transport's retries (bounded attempts, ``Retry-After``, one deadline)
  are all there is; the fetcher never asks again on top of them;
- a body cut short (the connection closed mid-chunk, or a gzip body without its trailer, however
  early): that chunk is downloaded again (bounded attempts);
- a chunk that still fails: :class:`FetchError`; the finished chunks stay in the staging folder
  and the same call (``resume=True``, the default) picks them up instead of downloading them again;
- Ctrl-C: downloads stop, nothing is stored, the finished chunks stay for a resume;
- an error while loading: nothing is stored; no table is created or changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data._services import validation
from mixpanel_data._services.downloads import (
    CHUNK_ATTEMPTS,
    Chunk,
    Downloads,
    ReadAhead,
    Redownload,
    date_chunks,
    parse_lines,
    private_temp_root,
    staging_dir,
    stream_chunk_lines,
)
from mixpanel_data._services.normalize import normalize_event, normalize_profile
from mixpanel_data._services.progress import FetchProgress, ProgressCallback, Reporter
from mixpanel_data._storage._names import validate_table_name
from mixpanel_data._storage.types import LoadMetadata, LoadResult
from mixpanel_data.exceptions import DataError, TableExistsError, Transient, ValidationError

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients
    from mixpanel_data._credentials import Credentials
    from mixpanel_data._storage.engine import StorageEngine
    from mixpanel_data.results import FetchResult

# Finished chunk files go to DuckDB together: all at once when the downloads end within
# FIRST_BATCH seconds (a fast network), else whenever BATCH_BYTES of them are ready, so a slow
# network still overlaps loading with downloading. Each extra INSERT into the table costs DuckDB
# about a second at the next checkpoint (merging the partial row groups it left; measured on
# 1M sandbox events: one statement 0.0 s, two 0.9-1.3 s).
BATCH_BYTES = 64 << 20
FIRST_BATCH = 2.0
# A stream asks for this many chunks at once (in order; the later ones wait in bounded buffers).
STREAM_AHEAD = 2


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
        database: Callable[[], Path | None] | None = None,
    ) -> None:
        self.api = api
        # The database file while the store is not open yet (None: in memory, or already
        # open): a fetch opens it for writing only when the first chunks are ready to load.
        self._database = database
        self._temp_root: Path | None = None
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
        deadline: float | None = None,
    ) -> FetchResult:
        """Export events in ``[from_date, to_date]`` into table ``name`` (see the module doc).

        ``deadline`` (seconds) bounds the downloads: past it the fetch stops with a resumable
        :class:`FetchError`. The database file is opened for writing only once chunks are
        ready to load, so other readers are not locked out while the data downloads.
        """
        from mixpanel_data.results import FetchResult

        started = time.monotonic()
        events = _event_list(events)
        where = _valid_where(where, "event")
        chunks = date_chunks(from_date, to_date, chunk_days)
        if deadline is not None and not deadline > 0:
            raise ValidationError("deadline must be a positive number of seconds",
                                  details={"param": "deadline"})  # fmt: skip
        self._check_table(name, append)
        database = self._database_path()
        key = {
            "kind": "events",
            "project_id": self.credentials.project_id,
            "database": None if database is None else str(database.resolve()),
            "table": name,
            "from_date": from_date,
            "to_date": to_date,
            "events": events,
            "where": where,
            "chunk_days": chunk_days,
        }
        staging = self._staging_dir(database, key, resume)
        metadata = LoadMetadata(
            from_date=from_date,
            to_date=to_date,
            filter_events=events,
            filter_where=where,
            project_id=self.credentials.project_id,
            details={"chunks": len(chunks), "chunk_days": chunk_days},
        )
        with Reporter(_progress_callback(progress, "events"), len(chunks)) as tracker:
            for attempt in (1, 2):
                downloads = Downloads(
                    api=self.api,
                    chunks=chunks,
                    staging=staging,
                    events=events,
                    where=where,
                    tracker=tracker,
                    max_workers=max_workers,
                    redownload=Redownload(self.chunk_attempts, self.retry_wait),
                    batch_bytes=self.batch_bytes,
                    first_batch=self.first_batch,
                    deadline=None if deadline is None else started + deadline,
                )
                try:
                    loaded = self._load_chunks(name, downloads, tracker, append, metadata)
                    break
                except DataError as err:
                    bad = _bad_chunk(err, staging)
                    if bad is not None:  # keep the other chunks; this one is downloaded again
                        bad.unlink(missing_ok=True)
                    if bad is None or attempt == 2:
                        raise _named(err, bad) from err
                    tracker.reset()
            self._drop_staging(staging)
            if loaded.rows_loaded == 0 and not append:
                self.storage.drop(name)  # an empty table would block the next fetch
            tracker.phase("done", events=loaded.rows_loaded)
        return FetchResult(
            table=name,
            rows=loaded.rows_loaded,
            type="events",
            duration_seconds=round(time.monotonic() - started, 3),
            date_range=(from_date, to_date),
            fetched_at=dt.datetime.now(dt.UTC),
            duplicates_dropped=loaded.duplicates_dropped,
            chunks=len(chunks),
            resumed_chunks=tracker.snapshot().chunks_resumed,
        )

    def _load_chunks(
        self,
        name: str,
        downloads: Downloads,
        tracker: Reporter,
        append: bool,
        metadata: LoadMetadata,
    ) -> LoadResult:
        """Download and load, overlapped (the store reads batches while the rest download).

        The store is opened (for a file: locked for writing) only when the first batch of chunk
        files is ready, so a slow or silent server never keeps readers out of the file.
        """
        batches = downloads.batches()
        try:
            first = next(batches, None)
            store = self.storage
            return store.load_events(
                name,
                itertools.chain([] if first is None else [first], batches),
                append=append,
                metadata=metadata,
                progress=lambda step: _load_step(tracker, step),
                on_batch=lambda rows: tracker.add(stored=rows),
            )
        except DataError as err:
            batches.close()  # stop the downloads still running before touching their folder
            if not isinstance(err, Transient) and _bad_chunk(err, downloads.staging) is None:
                # The saved bytes themselves are bad: a resume must download them again.
                shutil.rmtree(downloads.staging, ignore_errors=True)
            raise
        finally:
            batches.close()

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

        A chunk whose body is cut before any of its events was yielded is asked for again; a cut
        after that raises :class:`~mixpanel_data.exceptions.TruncatedBodyError` (the stream is
        never silently short).
        """
        blocks = self._chunk_blocks(from_date, to_date, events, where, chunk_days)
        for chunk, lines in blocks.chunks():
            records = parse_lines(chunk, lines)
            if raw:
                yield from records
            else:
                for record in records:
                    yield normalize_event(record, owned=True)

    def stream_events_jsonl(
        self,
        *,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None = None,
        where: str | None = None,
        chunk_days: int = 7,
    ) -> Iterator[bytes]:
        """Yield Mixpanel's export as bytes: blocks of whole JSON lines, unparsed (the fastest
        way to copy an export somewhere). A body cut short is an error, as for
        :meth:`stream_events`; lines are not checked. A helper thread reads ahead (the next
        chunk is asked for while this one is still being consumed)."""
        return iter(self._chunk_blocks(from_date, to_date, events, where, chunk_days))

    def _chunk_blocks(
        self,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None,
        where: str | None,
        chunk_days: int,
    ) -> _ChunkBlocks:
        events_ = _event_list(events)
        where_ = _valid_where(where, "event")
        chunks = date_chunks(from_date, to_date, chunk_days)
        redownload = Redownload(self.chunk_attempts, self.retry_wait)
        return _ChunkBlocks(self.api, chunks, events_, where_, redownload)

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
        max_workers: int = 3,
        resume: bool = True,
    ) -> FetchResult:
        """Fetch every engage page into table ``name`` in one transaction.

        Page 0 first, then up to ``max_workers`` pages at once; each page is saved in a staging
        folder as it arrives, so the same call after an error or Ctrl-C asks only for the pages
        still missing (``resume=False`` starts over).
        """
        from mixpanel_data._services.engage_pages import EngagePages
        from mixpanel_data.results import FetchResult

        started = time.monotonic()
        where = _valid_where(where, "profile")
        validation.integer(max_workers, "max_workers", minimum=1)
        self._check_table(name, append)
        database = self._database_path()
        key = {
            "kind": "profiles",
            "project_id": self.credentials.project_id,
            "database": None if database is None else str(database.resolve()),
            "table": name,
            "where": where,
            "cohort_id": cohort_id,
            "output_properties": list(output_properties or []),
        }
        staging = self._staging_dir(database, key, resume)
        with Reporter(_progress_callback(progress, "profiles"), 0) as tracker:
            pages = EngagePages(
                self.api,
                where=where,
                cohort_id=cohort_id,
                output_properties=output_properties,
                workers=max_workers,
                tracker=tracker,
            )
            files = pages.save(staging)
            tracker.phase("load")
            metadata = LoadMetadata(
                filter_where=where,
                filter_cohort=cohort_id,
                project_id=self.credentials.project_id,
                details={"output_properties": list(output_properties or []), "pages": len(files)},
            )
            loaded = self.storage.load_profiles(
                name,
                files,
                append=append,
                metadata=metadata,
                progress=lambda step: _load_step(tracker, step),
            )
            self._drop_staging(staging)
            if loaded.rows_loaded == 0 and not append:
                self.storage.drop(name)
            tracker.phase("done", events=loaded.rows_loaded)
            snap = tracker.snapshot()
        return FetchResult(
            table=name,
            rows=loaded.rows_loaded,
            type="profiles",
            duration_seconds=round(time.monotonic() - started, 3),
            date_range=None,
            fetched_at=dt.datetime.now(dt.UTC),
            duplicates_dropped=loaded.duplicates_dropped,
            chunks=len(files),
            resumed_chunks=snap.chunks_resumed,
        )

    def _engage_pages(
        self,
        where: str | None,
        cohort_id: int | None,
        output_properties: Sequence[str] | None,
        max_workers: int = 3,
    ) -> Iterator[list[dict[str, Any]]]:
        from mixpanel_data._services.engage_pages import EngagePages

        pages = EngagePages(
            self.api,
            where=where,
            cohort_id=cohort_id,
            output_properties=output_properties,
            workers=max_workers,
        )
        yield from pages.pages()

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

    def _unopened_file(self) -> Path | None:
        """The database file when the store is a file not opened yet, else None."""
        if self._database is None or not callable(self._storage):
            return None
        return self._database()

    def _database_path(self) -> Path | None:
        """The database file (None in memory), without opening it for writing."""
        unopened = self._unopened_file()
        return unopened if unopened is not None else self.storage.path

    def _check_table(self, name: str, append: bool) -> None:
        """Reject a bad name, or an existing table without ``append``, before any download
        (a database file not open yet is looked at read-only, and closed again)."""
        validate_table_name(name)
        if append:
            return
        unopened = self._unopened_file()
        if unopened is None:
            exists = self.storage.table_exists(name)
        elif not unopened.is_file():
            exists = False
        else:
            from mixpanel_data._storage.engine import StorageEngine

            with StorageEngine(unopened, read_only=True) as peek:
                exists = peek.table_exists(name)
        if exists:
            raise TableExistsError(
                f"table {name!r} already exists; pass append to add to it, or drop it first",
                details={"table": name, "param": "append"},
            )

    def _staging_dir(self, database: Path | None, key: dict[str, Any], resume: bool) -> Path:
        if self._staging_root is not None:
            root = self._staging_root
        elif database is not None:
            root = database.parent / ".mp-staging"
        else:
            # No file to sit next to: a private temp folder, kept by this Fetcher so a retry
            # in the same process resumes, and removed when a fetch finishes.
            if self._temp_root is None or not self._temp_root.is_dir():
                self._temp_root = private_temp_root()
            root = self._temp_root
        return staging_dir(root, key, resume)

    def _drop_staging(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging.parent.rmdir()  # only when no other fetch has chunks waiting there
        if self._temp_root is not None and staging.parent == self._temp_root:
            shutil.rmtree(self._temp_root, ignore_errors=True)
            self._temp_root = None


def _event_list(events: Sequence[str] | str | None) -> list[str] | None:
    return None if events is None else validation.event_list(events)


def _valid_where(where: str | None, kind: str) -> str | None:
    return validation.where(where or None, kind=kind)


class _ChunkBlocks:
    """The blocks of lines of several chunks, in order, with up to ``ahead`` chunks being read
    at once (each by a :class:`ReadAhead` thread, so the next chunks' requests and downloads
    overlap with parsing this one). Iterate it for the blocks, or call :meth:`chunks` for
    ``(chunk, its blocks)``; leaving early stops every reader."""

    def __init__(
        self,
        api: ApiClients,
        chunks: list[Chunk],
        events: list[str] | None,
        where: str | None,
        redownload: Redownload,
        ahead: int = STREAM_AHEAD,
    ) -> None:
        self._chunks = chunks
        self._ahead = max(1, ahead)

        def reader(chunk: Chunk) -> ReadAhead:
            return ReadAhead(
                stream_chunk_lines(api, chunk, events=events, where=where, redownload=redownload)
            )

        self._reader = reader

    def __iter__(self) -> Iterator[bytes]:
        for _, blocks in self.chunks():
            yield from blocks

    def chunks(self) -> Iterator[tuple[Chunk, Iterator[bytes]]]:
        readers: dict[int, ReadAhead] = {}
        try:
            for index, chunk in enumerate(self._chunks):
                for later in range(index, min(index + self._ahead, len(self._chunks))):
                    if later not in readers:
                        readers[later] = self._reader(self._chunks[later])
                yield chunk, iter(readers[index])
                readers.pop(index).close()
        finally:
            for reader in readers.values():
                reader.close()


def _load_step(tracker: Reporter, step: str) -> None:
    """The store's load steps as progress phases."""
    if step == "deduplicating":
        tracker.phase("dedup")


def _bad_chunk(err: DataError, staging: Path) -> Path | None:
    """The staged chunk file a load error names (a malformed line in it), if any."""
    file = err.details.get("file") if isinstance(err.details, dict) else None
    if not file or err.details.get("truncated"):
        return None
    path = Path(str(file))
    return path if path.parent == staging and path.name.startswith("chunk-") else None


def _named(err: DataError, bad: Path | None) -> DataError:
    """``err`` once more, saying which chunk it was and that it was downloaded twice."""
    if bad is None:
        return err
    chunk = bad.name.split(".")[0].removeprefix("chunk-").replace("_", "..")
    line = err.details.get("line")
    named = DataError(
        f"the export of {chunk} has a malformed line"
        + (f" (line {line})" if line else "")
        + f" in both downloads; the other chunks are kept for a resume: {err.message}",
        details={**err.details, "chunk": chunk},
    )
    return named


def _progress_callback(progress: bool | ProgressCallback, what: str) -> ProgressCallback | None:
    if callable(progress):
        return progress
    if not progress:
        return None
    from mixpanel_data._services.progress import stderr_progress

    return stderr_progress(what)


__all__ = [
    "Chunk",
    "FetchProgress",
    "Fetcher",
    "ProgressCallback",
    "date_chunks",
    "normalize_event",
    "normalize_profile",
]
