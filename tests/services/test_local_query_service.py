"""The defining test of ``ws.local``: for the same query, the sandbox's live answer and the answer
computed over a fetch of the same data are equal, for every report type, with ``on``, ``where``
and each unit, over several seeds. Plus the local-only questions (ad-hoc funnels, profile joins)
checked against plain SQL over the stored table, and the errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mixpanel_data._pacing import reset_pacers
from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import QueryError, TableNotFoundError, ValidationError
from mixpanel_data.sandbox import Sandbox

SEEDS = (3, 11, 27)
FROM, TO = "2026-10-08", "2026-10-28"  # inside the fetched 2026-10-01 .. 2026-10-31

Query = Callable[[Any], Any]

# name -> (live call, local call); each side gets the workspace's live or local service.
CASES: dict[str, Query] = {
    "segmentation day": lambda s: s.segmentation("Purchase", from_date=FROM, to_date=TO),
    "segmentation hour unique": lambda s: s.segmentation(
        "Page View", from_date="2026-10-10", to_date="2026-10-11", unit="hour", type="unique"
    ),
    "segmentation week on": lambda s: s.segmentation(
        "Page View", from_date=FROM, to_date=TO, unit="week", on="page"
    ),
    "segmentation month average where": lambda s: s.segmentation(
        "Purchase",
        from_date=FROM,
        to_date=TO,
        unit="month",
        type="average",
        where='properties["amount"] > 50',
    ),
    "segmentation on user": lambda s: s.segmentation(
        "Purchase", from_date=FROM, to_date=TO, on='user["plan"]'
    ),
    "segmentation where user": lambda s: s.segmentation(
        "Page View", from_date=FROM, to_date=TO, where='user["plan"] == "pro"', type="unique"
    ),
    "segmentation minute": lambda s: s.segmentation(
        "Login", from_date="2026-10-12", to_date="2026-10-12", unit="minute"
    ),
    "numeric": lambda s: s.segmentation_numeric(
        "Purchase", from_date=FROM, to_date=TO, on='properties["amount"]'
    ),
    "sum hour": lambda s: s.segmentation_sum(
        "Purchase",
        from_date="2026-10-10",
        to_date="2026-10-12",
        on='properties["amount"]',
        unit="hour",
    ),
    "average where": lambda s: s.segmentation_average(
        "Add to Cart",
        from_date=FROM,
        to_date=TO,
        on='properties["price"]',
        where='properties["quantity"] >= 2',
    ),
    "event counts week unique": lambda s: s.event_counts(
        ["Login", "Purchase", "Sign Up"], from_date=FROM, to_date=TO, unit="week", type="unique"
    ),
    "event counts month": lambda s: s.event_counts(
        ["Page View", "Search"], from_date=FROM, to_date=TO, unit="month"
    ),
    "property counts": lambda s: s.property_counts(
        "Purchase", "payment_method", from_date=FROM, to_date=TO
    ),
    "funnel saved": lambda s: s.funnel(7001, from_date=FROM, to_date=TO),
    "funnel week on": lambda s: s.funnel(
        7002, from_date=FROM, to_date=TO, unit="week", on="page", length=7, length_unit="day"
    ),
    "funnel hour window where": lambda s: s.funnel(
        7003,
        from_date=FROM,
        to_date=TO,
        where='properties["results_count"] > 2',
        length=1,
        length_unit="hour",
    ),
    "funnel length user on": lambda s: s.funnel(
        7002, from_date=FROM, to_date=TO, length=2, length_unit="day", on='user["plan"]'
    ),
    "funnel month where user": lambda s: s.funnel(
        7001, from_date=FROM, to_date=TO, unit="month", where='user["plan"] != "free"'
    ),
    "frequency month": lambda s: s.frequency(
        from_date=FROM, to_date=TO, unit="month", addiction_unit="day", event="Login"
    ),
    "retention day": lambda s: s.retention("Sign Up", "Login", from_date=FROM, to_date=TO),
    "retention week compounded": lambda s: s.retention(
        "Sign Up",
        "Purchase",
        from_date=FROM,
        to_date=TO,
        unit="week",
        retention_type="compounded",
    ),
    "retention month where": lambda s: s.retention(
        "Login",
        "Purchase",
        from_date=FROM,
        to_date=TO,
        unit="month",
        born_where='user["plan"] == "pro"',
        return_where='properties["amount"] > 20',
    ),
    "frequency": lambda s: s.frequency(from_date=FROM, to_date=TO, event="Page View"),
    "frequency week day where": lambda s: s.frequency(
        from_date=FROM,
        to_date=TO,
        unit="week",
        addiction_unit="day",
        where='user["plan"] == "free"',
    ),
    "flows after": lambda s: s.flows("Sign Up", from_date=FROM, to_date=TO, steps=3),
    "flows before where": lambda s: s.flows(
        "Purchase",
        from_date=FROM,
        to_date=TO,
        direction="before",
        steps=2,
        where='properties["amount"] > 10',
    ),
}


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def ws(request: pytest.FixtureRequest) -> Iterator[Workspace]:
    """A sandbox with October 2026, and a workspace holding a fetch of all of it."""
    with Sandbox(seed=request.param, users=80, days=31, end_date="2026-10-31") as sb:
        creds = sb.credentials.client_credentials(sb.url)
        with Workspace.memory(credentials=creds) as workspace:
            workspace.fetch_events(from_date="2026-10-01", to_date="2026-10-31")
            workspace.fetch_profiles()
            yield workspace


@pytest.fixture(autouse=True)
def fresh_pacers() -> None:
    """Many queries per module; each test starts with Mixpanel's full budget."""
    reset_pacers()


