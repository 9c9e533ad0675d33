"""The sandbox keeps serving under malformed HTTP, many concurrent requests and slow clients."""

from __future__ import annotations

import base64
import json
import socket
import threading
from typing import Any

import httpx
import pytest

from mixpanel_data.sandbox import Sandbox

NAMES = "/api/query/events/names"

MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET / FTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"b" * 70_000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
    b"POST /track HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /track HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /track HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /\xff\xfe%zz%%?a=%ff HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
    b"\r\n\r\n\r\n",
]


def _raw(port: int, data: bytes) -> bytes:
    """Send ``data``, half-close, and read whatever comes back until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _names(sb: Sandbox, client: httpx.Client | None = None) -> httpx.Response:
    creds = sb.credentials
    return (client or httpx).get(
        sb.url + NAMES,
        params={"project_id": creds.project_id, "type": "general"},
        auth=(creds.username, creds.secret),
        timeout=60,
    )


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_http_gets_a_4xx_or_a_close_never_a_500(fresh_sb: Sandbox, data: bytes) -> None:
    answer = _raw(fresh_sb.port, data)
    if answer:
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1."), answer[:200]
        status = int(status_line.split()[1])
        assert 400 <= status < 500 or status == 505, status_line
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"application/json" in head.lower(), head
        assert json.loads(body)["status"] == "error"
    assert _names(fresh_sb).status_code == 200  # still serving


def test_200_concurrent_requests_all_answer_the_same(shared_sb: Sandbox) -> None:
    count = 200
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    client = httpx.Client(limits=httpx.Limits(max_connections=count))

    def one(i: int) -> None:
        start.wait(60)
        try:
            answer = _names(shared_sb, client)
            results[i] = (answer.status_code, answer.content)
        except httpx.HTTPError as exc:
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    client.close()
    assert all(isinstance(r, tuple) for r in results), [
        r for r in results if not isinstance(r, tuple)
    ][:3]
    assert {status for status, _ in results} == {200}
    assert len({body for _, body in results}) == 1


def test_slow_clients_do_not_hold_up_others(fresh_sb: Sandbox) -> None:
    """Clients that stop mid-headers, mid-body, or never read a large answer: others are served,
    and the sandbox still stops cleanly with them connected."""
    creds = fresh_sb.credentials
    stalled: list[socket.socket] = []
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", fresh_sb.port), timeout=30)
            sock.sendall(b"GET " + NAMES.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Half: ")
            stalled.append(sock)
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", fresh_sb.port), timeout=30)
            sock.sendall(b"POST /track HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n[{")
            stalled.append(sock)
        export = (
            f"GET /api/2.0/export?project_id={creds.project_id}"
            f"&from_date={fresh_sb.start_date}&to_date={fresh_sb.end_date} HTTP/1.1\r\n"
            f"Host: x\r\nAuthorization: Basic "
        ).encode()
        token = base64.b64encode(f"{creds.username}:{creds.secret}".encode())
        for _ in range(5):  # asks for the whole export and never reads it
            sock = socket.create_connection(("127.0.0.1", fresh_sb.port), timeout=30)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(export + token + b"\r\n\r\n")
            stalled.append(sock)
        for _ in range(10):
            assert _names(fresh_sb).status_code == 200
    finally:
        for sock in stalled:
            sock.close()
    assert _names(fresh_sb).status_code == 200
