"""decide(): every retry rule as a row of a table (no I/O, no clock)."""

from __future__ import annotations

from typing import Any

import pytest

from mixpanel_data._transport import GiveUp, RetryPolicy, Wait, decide
from mixpanel_data.exceptions import ValidationError

POLICY = RetryPolicy(attempts=4, backoff_base=0.5, backoff_max=8.0, max_retry_after=60.0)
RA = {"Retry-After": "2"}

# (method, status, headers, options) -> expected wait in seconds, or None for "give up".
# Options: idempotent, reached, attempt, elapsed. Jitter is 1.0: the wait is the backoff cap.
CASES: list[tuple[str, int | None, dict[str, str], dict[str, Any], float | None]] = [
    # safe methods: connection failures, 429 and 5xx are retried
    ("GET", None, {}, {"reached": False}, 0.5),
    ("GET", None, {}, {"reached": True}, 0.5),
    ("HEAD", None, {}, {"reached": True}, 0.5),
    ("PUT", None, {}, {"reached": True}, 0.5),
    ("DELETE", None, {}, {"reached": True}, 0.5),
    ("OPTIONS", 502, {}, {}, 0.5),
    ("GET", 429, {}, {}, 0.5),
    ("GET", 429, RA, {}, 2.0),
    ("GET", 500, {}, {}, 0.5),
    ("GET", 502, {}, {}, 0.5),
    ("GET", 503, {}, {}, 0.5),
    ("GET", 503, RA, {}, 2.0),
    ("GET", 504, {}, {}, 0.5),
    ("get", 504, {}, {}, 0.5),
    # Retry-After is read on 429 and 503 only
    ("GET", 502, RA, {}, 0.5),
    ("GET", 429, {"retry-after": "3"}, {}, 3.0),
    ("GET", 429, {"Retry-After": "soon"}, {}, 0.5),
    # other answers are final, whatever the method
    ("GET", 200, {}, {}, None),
    ("GET", 400, {}, {}, None),
    ("GET", 401, {}, {}, None),
    ("GET", 404, {}, {}, None),
    ("GET", 501, {}, {}, None),
    ("POST", 400, {}, {"idempotent": True}, None),
    # POST and PATCH: only when the server provably did not act on the request ...
    ("POST", None, {}, {"reached": False}, 0.5),
    ("PATCH", None, {}, {"reached": False}, 0.5),
    ("POST", None, {}, {"reached": True}, None),
    ("PATCH", None, {}, {"reached": True}, None),
    ("POST", 500, {}, {}, None),
    ("POST", 502, {}, {}, None),
    ("POST", 504, {}, {}, None),
    ("POST", 503, {}, {}, None),
    ("POST", 429, {}, {}, None),
    ("POST", 502, RA, {}, None),
    ("POST", 429, RA, {}, 2.0),
    ("POST", 503, RA, {}, 2.0),
    ("PATCH", 429, RA, {}, 2.0),
    # ... or when the request is marked idempotent
    ("POST", None, {}, {"reached": True, "idempotent": True}, 0.5),
    ("POST", 502, {}, {"idempotent": True}, 0.5),
    ("POST", 429, {}, {"idempotent": True}, 0.5),
    # backoff doubles per attempt up to the cap
    ("GET", 503, {}, {"attempt": 2}, 1.0),
    ("GET", 503, {}, {"attempt": 3}, 2.0),
    # attempts are bounded
    ("GET", 503, {}, {"attempt": 4}, None),
    ("GET", None, {}, {"attempt": 4, "reached": False}, None),
    ("POST", 429, RA, {"attempt": 4}, None),
    # a Retry-After beyond what is worth waiting ends the call at once
    ("GET", 429, {"Retry-After": "60"}, {}, 60.0),
    ("GET", 429, {"Retry-After": "120"}, {}, None),
    ("GET", 503, {"Retry-After": "61"}, {}, None),
    ("POST", 429, {"Retry-After": "120"}, {}, None),
    # one deadline for the whole call: no wait may end past it
    ("GET", 503, {}, {"elapsed": 299.4}, 0.5),
    ("GET", 503, {}, {"elapsed": 299.6}, None),
    ("GET", 429, RA, {"elapsed": 297.0}, 2.0),
    ("GET", 429, RA, {"elapsed": 299.0}, None),
    ("GET", None, {}, {"elapsed": 301.0}, None),
]


@pytest.mark.parametrize(("method", "status", "headers", "options", "expected"), CASES)
def test_decide(
    method: str,
    status: int | None,
    headers: dict[str, str],
    options: dict[str, Any],
    expected: float | None,
) -> None:
    options = {"attempt": 1, "elapsed": 0.0, **options}
    attempt, elapsed = options.pop("attempt"), options.pop("elapsed")
    decision = decide(method, status, headers, attempt, elapsed, policy=POLICY, **options)
    if expected is None:
        assert isinstance(decision, GiveUp), decision
        assert decision.reason
    else:
        assert isinstance(decision, Wait), decision
        assert decision.seconds == expected


def test_jitter_scales_the_backoff_but_never_retry_after() -> None:
    assert decide("GET", 503, {}, 3, 0.0, policy=POLICY, jitter=0.25) == Wait(0.5, "HTTP 503")
    assert decide("GET", 503, {}, 1, 0.0, policy=POLICY, jitter=0.0) == Wait(0.0, "HTTP 503")
    waited = decide("GET", 429, RA, 1, 0.0, policy=POLICY, jitter=0.0)
    assert waited == Wait(2.0, "HTTP 429 (Retry-After)")


def test_a_policy_without_deadline_or_retries() -> None:
    endless = RetryPolicy(deadline=None)
    assert isinstance(decide("GET", 503, {}, 1, 10_000.0, policy=endless), Wait)
    once = RetryPolicy(attempts=1)
    assert isinstance(decide("GET", None, {}, 1, 0.0, policy=once, reached=False), GiveUp)


def test_the_reasons_say_why() -> None:
    post = decide("POST", None, {}, 1, 0.0, policy=POLICY)
    assert post == GiveUp("connection dropped after a POST may have reached the server")
    late = decide("GET", 429, {"Retry-After": "120"}, 1, 0.0, policy=POLICY)
    assert late == GiveUp("Retry-After 120 s is beyond the 60 s worth waiting")


@pytest.mark.parametrize(
    "changes",
    [{"attempts": 0}, {"backoff_base": -1.0}, {"max_retry_after": -1.0}, {"deadline": 0.0}],
)
def test_policy_rejects_nonsense(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RetryPolicy(**changes)
