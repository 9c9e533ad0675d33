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

import collections
import contextlib
import datetime as dt
import hashlib
import json
import os
import queue
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mixpanel_data._api.export import open_export
from mixpanel_data._services import validation
from mixpanel_data.exceptions import (
    DataError,
    FetchError,
    RateLimitError,
    Transient,
    TruncatedBodyError,
)

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients

# A stream's reader thread keeps at most this many bytes of lines waiting for the caller.
READ_AHEAD_BYTES = 48 << 20
# Downloads of one chunk in all when its body keeps arriving cut short.
CHUNK_ATTEMPTS = 4


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
    """What the downloads report to (:class:`~mixpanel_data._services.progress.Reporter`)."""

    def add(self, **changes: int) -> None: ...

    def phase(self, name: str, **values: int) -> None: ...


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
        deadline: a ``time.monotonic()`` value after which the fetch stops (resumable), or None.
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
    deadline: float | None = None
    _threads: list[threading.Thread] = field(default_factory=list, init=False, repr=False)

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
                self.tracker.add(chunks_done=1, chunks_resumed=1, bytes=existing.stat().st_size)
                resumed.append(existing)
            else:
                todo.append(chunk)
        stop = threading.Event()
        pending: set[Future[Path]] = self._start_workers(todo, stop)
        try:
            ready, began = resumed, time.monotonic()
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                ready += [fut.result() for fut in finished]
                if pending and self.deadline is not None and time.monotonic() > self.deadline:
                    raise self._stopped(None)
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
            # Workers are daemon threads: one stuck on a silent server never holds the process;
            # the others notice ``stop`` between blocks and are given a moment to leave.
            stop.set()
            _join(self._threads, 2.0)
            if isinstance(err, GeneratorExit):
                raise
            if isinstance(err, Transient):
                raise self._stopped(err) from err
            if not isinstance(err, KeyboardInterrupt | Stopped | FetchError):
                shutil.rmtree(self.staging, ignore_errors=True)
            raise
        self.tracker.phase("load")

    def _start_workers(self, todo: list[Chunk], stop: threading.Event) -> set[Future[Path]]:
        """Start up to ``max_workers`` daemon threads downloading ``todo``; one future each."""
        work: queue.SimpleQueue[tuple[Chunk, Future[Path]]] = queue.SimpleQueue()
        futures: set[Future[Path]] = set()
        for chunk in todo:
            fut: Future[Path] = Future()
            futures.add(fut)
            work.put((chunk, fut))

        def worker() -> None:
            while not stop.is_set():
                try:
                    chunk, fut = work.get_nowait()
                except queue.Empty:
                    return
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    fut.set_result(self._download(chunk, stop))
                except BaseException as err:
                    fut.set_exception(err)
            while True:  # stopped: settle the futures nobody will download
                try:
                    _, fut = work.get_nowait()
                except queue.Empty:
                    return
                fut.cancel()

        self._threads = [
            threading.Thread(target=worker, name=f"mp-fetch-{n}", daemon=True)
            for n in range(min(max(1, self.max_workers), len(todo)))
        ]
        for thread in self._threads:
            thread.start()
        return futures

    def _stopped(self, err: BaseException | None) -> FetchError:
        """The resumable error for a fetch ended by ``err`` (``None``: its deadline passed)."""
        kept = self.saved()
        details: dict[str, Any] = {"resume": str(self.staging), "chunks_saved": kept}
        if isinstance(err, RateLimitError):
            details["retry_after"] = err.retry_after
        if err is None:
            details["param"] = "deadline"
        why = "its deadline passed" if err is None else getattr(err, "message", err)
        stopped = FetchError(
            f"the fetch stopped: {why}. {kept} of "
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
            self.tracker.add(chunks_done=1)
            return path

    def _download_once(self, chunk: Chunk, stop: threading.Event) -> Path:
        part: Path | None = None
        counted = [0, 0]  # events, bytes reported for this attempt (taken back if it fails)
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
                with _private_file(part, replace=True) as fh:
                    received = [0]

                    def save(block: bytes) -> None:
                        fh.write(block)
                        received[0] += len(block)

                    for piece in body.content(on_raw=save):
                        if stop.is_set():
                            raise Stopped()
                        events = piece.count(b"\n")
                        counted[0] += events
                        counted[1] += received[0]
                        self.tracker.add(bytes=received[0], events=events)
                        received[0] = 0
            os.replace(part, final)
            return final
        except BaseException:
            self.tracker.add(events=-counted[0], bytes=-counted[1])
            if part is not None:
                with contextlib.suppress(OSError):
                    part.unlink()
            raise


class ReadAhead:
    """Reads ``blocks`` in a helper thread, up to ``budget`` bytes ahead, from the moment it is
    made; iterate it for the blocks. Errors arrive in order, after the blocks before them;
    :meth:`close` stops the thread.

    The network reads, gzip inflating and (with several of these) the next chunks' requests
    overlap with the caller's parsing, and the server never waits on it.
    """

    def __init__(self, blocks: Iterator[bytes], budget: int = READ_AHEAD_BYTES) -> None:
        self._items: collections.deque[tuple[int, Any]] = collections.deque()
        self._held = 0  # bytes of the blocks waiting in _items
        self._budget = budget
        self._changed = threading.Condition()
        self._stop = False
        self._blocks = blocks
        threading.Thread(target=self._produce, name="mp-stream", daemon=True).start()

    def _put(self, item: tuple[int, Any], size: int = 0) -> bool:
        with self._changed:
            while self._held and self._held + size > self._budget and not self._stop:
                self._changed.wait()
            if self._stop:
                return False
            self._items.append(item)
            self._held += size
            self._changed.notify_all()
            return True

    def _produce(self) -> None:
        try:
            for block in self._blocks:
                if not self._put((0, block), len(block)):
                    return
        except BaseException as err:
            self._put((1, err))
            return
        self._put((2, None))

    def __iter__(self) -> Iterator[bytes]:
        while True:
            with self._changed:
                while not self._items:
                    self._changed.wait()
                kind, item = self._items.popleft()
                if kind == 0:
                    self._held -= len(item)
                self._changed.notify_all()
            if kind == 0:
                yield item
            elif kind == 1:
                self.close()
                raise item
            else:
                return

    def close(self) -> None:
        with self._changed:
            self._stop = True
            self._changed.notify_all()


def read_ahead(blocks: Iterator[bytes], budget: int = READ_AHEAD_BYTES) -> Iterator[bytes]:
    """Yield what ``blocks`` yields, read by a helper thread (:class:`ReadAhead`)."""
    reader = ReadAhead(blocks, budget)
    try:
        yield from reader
    finally:
        reader.close()


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
    the chunk was yielded, and is a :class:`TruncatedBodyError` after that.

    Lines are split from the body's blocks and parsed from bytes (``json.loads``), which is
    cheaper than decoding each line to text first; a line that is not a JSON object (or is
    nested too deeply to parse) is a :class:`DataError` naming the chunk and the line.
    """
    yield from parse_lines(
        chunk,
        stream_chunk_lines(
            api, chunk, events=events, where=where, redownload=redownload, sleep=sleep
        ),
    )


def parse_lines(chunk: Chunk, blocks: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    """The records in one chunk's blocks of lines (see :func:`stream_chunk`).

    Each block is read in one pass over its text, a record at a position (no split, no slice);
    at the first thing that needs a closer look (a blank or padded line, ``\r\n``, bad JSON, a
    line that is not exactly one object) the rest of the block is read line by line, where a bad
    line becomes a :class:`DataError` naming it.
    """
    number = 0
    for block in blocks:
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _bad_line(chunk, number + block.count(b"\n", 0, err.start) + 1,
                            "is not valid UTF-8") from None  # fmt: skip
        pos, end_of_text = 0, len(text)
        while pos < end_of_text:
            try:
                record, end = _RAW_DECODE(text, pos)
                usual = text[end] == "\n" and type(record) is dict
            except (ValueError, RecursionError, IndexError):
                usual = False
            if not usual:
                yield from _by_lines(chunk, text[pos:], number + text.count("\n", 0, pos))
                break
            yield record
            pos = end + 1
        number += text.count("\n")


def _by_lines(chunk: Chunk, text: str, number: int) -> Iterator[dict[str, Any]]:
    """The records of ``text`` line by line (``number`` lines came before it)."""
    for line in text.split("\n"):
        number += 1
        line = line.strip()
        if not line:
            continue
        try:
            record, end = _RAW_DECODE(line)
            if end != len(line):
                raise ValueError("extra data after the object")
        except (ValueError, RecursionError) as err:
            why = "nested too deeply" if isinstance(err, RecursionError) else "not valid JSON"
            raise _bad_line(chunk, number, f"is {why}: {line[:80]!r}") from None
        if type(record) is not dict:
            raise _bad_line(chunk, number, "is not a JSON object")
        yield record


# The decoder's raw_decode reads one value at a position: json.loads would sniff the encoding of
# every line and match the whitespace around it (a fifth of the parsing time).
_RAW_DECODE = json.JSONDecoder().raw_decode


def _bad_line(chunk: Chunk, number: int, what: str) -> DataError:
    label = f"{chunk.from_date}..{chunk.to_date}"
    return DataError(
        f"export of {label}: line {number} {what}",
        details={"line": number, "range": label, "chunk": chunk.name},
    )


def stream_chunk_lines(
    api: ApiClients,
    chunk: Chunk,
    *,
    events: list[str] | None,
    where: str | None,
    redownload: Redownload,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[bytes]:
    """Yield one chunk's export as blocks of whole lines (each block ends with ``\\n``), the
    bytes as Mixpanel sent them (inflated when gzip). Nothing is parsed; a body cut short is
    still detected (the transport checks the gzip trailer, and the inflater must reach its end),
    and asked for again while nothing was yielded; after that it is a TruncatedBodyError."""
    attempt = 0
    while True:
        attempt += 1
        yielded = 0
        try:
            with open_export(
                api, from_date=chunk.from_date, to_date=chunk.to_date, events=events, where=where
            ) as body:
                rest = b""
                for data in body.content():
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        rest += data
                        continue
                    block = rest + data[: cut + 1] if rest else data[: cut + 1]
                    rest = data[cut + 1 :]
                    yielded += block.count(b"\n")
                    yield block
                if rest.strip():
                    yielded += 1
                    yield rest + b"\n"
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
    """The staging folder of the fetch described by ``key`` (the same fetch finds it again).

    ``root`` and the folder are created 0700; either one that already exists must be a real
    folder (not a symlink) owned by this user and closed to others, else :class:`FetchError`:
    a resume trusts only chunks this user saved.
    """
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    missing = [p for p in root.parents if not p.exists()]
    for parent in reversed(missing):  # the data folder of a first fetch: 0700 like the store's
        with contextlib.suppress(FileExistsError):
            parent.mkdir(mode=0o700)
    _private_dir(root)
    folder = root / f"{key['table']}-{digest}"
    if not resume and os.path.lexists(folder):
        _private_dir(folder)
        shutil.rmtree(folder)
    _private_dir(folder)
    with _private_file(folder / "fetch.json", replace=True) as fh:
        fh.write(json.dumps(key, indent=2, sort_keys=True).encode())
    return folder


def private_temp_root() -> Path:
    """A new staging root for a store without a file: ``mkdtemp`` (0700, unpredictable name)."""
    return Path(tempfile.mkdtemp(prefix="mp-staging-"))


def default_staging_root(database: Path | None) -> Path:
    """Next to the database file (so a resume finds it), or a new private temp folder."""
    if database is not None:
        return database.parent / ".mp-staging"
    return private_temp_root()


def _private_dir(folder: Path) -> None:
    """Create ``folder`` 0700, or check the existing one is this user's own, private folder."""
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as err:
        raise _unsafe(folder, f"cannot create it: {err.strerror}") from err
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise _unsafe(folder, "it is a symlink or not a folder")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise _unsafe(folder, f"it belongs to another user (uid {info.st_uid})")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(folder, 0o700)


def _unsafe(folder: Path, why: str) -> FetchError:
    return FetchError(
        f"refusing to use staging folder {folder}: {why}; remove it or pick another --db",
        details={"path": str(folder)},
    )


@contextlib.contextmanager
def _private_file(path: Path, *, replace: bool = False) -> Iterator[Any]:
    """Open ``path`` for writing, 0600, never through a symlink (a leftover is replaced when
    ``replace``, else it is an error)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    if replace:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    fd = os.open(path, flags | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
    except OSError as exc:  # a full disk names the file it could not write
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def finished_file(staging: Path, chunk: Chunk) -> Path | None:
    """The chunk's downloaded file in ``staging``, if it is there."""
    for suffix in (".jsonl.gz", ".jsonl"):
        path = staging / f"{chunk.name}{suffix}"
        if path.exists():
            return path
    return None


def _join(threads: list[threading.Thread], seconds: float) -> None:
    end = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))


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
    "parse_lines",
    "private_temp_root",
    "read_ahead",
    "staging_dir",
    "stream_chunk",
    "stream_chunk_lines",
]
