"""The retry table: what a failure costs, measured against the sandbox's faults.

    python scripts/retry_table.py [--users 400] [--days 7]

Each row arms one fault in an in-process sandbox and counts requests the sandbox received (its
request log) or what it stored:

- a chunk whose export always answers 503: export requests for that one-chunk fetch;
- an export answering 429 with ``Retry-After: 120``: requests, and seconds until the call failed;
- ``POST /track`` whose connection is dropped after the server stored the event: events stored;
- an annotation create dropped the same way: annotations with that description;
- ``stream_events`` (what ``mp fetch events --stdout`` prints) over a gzip body missing its last
  16 bytes: events yielded of those served, and how it ended.

Waits between retries are skipped (a no-op ``sleep``), so the counts are the policy's, not the
clock's; the 429 row keeps real time (and the fetcher's own waits) to show what sleeps behind
it. The script only uses names that also exist before the transport rework, so it runs against
an older checkout too
(``PYTHONPATH=<old src> python scripts/retry_table.py``; the ``drop`` fault needs this sandbox).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mixpanel_data import Workspace
from mixpanel_data._api.clients import ApiClients
from mixpanel_data._transport import build_http_client
from mixpanel_data.sandbox import Fault, Sandbox

EXPORT = "/api/2.0/export"


def _no_wait(_seconds: float) -> None:
    return None


def _workspace(sb: Sandbox, folder: Path, *, real_time: bool = False) -> Workspace:
    ws = Workspace(path=folder / f"{uuid.uuid4().hex}.duckdb", credentials=_creds(sb))
    if not real_time:
        ws._api = ApiClients(ws.credentials, sleep=_no_wait)
        service = ws._fetch_service
        service.api = ws._api
        service.retry_wait = 0.0
    return ws


def _creds(sb: Sandbox) -> Any:
    return sb.credentials.client_credentials(sb.url)


def _outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except Exception as err:  # the row reports whatever ended the call
        return f"{type(err).__name__}: {str(err)[:90]}"
    return "returned normally"


def _requests(sb: Sandbox, path: str, method: str | None = None) -> int:
    return sum(1 for r in sb.requests if r.path == path and (method is None or r.method == method))


def always_503(sb: Sandbox, folder: Path) -> tuple[str, str]:
    sb.clear_requests()
    sb.faults.add(Fault(kind="status", status=503, times=None, path=EXPORT))
    ws = _workspace(sb, folder)
    day = sb.end_date.isoformat()
    with ws:
        ended = _outcome(lambda: ws.fetch_events(from_date=day, to_date=day, progress=False))
    sb.faults.clear()
    return f"{_requests(sb, EXPORT)} requests", ended


def retry_after_120(sb: Sandbox, folder: Path) -> tuple[str, str]:
    sb.clear_requests()
    sb.faults.add(Fault(kind="status", status=429, retry_after=120, times=None, path=EXPORT))
    ws = _workspace(sb, folder, real_time=True)
    day = sb.end_date.isoformat()
    started = time.monotonic()
    with ws:
        ended = _outcome(lambda: ws.fetch_events(from_date=day, to_date=day, progress=False))
    took = time.monotonic() - started
    sb.faults.clear()
    return f"{_requests(sb, EXPORT)} requests in {took:.1f} s", ended


def _stored(sb: Sandbox, event: str) -> int:
    with sb.data.cursor() as con:
        row = con.execute("SELECT count(*) FROM events WHERE event = ?", [event]).fetchone()
    return int(row[0]) if row else 0


def track_after_drop(sb: Sandbox, _folder: Path) -> tuple[str, str]:
    event = f"drop-{uuid.uuid4().hex[:8]}"
    sb.faults.add(Fault(kind="drop", times=1, path="/track"))
    client = build_http_client("ingestion", sb.url, _creds(sb), sleep=_no_wait)
    token = sb.credentials.token
    body = [{"event": event, "properties": {"token": token, "distinct_id": "retry-table"}}]
    with client:
        ended = _outcome(lambda: client.post("/track", json=body).raise_for_status())
    sb.faults.clear()
    return f"{_stored(sb, event)} stored event(s)", ended


def annotation_after_drop(sb: Sandbox, _folder: Path) -> tuple[str, str]:
    from mixpanel_openapi.api.annotations import create_annotation, list_annotations
    from mixpanel_openapi.models.annotation_create_request import AnnotationCreateRequest

    pid = int(sb.credentials.project_id)
    note = f"deploy {uuid.uuid4().hex[:8]}"
    path = f"/api/app/projects/{pid}/annotations"
    sb.faults.add(Fault(kind="drop", times=1, path=path, method="POST"))
    with ApiClients(_creds(sb), sleep=_no_wait) as api:
        client = api.for_family("app")
        body = AnnotationCreateRequest.from_dict(
            {"date": sb.end_date.isoformat(), "description": note}
        )
        ended = _outcome(lambda: create_annotation.sync_detailed(pid, client=client, body=body))
        listed = json.loads(list_annotations.sync_detailed(pid, client=client).content)
    sb.faults.clear()
    count = sum(1 for a in listed["results"] if a["description"] == note)
    return f"{count} annotation(s)", ended


def stream_truncated_gzip(sb: Sandbox, folder: Path, after_bytes: int | None) -> tuple[str, str]:
    first, last = sb.start_date.isoformat(), sb.end_date.isoformat()
    with sb.data.cursor() as con:
        row = con.execute(
            "SELECT count(*) FROM events WHERE to_timestamp(time) >= ?::TIMESTAMP "
            "AND to_timestamp(time) < ?::TIMESTAMP + INTERVAL 1 DAY",
            [first, last],
        ).fetchone()
    served = int(row[0]) if row else 0
    sb.faults.add(Fault(kind="truncate_gzip", after_bytes=after_bytes, times=None, path=EXPORT))
    ws = _workspace(sb, folder)
    yielded = 0

    def stream() -> None:
        nonlocal yielded
        for _ in ws._fetch_service.stream_events(from_date=first, to_date=last, chunk_days=60):
            yielded += 1

    with ws:
        ended = _outcome(stream)
    sb.faults.clear()
    return f"{yielded:,} of {served:,} events yielded", ended


ROWS: list[tuple[str, Callable[[Sandbox, Path], tuple[str, str]]]] = [
    ("chunk whose export always answers 503", always_503),
    ("export answering 429, Retry-After: 120", retry_after_120),
    ("POST /track, connection dropped after it was stored", track_after_drop),
    ("annotation create, dropped after it was made", annotation_after_drop),
    (
        "stream_events / --stdout, gzip body without its last 16 bytes",
        lambda sb, folder: stream_truncated_gzip(sb, folder, None),
    ),
    (
        "stream_events / --stdout, gzip body ending after 150 kB",
        lambda sb, folder: stream_truncated_gzip(sb, folder, 150_000),
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    with (
        Sandbox(seed=9, users=args.users, days=args.days, end_date="2026-01-31") as sb,
        tempfile.TemporaryDirectory() as tmp,
    ):
        print("| case | cost | outcome |")
        print("|---|---|---|")
        for label, row in ROWS:
            cost, ended = row(sb, Path(tmp))
            print(f"| {label} | {cost} | {ended} |", flush=True)


if __name__ == "__main__":
    main()
