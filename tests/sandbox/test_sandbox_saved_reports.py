"""Saved reports asked for the way clients ask: a saved funnel by its bookmark id
(`/api/query/funnels?funnel_id=<bookmark id>`) and a saved retention report by `bookmark_id` alone
(no dates: the report's own window), with windows relative to the sandbox's last day, not the
wall clock (the shared sandbox ends 2026-01-31)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox

FUNNEL_REPORT = 50003  # "Signup → purchase funnel": funnel 7001's steps, 14 days, last 30 days
RETENTION_REPORT = 50004  # "Sign-up retention": Sign Up → Login, daily, last 30 days
INSIGHTS_REPORT = 50001


def _last_30_days(sb: Sandbox) -> dict[str, str]:
    end = sb.end_date
    return {"from_date": (end - timedelta(days=29)).isoformat(), "to_date": end.isoformat()}


def test_a_saved_funnel_by_its_bookmark_id(
    shared_sb: Sandbox, api: Callable[[Sandbox], Api]
) -> None:
    client = api(shared_sb)
    span = _last_30_days(shared_sb)
    saved = client.get("/api/query/funnels", {"funnel_id": 7001, **span})
    by_report = client.get("/api/query/funnels", {"funnel_id": FUNNEL_REPORT, **span})
    alone = client.get("/api/query/funnels", {"funnel_id": FUNNEL_REPORT})
    assert saved.status_code == by_report.status_code == alone.status_code == 200, alone.text
    assert by_report.json() == saved.json() == alone.json()
    entered = sum(day["steps"][0]["count"] for day in saved.json()["data"].values())
    assert entered > 0


def test_a_saved_retention_report_by_bookmark_id_alone(
    shared_sb: Sandbox, api: Callable[[Sandbox], Api]
) -> None:
    client = api(shared_sb)
    alone = client.get("/api/query/retention", {"bookmark_id": RETENTION_REPORT})
    spelled: dict[str, Any] = {"born_event": "Sign Up", "event": "Login", "unit": "day"}
    written = client.get("/api/query/retention", {**spelled, **_last_30_days(shared_sb)})
    assert alone.status_code == written.status_code == 200, alone.text
    assert alone.json() == written.json()
    assert sum(cohort["first"] for cohort in alone.json().values()) > 0


def test_the_request_overrides_the_saved_definition(
    shared_sb: Sandbox, api: Callable[[Sandbox], Api]
) -> None:
    client = api(shared_sb)
    span = {"from_date": "2026-01-20", "to_date": "2026-01-31"}
    weekly = client.get(
        "/api/query/retention", {"bookmark_id": RETENTION_REPORT, "unit": "week", **span}
    )
    spelled = client.get(
        "/api/query/retention",
        {"born_event": "Sign Up", "event": "Login", "unit": "week", **span},
    )
    assert weekly.status_code == 200, weekly.text
    assert weekly.json() == spelled.json()
    assert sorted(weekly.json()) == ["2026-01-19", "2026-01-26"]


def test_unknown_and_wrong_kind(shared_sb: Sandbox, api: Callable[[Sandbox], Api]) -> None:
    client = api(shared_sb)
    missing = client.get("/api/query/retention", {"bookmark_id": 99999})
    assert missing.status_code == 404 and "99999" in missing.json()["error"]
    wrong = client.get("/api/query/retention", {"bookmark_id": INSIGHTS_REPORT})
    assert wrong.status_code == 400 and "not retention" in wrong.json()["error"]
    funnel = client.get("/api/query/funnels", {"funnel_id": INSIGHTS_REPORT})
    assert funnel.status_code == 400 and "does not exist" in funnel.json()["error"]
