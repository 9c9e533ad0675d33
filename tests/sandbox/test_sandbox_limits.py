"""Ingestion limits as Mixpanel documents them, and gzip bodies that cannot exhaust the server."""

from __future__ import annotations

import gzip
import json
import time
import uuid
import zlib
from typing import Any

import httpx

from mixpanel_data.sandbox import Sandbox
from mixpanel_data.sandbox._ingestion import address_distinct_id

LIMIT = 2_097_152  # the document's 413 example: "request exceeds max limit of 2097152 bytes"
TOO_LARGE = {
    "code": 413,
    "error": f"request exceeds max limit of {LIMIT} bytes",
    "status": "Request Entity Too Large",
}


def _stored(sb: Sandbox, name: str) -> list[tuple[int, str]]:
    with sb.data.cursor() as cur:
        rows = cur.execute(
            "SELECT time, distinct_id FROM events WHERE event = $1 ORDER BY time", [name]
        ).fetchall()
    return [(int(t), str(d)) for t, d in rows]


def _track(sb: Sandbox, *events: dict[str, Any], **params: Any) -> httpx.Response:
    token = sb.credentials.token
    body = [{**e, "properties": {"token": token, **e["properties"]}} for e in events]
    return httpx.post(sb.url + "/track", params=params, json=body)


def test_track_keeps_only_the_last_five_days(fresh_sb: Sandbox) -> None:
    now = int(time.time())
    old = {"event": "Old", "properties": {"distinct_id": "o", "time": now - 5 * 86_400 - 600}}
    recent = {"event": "Recent", "properties": {"distinct_id": "r", "time": now - 4 * 86_400}}
    refused = _track(fresh_sb, old, verbose=1).json()
    assert refused["status"] == 0 and "/import" in refused["error"]
    assert _track(fresh_sb, old).text == "0"
    assert _track(fresh_sb, recent).text == "1"
    assert _track(fresh_sb, old, recent).text == "1"
    assert _stored(fresh_sb, "Old") == []
    assert _stored(fresh_sb, "Recent") == [(now - 4 * 86_400, "r")] * 2


def test_future_times_become_the_time_of_ingestion(fresh_sb: Sandbox, api: Any) -> None:
    before = int(time.time())
    ahead = before + 3 * 86_400
    assert _track(fresh_sb, {"event": "Ahead", "properties": {"time": ahead}}).text == "1"
    event = {"time": ahead, "distinct_id": "f", "$insert_id": uuid.uuid4().hex}
    imported = api(fresh_sb).post(
        "/import", {"strict": "1"}, json=[{"event": "Ahead", "properties": event}]
    )
    assert imported.status_code == 200 and imported.json()["num_records_imported"] == 1
    after = int(time.time())
    times = [t for t, _ in _stored(fresh_sb, "Ahead")]
    assert len(times) == 2 and all(before <= t <= after + 1 for t in times)


def test_ip_1_gives_a_stable_id_from_the_client_address(fresh_sb: Sandbox) -> None:
    anonymous = {"event": "Anon", "properties": {}}
    assert _track(fresh_sb, anonymous, ip=1).text == "1"
    assert _track(fresh_sb, anonymous, ip=1).text == "1"
    assert (
        _track(fresh_sb, {"event": "Anon", "properties": {"distinct_id": "me"}}, ip=1).text == "1"
    )
    assert _track(fresh_sb, anonymous, ip=0).text == "1"
    ids = sorted(d for _, d in _stored(fresh_sb, "Anon"))
    hashed = address_distinct_id("127.0.0.1")
    assert ids == sorted([hashed, hashed, "me", ""])
    assert "127.0.0.1" not in hashed


def _big_batch(size: int) -> bytes:
    """A valid import body of at least ``size`` bytes (few events, one long property)."""
    now = int(time.time()) - 60
    pad = "x" * (size // 2)
    events = [
        {
            "event": "Big",
            "properties": {"time": now, "distinct_id": "b", "$insert_id": f"b-{n}", "pad": pad},
        }
        for n in range(2)
    ]
    return json.dumps(events).encode()


def test_import_over_the_documented_limit_is_413(fresh_sb: Sandbox, api: Any) -> None:
    client = api(fresh_sb)
    body = _big_batch(LIMIT)
    assert len(body) > LIMIT
    plain = client.post(
        "/import", {"strict": "1"}, content=body, headers={"Content-Type": "application/json"}
    )
    assert plain.status_code == 413 and plain.json() == TOO_LARGE
    packed = client.post(
        "/import",
        {"strict": "1"},
        content=gzip.compress(body),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert packed.status_code == 413 and packed.json() == TOO_LARGE
    fits = _big_batch(LIMIT - 4096)
    assert len(fits) <= LIMIT
    ok = client.post(
        "/import",
        {"strict": "1"},
        content=gzip.compress(fits),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert ok.status_code == 200 and ok.json()["num_records_imported"] == 2
    assert len(_stored(fresh_sb, "Big")) == 2


def _bomb(megabytes: int) -> bytes:
    """A gzip body that inflates to ``megabytes`` MiB of JSON whitespace (built in pieces)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    piece = b" " * (1 << 20)
    parts = [packer.compress(b"[")]
    parts += [packer.compress(piece) for _ in range(megabytes)]
    parts += [packer.compress(b"]"), packer.flush()]
    return b"".join(parts)


def test_a_gzip_bomb_is_refused_without_inflating_it(fresh_sb: Sandbox, api: Any) -> None:
    """256 MiB of whitespace in a body of about 256 KB: 413 as soon as 2 MiB came out."""
    bomb = _bomb(256)
    assert len(bomb) < 1_000_000
    answer = api(fresh_sb).post(
        "/import", {"strict": "1"}, content=bomb, headers={"Content-Encoding": "gzip"}
    )
    assert answer.status_code == 413 and answer.json() == TOO_LARGE


def test_credentials_are_checked_before_a_gzip_body_is_read(fresh_sb: Sandbox) -> None:
    """Wrong credentials with a body that is not even gzip: 401, not the 400 of inflating it."""
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    pid = {"project_id": fresh_sb.credentials.project_id, "strict": "1"}
    wrong = httpx.post(
        fresh_sb.url + "/import", params=pid, content=b"not gzip", headers=headers, auth=("x", "y")
    )
    assert wrong.status_code == 401
    creds = fresh_sb.credentials
    right = httpx.post(
        fresh_sb.url + "/import",
        params=pid,
        content=b"not gzip",
        headers=headers,
        auth=(creds.username, creds.secret),
    )
    assert right.status_code == 400 and "gzip" in right.json()["error"]


def test_token_routes_inflate_within_the_limit(fresh_sb: Sandbox) -> None:
    """/track carries its token inside the body: the body is inflated (bounded), then checked."""
    event = {
        "event": "Zipped",
        "properties": {"token": fresh_sb.credentials.token, "time": int(time.time())},
    }
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    ok = httpx.post(
        fresh_sb.url + "/track",
        content=gzip.compress(json.dumps([event]).encode()),
        headers=headers,
    )
    assert ok.text == "1"
    bomb = _bomb(64)
    refused = httpx.post(fresh_sb.url + "/track", content=bomb, headers=headers)
    assert refused.status_code == 413
