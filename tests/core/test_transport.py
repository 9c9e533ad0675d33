"""The transport against a real server on 127.0.0.1: retries, timeouts, pacing, errors, headers."""

from __future__ import annotations

import base64
import logging
import random
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from http_helpers import EXPORT, NAMES, export_params, get, query_params

from mixpanel_data._transport import (
    NO_RETRY,
    USER_AGENT,
    RetryPolicy,
    build_http_client,
    default_timeout,
    error_from_response,
    parse_retry_after,
    raise_for_status,
    transport_errors,
)
from mixpanel_data.exceptions import (
    APIError,
    AuthenticationError,
    JQLError,
    NotFoundError,
    QueryError,
    RateLimitError,
    ServerError,
    TimeoutError_,
    Transient,
    TransportError,
    TruncatedBodyError,
    ValidationError,
)


def _seen(server: Any, start: int, path: str) -> int:
    return sum(1 for r in server.requests[start:] if r.path == path)


def _header(record: Any, name: str) -> str | None:
    for key, value in record.headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- retries --------------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out_then_succeeds(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="status", status=429, retry_after=1.0, times=2, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    response = get(client, NAMES, query_params(server))

    assert response.status_code == 200
    assert _seen(server, start, NAMES) == 3
    assert sleeps.waits == [1.0, 1.0]


def test_a_storm_of_429s_ends_in_rate_limit_error_after_the_bounded_attempts(
    server, fault, sleeps, creds_for
):
    server.faults.add(fault(kind="status", status=429, retry_after=2.0, times=None, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    with pytest.raises(RateLimitError) as info:
        get(client, NAMES, query_params(server))

    assert _seen(server, start, NAMES) == RetryPolicy().attempts == 4
    assert sleeps.waits == [2.0, 2.0, 2.0]
    assert info.value.retry_after == 2.0
    assert info.value.status == 429
    assert isinstance(info.value, Transient)
    assert "\n" not in info.value.message and "HTTP 429" in info.value.message


def test_retry_after_beyond_the_cap_gives_up_at_once(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="status", status=429, retry_after=600.0, times=None, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    with pytest.raises(RateLimitError) as info:
        get(client, NAMES, query_params(server))

    assert _seen(server, start, NAMES) == 1
    assert sleeps.waits == []
    assert info.value.retry_after == 600.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_with_jittered_backoff(server, fault, sleeps, creds_for, status):
    server.faults.add(fault(kind="status", status=status, times=2, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    assert get(client, NAMES, query_params(server)).status_code == 200

    assert _seen(server, start, NAMES) == 3
    assert len(sleeps.waits) == 2
    assert 0 <= sleeps.waits[0] <= 0.5 and 0 <= sleeps.waits[1] <= 1.0


def test_persistent_5xx_ends_in_server_error(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="status", status=503, times=None, path=NAMES))
    client = build_http_client(
        "app", server.url, creds_for(server), sleep=sleeps, retry=RetryPolicy(attempts=3)
    )
    start = len(server.requests)

    with pytest.raises(ServerError) as info:
        get(client, NAMES, query_params(server))

    assert _seen(server, start, NAMES) == 3
    assert info.value.status == 503


def test_401_fails_at_once_with_one_request(server, sleeps, creds_for):
    client = build_http_client(
        "app", server.url, creds_for(server, secret="wrong-secret"), sleep=sleeps
    )
    start = len(server.requests)

    with pytest.raises(AuthenticationError) as info:
        get(client, NAMES, query_params(server))

    assert _seen(server, start, NAMES) == 1
    assert sleeps.waits == []
    assert info.value.status == 401
    assert "HTTP 401" in info.value.message


@pytest.mark.parametrize(
    ("status", "error_class"), [(400, QueryError), (404, NotFoundError), (403, AuthenticationError)]
)
def test_other_4xx_are_never_retried(server, fault, sleeps, creds_for, status, error_class):
    server.faults.add(fault(kind="status", status=status, times=None, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    with pytest.raises(error_class):
        get(client, NAMES, query_params(server))

    assert _seen(server, start, NAMES) == 1
    assert sleeps.waits == []


def test_a_request_marked_no_retry_is_sent_once(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="status", status=503, times=1, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    response = client.get(NAMES, params=query_params(server), extensions={NO_RETRY: True})

    assert response.status_code == 503
    assert _seen(server, start, NAMES) == 1


def test_connection_refused_is_retried_then_becomes_transport_error(sleeps, creds_for, server):
    dead = f"http://127.0.0.1:{_free_port()}"
    client = build_http_client("app", dead, creds_for(server), sleep=sleeps)

    with pytest.raises(TransportError) as info:
        get(client, NAMES, {"type": "general"})

    assert not isinstance(info.value, TimeoutError_)
    assert len(sleeps.waits) == 3
    assert "ConnectError" in info.value.message and "127.0.0.1" in info.value.message
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_connection_closed_without_answer_is_retried(sleeps, creds_for, server):
    """First connection: closed with no answer (RemoteProtocolError); second: answered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    connections: list[int] = []

    def serve() -> None:
        for n in range(2):
            conn, _ = listener.accept()
            connections.append(n)
            conn.recv(65536)
            if n == 1:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = build_http_client("app", f"http://127.0.0.1:{port}", creds_for(server), sleep=sleeps)
    try:
        response = get(client, "/api/app/ping", {})
    finally:
        thread.join(5)
        listener.close()

    assert response.text == "ok"
    assert connections == [0, 1]
    assert len(sleeps.waits) == 1


def test_slow_server_gives_timeout_error_with_a_clear_message(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="slow", delay=1.5, times=1, path=NAMES))
    client = build_http_client(
        "app", server.url, creds_for(server), sleep=sleeps, timeout=httpx.Timeout(0.3)
    )
    start = len(server.requests)

    with pytest.raises(TimeoutError_) as info:
        get(client, NAMES, query_params(server))

    message = info.value.message
    assert message.startswith(f"GET {NAMES} to 127.0.0.1 timed out after 0.3 s")
    assert "waiting for the server to answer" in message
    assert "project_id" not in message
    assert _seen(server, start, NAMES) == 1  # a read timeout is not retried
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_streamed_export_is_retried_until_the_status_arrives(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="status", status=429, retry_after=1.0, times=1, path=EXPORT))
    client = build_http_client("data", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    with client.stream("GET", EXPORT, params=export_params(server)) as r:
        raise_for_status(r)
        lines = [line for line in r.iter_lines() if line]

    assert lines and sleeps.waits == [1.0]
    assert _seen(server, start, EXPORT) == 2


def test_a_cut_mid_body_is_not_retried_by_the_transport(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="cut", after_bytes=1000, times=1, path=EXPORT))
    client = build_http_client("data", server.url, creds_for(server), sleep=sleeps)
    start = len(server.requests)

    with (
        pytest.raises(TruncatedBodyError) as info,
        client.stream("GET", EXPORT, params=export_params(server)) as r,
    ):
        assert r.status_code == 200
        for _ in r.iter_lines():  # the cut happens while reading
            pass

    assert _seen(server, start, EXPORT) == 1
    assert sleeps.waits == []
    assert (
        "stopped short after" in info.value.message and "RemoteProtocolError" in info.value.message
    )
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


def test_a_truncated_gzip_export_is_an_error_while_reading(server, fault, sleeps, creds_for):
    server.faults.add(fault(kind="truncate_gzip", times=1, path=EXPORT))
    client = build_http_client("data", server.url, creds_for(server), sleep=sleeps)

    with (
        pytest.raises(TruncatedBodyError, match="gzip body ends early"),
        client.stream("GET", EXPORT, params=export_params(server)) as r,
    ):
        for _ in r.iter_lines():
            pass


def test_transport_errors_still_maps_a_plain_httpx_client():
    with pytest.raises(TransportError) as info, transport_errors("GET", "/x"):
        httpx.get(f"http://127.0.0.1:{_free_port()}/x")
    assert "GET /x" in info.value.message and isinstance(info.value.__cause__, httpx.ConnectError)


# -- logging --------------------------------------------------------------------------------------


def test_each_retry_decision_is_logged_without_query_or_auth(
    server, fault, sleeps, creds_for, caplog
):
    caplog.set_level(logging.DEBUG, logger="mixpanel_data.transport")
    server.faults.add(fault(kind="status", status=429, retry_after=1.0, times=1, path=NAMES))
    client = build_http_client("app", server.url, creds_for(server), sleep=sleeps)

    get(client, NAMES, query_params(server, token="tok-in-query"))

    lines = [r.getMessage() for r in caplog.records if r.name == "mixpanel_data.transport"]
    assert f"GET {NAMES} -> 429 (attempt 1/4); retrying in 1.00 s (Retry-After)" in lines
    assert f"GET {NAMES} -> 200 (attempt 2/4)" in lines
    for line in lines:
        assert "?" not in line and "project_id" not in line and "tok-in-query" not in line
        assert "Basic" not in line and "Authorization" not in line


def test_client_sends_user_agent_and_gzip(server, creds_for):
    client = build_http_client("app", server.url, creds_for(server))
    start = len(server.requests)
    get(client, NAMES, query_params(server))
    record = [r for r in server.requests[start:] if r.path == NAMES][-1]

    assert _header(record, "User-Agent") == USER_AGENT
    assert USER_AGENT.startswith("mixpanel_data/") and USER_AGENT.endswith(" (python-httpx)")
    assert _header(record, "Accept-Encoding") == "gzip"


def _auth_sent(family: str, creds: Any) -> tuple[str, str]:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    client = build_http_client(
        family, "https://mixpanel.com", creds, transport=httpx.MockTransport(record)
    )
    client.get("/probe")
    kind, _, value = sent[0].headers["Authorization"].partition(" ")
    return kind, base64.b64decode(value).decode()


def test_app_and_data_clients_send_the_service_account(server, creds_for):
    creds = creds_for(server)
    expected = ("Basic", f"{creds.username}:{creds.secret.get_secret_value()}")
    assert _auth_sent("app", creds) == expected
    assert _auth_sent("data", creds) == expected


def test_ingestion_client_prefers_the_project_secret(server, creds_for):
    creds = creds_for(server)
    assert _auth_sent("ingestion", creds) == ("Basic", f"{creds.api_secret.get_secret_value()}:")
    sa_only = creds_for(server, api_secret=None)
    assert _auth_sent("ingestion", sa_only)[1].startswith(f"{creds.username}:")


def test_project_secret_alone_authenticates(server, creds_for):
    client = build_http_client("app", server.url, creds_for(server, username=None, secret=None))
    assert get(client, NAMES, query_params(server)).status_code == 200


def test_default_timeouts_are_explicit_per_family(creds_for, server):
    app = build_http_client("app", "https://mixpanel.com", creds_for(server))
    data = build_http_client("data", "https://data.mixpanel.com", creds_for(server))
    assert (app.timeout.connect, app.timeout.read, app.timeout.write, app.timeout.pool) == (
        10.0,
        60.0,
        60.0,
        10.0,
    )
    assert data.timeout.read == 600.0 == default_timeout("data").read
    assert app.follow_redirects is False


def test_unknown_family_is_rejected(creds_for, server):
    with pytest.raises(ValidationError):
        build_http_client("query", "https://mixpanel.com", creds_for(server))


# -- retry policy and Retry-After parsing ---------------------------------------------------------


def test_backoff_is_full_jitter_under_a_doubling_cap():
    policy = RetryPolicy()
    rng = random.Random(1)
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        waits = [policy.backoff(attempt, rng) for _ in range(200)]
        assert all(0 <= w <= cap for w in waits)
        assert max(waits) > cap * 0.9  # the whole range is used, not a fixed wait


def test_retry_policy_rejects_nonsense():
    with pytest.raises(ValidationError):
        RetryPolicy(attempts=0)


def test_parse_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 1, 31, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after(later, now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("later") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None


# -- status -> exception --------------------------------------------------------------------------


def _response(status: int, body: Any = None, path: str = "/api/query/x", **headers: str) -> Any:
    request = httpx.Request("GET", f"https://mixpanel.com{path}?project_id=1&token=SEKRIT")
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, QueryError),
        (401, AuthenticationError),
        (402, QueryError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (412, QueryError),
        (413, QueryError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (302, APIError),
    ],
)
def test_error_from_response_maps_status_to_class(status, cls):
    err = error_from_response(_response(status, {"error": "it broke\nbadly", "status": "error"}))
    assert type(err) is cls
    assert err.status == status
    assert err.message == f"GET /api/query/x failed (HTTP {status}): it broke badly"
    assert err.params == {"project_id": "1"}
    assert "SEKRIT" not in repr(err.to_dict())


def test_429_error_carries_retry_after():
    err = error_from_response(_response(429, {"error": "slow down"}, **{"Retry-After": "12"}))
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 12.0 and err.details["retry_after"] == 12.0
    assert err.message.endswith("; retry after 12 s")


def test_412_from_jql_is_a_jql_error_with_its_location():
    body = {
        "request": "/api/2.0/jql?project_id=1&token=SEKRIT",
        "error": "UserVisibleError: TypeError: x is not a function\n    at <anonymous>:3:15",
    }
    err = error_from_response(_response(412, body, path="/api/query/jql"))
    assert isinstance(err, JQLError)
    assert err.details["error_type"] == "UserVisibleError"
    assert (err.details["line"], err.details["column"]) == (3, 15)
    assert "SEKRIT" not in repr(err.to_dict())
    assert "\n" not in err.message


def test_error_text_falls_back_to_plain_text_and_reason():
    assert error_from_response(_response(500, "upstream exploded")).message.endswith(
        "upstream exploded"
    )
    empty = httpx.Response(503, request=httpx.Request("GET", "https://mixpanel.com/a"))
    assert error_from_response(empty).message.endswith("Service Unavailable")


def test_explicit_request_details_win_and_secret_params_are_dropped():
    err = error_from_response(
        _response(400, {"error": "bad"}),
        method="POST",
        path="/api/query/jql",
        params={"script": "x", "api_secret": "S", "secret": "S", "token": "T"},
    )
    assert err.message.startswith("POST /api/query/jql failed (HTTP 400)")
    assert err.params == {"script": "x"}
    assert isinstance(err, JQLError)
