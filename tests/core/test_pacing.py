"""Client-side pacing, alone (fake clock) and in the transport against a rate-limited sandbox."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from http_helpers import EXPORT, NAMES, SEGMENTATION, export_params, get, query_params

from mixpanel_data._pacing import (
    CUSTOM_HOST_PACING,
    DEFAULT_PACING,
    Pacer,
    PacingPolicy,
    default_pacing,
    pacing_family,
)
from mixpanel_data._transport import (
    RetryPolicy,
    build_http_client,
)
from mixpanel_data.exceptions import RateLimitError


class CountingTransport(httpx.HTTPTransport):
    """Real HTTP, but each request dwells 0.1 s "on the wire"; the peak in flight is kept."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.1)
            return super().handle_request(request)
        finally:
            with self._lock:
                self.active -= 1


def _burst(
    server: Any, creds_for: Any, pacing: Any, path: str, params: dict[str, Any], calls: int
) -> tuple[list[int], CountingTransport]:
    counting = CountingTransport()
    family = "data" if path == EXPORT else "app"
    client = build_http_client(
        family,
        server.url,
        creds_for(server),
        pacing=pacing,
        retry=RetryPolicy(attempts=1),
        transport=counting,
    )

    def one(_: int) -> int:
        with client.stream("GET", path, params=params) as response:
            response.read()
            return response.status_code

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(one, range(calls))), counting


def _statuses_seen(server: Any, start: int, path: str) -> list[int | None]:
    return [r.status for r in server.requests[start:] if r.path == path]


@pytest.mark.parametrize("pacing", [None, DEFAULT_PACING], ids=["default", "mixpanel"])
def test_pacing_keeps_a_burst_of_20_query_calls_free_of_429(limited_server, creds_for, pacing):
    statuses, wire = _burst(
        limited_server, creds_for, pacing, NAMES, query_params(limited_server), 20
    )

    assert statuses == [200] * 20
    assert _statuses_seen(limited_server, 0, NAMES) == [200] * 20  # the server saw no 429
    assert 1 < wire.peak <= 5  # in parallel, never beyond Mixpanel's 5 concurrent queries


def test_without_pacing_the_same_burst_exceeds_the_concurrency_limit(limited_server, creds_for):
    statuses, wire = _burst(limited_server, creds_for, {}, NAMES, query_params(limited_server), 20)

    assert wire.peak > 5
    assert set(statuses) <= {200, 429}


def test_pacing_spreads_an_export_burst_to_3_per_second(limited_server, creds_for):
    params = export_params(limited_server)

    statuses, _ = _burst(limited_server, creds_for, DEFAULT_PACING, EXPORT, params, 7)

    assert statuses == [200] * 7
    assert _statuses_seen(limited_server, 0, EXPORT) == [200] * 7  # 3 per second, as it counts


def test_without_pacing_an_export_burst_collects_429s(limited_server, creds_for):
    params = export_params(limited_server)

    statuses, _ = _burst(limited_server, creds_for, {}, EXPORT, params, 7)

    assert statuses.count(200) >= 3 and 429 in statuses  # 3 per second; the rest refused
    assert 429 in _statuses_seen(limited_server, 0, EXPORT)


def test_a_local_server_is_not_held_to_mixpanels_hourly_budget(server, creds_for):
    client = build_http_client("app", server.url, creds_for(server))
    for _ in range(DEFAULT_PACING["query"].windows[0][0] + 5):
        get(client, NAMES, query_params(server))


def test_default_pacing_depends_on_the_host():
    assert default_pacing("mixpanel.com") is DEFAULT_PACING
    assert default_pacing("data-eu.mixpanel.com") is DEFAULT_PACING
    assert default_pacing("127.0.0.1") is CUSTOM_HOST_PACING
    assert default_pacing("evilmixpanel.com") is CUSTOM_HOST_PACING
    assert CUSTOM_HOST_PACING["query"] == PacingPolicy(max_concurrent=5)
    assert all(not p.windows for p in CUSTOM_HOST_PACING.values())


