"""The control token: faults and the request log answer only to it; slow faults are bounded and
end when the sandbox stops."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import pytest

from mixpanel_data.sandbox import Fault, Sandbox

NAMES = "/api/query/events/names"


def test_control_endpoints_need_the_control_token(fresh_sb: Sandbox) -> None:
    fault = {"kind": "status", "status": 503}
    with httpx.Client(base_url=fresh_sb.url) as anyone:
        for method, path in [
            ("GET", "/_sandbox/faults"),
            ("POST", "/_sandbox/faults"),
            ("DELETE", "/_sandbox/faults"),
            ("GET", "/_sandbox/requests"),
            ("DELETE", "/_sandbox/requests"),
        ]:
            for headers in ({}, {"X-Sandbox-Control": "guess"}):
                answer = anyone.request(method, path, json=fault, headers=headers)
                assert answer.status_code == 401, (method, path, answer.text)
                assert "control token" in answer.json()["error"]
        assert anyone.get("/_sandbox/health").status_code == 200  # health stays open
    assert len(fresh_sb.faults) == 0
    with httpx.Client(base_url=fresh_sb.url, headers=fresh_sb.control_headers()) as control:
        assert control.post("/_sandbox/faults", json=fault).status_code == 200
    assert len(fresh_sb.faults) == 1


def test_the_fault_header_needs_the_control_token(fresh_sb: Sandbox, api: Any) -> None:
    header = {"X-Sandbox-Fault": "kind=status;status=500"}
    refused = api(fresh_sb).get(NAMES, headers=header)
    assert refused.status_code == 401 and "control token" in refused.json()["error"]
    wrong = api(fresh_sb).get(NAMES, headers={**header, "X-Sandbox-Control": "nope"})
    assert wrong.status_code == 401
    allowed = api(fresh_sb).get(NAMES, headers={**header, **fresh_sb.control_headers()})
    assert allowed.status_code == 500


def test_the_control_token_is_not_logged(fresh_sb: Sandbox, api: Any) -> None:
    api(fresh_sb).get(NAMES, headers=fresh_sb.control_headers())
    [record] = [r for r in fresh_sb.requests if r.path == NAMES]
    assert all(fresh_sb.control_token not in v for v in record.headers.values())
    assert fresh_sb.control_token not in repr(fresh_sb.state)


def test_two_sandboxes_have_different_control_tokens() -> None:
    with Sandbox(users=3, days=1) as one, Sandbox(users=3, days=1) as two:
        assert one.control_token != two.control_token
        assert len(one.control_token) >= 24


@pytest.mark.parametrize("delay", [120.5, 1e9, float("inf"), float("nan")])
def test_slow_delays_are_bounded(fresh_sb: Sandbox, delay: float) -> None:
    with pytest.raises(ValueError, match="at most 120"):
        Fault(kind="slow", delay=delay)
    with httpx.Client(base_url=fresh_sb.url, headers=fresh_sb.control_headers()) as control:
        text = {float("inf"): "Infinity", 1e9: "1e9", 120.5: "120.5"}.get(delay, "NaN")
        answer = control.post("/_sandbox/faults", content=f'{{"kind":"slow","delay":{text}}}')
    assert answer.status_code == 400
    assert len(fresh_sb.faults) == 0
    assert Fault(kind="slow", delay=120).delay == 120


def test_stopping_ends_a_slow_fault_at_once() -> None:
    sb = Sandbox(users=3, days=1).start()
    sb.faults.add(Fault(kind="slow", delay=120, path=NAMES))
    creds = sb.credentials
    outcome: list[str] = []

    def ask() -> None:
        try:
            httpx.get(
                sb.url + NAMES,
                params={"project_id": creds.project_id},
                auth=(creds.username, creds.secret),
                timeout=60,
            )
            outcome.append("answered")
        except httpx.HTTPError as exc:
            outcome.append(type(exc).__name__)

    asker = threading.Thread(target=ask)
    asker.start()
    while not sb.requests:  # the request reached the server and is waiting
        time.sleep(0.01)
    server = sb._server
    assert server is not None
    sb.stop()
    assert not server._live_threads  # the waiting thread ended (it was not left asleep)
    asker.join(30)
    assert not asker.is_alive()
    assert outcome and outcome[0] != "answered"
    port = int(creds.base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
