"""Reading a response body: httpx failures become ours, and a gzip body must be complete.

The transport hands every response out with its body wrapped in a :class:`CheckedStream`, so
whoever reads it (``response.read()``, ``iter_raw()``, ``iter_lines()``, a generated client) gets

- :class:`~mixpanel_data.exceptions.TruncatedBodyError` when the body stops short: the
  connection closed inside a chunked body or before ``Content-Length`` bytes, or a gzip body
  ended (cleanly on the wire) before its end-of-stream and CRC/size trailer, or was empty. httpx's
  own gzip decoder accepts such a body silently; :class:`GzipCheck` does not;
- :class:`~mixpanel_data.exceptions.TimeoutError_` when the server stalled mid-body;
- :class:`~mixpanel_data.exceptions.DataError` when a gzip body is corrupt (bad CRC, bad data).

Example:
    >>> import gzip
    >>> check = GzipCheck()
    >>> check.feed(gzip.compress(b"hello\\n")[:-4])
    >>> check.complete
    False
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import httpx

from mixpanel_data._transport.errors import mapped_error
from mixpanel_data.exceptions import DataError, TruncatedBodyError

# Output per inflate call while checking: bounds the memory a highly compressed block can take.
_INFLATE_STEP = 1 << 20
# ``response.extensions[CHECKED]``: the response's CheckedStream while its body is still unread.
CHECKED = "mixpanel_data.checked_body"


def _new_inflater() -> zlib._Decompress:
    return zlib.decompressobj(zlib.MAX_WBITS | 16)


class GzipCheck:
    """Inflates gzip bytes as they come and says whether they end at the end of a gzip member.

    ``zlib`` checks each member's CRC-32 and length; several members in a row are accepted.
    :meth:`push` yields the inflated bytes (in pieces of at most 1 MiB); :meth:`feed` discards
    them, or hands each piece to ``tap`` when one is set.

    Example:
        >>> import gzip
        >>> check = GzipCheck()
        >>> check.feed(gzip.compress(b"a") + gzip.compress(b"b"))
        >>> check.complete, check.size
        (True, 2)
    """

    def __init__(self) -> None:
        self._inflater = _new_inflater()
        self.size = 0  # inflated bytes
        self.fed = 0  # compressed bytes
        self.tap: Callable[[bytes], object] | None = None

    @property
    def complete(self) -> bool:
        """True when the data seen so far ends exactly at the end of a gzip member."""
        return self.fed > 0 and self._inflater.eof and not self._inflater.unused_data

    def push(self, data: bytes) -> Iterator[bytes]:
        """Inflate ``data``; raises :class:`DataError` if it is not gzip or fails its CRC."""
        self.fed += len(data)
        inflater = self._inflater
        try:
            while True:
                if inflater.eof:  # a member ended; anything after it starts the next one
                    data = inflater.unused_data + data
                    if not data:
                        return
                    inflater = self._inflater = _new_inflater()
                out = inflater.decompress(data, _INFLATE_STEP)
                data = inflater.unconsumed_tail
                if out:
                    self.size += len(out)
                    yield out
                elif not data and not inflater.eof:
                    return
        except zlib.error as err:
            raise DataError(
                f"the gzip body is corrupt ({err})", details={"gzip_error": str(err)}
            ) from err

    def feed(self, data: bytes) -> None:
        """Inflate ``data`` to check it; the inflated pieces go to :attr:`tap`, if set."""
        tap = self.tap
        for piece in self.push(data):
            if tap is not None:
                tap(piece)


class CheckedStream(httpx.SyncByteStream):
    """A response body whose read errors are ours; it verifies gzip bodies as they are read.

    Args:
        stream: the inner transport's body.
        request: the request answered (for messages).
        gzip: check the body as gzip (the response has ``Content-Encoding: gzip`` and may have a
            body). Even empty content is a 20-byte gzip member, so an empty body fails too.
        on_close: called once when the body is closed (frees the pacer's slot).
    """

    def __init__(
        self,
        stream: httpx.SyncByteStream,
        request: httpx.Request,
        *,
        gzip: bool,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._stream = stream
        self._request = request
        self._check = GzipCheck() if gzip else None
        self._on_close = on_close
        self.received = 0

    def tap(self, receiver: Callable[[bytes], object]) -> bool:
        """Hand the inflated pieces of a gzip body to ``receiver`` as the check makes them (so
        a reader that needs them does not inflate the body a second time). ``False`` when the
        body is not checked as gzip (nothing is tapped)."""
        if self._check is None:
            return False
        self._check.tap = receiver
        return True

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._stream:
                self.received += len(chunk)
                if self._check is not None:
                    self._check.feed(chunk)
                yield chunk
        except httpx.TransportError as err:
            raise mapped_error(err, self._request, received=self.received) from err
        check = self._check
        if check is not None and not check.complete:
            method, path = self._request.method, self._request.url.path
            raise TruncatedBodyError(
                f"{method} {path}: the gzip body ends early ({self.received} bytes without the "
                "end of the gzip stream)",
                details={
                    "method": method,
                    "path": path,
                    "received_bytes": self.received,
                    "gzip": True,
                },
            )

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()


def inflated(
    response: httpx.Response, on_raw: Callable[[bytes], object] | None = None
) -> Iterator[bytes]:
    """The body of a streamed ``response`` as the server meant it: a gzip body inflated once
    (by the transport's check when it is reading the body, else here), checked whole either way.
    ``on_raw`` sees each block as it came off the wire (to save the gzip bytes as they are).

    Example:
        >>> with client.stream("GET", url) as response:                   # doctest: +SKIP
        ...     text = b"".join(inflated(response))
    """
    pieces: list[bytes] = []
    checked = response.extensions.get(CHECKED)
    gzip = "gzip" in response.headers.get("Content-Encoding", "").lower()
    check: GzipCheck | None = None
    if not (isinstance(checked, CheckedStream) and checked.tap(pieces.append)) and gzip:
        check = GzipCheck()  # a body read before (or not by our transport): inflate it here
    for raw in response.iter_raw():
        if on_raw is not None:
            on_raw(raw)
        if check is not None:
            yield from check.push(raw)
        elif pieces:
            yield from pieces
            pieces.clear()
        elif not gzip:
            yield raw
    if check is not None and not check.complete:
        raise TruncatedBodyError(
            f"the gzip body ends early ({check.fed} bytes without the end of the gzip stream)",
            details={"received_bytes": check.fed, "gzip": True},
        )
    yield from pieces


__all__ = ["CHECKED", "CheckedStream", "GzipCheck", "inflated"]
