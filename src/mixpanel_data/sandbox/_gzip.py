"""Fast single-member gzip for streamed answers.

Plain chunks are deflated independently on a small thread pool (zlib releases the GIL), each
ended with a sync flush so the pieces concatenate into one valid deflate stream; one gzip header,
one final empty block and one CRC/size trailer make a single gzip member, which every reader
handles (httpx decodes only the first member of a multi-member body). Deflated runs can be cached
(per export day) and stitched together later: their CRCs are combined with :func:`crc32_combine`.

Example:
    >>> import gzip
    >>> body = b"".join(gzip_stream([b"a" * 1000, b"b\\n" * 10]))
    >>> gzip.decompress(body) == b"a" * 1000 + b"b\\n" * 10
    True
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict, deque
from collections.abc import Hashable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

LEVEL = 1
# Header: magic, deflate, no flags, mtime 0 (so bytes do not depend on the clock), XFL 4 (fastest),
# OS 255 (unknown).
HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\xff"
_FINAL_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush()
_IN_FLIGHT = 4

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-gzip")
        return _pool


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def trailer(crc: int, size: int) -> bytes:
    """The end of a gzip member: the final empty block, CRC-32 and size mod 2**32."""
    return _FINAL_BLOCK + struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)


@dataclass
class DeflatedRun:
    """Sync-flushed raw deflate data for some plain bytes: the blocks, their CRC-32 and size."""

    blocks: list[bytes]
    crc: int
    size: int

    @property
    def nbytes(self) -> int:
        """Compressed size."""
        return sum(len(b) for b in self.blocks)


def deflate_chunks(chunks: Iterable[bytes], run: DeflatedRun | None = None) -> Iterator[bytes]:
    """Deflate each chunk (in parallel, order kept), yielding compressed blocks.

    When ``run`` is given, its blocks, CRC and size are filled in as the blocks are yielded.
    """
    pool = _executor()
    pending: deque[tuple[bytes, Future[bytes]]] = deque()
    source = iter(chunks)
    try:
        exhausted = False
        while not exhausted or pending:
            while not exhausted and len(pending) < _IN_FLIGHT:
                try:
                    chunk = next(source)
                except StopIteration:
                    exhausted = True
                    break
                if chunk:
                    pending.append((chunk, pool.submit(_deflate, chunk)))
            if pending:
                plain, future = pending.popleft()
                block = future.result()
                if run is not None:
                    run.blocks.append(block)
                    run.crc = zlib.crc32(plain, run.crc)
                    run.size += len(plain)
                yield block
    finally:
        for _, future in pending:
            future.cancel()
        close = getattr(source, "close", None)
        if callable(close):
            close()


def gzip_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """One gzip member holding the concatenation of ``chunks``."""
    run = DeflatedRun([], 0, 0)
    yield HEADER
    yield from deflate_chunks(chunks, run)
    yield trailer(run.crc, run.size)


def gzip_bytes(data: bytes) -> bytes:
    """Gzip a small body in one go (single member, deterministic header)."""
    return HEADER + _deflate(data) + trailer(zlib.crc32(data), len(data))


# --- CRC-32 combination (zlib's crc32_combine, with the zero-append operators precomputed) ---


def _times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, matrix[n]) for n in range(32)]


def _zero_byte_operators() -> list[list[int]]:
    one_bit = [0xEDB88320] + [1 << n for n in range(31)]
    op = _square(_square(_square(one_bit)))  # 8 zero bits = 1 zero byte
    operators = [op]
    for _ in range(63):
        op = _square(op)
        operators.append(op)
    return operators  # operators[k] appends 2**k zero bytes


_ZERO_BYTES = _zero_byte_operators()


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from CRC-32 of A, CRC-32 of B and the length of B.

    Example:
        >>> crc32_combine(zlib.crc32(b"abc"), zlib.crc32(b"def"), 3) == zlib.crc32(b"abcdef")
        True
    """
    k = 0
    while len2:
        if len2 & 1:
            crc1 = _times(_ZERO_BYTES[k], crc1)
        len2 >>= 1
        k += 1
    return crc1 ^ crc2


class RunCache:
    """A bounded LRU of deflated runs, keyed by anything hashable (export: day + time unit)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._runs: OrderedDict[Hashable, DeflatedRun] = OrderedDict()
        self._bytes = 0
        self.generation = 0

    def get(self, key: Hashable) -> DeflatedRun | None:
        """The cached run, or None."""
        with self._lock:
            run = self._runs.get(key)
            if run is not None:
                self._runs.move_to_end(key)
            return run

    def put(self, key: Hashable, run: DeflatedRun, generation: int) -> None:
        """Store ``run`` unless the cache was invalidated since ``generation`` was read."""
        with self._lock:
            if generation != self.generation or run.nbytes > self.max_bytes:
                return
            old = self._runs.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._runs[key] = run
            self._bytes += run.nbytes
            while self._bytes > self.max_bytes and self._runs:
                _, evicted = self._runs.popitem(last=False)
                self._bytes -= evicted.nbytes

    def invalidate(self, keys: Iterable[Hashable] | None = None) -> None:
        """Drop the given keys (every key when None); runs being built now will not be stored."""
        with self._lock:
            self.generation += 1
            if keys is None:
                self._runs.clear()
                self._bytes = 0
                return
            for key in keys:
                old = self._runs.pop(key, None)
                if old is not None:
                    self._bytes -= old.nbytes

    @property
    def nbytes(self) -> int:
        """Compressed bytes held."""
        with self._lock:
            return self._bytes
