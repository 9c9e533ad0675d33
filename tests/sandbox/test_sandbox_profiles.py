"""``POST /api/query/engage``: paging with session_id, filters, cohorts, group profiles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox

ENGAGE = "/api/query/engage"


def _paged() -> Sandbox:
    return Sandbox(seed=9, users=130, days=2, end_date="2026-01-31", engage_page_size=25)


@pytest.fixture(scope="module")
def paged_sb() -> Iterator[Sandbox]:
    """Read only: a test that changes profiles takes :func:`changing_sb`."""
    with _paged() as sb:
        yield sb


@pytest.fixture
def changing_sb() -> Iterator[Sandbox]:
    with _paged() as sb:
        yield sb


def _pages(client: Api, form: dict[str, Any]) -> list[dict[str, Any]]:
    pages = []
    body = client.post(ENGAGE, data=form).json()
    pages.append(body)
    while body["results"]:
        body = client.post(
            ENGAGE, data={**form, "page": body["page"] + 1, "session_id": body["session_id"]}
        ).json()
        pages.append(body)
    return pages


def _everyone(client: Api) -> dict[str, dict[str, Any]]:
    return {
        item["$distinct_id"]: item["$properties"]
        for page in _pages(client, {})
        for item in page["results"]
    }


def test_pages_cover_every_profile_exactly_once(
    paged_sb: Sandbox, api: Any, wire_check: Any
) -> None:
    client = api(paged_sb)
    wire_check("POST", ENGAGE, client.post(ENGAGE, data={"page": 0}))
    pages = _pages(client, {})
    ids = [item["$distinct_id"] for page in pages for item in page["results"]]
    assert len(ids) == len(set(ids)) == 130
    assert ids == sorted(ids)
    assert [len(p["results"]) for p in pages] == [25, 25, 25, 25, 25, 5, 0]
    assert {p["total"] for p in pages} == {130}
    assert {p["page_size"] for p in pages} == {25}
    assert len({p["session_id"] for p in pages}) == 1
    assert [p["page"] for p in pages] == list(range(7))
    assert all(p["status"] == "ok" for p in pages)


def test_a_session_keeps_its_profiles_while_they_change(changing_sb: Sandbox, api: Any) -> None:
    client = api(changing_sb)
    first = client.post(ENGAGE, data={"where": 'user["plan"] == "free"'}).json()
    token = changing_sb.credentials.token
    update = [{"$token": token, "$distinct_id": "zz-new", "$set": {"plan": "free"}}]
    assert client.client.post("/engage", json=update).text == "1"
    ids = [item["$distinct_id"] for item in first["results"]]
    page = 1
    while True:
        body = client.post(
            ENGAGE,
            data={
                "where": 'user["plan"] == "free"',
                "page": page,
                "session_id": first["session_id"],
            },
        ).json()
        if not body["results"]:
            break
        ids += [item["$distinct_id"] for item in body["results"]]
        page += 1
    assert len(ids) == len(set(ids)) == first["total"]
    assert "zz-new" not in ids
    fresh = client.post(ENGAGE, data={"where": 'user["plan"] == "free"'}).json()
    assert fresh["total"] == first["total"] + 1


def test_paging_errors(paged_sb: Sandbox, api: Any) -> None:
    client = api(paged_sb)
    assert client.post(ENGAGE, data={"page": 1}).status_code == 400
    assert client.post(ENGAGE, data={"page": 1, "session_id": "nope"}).status_code == 400
    # page_size is not a parameter in Mixpanel's document: pages keep the sandbox's size.
    for asked in (10, 26, 0, "x"):
        page = client.post(ENGAGE, data={"page_size": asked}).json()
        assert page["page_size"] == 25 and len(page["results"]) == 25


def test_where_filters(shared_sb: Sandbox, api: Any) -> None:
    client = api(shared_sb)
    everyone = _everyone(client)
    cases = {
        'user["plan"] == "pro"': lambda p: p["plan"] == "pro",
        'user["age"] % 2 == 0 and user["is_beta"] == false': (
            lambda p: p["age"] % 2 == 0 and not p["is_beta"]
        ),
        'properties["ltv"] > 100': lambda p: p["ltv"] > 100,
        '"coffee" in user["interests"]': lambda p: "coffee" in p["interests"],
    }
    for where, keep in cases.items():
        got = {
            item["$distinct_id"]
            for page in _pages(client, {"where": where})
            for item in page["results"]
        }
        expected = {did for did, props in everyone.items() if keep(props)}
        assert got == expected and expected, where
    assert client.post(ENGAGE, data={"where": 'user["plan" =='}).status_code == 400
    assert client.post(ENGAGE, data={"where": 'event["$time"] > 1'}).status_code == 400


def test_output_properties_and_ids(shared_sb: Sandbox, api: Any) -> None:
    client = api(shared_sb)
    body = client.post(
        ENGAGE,
        data={
            "distinct_ids": '["user-00003", "user-00001", "nobody"]',
            "output_properties": '["$email", "plan", "missing"]',
        },
    ).json()
    assert body["total"] == 2
    assert [item["$distinct_id"] for item in body["results"]] == ["user-00001", "user-00003"]
    for item in body["results"]:
        assert set(item["$properties"]) == {"$email", "plan"}
    single = client.post(ENGAGE, data={"distinct_id": "user-00002"}).json()
    assert [item["$distinct_id"] for item in single["results"]] == ["user-00002"]
    assert "$last_seen" in single["results"][0]["$properties"]


def test_cohort_filter_matches_the_cohort_list(shared_sb: Sandbox, api: Any) -> None:
    client = api(shared_sb)
    everyone = _everyone(client)
    cohorts = {c["id"]: c for c in client.post("/api/query/cohorts/list").json()}
    rules = {
        1001: lambda p: p["plan"] == "enterprise",
        1002: lambda p: p["plan"] in ("pro", "enterprise"),
        1003: lambda p: p["purchase_count"] > 0,
        1004: lambda p: p["ltv"] >= 100,
        1005: lambda p: p["is_beta"] is True,
        1006: lambda p: p["mp_country_code"] == "BR",
    }
    assert set(cohorts) == set(rules)
    for cohort_id, rule in rules.items():
        pages = _pages(client, {"filter_by_cohort": f'{{"id": {cohort_id}}}'})
        members = {item["$distinct_id"] for page in pages for item in page["results"]}
        expected = {did for did, props in everyone.items() if rule(props)}
        assert members == expected
        assert cohorts[cohort_id]["count"] == len(expected) == pages[0]["total"]
    assert client.post(ENGAGE, data={"filter_by_cohort": '{"id": 1}'}).status_code == 400
    assert client.post(ENGAGE, data={"filter_by_cohort": "[]"}).status_code == 400


def test_group_profiles(shared_sb: Sandbox, api: Any) -> None:
    client = api(shared_sb)
    body = client.post(ENGAGE, data={"data_group_id": "1"}).json()
    ids = [item["$distinct_id"] for item in body["results"]]
    assert ids == [f"c{n:04d}" for n in range(1, 7)]
    assert {"$name", "industry", "employees"} <= set(body["results"][0]["$properties"])
    by_name = client.post(ENGAGE, data={"data_group_id": "company_id"}).json()
    assert by_name["total"] == 6
    assert client.post(ENGAGE, data={"data_group_id": "99"}).status_code == 400
