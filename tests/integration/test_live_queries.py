"""Every live query and discovery call against a running Sandbox, checked against numbers computed
independently: the same events are fetched through the sandbox's export endpoint with httpx,
loaded into DuckDB, and counted with SQL or plain Python following Mixpanel's documented rules.
Nothing here copies a number from the response under test.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import httpx
import pytest

from mixpanel_data._pacing import reset_pacers
from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import JQLError, NotFoundError, ValidationError
from mixpanel_data.results import FunnelResult, RetentionResult
from mixpanel_data.results.numeric import bucket_start
from mixpanel_data.sandbox import Sandbox

DAY = 86_400
BOOKKEEPING = {"time", "distinct_id", "$insert_id", "mp_processing_time_ms", "token"}


@dataclass(frozen=True)
class Row:
    event: str
    time: int
    distinct_id: str
    insert_id: str
    props: dict[str, Any]


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    # The default end date (yesterday) keeps saved reports' "last 30 days" on the data.
    with Sandbox(seed=11, users=120, days=21) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def ws(sb: Sandbox) -> Iterator[Workspace]:
    with Workspace(credentials=sb.credentials.client_credentials(sb.url)) as workspace:
        yield workspace


@pytest.fixture(autouse=True)
def fresh_pacers() -> None:
    """This module makes more queries than Mixpanel's hourly budget; each test starts afresh."""
    reset_pacers()


@pytest.fixture(scope="module")
def span(sb: Sandbox) -> tuple[str, str]:
    return sb.start_date.isoformat(), sb.end_date.isoformat()


@pytest.fixture(scope="module")
def rows(sb: Sandbox) -> list[Row]:
    """Every event of the sandbox, through its export endpoint (not through the code under test),
    without the duplicates Mixpanel's queries ignore."""
    c = sb.credentials
    response = httpx.get(
        f"{sb.url}/api/2.0/export",
        params={
            "from_date": sb.start_date.isoformat(),
            "to_date": sb.end_date.isoformat(),
            "project_id": c.project_id,
        },
        auth=(c.username, c.secret),
        timeout=120,
    )
    response.raise_for_status()
    out = []
    for line in response.text.splitlines():
        if line.strip():
            item = json.loads(line)
            p = item["properties"]
            out.append(Row(item["event"], int(p["time"]), p["distinct_id"], p["$insert_id"], p))
    out.sort(key=lambda r: (r.time, r.insert_id, r.distinct_id, r.event))
    assert len(out) > 1000
    # Mixpanel's deduplication: one event per (event, distinct_id, time, $insert_id).
    seen: set[tuple[str, str, int, str]] = set()
    unique = []
    for row in out:
        key = (row.event, row.distinct_id, row.time, row.insert_id)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


@pytest.fixture(scope="module")
def db(rows: list[Row]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("CREATE TABLE events (event VARCHAR, time BIGINT, distinct_id VARCHAR, props JSON)")
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?)",
        [(r.event, r.time, r.distinct_id, json.dumps(r.props)) for r in rows],
    )
    # Calendar day and Monday week of each event, from epoch arithmetic (UTC).
    con.execute(
        "CREATE VIEW ev AS SELECT *, "
        "CAST(DATE '1970-01-01' + CAST(time // 86400 AS INTEGER) AS VARCHAR) AS day, "
        "CAST(DATE '1970-01-01' + CAST(time // 86400 - (time // 86400 + 3) % 7 AS INTEGER) "
        "AS VARCHAR) AS week FROM events"
    )
    yield con
    con.close()


