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

import datetime as dt
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data._api.export import engage_page
from mixpanel_data._services import validation
from mixpanel_data._services.downloads import (
    CHUNK_ATTEMPTS,
    Chunk,
    Downloads,
    Redownload,
    date_chunks,
    default_staging_root,
    staging_dir,
    stream_chunk,
)
from mixpanel_data._services.normalize import normalize_event, normalize_profile
from mixpanel_data._storage import LoadMetadata, LoadResult
from mixpanel_data._storage._names import validate_table_name
from mixpanel_data.exceptions import DataError, TableExistsError, Transient

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
        )
        loaded = self._load_chunks(name, downloads, tracker, append=append, metadata=metadata)
        shutil.rmtree(staging, ignore_errors=True)
        if loaded.rows_loaded == 0 and not append:
            self.storage.drop(name)  # nothing to keep: an empty table would block the next fetch
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
        self,
        name: str,
        downloads: Downloads,
        tracker: _Progress,
        *,
        append: bool,
        metadata: LoadMetadata,
    ) -> LoadResult:
        """Download and load, overlapped (the store reads batches while the rest download)."""
        batches = downloads.batches()
        try:
            return self.storage.load_events(
                name, batches, append=append, metadata=metadata, on_batch=tracker.stored
            )
        except DataError as err:
            batches.close()  # stop the downloads still running before touching their folder
            if not isinstance(err, Transient):
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
        events_ = _event_list(events)
        where_ = _valid_where(where, "event")
        redownload = Redownload(self.chunk_attempts, self.retry_wait)
        for chunk in date_chunks(from_date, to_date, chunk_days):
            records = stream_chunk(
                self.api, chunk, events=events_, where=where_, redownload=redownload
            )
            for record in records:
                yield record if raw else normalize_event(record)

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
        if loaded.rows_loaded == 0 and not append:
            self.storage.drop(name)
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
                f"table {name!r} already exists; pass append to add to it, or drop it first",
                details={"table": name, "param": "append"},
            )

    def _staging_dir(self, key: dict[str, Any], resume: bool) -> Path:
        root = self._staging_root or default_staging_root(self.storage.path)
        return staging_dir(root, key, resume)


def _event_list(events: Sequence[str] | str | None) -> list[str] | None:
    return None if events is None else validation.event_list(events)


def _valid_where(where: str | None, kind: str) -> str | None:
    return validation.where(where or None, kind=kind)


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
    "date_chunks",
    "normalize_event",
    "normalize_profile",
]
