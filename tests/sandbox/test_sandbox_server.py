"""The server itself: keep-alive, routing, compression, request bodies, lifecycle, serve_forever."""

from __future__ import annotations

import base64
import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox
from mixpanel_data.sandbox._gzip import DeflatedRun, RunCache, crc32_combine, gzip_stream

NAMES = "/api/query/events/names"


def _request(sock: socket.socket, head: str) -> tuple[str, bytes]:
    """Send one request and read one Content-Length answer from a kept-alive socket."""
    sock.sendall(head.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    header, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in header.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return header.decode(), body


def test_keep_alive_serves_several_requests_per_connection(shared_sb: Sandbox) -> None:
    creds = shared_sb.credentials
    auth = base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()
    head = (
        f"GET {NAMES}?project_id={creds.project_id} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {auth}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", shared_sb.port), timeout=10) as sock:
        answers = [_request(sock, head) for _ in range(3)]
    assert all(h.startswith("HTTP/1.1 200") for h, _ in answers)
    assert len({body for _, body in answers}) == 1


def test_method_not_allowed_and_aliases(shared_sb: Sandbox, api: Any) -> None:
    client: Api = api(shared_sb)
    wrong = client.post(NAMES)
    assert wrong.status_code == 405 and wrong.json()["status"] == "error"
    assert client.get("/api/2.0/events/names").json() == client.get(NAMES).json()
    legacy = client.post("/api/2.0/engage", data={"distinct_id": "user-00001"}).json()
    assert legacy["results"][0]["$distinct_id"] == "user-00001"


