"""Injected faults: each kind, from Python, over HTTP and per request."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import time
import zlib
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from sandbox_client import Api

from mixpanel_data.sandbox import Fault, Sandbox

EXPORT = "/api/2.0/export"
NAMES = "/api/query/events/names"


def _window(sb: Sandbox) -> dict[str, Any]:
    return {"from_date": sb.start_date.isoformat(), "to_date": sb.end_date.isoformat()}


def _raw_get(sb: Sandbox, path: str, query: str, headers: dict[str, str]) -> tuple[bytes, bytes]:
    """One GET over a plain socket: (head, everything after it until the server closes)."""
    creds = sb.credentials
    token = base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()
    lines = [
        f"GET {path}?{query}&project_id={creds.project_id} HTTP/1.1",
        "Host: sandbox",
        f"Authorization: Basic {token}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", sb.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    return head, rest


def _dechunk(raw: bytes) -> tuple[bytes, bool]:
    """The payload of a chunked body and whether it ended with the zero-size chunk."""
    payload = b""
    while raw:
        size_line, sep, raw = raw.partition(b"\r\n")
        if not sep:
            return payload, False
        size = int(size_line, 16)
        if size == 0:
            return payload, True
        payload += raw[:size]
        if len(raw) < size + 2:
            return payload, False
        raw = raw[size + 2 :]
    return payload, False


def test_status_fault_with_retry_after(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    fresh_sb.faults.add(Fault(kind="status", status=429, retry_after=1.0, times=2, path=NAMES))
    assert client.get("/api/query/funnels/list").status_code == 200
    for _ in range(2):
        response = client.get(NAMES)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        assert response.json()["status"] == "error"
    assert client.get(NAMES).status_code == 200
    assert [r.status for r in fresh_sb.requests if r.path == NAMES] == [429, 429, 200]


def test_status_fault_for_every_request_until_cleared(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    fresh_sb.faults.add(Fault(kind="status", status=503, times=None))
    for path in (NAMES, "/api/query/funnels/list", EXPORT):
        response = client.get(path, _window(fresh_sb))
        assert response.status_code == 503 and "retry-after" not in response.headers
    fresh_sb.faults.clear()
    assert client.get(NAMES).status_code == 200


def test_cut_closes_the_socket_after_n_bytes(fresh_sb: Sandbox, api: Any) -> None:
    fresh_sb.faults.add(Fault(kind="cut", after_bytes=1000, times=1, path=EXPORT))
    query = f"from_date={fresh_sb.start_date}&to_date={fresh_sb.end_date}"
    head, rest = _raw_get(fresh_sb, EXPORT, query, {"Accept-Encoding": "identity"})
    assert b" 200 " in head.split(b"\r\n")[0]
    payload, complete = _dechunk(rest)
    assert len(payload) == 1000 and not complete
    _, rest = _raw_get(fresh_sb, EXPORT, query, {"Accept-Encoding": "identity"})
    payload, complete = _dechunk(rest)
    assert complete and payload.count(b"\n") > 100


def test_cut_is_an_error_for_httpx(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    fresh_sb.faults.add(Fault(kind="cut", after_bytes=5000, times=1, path=EXPORT))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(EXPORT, _window(fresh_sb))
    fresh_sb.faults.add(Fault(kind="cut", after_bytes=10, times=1, path="/api/query/cohorts/list"))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/api/query/cohorts/list")
    assert client.post("/api/query/cohorts/list").status_code == 200


def test_slow_delays_the_first_byte(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    fresh_sb.faults.add(Fault(kind="slow", delay=0.6, times=1))
    start = time.monotonic()
    assert client.get(NAMES).status_code == 200
    assert time.monotonic() - start >= 0.6
    assert len(fresh_sb.faults) == 0  # used once, so the next call is not delayed


@pytest.mark.parametrize("after_bytes", [None, 300])
def test_truncate_gzip(
    fresh_sb: Sandbox, api: Any, tmp_path: Path, after_bytes: int | None
) -> None:
    client = api(fresh_sb)
    fresh_sb.faults.add(Fault(kind="truncate_gzip", after_bytes=after_bytes, path=EXPORT))
    params = {**_window(fresh_sb), "project_id": fresh_sb.credentials.project_id}
    with client.client.stream(
        "GET", EXPORT, params=params, headers={"Accept-Encoding": "identity"}
    ) as response:
        assert response.headers["content-encoding"] == "gzip"
        body = b"".join(response.iter_raw())
    complete = client.get(EXPORT, _window(fresh_sb), headers={"Accept-Encoding": "gzip"})
    with client.client.stream("GET", EXPORT, params=params) as response:
        whole = b"".join(response.iter_raw())
    assert complete.status_code == 200
    assert len(body) == (after_bytes if after_bytes is not None else len(whole) - 16)
    assert whole.startswith(body)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    inflater.decompress(body)
    assert not inflater.eof
    with pytest.raises(EOFError):
        gzip.decompress(body)
    saved = tmp_path / "cut.jsonl.gz"
    saved.write_bytes(body)
    with duckdb.connect() as con, pytest.raises(duckdb.Error):
        con.execute(f"SELECT count(*) FROM read_ndjson('{saved}')").fetchall()


@pytest.mark.parametrize("accept", ["identity", "gzip"])
def test_malformed_line(fresh_sb: Sandbox, api: Any, accept: str) -> None:
    client = api(fresh_sb)
    good = client.get(EXPORT, _window(fresh_sb), headers={"Accept-Encoding": accept}).text
    fresh_sb.faults.add(Fault(kind="malformed", line=5, times=1, path=EXPORT))
    bad = client.get(EXPORT, _window(fresh_sb), headers={"Accept-Encoding": accept}).text
    good_lines, bad_lines = good.splitlines(), bad.splitlines()
    assert len(bad_lines) == len(good_lines)
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad_lines[4])
    for n, (a, b) in enumerate(zip(good_lines, bad_lines, strict=True)):
        if n != 4:
            assert a == b


def test_malformed_only_matches_json_lines(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    fresh_sb.faults.add(Fault(kind="malformed", line=1, times=1))
    assert isinstance(client.get(NAMES).json(), list)
    assert len(fresh_sb.faults) == 1
    first = client.get(EXPORT, _window(fresh_sb)).text.splitlines()[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(first)
    assert len(fresh_sb.faults) == 0


def test_after_handler_faults_skip_failed_answers(fresh_sb: Sandbox, api: Any) -> None:
    fresh_sb.faults.add(Fault(kind="cut", after_bytes=0, times=1))
    anonymous = httpx.get(fresh_sb.url + NAMES)
    assert anonymous.status_code == 401 and anonymous.json()["status"] == "error"
    with pytest.raises(httpx.RemoteProtocolError):
        api(fresh_sb).get(NAMES)


def test_faults_over_http(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    control = httpx.Client(base_url=fresh_sb.url, headers=fresh_sb.control_headers())
    try:
        added = control.post("/_sandbox/faults", json={"kind": "status", "status": 502, "times": 3})
        assert added.status_code == 200
        listed = control.get("/_sandbox/faults").json()["faults"]
        assert listed == [{"kind": "status", "status": 502, "times": 3, "remaining": 3}]
        assert client.get(NAMES).status_code == 502
        assert control.get("/_sandbox/faults").json()["faults"][0]["remaining"] == 2
        assert control.delete("/_sandbox/faults").status_code == 200
        assert client.get(NAMES).status_code == 200
        assert control.post("/_sandbox/faults", json={"kind": "explode"}).status_code == 400
        assert control.post("/_sandbox/faults", json={"kind": "cut", "nope": 1}).status_code == 400
        assert not any(r.path.startswith("/_sandbox") for r in fresh_sb.requests)
    finally:
        control.close()


def test_fault_header_applies_to_one_request(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb, headers=fresh_sb.control_headers())
    response = client.get(
        NAMES, headers={"X-Sandbox-Fault": "kind=status;status=429;retry_after=0.5"}
    )
    assert response.status_code == 429 and response.headers["retry-after"] == "0.5"
    assert client.get(NAMES).status_code == 200
    broken = client.get(NAMES, headers={"X-Sandbox-Fault": "kind=status;status=abc"})
    assert broken.status_code == 400
    slow_and_cut = "kind=slow;delay=0.2, kind=cut;after_bytes=3"
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(NAMES, headers={"X-Sandbox-Fault": slow_and_cut})


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        Fault(kind="boom")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Fault(kind="status", times=0)
    with pytest.raises(ValueError):
        Fault(kind="malformed", line=0)
    assert Fault.from_header("kind=slow;delay=2").delay == 2.0
    assert Fault(kind="status").status_code == 503
    assert Fault(kind="status", path="/api/query/*").matches("GET", "/api/query/events/top")
    assert not Fault(kind="status", method="POST").matches("GET", "/x")


def test_rate_limits(api: Any) -> None:
    with Sandbox(seed=1, users=10, days=2, end_date="2026-01-31", rate_limits=True) as sb:
        client: Api = api(sb)
        statuses = [client.get(EXPORT, _window(sb)).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]  # three per second are always allowed
        # The 4th in the same second is refused; a loaded machine may let a second pass first,
        # so keep asking (a refusal is not counted against the window).
        for _ in range(30):
            limited = client.get(EXPORT, _window(sb))
            if limited.status_code != 200:
                break
        assert limited.status_code == 429 and float(limited.headers["retry-after"]) >= 1
        time.sleep(1.05)  # every admitted call is now more than a second old
        assert client.get(EXPORT, _window(sb)).status_code == 200
        assert client.post("/track", data={"data": "[]"}, project=False).status_code != 429


def _stored(sb: Sandbox, event: str) -> int:
    with sb.data.cursor() as con:
        row = con.execute("SELECT count(*) FROM events WHERE event = ?", [event]).fetchone()
    assert row is not None
    return int(row[0])


def test_drop_processes_the_request_then_answers_nothing(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    token = fresh_sb.credentials.token
    body = [{"event": "Dropped", "properties": {"token": token, "distinct_id": "d1"}}]
    fresh_sb.faults.add(Fault(kind="drop", times=1, path="/track"))
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        client.post("/track", json=body, project=False)
    assert _stored(fresh_sb, "Dropped") == 1
    assert client.post("/track", json=body, project=False).status_code == 200
    assert _stored(fresh_sb, "Dropped") == 2
    assert len(fresh_sb.faults) == 0


def test_drop_over_http_and_in_the_header(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb, headers=fresh_sb.control_headers())
    control = httpx.Client(base_url=fresh_sb.url, headers=fresh_sb.control_headers())
    try:
        added = control.post("/_sandbox/faults", json={"kind": "drop", "path": NAMES})
        assert added.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(NAMES)
        assert client.get(NAMES).status_code == 200
    finally:
        control.close()
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(NAMES, headers={"X-Sandbox-Fault": "kind=drop"})
    assert [r.status for r in fresh_sb.requests if r.path == NAMES] == [200, 200, 200]


def test_wait_idle_outlasts_a_request_its_client_gave_up_on(fresh_sb: Sandbox, api: Any) -> None:
    """A client that timed out leaves its request running on the server: ``wait_idle`` returns
    only once it has finished, so a fault armed afterwards cannot be taken by that request."""
    fresh_sb.faults.add(Fault("slow", delay=2.0, times=1, path=NAMES))
    creds = fresh_sb.credentials
    with pytest.raises(httpx.TimeoutException):
        httpx.get(
            fresh_sb.url + NAMES,
            params={"project_id": creds.project_id, "type": "general"},
            auth=(creds.username, creds.secret),
            timeout=0.1,
        )
    assert fresh_sb.wait_idle(timeout=0.05) is False  # the slow request is still running
    assert fresh_sb.wait_idle(timeout=10) is True
    assert fresh_sb.wait_idle(timeout=0) is True