def test_a_slot_that_never_frees_ends_in_a_client_side_error():
    pacer = Pacer("query", PacingPolicy(max_concurrent=1, max_wait=0.1))
    ticket = pacer.acquire()
    with pytest.raises(RateLimitError, match="in flight") as info:
        pacer.acquire("GET", SEGMENTATION)
    assert info.value.details["client_side"] is True
    ticket.release()
    pacer.acquire().release()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacer_spaces_calls_to_a_per_second_window():
    clock = FakeClock()
    pacer = Pacer(
        "export", PacingPolicy(windows=((3, 1.0),), margin=0.05), clock=clock, sleep=clock.sleep
    )
    starts = []
    for _ in range(7):
        pacer.acquire().release()
        starts.append(round(clock.now, 6))
    assert starts == [0.0, 0.0, 0.0, 1.05, 1.05, 1.05, 2.1]


def test_pacer_honours_every_window_at_once():
    clock = FakeClock()
    policy = PacingPolicy(windows=((3, 1.0), (5, 100.0)), margin=0.0, max_wait=1000)
    pacer = Pacer("export", policy, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(6):
        pacer.acquire().release()
        starts.append(clock.now)
    assert starts == [0.0, 0.0, 0.0, 1.0, 1.0, 100.0]


def test_pacer_refuses_to_sleep_past_max_wait_and_says_when_to_retry():
    clock = FakeClock()
    policy = DEFAULT_PACING["query"]
    pacer = Pacer("query", policy, clock=clock, sleep=clock.sleep)
    for _ in range(60):
        pacer.acquire().release()
    clock.now = 600.0
    with pytest.raises(RateLimitError) as info:
        pacer.acquire("GET", SEGMENTATION)
    assert clock.sleeps == []
    assert info.value.retry_after == pytest.approx(3600 + policy.margin - 600)
    assert info.value.details["client_side"] is True
    assert "60 calls per 3600 s" in info.value.message


def test_pacer_caps_concurrency():
    pacer = Pacer("query", PacingPolicy(max_concurrent=2))
    active, peak, lock = [0], [0], threading.Lock()

    def work(_: int) -> None:
        ticket = pacer.acquire()
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        ticket.release()
        ticket.release()  # releasing twice must not free a second slot

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))
    assert peak[0] == 2


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/api/query/segmentation", "query"),
        ("/api/query/events/names", "query"),
        ("/api/2.0/jql", "query"),
        ("/api/2.0/export", "export"),
        ("/api/2.0/nessie/pipeline/jobs", None),
        ("/api/app/projects/12/schemas/event/x", "lexicon"),
        ("/api/app/projects/12/annotations", None),
        ("/track", None),
        ("/import", None),
    ],
)
def test_pacing_family_of_paths(path, family):
    assert pacing_family(path) == family


# -- the client: headers, auth, timeouts ----------------------------------------------------------


def test_a_start_counts_from_when_the_answer_arrived_not_when_it_left():
    clock = FakeClock()
    pacer = Pacer(
        "export", PacingPolicy(windows=((1, 1.0),), margin=0.0), clock=clock, sleep=clock.sleep
    )
    ticket = pacer.acquire()
    clock.now = 0.4  # the request spent 0.4 s reaching the server
    ticket.sent()
    ticket.release()
    pacer.acquire().release()
    assert clock.now == pytest.approx(1.4)


def test_a_request_in_flight_holds_its_start_until_answered():
    pacer = Pacer("export", PacingPolicy(windows=((1, 0.2),), margin=0.0))
    first = pacer.acquire()
    order: list[str] = []

    def second() -> None:
        pacer.acquire().release()
        order.append("second started")

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.5)  # far longer than the window: only the unanswered first request holds it
    order.append("first answered")
    first.sent()
    waiter.join(5)
    first.release()
    assert order == ["first answered", "second started"]
