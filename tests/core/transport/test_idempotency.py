"""Never repeat a request the server may have acted on: the sandbox drops connections after it
processed the request, and we count what it stored."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from http_helpers import NAMES, query_params

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._api.export import engage_page
from mixpanel_data._transport import IDEMPOTENT, RetryPolicy, build_http_client
from mixpanel_data.exceptions import ServerError, TransportError, TruncatedBodyError

ANNOTATIONS = "/api/app/projects/{pid}/annotations"
COHORTS = "/api/query/cohorts/list"


def _requests(server: Any, start: int, path: str) -> int:
    return sum(1 for r in server.requests[start:] if r.path == path)


def _stored(server: Any, event: str) -> int:
    with server.data.cursor() as con:
        return int(
            con.execute("SELECT count(*) FROM events WHERE event = ?", [event]).fetchone()[0]
        )


def _track(server: Any, client: Any, event: str, **kwargs: Any) -> Any:
    token = server.credentials.token
    token = token.get_secret_value() if hasattr(token, "get_secret_value") else token
    body = [{"event": event, "properties": {"token": token, "distinct_id": "drop-test"}}]
    return client.post("/track", json=body, **kwargs)


def test_post_track_dropped_after_processing_is_not_sent_again(
    server, fault, sleeps, creds_for, caplog
):
    caplog.set_level(logging.DEBUG, logger="mixpanel_data.transport")
    event = f"drop-{uuid.uuid4().hex[:8]}"
    server.faults.add(fault(kind="drop", times=1, path="/track"))
    client = build_http_client("ingestion", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    with pytest.raises(TransportError) as info:
        _track(server, client, event)

    assert not isinstance(info.value, TruncatedBodyError)
    assert "POST /track" in info.value.message
    assert _requests(server, start, "/track") == 1
    assert _stored(server, event) == 1
    assert sleeps.waits == []
    assert (
        "POST /track -> RemoteProtocolError (attempt 1/4); giving up (connection dropped after a "
        "POST may have reached the server)"
    ) in [r.getMessage() for r in caplog.records]


def test_annotation_create_dropped_after_processing_makes_one_annotation(
    server, fault, sleeps, creds_for
):
    from mixpanel_openapi.api.annotations import create_annotation, list_annotations
    from mixpanel_openapi.models.annotation_create_request import AnnotationCreateRequest

    pid = int(server.credentials.project_id)
    path = ANNOTATIONS.format(pid=pid)
    note = f"deploy {uuid.uuid4().hex[:8]}"
    server.faults.add(fault(kind="drop", times=1, path=path, method="POST"))
    start = len(server.requests)
    with ApiClients(creds_for(server), sleep=sleeps) as api:
        client = api.for_family("app")
        body = AnnotationCreateRequest.from_dict({"date": "2026-01-30", "description": note})
        with pytest.raises(TransportError):
            create_annotation.sync_detailed(pid, client=client, body=body)
        listed = json.loads(list_annotations.sync_detailed(pid, client=client).content)

    assert [a["description"] for a in listed["results"]].count(note) == 1
    assert sum(1 for r in server.requests[start:] if r.method == "POST" and r.path == path) == 1


def test_get_dropped_after_processing_is_retried(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="drop", times=1, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    response = client.get(NAMES, params=query_params(server))

    assert response.status_code == 200 and response.json()
    assert _requests(server, start, NAMES) == 2
    assert len(sleeps.waits) == 1


def test_post_marked_idempotent_is_retried_after_a_drop(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="drop", times=1, path=COHORTS))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    params = {"project_id": server.credentials.project_id}
    start = len(server.requests)

    response = client.post(COHORTS, params=params, extensions={IDEMPOTENT: True})

    assert response.status_code == 200
    assert _requests(server, start, COHORTS) == 2


def test_engage_pages_survive_a_dropped_connection(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="drop", times=1, path="/api/query/engage"))
    start = len(server.requests)
    with ApiClients(creds_for(server), sleep=sleeps) as api:
        page = engage_page(api)
    assert page["results"]
    assert _requests(server, start, "/api/query/engage") == 2


@pytest.mark.parametrize(("retry_after", "requests", "stored"), [(None, 1, 0), (1.0, 2, 1)])
def test_post_after_503_is_retried_only_when_the_server_says_when(
    server, fault, sleeps, creds_for, retry_after, requests, stored
):
    event = f"busy-{uuid.uuid4().hex[:8]}"
    server.faults.add(fault(kind="status", status=503, retry_after=retry_after, path="/track"))
    client = build_http_client("ingestion", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    response = _track(server, client, event)

    assert response.status_code == (200 if stored else 503)
    assert _requests(server, start, "/track") == requests
    assert _stored(server, event) == stored
    assert sleeps.waits == ([retry_after] if retry_after else [])


def test_post_after_502_is_not_retried(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="status", status=502, times=1, path=COHORTS))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    response = client.post(COHORTS, params={"project_id": server.credentials.project_id})

    assert response.status_code == 502
    assert _requests(server, start, COHORTS) == 1


def test_post_that_never_connected_is_retried(server, sleeps, creds_for):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = build_http_client(
        "ingestion", f"http://127.0.0.1:{port}", creds_for(server), sleep=sleeps
    )
    with pytest.raises(TransportError, match="ConnectError"):
        client.post("/track", json=[])
    assert len(sleeps.waits) == RetryPolicy().attempts - 1


def test_small_answer_cut_mid_body_is_retried_for_get_not_for_post(
    server, fault, sleeps, creds_for
):
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    server.faults.add(fault(kind="cut", after_bytes=5, times=1, path=NAMES))
    start = len(server.requests)
    assert client.get(NAMES, params=query_params(server)).json()
    assert _requests(server, start, NAMES) == 2

    server.faults.add(fault(kind="cut", after_bytes=5, times=1, path=COHORTS))
    start = len(server.requests)
    with pytest.raises(TruncatedBodyError, match="stopped short after 5 bytes"):
        client.post(COHORTS, params={"project_id": server.credentials.project_id})
    assert _requests(server, start, COHORTS) == 1


def test_a_truncated_gzip_answer_is_retried_for_get(server, fault, sleeps, creds_for):
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    server.faults.add(fault(kind="truncate_gzip", times=1, path=NAMES))
    start = len(server.requests)

    assert client.get(NAMES, params=query_params(server)).json()

    assert _requests(server, start, NAMES) == 2


def test_server_error_after_the_retries_maps_to_server_error(server, fault, sleeps, creds_for):
    from mixpanel_data._transport import raise_for_status

    server.faults.add(fault(kind="status", status=503, times=None, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    with pytest.raises(ServerError):
        raise_for_status(client.get(NAMES, params=query_params(server)))


class _Clock:
    """A clock that moves only when the transport sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_one_deadline_bounds_the_whole_call(server, fault, creds_for):
    server.faults.add(fault(kind="status", status=503, retry_after=2.0, times=None, path=NAMES))
    clock = _Clock()
    client = build_http_client(
        "app",
        server.url,
        creds_for(server),
        retry=RetryPolicy(attempts=10, deadline=5.0),
        sleep=clock.sleep,
        clock=clock,
    )
    start = len(server.requests)

    response = client.get(NAMES, params=query_params(server))

    assert response.status_code == 503
    assert clock.waits == [2.0, 2.0]  # a third wait would end at 6 s, past the deadline
    assert _requests(server, start, NAMES) == 3