@pytest.mark.parametrize("case", list(CASES))
def test_live_equals_local(ws: Workspace, case: str) -> None:
    query = CASES[case]
    live = query(ws).to_dict()
    local = query(ws.local).to_dict()
    for side in (live, local):  # when each answer was computed
        side.pop("computed_at", None)
    assert local == live
    assert live.get("data") or live.get("values") or live.get("series") or live, case


def test_answers_are_not_empty(ws: Workspace) -> None:
    """The cases compare real numbers: a month of purchases is counted, and matches SQL."""
    seg = ws.local.segmentation("Purchase", from_date=FROM, to_date=TO)
    stored = ws.sql_scalar(
        "SELECT count(*) FROM events WHERE event_name = 'Purchase'"
        " AND event_time >= TIMESTAMP '2026-10-08' AND event_time < TIMESTAMP '2026-10-29'"
    )
    assert stored > 0
    assert seg.total == stored


def test_ad_hoc_funnel_matches_sql(ws: Workspace) -> None:
    """Two steps nobody saved, counted by hand: users whose first qualifying Sign Up (per day
    bucket: first entry) is followed by a Purchase within 30 days."""
    result = ws.local.funnel(
        steps=["Sign Up", "Purchase"], from_date=FROM, to_date=TO, unit="month"
    )
    rows = ws.sql_rows(
        """
        WITH s AS (SELECT distinct_id, min(event_time) AS t FROM events
                   WHERE event_name = 'Sign Up' AND event_time >= TIMESTAMP '2026-10-08'
                     AND event_time < TIMESTAMP '2026-10-29' GROUP BY 1)
        SELECT count(*), count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM events p WHERE p.distinct_id = s.distinct_id
              AND p.event_name = 'Purchase' AND p.event_time >= s.t
              AND p.event_time <= s.t + INTERVAL 30 DAY))
        FROM s
        """
    )
    entered, converted = rows[0]
    steps = result.to_dict().get("steps")
    df = result.df
    overall = df[df["segment"] == "$overall"] if "segment" in df.columns else df
    firsts = overall[overall["step"] == 1]["count"].sum()
    lasts = overall[overall["step"] == 2]["count"].sum()
    assert entered > 0, steps
    assert (firsts, lasts) == (entered, converted)


def test_profile_join_matches_sql(ws: Workspace) -> None:
    seg = ws.local.segmentation("Purchase", from_date=FROM, to_date=TO, on="user.plan")
    by_plan = dict(
        ws.sql_rows(
            """
            SELECT p.properties->>'plan', count(*) FROM events e
            JOIN profiles p USING (distinct_id)
            WHERE e.event_name = 'Purchase' AND e.event_time >= TIMESTAMP '2026-10-08'
              AND e.event_time < TIMESTAMP '2026-10-29' AND p.properties->>'plan' IS NOT NULL
            GROUP BY 1
            """
        )
    )
    totals = seg.df.groupby("segment")["count"].sum().to_dict()
    assert by_plan and totals == by_plan


def test_another_table(ws: Workspace) -> None:
    ws.sql("CREATE OR REPLACE TABLE logins AS SELECT * FROM events WHERE event_name = 'Login'")
    here = ws.local.event_counts(["Login", "Purchase"], from_date=FROM, to_date=TO, table="logins")
    assert set(here.df["event"]) == {"Login"}
    full = ws.local.event_counts(["Login"], from_date=FROM, to_date=TO)
    assert here.to_dict()["series"] == full.to_dict()["series"]


def test_errors(ws: Workspace) -> None:
    with pytest.raises(TableNotFoundError, match="no table 'nope'"):
        ws.local.segmentation("Purchase", from_date=FROM, to_date=TO, table="nope")
    with pytest.raises(ValidationError, match="steps"):
        ws.local.funnel(steps=["Sign Up"], from_date=FROM, to_date=TO)
    with pytest.raises(ValidationError, match="pass length= and length_unit="):
        ws.local.funnel(7002, from_date=FROM, to_date=TO)
    with pytest.raises(ValidationError, match="either"):
        ws.local.funnel(from_date=FROM, to_date=TO)
    with pytest.raises(QueryError, match="not available over the local store"):
        ws.local.jql("function main() { return Events({}); }")
