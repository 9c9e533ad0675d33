"""Downloading export chunks: date chunks, the staging folder, and the one re-download rule.

A fetch cuts its date range into :class:`Chunk` s and downloads them concurrently into a staging
folder, saving the bytes as received (gzip on the wire stays gzip on disk: DuckDB inflates them,
Python never parses them). A stream reads the same chunks as records. Both go through
:func:`~mixpanel_data._api.export.open_export`, so the transport has already done what can be
done for a failed *request* (retries, ``Retry-After``, the deadline). What is left here is a
*body* that stopped short (:class:`~mixpanel_data.exceptions.TruncatedBodyError`: the connection
was cut, or a gzip body ended without its trailer): that chunk, and only that chunk, is asked for
again, at most ``attempts`` times in all. Every other error ends the chunk at once.

A stream can only ask again while it has yielded nothing of the chunk; after that, a cut is a
:class:`TruncatedBodyError` for the caller, never a silently short stream.

Example:
    >>> [c.name for c in date_chunks("2026-01-01", "2026-01-10", 4)]
    ['chunk-2026-01-01_2026-01-04', 'chunk-2026-01-05_2026-01-08', \
'chunk-2026-01-09_2026-01-10']
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
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mixpanel_data._api.export import open_export
from mixpanel_data._services import validation
from mixpanel_data.exceptions import FetchError, RateLimitError, Transient, TruncatedBodyError

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients

# Downloads of one chunk in all when its body keeps arriving cut short.
CHUNK_ATTEMPTS = 4
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Chunk:
    """One export request: an inclusive range of UTC days."""

    from_date: str
    to_date: str

    @property
    def name(self) -> str:
        return f"chunk-{self.from_date}_{self.to_date}"


def date_chunks(from_date: str, to_date: str, chunk_days: int) -> list[Chunk]:
    """Cut ``[from_date, to_date]`` into inclusive ranges of at most ``chunk_days`` days."""
    first, last = validation.date_range(from_date, to_date)
    validation.integer(chunk_days, "chunk_days", minimum=1)
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    chunks, day = [], start
    while day <= end:
        stop = min(end, day + dt.timedelta(days=chunk_days - 1))
        chunks.append(Chunk(day.isoformat(), stop.isoformat()))
        day = stop + dt.timedelta(days=1)
    return chunks


@dataclass(frozen=True)
class Redownload:
    """How often and after what pause a chunk whose body was cut is asked for again."""

    attempts: int = CHUNK_ATTEMPTS
    wait: float = 0.5

    def pause(self, attempt: int) -> float:
        """Seconds before download number ``attempt + 1``: ``wait`` doubled per attempt."""
        return float(self.wait * 2.0 ** (attempt - 1))

    def again(self, err: BaseException, attempt: int) -> bool:
        """Whether download ``attempt`` (1-based) ending in ``err`` earns another one."""
        return isinstance(err, TruncatedBodyError) and attempt < self.attempts


class Tracker(Protocol):
    """What the downloads report to (the fetch's progress bookkeeping)."""

    def update(self, *, force: bool = False, **changes: int | str) -> None: ...


class Stopped(Exception):
    """Raised inside a download worker when the fetch is being cancelled."""


@dataclass
class Downloads:
    """The chunks of one events fetch, their staging folder, and where they are read from.

    Args:
        api: the API clients.
        chunks: what to download.
        staging: the folder the chunk files go to.
        events, where: the export filters.
        tracker: progress.
        max_workers: chunks downloaded at once.
        redownload: the re-download rule for cut bodies.
        batch_bytes, first_batch: see :meth:`batches`.
    """

    api: ApiClients
    chunks: list[Chunk]
    staging: Path
    events: list[str] | None
    where: str | None
    tracker: Tracker
    max_workers: int
    redownload: Redownload
    batch_bytes: int
    first_batch: float

    def saved(self) -> int:
        """Chunks whose files are in the staging folder."""
        return sum(1 for c in self.chunks if finished_file(self.staging, c) is not None)

    def batches(self) -> Generator[list[Path], None, None]:
        """Yield the finished chunk files in lists, each read by DuckDB in one statement.

        Files of an earlier, interrupted run count as finished. When the downloads end within
        ``first_batch`` seconds everything is one list; otherwise a list goes out whenever
        ``batch_bytes`` are ready, so loading overlaps the downloads still running.

        A chunk that fails for good raises :class:`FetchError` (resumable: the finished chunks
        stay); closing the generator early (the load failed) cancels the downloads still running.
        """
        todo: list[Chunk] = []
        resumed: list[Path] = []
        for chunk in self.chunks:
            existing = finished_file(self.staging, chunk)
            if existing is not None:
                self.tracker.update(chunks_done=1, chunks_resumed=1, bytes=existing.stat().st_size)
                resumed.append(existing)
            else:
                todo.append(chunk)
        stop = threading.Event()
        pool = ThreadPoolExecutor(
            max_workers=max(1, self.max_workers), thread_name_prefix="mp-fetch"
        )
        pending: set[Future[Path]] = {pool.submit(self._download, c, stop) for c in todo}
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
                raise self._stopped(err) from err
            if not isinstance(err, KeyboardInterrupt | Stopped | FetchError):
                shutil.rmtree(self.staging, ignore_errors=True)
            raise
        pool.shutdown(wait=True)
        self.tracker.update(force=True, phase="load")

    def _stopped(self, err: BaseException) -> FetchError:
        kept = self.saved()
        details: dict[str, Any] = {"resume": str(self.staging), "chunks_saved": kept}
        if isinstance(err, RateLimitError):
            details["retry_after"] = err.retry_after
        stopped = FetchError(
            f"the fetch stopped: {getattr(err, 'message', err)}. {kept} of "
            f"{len(self.chunks)} chunks are saved; run the same fetch again to resume",
            details=details,
        )
        if isinstance(err, RateLimitError):
            stopped.exit_code = err.exit_code  # the CLI says "rate limited" (5)
        return stopped

    def _download(self, chunk: Chunk, stop: threading.Event) -> Path:
        attempt = 0
        while True:
            attempt += 1
            try:
                path = self._download_once(chunk, stop)
            except TruncatedBodyError as err:
                if not self.redownload.again(err, attempt):
                    raise
                if stop.wait(self.redownload.pause(attempt)):
                    raise Stopped() from err
                continue
            self.tracker.update(chunks_done=1)
            return path

    def _download_once(self, chunk: Chunk, stop: threading.Event) -> Path:
        part: Path | None = None
        try:
            with open_export(
                self.api,
                from_date=chunk.from_date,
                to_date=chunk.to_date,
                events=self.events,
                where=self.where,
            ) as body:
                final = self.staging / f"{chunk.name}{'.jsonl.gz' if body.gzip else '.jsonl'}"
                part = final.with_name(final.name + ".part")
                with open(part, "wb") as fh:
                    for block in body.raw(_BLOCK):
                        if stop.is_set():
                            raise Stopped()
                        fh.write(block)
                        self.tracker.update(bytes=len(block))
            os.replace(part, final)
            return final
        except BaseException:
            if part is not None:
                with contextlib.suppress(OSError):
                    part.unlink()
            raise


def stream_chunk(
    api: ApiClients,
    chunk: Chunk,
    *,
    events: list[str] | None,
    where: str | None,
    redownload: Redownload,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Yield the export records of one chunk; a cut body is asked for again while nothing of
    the chunk was yielded, and is a :class:`TruncatedBodyError` after that."""
    attempt = 0
    while True:
        attempt += 1
        yielded = 0
        try:
            with open_export(
                api, from_date=chunk.from_date, to_date=chunk.to_date, events=events, where=where
            ) as body:
                for record in body.records():
                    yielded += 1
                    yield record
            return
        except TruncatedBodyError as err:
            if yielded:
                raise TruncatedBodyError(
                    f"the export of {chunk.from_date}..{chunk.to_date} was cut short after "
                    f"{yielded} events had been handed out; the stream is incomplete "
                    f"({err.message})",
                    details={**err.details, "chunk": chunk.name, "events_yielded": yielded},
                ) from err
            if not redownload.again(err, attempt):
                raise
            sleep(redownload.pause(attempt))


# -- the staging folder --------------------------------------------------------------------------


def staging_dir(root: Path, key: dict[str, Any], resume: bool) -> Path:
    """The staging folder of the fetch described by ``key`` (the same fetch finds it again)."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    folder = root / f"{key['table']}-{digest}"
    if not resume and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fetch.json").write_text(json.dumps(key, indent=2, sort_keys=True))
    return folder


def default_staging_root(database: Path | None) -> Path:
    """Next to the database file (so a resume finds it), or in the temp folder for memory stores."""
    if database is not None:
        return database.parent / ".mp-staging"
    return Path(tempfile.gettempdir()) / f"mp-staging-{os.getpid()}"


def finished_file(staging: Path, chunk: Chunk) -> Path | None:
    """The chunk's downloaded file in ``staging``, if it is there."""
    for suffix in (".jsonl.gz", ".jsonl"):
        path = staging / f"{chunk.name}{suffix}"
        if path.exists():
            return path
    return None


def _size(files: list[Path]) -> int:
    return sum(f.stat().st_size for f in files)


__all__ = [
    "CHUNK_ATTEMPTS",
    "Chunk",
    "Downloads",
    "Redownload",
    "Stopped",
    "date_chunks",
    "default_staging_root",
    "finished_file",
    "staging_dir",
    "stream_chunk",
]
