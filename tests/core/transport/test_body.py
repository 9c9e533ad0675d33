"""GzipCheck: a gzip body counts only when it reaches the end of its stream."""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Any

import httpx
import pytest
from http_helpers import EXPORT, export_params

from mixpanel_data._transport import body, build_http_client
from mixpanel_data._transport.body import CHECKED, GzipCheck, inflated
from mixpanel_data.exceptions import DataError, TruncatedBodyError

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
    assert sum(map(len, pieces)) == 20 << 20 and max(map(len, pieces)) <= 1 << 20
    assert check.complete
    assert not GzipCheck().complete


def test_random_bytes_round_trip() -> None:
    data = os.urandom(100_000)
    body = zlib.compress(data, wbits=31)
    check = GzipCheck()
    out = b"".join(b"".join(check.push(body[i : i + 999])) for i in range(0, len(body), 999))
    assert out == data and check.complete


# -- inflated(): one inflate per body, over real HTTP ---------------------------------------------


class _CountingCheck(GzipCheck):
    made = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).made += 1


def _export(client: Any, server: Any, gzip_ok: bool = True) -> Any:
    headers = {} if gzip_ok else {"Accept-Encoding": "identity"}
    return client.stream("GET", EXPORT, params=export_params(server), headers=headers)


def test_inflated_reuses_the_transports_check(server, creds_for, monkeypatch) -> None:
    client = build_http_client("data", server.url, creds_for(server))
    with _export(client, server, gzip_ok=False) as plain:
        expected = plain.read()
    monkeypatch.setattr(body, "GzipCheck", _CountingCheck)
    _CountingCheck.made = 0
    raw: list[bytes] = []
    with _export(client, server) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        got = b"".join(inflated(response, on_raw=raw.append))
    assert got == expected and expected.count(b"\n") > 100
    assert _CountingCheck.made == 1  # the transport's check; nobody inflated the body again
    assert zlib.decompress(b"".join(raw), wbits=31) == expected


def test_inflated_checks_a_body_it_inflates_itself() -> None:
    """A body the transport read before (or another client's) is inflated and checked here."""
    whole = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(BODY))
    assert CHECKED not in whole.extensions
    assert b"".join(inflated(whole)) == PLAIN
    cut = httpx.Response(
        200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(BODY[:-10])
    )
    with pytest.raises(TruncatedBodyError, match="ends early"):
        b"".join(inflated(cut))


def test_inflated_passes_a_plain_body_through(server, creds_for) -> None:
    client = build_http_client("data", server.url, creds_for(server))
    with _export(client, server, gzip_ok=False) as response:
        seen: list[bytes] = []
        got = b"".join(inflated(response, on_raw=seen.append))
    assert got == b"".join(seen) and got.count(b"\n") > 100


def test_inflated_raises_when_the_server_cuts_the_gzip(server, fault, creds_for) -> None:
    server.faults.add(fault(kind="truncate_gzip", times=1, path=EXPORT))
    client = build_http_client("data", server.url, creds_for(server))
    with pytest.raises(TruncatedBodyError), _export(client, server) as response:
        b"".join(inflated(response))
