"""GzipCheck: a gzip body counts only when it reaches the end of its stream."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest

from mixpanel_data._transport.body import GzipCheck
from mixpanel_data.exceptions import DataError

PLAIN = b"".join(b'{"event":"e%d","properties":{"time":%d}}\n' % (i, i) for i in range(2000))
BODY = gzip.compress(PLAIN)


def _checked(data: bytes, piece: int = 7) -> GzipCheck:
    check = GzipCheck()
    for i in range(0, len(data), piece):
        check.feed(data[i : i + piece])
    return check


def test_a_whole_body_is_complete_in_any_pieces() -> None:
    for piece in (1, 7, 4096, len(BODY)):
        check = _checked(BODY, piece)
        assert check.complete and check.size == len(PLAIN) and check.fed == len(BODY)


@pytest.mark.parametrize("keep", [0, 1, 5, 10, 11, 100, len(BODY) // 2, len(BODY) - 8, -1])
def test_every_cut_is_incomplete(keep: int) -> None:
    assert not _checked(BODY[:keep]).complete


def test_several_members_in_a_row_are_accepted() -> None:
    twice = BODY + gzip.compress(b"more\n")
    assert _checked(twice).complete
    assert not _checked(twice[:-3]).complete
    assert b"".join(GzipCheck().push(twice)) == PLAIN + b"more\n"


def test_a_bad_crc_or_garbage_is_a_data_error() -> None:
    bad_crc = BODY[:-8] + bytes([BODY[-8] ^ 0xFF]) + BODY[-7:]
    with pytest.raises(DataError, match="corrupt"):
        _checked(bad_crc)
    with pytest.raises(DataError, match="corrupt"):
        _checked(b"this is not gzip at all")


def test_push_yields_bounded_pieces() -> None:
    zeros = gzip.compress(bytes(20 << 20))  # 20 MiB that compress to ~20 KiB
    check = GzipCheck()
    pieces = list(check.push(zeros))
    assert sum(map(len, pieces)) == 20 << 20 and max(map(len, pieces)) <= 4 << 20
    assert check.complete
    assert not GzipCheck().complete


def test_random_bytes_round_trip() -> None:
    data = os.urandom(100_000)
    body = zlib.compress(data, wbits=31)
    check = GzipCheck()
    out = b"".join(b"".join(check.push(body[i : i + 999])) for i in range(0, len(body), 999))
    assert out == data and check.complete