def test_json_answers_are_gzipped_when_large_and_accepted(shared_sb: Sandbox, api: Any) -> None:
    client: Api = api(shared_sb)
    path = f"/api/app/projects/{shared_sb.credentials.project_id}/bookmarks"
    big = client.get(path, project=False)
    assert big.headers["content-encoding"] == "gzip" and big.json()["results"]
    small = client.get("/api/query/funnels/list")
    assert "content-encoding" not in small.headers
    plain = client.get(path, project=False, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == big.json()
    refused = client.get(path, project=False, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_chunked_and_gzipped_request_bodies(fresh_sb: Sandbox, api: Any) -> None:
    client: Api = api(fresh_sb)
    event = (
        b'[{"event":"Chunked","properties":{"time":1769850000,"distinct_id":"c",'
        b'"$insert_id":"c-1"}}]'
    )

    def pieces() -> Iterator[bytes]:
        yield event[:10]
        yield event[10:]

    chunked = client.post("/import", {"strict": "1"}, content=pieces())
    assert chunked.json()["num_records_imported"] == 1
    zipped = client.post(
        "/import",
        {"strict": "1"},
        content=gzip.compress(event.replace(b"c-1", b"c-2")),
        headers={"Content-Encoding": "gzip"},
    )
    assert zipped.json()["num_records_imported"] == 1
    broken = client.post("/import", content=b"not gzip", headers={"Content-Encoding": "gzip"})
    assert broken.status_code == 400


def test_oversized_body_is_413(fresh_sb: Sandbox) -> None:
    with socket.create_connection(("127.0.0.1", fresh_sb.port), timeout=10) as sock:
        sock.sendall(b"POST /track HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413")


def test_parallel_exports_agree(shared_sb: Sandbox, api: Any) -> None:
    client: Api = api(shared_sb)
    params = {
        "from_date": shared_sb.start_date.isoformat(),
        "to_date": shared_sb.end_date.isoformat(),
    }

    def fetch(accept: str) -> bytes:
        return client.get("/api/2.0/export", params, headers={"Accept-Encoding": accept}).content

    with ThreadPoolExecutor(6) as pool:
        bodies = list(pool.map(fetch, ["identity", "gzip"] * 3))
    assert len(set(bodies)) == 1 and bodies[0]


def _stops_within(sb: Sandbox, seconds: float) -> None:
    """A liveness guard, not a timing check: fail instead of hanging the run if stop() hangs."""
    stopper = threading.Thread(target=sb.stop, daemon=True)
    stopper.start()
    stopper.join(seconds)
    assert not stopper.is_alive(), "Sandbox.stop() hung"


def test_lifecycle() -> None:
    sb = Sandbox(seed=1, users=5, days=1, end_date="2026-01-31")
    with pytest.raises(RuntimeError):
        _ = sb.url
    assert sb.start() is sb.start()
    url, port = sb.url, sb.port
    assert httpx.get(url + "/_sandbox/health").json()["status"] == "ok"
    held = socket.create_connection(("127.0.0.1", port))  # an idle keep-alive client
    _stops_within(sb, 60)  # an idle keep-alive connection does not hold the server open
    sb.stop()
    held.close()
    assert not sb.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/_sandbox/health")
    with pytest.raises(RuntimeError):
        _ = sb.requests


def test_stop_during_a_streaming_export(api: Any) -> None:
    sb = Sandbox(seed=1, users=200, days=10, end_date="2026-01-31", events=60_000).start()
    client: Api = api(sb)
    params = {
        "from_date": sb.start_date.isoformat(),
        "to_date": sb.end_date.isoformat(),
        "project_id": sb.credentials.project_id,
    }
    outcome: dict[str, Any] = {}
    stopping = threading.Event()

    def read() -> None:  # slowly, so the server is mid-answer when it is stopped
        try:
            with client.client.stream(
                "GET", "/api/2.0/export", params=params, headers={"Accept-Encoding": "identity"}
            ) as response:
                for _ in response.iter_raw(1024):
                    if not stopping.is_set():
                        time.sleep(0.01)
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)
    _stops_within(sb, 60)
    stopping.set()
    reader.join(10)
    assert not reader.is_alive() and "error" in outcome


def test_serve_forever_stops_on_ctrl_c(tmp_path: Path) -> None:
    script = (
        "from mixpanel_data.sandbox import serve_forever\n"
        "serve_forever(seed=1, users=5, days=1, end_date='2026-01-31')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        if not first:
            assert proc.stderr is not None
            pytest.fail(proc.stderr.read())
        assert first.startswith("Mixpanel sandbox serving at http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        banner = [proc.stdout.readline() for _ in range(7)]
        assert any(line.startswith("export MP_BASE_URL=") for line in banner)
        assert httpx.get(url + "/_sandbox/health").status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/_sandbox/health")


def test_crc32_combine_and_runs() -> None:
    parts = [os.urandom(n) for n in (0, 1, 1000, 65_537)]
    crc = 0
    for part in parts:
        crc = crc32_combine(crc, zlib.crc32(part), len(part))
    assert crc == zlib.crc32(b"".join(parts))
    body = b"".join(gzip_stream(iter(parts)))
    assert gzip.decompress(body) == b"".join(parts)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    assert inflater.decompress(body) == b"".join(parts) and inflater.eof


def test_run_cache_refuses_stale_runs_and_evicts() -> None:
    cache = RunCache(max_bytes=10)
    generation = cache.generation
    cache.invalidate(["a"])
    cache.put("a", DeflatedRun([b"xx"], 1, 2), generation)
    assert cache.get("a") is None
    cache.put("a", DeflatedRun([b"xxxx"], 1, 4), cache.generation)
    cache.put("b", DeflatedRun([b"yyyy"], 1, 4), cache.generation)
    cache.put("c", DeflatedRun([b"zzzz"], 1, 4), cache.generation)
    assert cache.get("a") is None and cache.get("c") is not None and cache.nbytes == 8
    cache.invalidate()
    assert cache.get("b") is None and cache.nbytes == 0


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PROPFIND"])
def test_other_methods_get_mixpanel_errors_not_html(shared_sb: Sandbox, method: str) -> None:
    with httpx.Client(base_url=shared_sb.url, timeout=10) as client:
        known = client.request(method, NAMES)
        unknown = client.request(method, "/no/such/path")
    assert known.status_code == 405 and known.headers["allow"] == "GET"
    assert known.headers["content-type"].startswith("application/json")
    assert known.json() == {
        "error": f"method {method} is not allowed on {NAMES}",
        "status": "error",
    }
    assert unknown.status_code == 404 and unknown.json()["status"] == "error"


def test_head_gets_the_status_and_headers_without_a_body(shared_sb: Sandbox) -> None:
    creds = shared_sb.credentials
    head = f"HEAD {NAMES}?project_id={creds.project_id} HTTP/1.1\r\nHost: x\r\n\r\n"
    get = "GET /no/such/path HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", shared_sb.port), timeout=10) as sock:
        header, body = _request(sock, head)
        assert header.startswith("HTTP/1.1 405") and "Allow: GET" in header and body == b""
        header, body = _request(sock, get)  # the connection is still usable
    assert header.startswith("HTTP/1.1 404") and b"Unknown path" in body