def cells(series: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """``{(date, key): value}`` of a result's ``{key: {date: value}}`` without zero cells."""
    return {(d[:10], k): v for k, by_date in series.items() for d, v in by_date.items() if v}


def day_of(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date().isoformat()


def epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


# -- segmentation ---------------------------------------------------------------------------------


def test_segmentation_by_browser_per_day(ws: Workspace, db: Any, span: tuple[str, str]) -> None:
    r = ws.segmentation("Page View", from_date=span[0], to_date=span[1], on="$browser")
    expected = {
        (d, s): n
        for d, s, n in db.execute(
            "SELECT day, props->>'$.\"$browser\"', count(*) FROM ev WHERE event = 'Page View' "
            "AND day BETWEEN ? AND ? GROUP BY ALL",
            list(span),
        ).fetchall()
    }
    assert r.segment_property == 'properties["$browser"]'
    assert cells(r.series) == expected
    assert r.total == sum(expected.values())
    assert len(r.df) == len(expected)


def test_segmentation_unique_users_per_week_with_where(
    ws: Workspace, db: Any, span: tuple[str, str]
) -> None:
    r = ws.segmentation(
        "Login", from_date=span[0], to_date=span[1], unit="week", type="unique",
        where='properties["plan"] == "pro"',
    )  # fmt: skip
    expected = {
        (w, "Login"): n
        for w, n in db.execute(
            "SELECT week, count(DISTINCT distinct_id) FROM ev WHERE event = 'Login' "
            "AND day BETWEEN ? AND ? AND props->>'plan' = 'pro' GROUP BY ALL",
            list(span),
        ).fetchall()
    }
    assert expected and cells(r.series) == expected


def test_segmentation_numeric_buckets_hold_their_values(
    ws: Workspace, rows: list[Row], span: tuple[str, str]
) -> None:
    r = ws.segmentation_numeric("Page View", from_date=span[0], to_date=span[1], on="load_time_ms")
    assert len(r.buckets) >= 2
    bounds = []
    for label in r.buckets:
        low, high = (float(x.replace(",", "")) for x in label.split(" - "))
        assert low == bucket_start(label)
        bounds.append((low, high, label))
    expected: Counter[tuple[str, str]] = Counter()
    for row in rows:
        value = row.props.get("load_time_ms")
        day = day_of(row.time)
        if row.event != "Page View" or not span[0] <= day <= span[1]:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            label = next(lab for lo, hi, lab in bounds if lo <= value < hi)
            expected[(day, label)] += 1
    assert cells(r.series) == dict(expected)


def test_segmentation_sum_and_average(ws: Workspace, db: Any, span: tuple[str, str]) -> None:
    sums = ws.segmentation_sum("Purchase", from_date=span[0], to_date=span[1], on="amount")
    avgs = ws.segmentation_average("Purchase", from_date=span[0], to_date=span[1], on="amount")
    expected = db.execute(
        "SELECT day, sum(coalesce(TRY_CAST(props->>'amount' AS DOUBLE), 0)), "
        "avg(coalesce(TRY_CAST(props->>'amount' AS DOUBLE), 0)) FROM ev "
        "WHERE event = 'Purchase' AND day BETWEEN ? AND ? GROUP BY ALL ORDER BY day",
        list(span),
    ).fetchall()
    assert [d for d, *_ in expected] == list(sums.results) == list(avgs.results)
    assert list(sums.results.values()) == pytest.approx([s for _, s, _ in expected])
    assert list(avgs.results.values()) == pytest.approx([a for *_, a in expected])


# -- event breakdown ------------------------------------------------------------------------------


def test_event_counts_general_and_unique(ws: Workspace, db: Any, span: tuple[str, str]) -> None:
    names = ["Sign Up", "Purchase"]
    general = ws.event_counts(names, from_date=span[0], to_date=span[1])
    unique = ws.event_counts(names, from_date=span[0], to_date=span[1], unit="week", type="unique")
    by_day = db.execute(
        "SELECT day, event, count(*) FROM ev WHERE event IN ('Sign Up', 'Purchase') "
        "AND day BETWEEN ? AND ? GROUP BY ALL",
        list(span),
    ).fetchall()
    by_week = db.execute(
        "SELECT week, event, count(DISTINCT distinct_id) FROM ev "
        "WHERE event IN ('Sign Up', 'Purchase') AND day BETWEEN ? AND ? GROUP BY ALL",
        list(span),
    ).fetchall()
    assert cells(general.series) == {(d, e): n for d, e, n in by_day}
    assert cells(unique.series) == {(w, e): n for w, e, n in by_week}


def test_property_counts(ws: Workspace, db: Any, span: tuple[str, str]) -> None:
    r = ws.property_counts("Purchase", "payment_method", from_date=span[0], to_date=span[1])
    expected = db.execute(
        "SELECT day, props->>'payment_method', count(*) FROM ev WHERE event = 'Purchase' "
        "AND day BETWEEN ? AND ? GROUP BY ALL",
        list(span),
    ).fetchall()
    assert cells(r.series) == {(d, v): n for d, v, n in expected}
    totals: Counter[str] = Counter()
    for _, value, n in expected:
        totals[value] += n
    assert r.totals() == dict(totals)


# -- funnels ---------------------------------------------------------------------------------


def saved_funnel_steps(sb: Sandbox, funnel_id: int) -> list[str]:
    """The funnel's step events: from the sandbox's funnel list when it shows them, else from its
    documented fixture."""
    c = sb.credentials
    body = httpx.get(
        f"{sb.url}/api/query/funnels/list",
        params={"project_id": c.project_id},
        auth=(c.username, c.secret),
    ).json()
    item = next(f for f in body if f["funnel_id"] == funnel_id)
    if "steps" in item:
        return [s["event"] for s in item["steps"]]
    from mixpanel_data.sandbox._fixtures import _funnels

    return [s["event"] for s in next(f for f in _funnels() if f["funnel_id"] == funnel_id)["steps"]]


def walk_funnel(
    rows: list[Row], steps: list[str], start: str, end: str, window_seconds: int
) -> dict[str, list[tuple[int, float | None]]]:
    """Mixpanel's uniques funnel per one-day bucket: ``{day: [(users, avg seconds), ...]}``.

    A user enters a bucket at their first step-1 event in it; each later step is their earliest
    event of that name at or after the previous step, within ``window_seconds`` of entering.
    """
    by_user: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_user[row.distinct_id].append(row)
    out: dict[str, list[tuple[int, float | None]]] = {}
    day = dt.date.fromisoformat(start)
    while day.isoformat() <= end:
        b0 = epoch(day.isoformat())
        reached = [0] * len(steps)
        gaps: list[list[int]] = [[] for _ in steps]
        for events in by_user.values():
            entry = next(
                (e for e in events if e.event == steps[0] and b0 <= e.time < b0 + DAY), None
            )
            if entry is None:
                continue
            reached[0] += 1
            previous = entry
            for k in range(1, len(steps)):
                nxt = next(
                    (
                        e for e in events
                        if e.event == steps[k] and e.time >= previous.time and e is not previous
                        and e.time <= entry.time + window_seconds
                    ),
                    None,
                )  # fmt: skip
                if nxt is None:
                    break
                reached[k] += 1
                gaps[k].append(nxt.time - previous.time)
                previous = nxt
        out[day.isoformat()] = [
            (reached[k], round(sum(gaps[k]) / len(gaps[k])) if gaps[k] else None)
            for k in range(len(steps))
        ]
        day += dt.timedelta(days=1)
    return out


def assert_funnel(
    result: FunnelResult, expected: dict[str, list[tuple[int, float | None]]]
) -> None:
    got = {
        d: [(s.count, s.avg_time) for s in segs["$overall"]]
        for d, segs in result.buckets.items()
        if segs["$overall"] and segs["$overall"][0].count
    }
    want = {d: v for d, v in expected.items() if v[0][0]}
    assert {d: [n for n, _ in v] for d, v in got.items()} == {
        d: [n for n, _ in v] for d, v in want.items()
    }
    for d, v in want.items():
        for k, (_, avg) in enumerate(v[1:], start=1):
            assert got[d][k][1] == (None if avg is None else pytest.approx(avg, abs=1)), (d, k)
    totals = [sum(v[k][0] for v in want.values()) for k in range(len(result.steps))]
    assert [s.count for s in result.steps] == totals
    assert result.conversion_rate == pytest.approx(totals[-1] / totals[0])


def test_funnel_matches_an_independent_walk(
    ws: Workspace, sb: Sandbox, rows: list[Row], span: tuple[str, str]
) -> None:
    steps = saved_funnel_steps(sb, 7002)
    r = ws.funnel(7002, from_date=span[0], to_date=span[1], length=3, length_unit="day")
    assert r.funnel_name == "Browse to buy"
    assert [s.event for s in r.steps] == steps
    assert_funnel(r, walk_funnel(rows, steps, span[0], span[1], 3 * DAY))


def test_unknown_funnel_and_bookmark(ws: Workspace, span: tuple[str, str]) -> None:
    with pytest.raises(
        NotFoundError, match=r"funnel 999 does not exist .* 7001 \(Signup to purchase\)"
    ):
        ws.funnel(999, from_date=span[0], to_date=span[1])
    with pytest.raises(
        NotFoundError,
        match=r"saved report 12 does not exist .* 50001 \(Purchases per day, insights\)",
    ):
        ws.saved_report(12)


# -- retention and frequency --------------------------------------------------------------------


def expected_retention(
    rows: list[Row], born: str, back: str | None, start: str, end: str, count: int, today: str
) -> dict[str, tuple[int, list[int]]]:
    """Birth retention per day cohort, one-day intervals rolling from each user's birth."""
    first: dict[str, int] = {}
    for row in rows:
        if row.event == born and row.distinct_id not in first:
            first[row.distinct_id] = row.time
    lo, hi = epoch(start), epoch(end) + DAY
    cohorts: dict[str, dict[str, int]] = {}
    day = dt.date.fromisoformat(start)
    while day.isoformat() <= end:
        cohorts[day.isoformat()] = {}
        day += dt.timedelta(days=1)
    for user, when in first.items():
        if lo <= when < hi:
            cohorts[day_of(when)][user] = when
    now = epoch(today) + DAY
    out = {}
    for key, members in cohorts.items():
        shown = [i for i in range(count + 1) if epoch(key) + i * DAY < now]
        hits: dict[int, set[str]] = defaultdict(set)
        for row in rows:
            birth = members.get(row.distinct_id)
            if birth is None or (back is not None and row.event != back) or row.time <= birth:
                continue
            index = (row.time - birth) // DAY
            if index <= count:
                hits[index].add(row.distinct_id)
        out[key] = (len(members), [len(hits[i]) for i in shown])
    return out


def assert_retention(result: RetentionResult, expected: dict[str, tuple[int, list[int]]]) -> None:
    got = {c.date: (c.size, c.counts) for c in result.cohorts}
    assert got == expected
    for cohort in result.cohorts:
        assert cohort.rates == [n / cohort.size if cohort.size else 0.0 for n in cohort.counts]


def test_retention_birth_cohorts(
    ws: Workspace, sb: Sandbox, rows: list[Row], span: tuple[str, str]
) -> None:
    r = ws.retention("Sign Up", "Login", from_date=span[0], to_date=span[1], interval_count=5)
    expected = expected_retention(rows, "Sign Up", "Login", span[0], span[1], 5, span[1])
    assert sum(size for size, _ in expected.values()) > 0
    assert_retention(r, expected)


def test_frequency_hours_per_day(ws: Workspace, rows: list[Row], span: tuple[str, str]) -> None:
    r = ws.frequency(from_date=span[0], to_date=span[1], unit="day", addiction_unit="hour")
    hours: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        day = day_of(row.time)
        if span[0] <= day <= span[1]:
            hours[day][row.distinct_id].add((row.time % DAY) // 3600)
    for day, users in hours.items():
        active = [len(h) for h in users.values()]
        assert r.data[day] == [sum(1 for a in active if a >= n) for n in range(1, 25)], day
    assert set(r.data) == set(hours)


# -- users, saved reports, flows, JQL -----------------------------------------------------------


def test_activity_feed(ws: Workspace, rows: list[Row], span: tuple[str, str]) -> None:
    users = sorted({r.distinct_id for r in rows})[:2]
    r = ws.activity_feed(users, from_date=span[0], to_date=span[1])
    expected = sorted((x.time, x.distinct_id, x.event) for x in rows if x.distinct_id in users)
    got = [(int(e.time.timestamp()), e.distinct_id, e.event) for e in r.events]
    assert sorted(got) == expected
    assert got == sorted(got, key=lambda t: t[0])  # time order


def test_saved_insights_report(ws: Workspace, sb: Sandbox, db: Any) -> None:
    r = ws.saved_report(50001)  # "Purchases per day": total Purchase, last 30 days
    end = sb.end_date
    start = end - dt.timedelta(days=29)
    assert (r.kind, r.name) == ("insights", "Purchases per day")
    assert (r.from_date, r.to_date) == (start.isoformat(), end.isoformat())
    expected = dict(
        db.execute(
            "SELECT day, count(*) FROM ev WHERE event = 'Purchase' AND day BETWEEN ? AND ? "
            "GROUP BY ALL",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
    )
    got = {d[:10]: v for d, v in r.series["Purchase"].items() if v}
    assert got == expected
    assert r.totals() == {"Purchase": sum(expected.values())}


def test_saved_funnel_and_retention_reports(ws: Workspace, sb: Sandbox, rows: list[Row]) -> None:
    today = dt.datetime.now(dt.UTC).date()
    start, end = (today - dt.timedelta(days=29)).isoformat(), today.isoformat()
    funnel = ws.saved_report(50003)
    assert funnel.kind == "funnels" and funnel.funnel is not None
    assert (funnel.from_date, funnel.to_date) == (start, end)
    steps = saved_funnel_steps(sb, 7001)
    assert_funnel(funnel.funnel, walk_funnel(rows, steps, start, end, 14 * DAY))
    retention = ws.saved_report(50004)
    assert retention.kind == "retention" and retention.retention is not None
    expected = expected_retention(rows, "Sign Up", "Login", start, end, 10, sb.end_date.isoformat())
    assert_retention(retention.retention, expected)


def expected_flow(
    rows: list[Row], anchor: str, start: str, end: str, hops: int
) -> Counter[tuple[int, str, str]]:
    """Unique flows: each user's first anchor in range and their next ``hops`` events (7 days)."""
    by_user: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_user[row.distinct_id].append(row)
    edges: Counter[tuple[int, str, str]] = Counter()
    lo, hi = epoch(start), epoch(end) + DAY
    for events in by_user.values():
        at = next(
            (i for i, e in enumerate(events) if e.event == anchor and lo <= e.time < hi), None
        )
        if at is None:
            continue
        after = [e.event for e in events[at + 1 :] if e.time <= events[at].time + 7 * DAY]
        path = [events[at].event, *after[:hops]]
        for k in range(hops):
            here = path[k] if k < len(path) else None
            if here is None:
                break
            edges[(k, here, path[k + 1] if k + 1 < len(path) else "$dropoff")] += 1
    return edges


def test_adhoc_flow(ws: Workspace, rows: list[Row], span: tuple[str, str]) -> None:
    r = ws.flows("Sign Up", from_date=span[0], to_date=span[1], steps=2)
    got = Counter({(t.step, t.event, t.next_event): t.count for t in r.transitions})
    assert got == expected_flow(rows, "Sign Up", span[0], span[1], 2)
    anchors = [n for n in r.nodes if n.step == 0]
    assert [(n.event, n.count) for n in anchors] == [
        ("Sign Up", sum(v for (k, *_), v in got.items() if k == 0))
    ]


def test_saved_flows_report(ws: Workspace, rows: list[Row], sb: Sandbox) -> None:
    r = ws.saved_report(50005)  # "After sign up": Sign Up, 3 steps forward, last 30 days
    assert r.kind == "flows" and r.flows is not None
    start = (sb.end_date - dt.timedelta(days=29)).isoformat()
    first = Counter(
        {(t.step, t.event, t.next_event): t.count for t in r.flows.transitions if t.step == 0}
    )
    want = Counter(
        {
            k: v
            for k, v in expected_flow(rows, "Sign Up", start, sb.end_date.isoformat(), 3).items()
            if k[0] == 0
        }
    )
    assert first == want


def test_jql_counts_events(ws: Workspace, db: Any, span: tuple[str, str]) -> None:
    r = ws.jql(
        "function main() { return Events({from_date: params.from_date, to_date: params.to_date})"
        ".groupBy(['name'], mixpanel.reducer.count()); }",
        {"from_date": span[0], "to_date": span[1]},
    )
    expected = dict(
        db.execute(
            "SELECT event, count(*) FROM ev WHERE day BETWEEN ? AND ? GROUP BY ALL", list(span)
        ).fetchall()
    )
    assert r.df.set_index("key")["value"].to_dict() == expected


def test_jql_syntax_error_is_a_jql_error(ws: Workspace) -> None:
    with pytest.raises(JQLError) as info:
        ws.jql("function main() { return Events({from_date: '2026-01-01'}).groupBy(; }")
    err = info.value
    assert err.message.startswith("JQL script failed")
    assert "SyntaxError" in err.message
    assert err.details["error_type"] == "SyntaxError"
    assert err.details["error_message"]
    assert err.exit_code == 3


# -- discovery ----------------------------------------------------------------------------------


def test_discovery_lists(ws: Workspace, sb: Sandbox, rows: list[Row], db: Any) -> None:
    ws.clear_discovery_cache()
    assert ws.list_events() == sorted({r.event for r in rows})
    purchase_keys = {k for r in rows if r.event == "Purchase" for k in r.props} - BOOKKEEPING
    assert ws.list_properties("Purchase") == sorted(purchase_keys)
    methods = Counter(r.props["payment_method"] for r in rows if r.event == "Purchase")
    values = ws.list_property_values("payment_method", event="Purchase", limit=100)
    assert set(values) == set(methods)
    assert [methods[v] for v in values] == sorted(methods.values(), reverse=True)
    assert [f.funnel_id for f in ws.list_funnels()] == [7001, 7002, 7003]
    assert {b.type for b in ws.list_bookmarks()} >= {"insights", "funnels", "retention", "flows"}
    assert [b.id for b in ws.list_bookmarks("flows")] == [50005]
    assert all(c.count >= 0 for c in ws.list_cohorts())


def test_top_events_are_todays_counts(ws: Workspace, sb: Sandbox, rows: list[Row]) -> None:
    today, yesterday = sb.end_date.isoformat(), (sb.end_date - dt.timedelta(days=1)).isoformat()
    now = Counter(r.event for r in rows if day_of(r.time) == today)
    before = Counter(r.event for r in rows if day_of(r.time) == yesterday)
    top = ws.list_top_events()
    assert {e.event: e.count for e in top} == dict(now)
    for e in top:
        change = (now[e.event] - before[e.event]) / before[e.event] if before[e.event] else 1.0
        assert e.percent_change == pytest.approx(change, abs=1e-6)
    assert [e.count for e in top] == sorted((e.count for e in top), reverse=True)


def test_bad_arguments_never_reach_the_sandbox(ws: Workspace, sb: Sandbox) -> None:
    seen = len(sb.requests)
    with pytest.raises(ValidationError, match="from_date 2026-02-10 is after to_date 2026-02-01"):
        ws.segmentation("Login", from_date="2026-02-10", to_date="2026-02-01")
    with pytest.raises(ValidationError, match="unit 'fortnight' is not allowed"):
        ws.event_counts(["Login"], from_date="2026-01-01", to_date="2026-01-02", unit="fortnight")
    assert len(sb.requests) == seen


def test_lexicon_schemas_are_the_sandboxs_fixture(ws: Workspace, sb: Sandbox) -> None:
    fixture = sb.data.fixtures.schemas
    names = sorted((s["entityType"], s["name"]) for s in fixture)
    assert sorted((s["entityType"], s["name"]) for s in ws.list_schemas()) == names
    profiles = ws.list_schemas("profile")
    assert profiles and {s["entityType"] for s in profiles} == {"profile"}
    assert len(profiles) == sum(1 for s in fixture if s["entityType"] == "profile")


def test_clear_discovery_cache_clears_what_live_queries_looked_up(
    sb: Sandbox, span: tuple[str, str]
) -> None:
    """One discovery cache per Workspace: a funnel query's lookup is the one the clear forgets."""
    start, end = span
    with Workspace(credentials=sb.credentials.client_credentials(sb.url)) as fresh:
        funnel_id = fresh.list_funnels()[0].funnel_id

        def lookups() -> int:
            return sum(r.path == "/api/query/funnels/list" for r in sb.requests)

        before = lookups()
        fresh.funnel(funnel_id, from_date=start, to_date=end)
        assert lookups() == before  # the list fetched above is reused
        fresh.clear_discovery_cache()
        fresh.funnel(funnel_id, from_date=start, to_date=end)
        assert lookups() == before + 1


def test_extra_parameters_pass_through_to_the_operation(ws: Workspace, sb: Sandbox) -> None:
    """A parameter the service does not validate reaches Mixpanel as the spec names it."""
    day = sb.end_date.isoformat()
    live = ws._live_service
    sb.clear_requests()
    live.segmentation("Page View", from_date=day, to_date=day, interval=2)
    (seen,) = [r for r in sb.requests if r.path == "/api/query/segmentation"]
    assert seen.query.get("interval") in ("2", ["2"])


def test_workspace_open_and_options(sb: Sandbox, tmp_path: Any) -> None:
    path = tmp_path / "x.duckdb"
    with Workspace(credentials=sb.credentials.client_credentials(sb.url), path=path) as first:
        first.sql_scalar("select 1")
    with Workspace.open(path, read_only=True) as opened:
        assert opened.sql_scalar("select 42") == 42
        assert repr(opened) == "Workspace(project_id=None, storage='open')"
    with pytest.raises(ValidationError, match="retries"):
        _ = Workspace(credentials=sb.credentials.client_credentials(sb.url), retries=-1).api
