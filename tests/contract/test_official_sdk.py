"""Contract: the official Mixpanel Python SDK (``mixpanel`` on PyPI) works against the sandbox.

The SDK builds ``https://{api_host}/...`` from ``api_host``, so for plain HTTP on loopback its
``Consumer`` gets full URLs (``events_url``, ``people_url``, ``groups_url``, ``import_url``).
What the SDK sends must come back: tracked and imported events through ``/api/2.0/export`` (read
with this project's own ``Workspace.stream_events``), profile and group changes through
``/api/query/engage``, and a ``$merge`` sent through ``/import`` in the sandbox's identity table.
``Mixpanel.alias()`` is not used: it always posts through a default consumer to
``api.mixpanel.com`` (an upstream bug), so identity is tested through ``/import`` merges.

Expected values come from what the test sent, never from the sandbox's answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import mixpanel
import pytest

from mixpanel_data import Workspace
from mixpanel_data.sandbox import Sandbox

ENGAGE = "/api/query/engage"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=21, users=30, days=7) as sandbox:  # ends yesterday: "now" is just after
        yield sandbox


def _consumer(sb: Sandbox, **kwargs: Any) -> mixpanel.Consumer:
    return mixpanel.Consumer(
        events_url=f"{sb.url}/track",
        people_url=f"{sb.url}/engage",
        groups_url=f"{sb.url}/groups",
        import_url=f"{sb.url}/import",
        api_host=sb.url.removeprefix("http://"),
        request_timeout=30,
        retry_limit=0,
        **kwargs,
    )


@pytest.fixture(scope="module")
def mp(sb: Sandbox) -> mixpanel.Mixpanel:
    """The SDK with service-account credentials on its consumer (used by ``/import`` only)."""
    creds = sb.credentials
    account = mixpanel.ServiceAccountCredentials(
        username=creds.username, secret=creds.secret, project_id=str(creds.project_id)
    )
    return mixpanel.Mixpanel(creds.token, consumer=_consumer(sb, credentials=account))


@pytest.fixture(scope="module")
def ws(sb: Sandbox) -> Iterator[Workspace]:
    with Workspace.memory(credentials=sb.credentials.client_credentials(sb.url)) as workspace:
        yield workspace


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    creds = sb.credentials
    with httpx.Client(
        base_url=sb.url,
        auth=(creds.username, creds.secret),
        params={"project_id": creds.project_id},
        timeout=30,
    ) as client:
        yield client


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).date().isoformat()


def _exported(ws: Workspace, event: str, *times: float) -> list[dict[str, Any]]:
    """Every exported ``event`` over the days of ``times`` (Mixpanel's raw shape)."""
    days = sorted({_day(t) for t in times})
    return list(ws.stream_events(from_date=days[0], to_date=days[-1], events=[event], raw=True))


def _profile(api: httpx.Client, distinct_id: str, **params: Any) -> dict[str, Any] | None:
    answer = api.post(ENGAGE, data={"distinct_id": distinct_id, **params})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert len(results) <= 1
    return results[0]["$properties"] if results else None


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def test_track_comes_back_through_export(mp: mixpanel.Mixpanel, ws: Workspace) -> None:
    user, event = _unique("sdk-user"), _unique("SDK Tracked")
    sent = [
        {"plan": "pro", "amount": 19.5, "items": ["a", "b"], "beta": True, "n": 1},
        {"plan": "free", "amount": 0, "nested": {"k": "v"}, "n": 2},
    ]
    before = datetime.now(UTC).timestamp()
    for properties in sent:
        mp.track(user, event, properties)
    after = datetime.now(UTC).timestamp()

    got = sorted(_exported(ws, event, before, after), key=lambda e: e["properties"]["n"])
    assert [e["event"] for e in got] == [event, event]
    for props, properties in zip((e["properties"] for e in got), sent, strict=True):
        assert props["distinct_id"] == user
        assert {k: props[k] for k in properties} == properties
        assert props["mp_lib"] == "python" and props["$lib_version"] == mixpanel.__version__
        assert int(before) <= props["time"] <= after + 1
        assert "token" not in props  # the token authenticates; it is not stored
    assert len({e["properties"]["$insert_id"] for e in got}) == 2


@pytest.mark.parametrize("auth", ["service_account", "api_secret"])
def test_import_data_comes_back_through_export(
    auth: str, sb: Sandbox, mp: mixpanel.Mixpanel, ws: Workspace
) -> None:
    user, event = _unique("sdk-importer"), _unique("SDK Imported")
    when = int(
        datetime.combine(sb.end_date - timedelta(days=3), datetime.min.time(), UTC).timestamp()
    )
    properties = {"source": "warehouse", "rows": 42, "ratio": 0.25}
    if auth == "service_account":
        mp.import_data(None, user, event, when + 3600, properties)
    else:  # the legacy form: the project secret as HTTP Basic user, no service account
        legacy = mixpanel.Mixpanel(sb.credentials.token, consumer=_consumer(sb))
        legacy.import_data(
            None, user, event, when + 3600, properties, api_secret=sb.credentials.api_secret
        )

    got = _exported(ws, event, when)
    assert len(got) == 1
    props = got[0]["properties"]
    assert props["time"] == when + 3600 and props["distinct_id"] == user
    assert {k: props[k] for k in properties} == properties
    assert props["mp_lib"] == "python" and len(props["$insert_id"]) == 32


def test_profile_updates_show_in_engage(mp: mixpanel.Mixpanel, api: httpx.Client) -> None:
    user = _unique("sdk-profile")
    mp.people_set(user, {"$email": f"{user}@example.com", "plan": "pro", "seats": 3})
    mp.people_increment(user, {"seats": 2, "logins": 1})
    mp.people_increment(user, {"logins": 1})
    mp.people_append(user, {"tags": "early"})
    mp.people_append(user, {"tags": "beta"})
    mp.people_set(user, {"plan": "enterprise"})

    profile = _profile(api, user)
    assert profile is not None
    expected = {
        "$email": f"{user}@example.com",
        "plan": "enterprise",
        "seats": 5,
        "logins": 2,
        "tags": ["early", "beta"],
    }
    assert {k: profile[k] for k in expected} == expected
    assert "$last_seen" in profile  # set by every update without $ignore_time


def test_group_set_shows_in_engage(mp: mixpanel.Mixpanel, api: httpx.Client) -> None:
    company = _unique("sdk-company")
    mp.group_set("company_id", company, {"name": "Acme SDK", "tier": "gold", "employees": 250})
    mp.group_set("company_id", company, {"tier": "platinum"})

    group = _profile(api, company, data_group_id="company_id")
    assert group is not None
    assert {k: group[k] for k in ("name", "tier", "employees")} == {
        "name": "Acme SDK",
        "tier": "platinum",
        "employees": 250,
    }
    assert _profile(api, company) is None  # a group profile, not a user profile


def test_merge_through_import_is_recorded(sb: Sandbox, mp: mixpanel.Mixpanel) -> None:
    """``Mixpanel.merge`` posts a ``$merge`` event to ``/import`` with the service account."""
    known, anonymous = _unique("sdk-known"), _unique("$device")
    sb.clear_requests()
    mp.merge(None, known, anonymous)

    sent = [r for r in sb.requests if r.path == "/import"]
    assert [r.status for r in sent] == [200]
    with sb.data.cursor() as cur:
        rows = cur.execute(
            "SELECT distinct_id, canonical_id, source FROM identity_merges "
            "WHERE canonical_id = $1 OR distinct_id = $1",
            [known],
        ).fetchall()
    assert rows == [(anonymous, known, "$merge")]


def test_sdk_errors_surface_as_mixpanel_exceptions(sb: Sandbox) -> None:
    """A wrong token is refused by the sandbox, and the SDK reports it (verbose=1 replies)."""
    wrong = mixpanel.Mixpanel("not-the-token", consumer=_consumer(sb))
    with pytest.raises(mixpanel.MixpanelException):
        wrong.track("someone", "Refused")
    account = mixpanel.ServiceAccountCredentials(
        username=sb.credentials.username, secret="wrong", project_id=str(sb.credentials.project_id)
    )
    refused = mixpanel.Mixpanel(sb.credentials.token, consumer=_consumer(sb, credentials=account))
    with pytest.raises(mixpanel.MixpanelException):
        refused.import_data(None, "someone", "Refused", int(datetime.now(UTC).timestamp()) - 60)


def _flags_sdk(sb: Sandbox, token: str) -> mixpanel.Mixpanel:
    """The SDK with remote flag evaluation; its own client (project token as the Basic username),
    pointed at the sandbox: the SDK always builds ``https://{api_host}``, so only the base URL of
    its client is changed."""
    config = mixpanel.RemoteFlagsConfig(api_host="sandbox.invalid", request_timeout_in_seconds=30)
    sdk = mixpanel.Mixpanel(token, consumer=_consumer(sb), remote_flags_config=config)
    sdk.remote_flags._sync_client.base_url = httpx.URL(sb.url)
    return sdk


def test_remote_flag_evaluation_returns_the_real_variant(
    sb: Sandbox, api: httpx.Client, ws: Workspace
) -> None:
    from mixpanel.flags.types import SelectedVariant

    key = _unique("sdk-flag")
    body = {
        "name": "SDK flag",
        "tags": ["sdk"],
        "key": key,
        "context": "distinct_id",
        "serving_method": "server",
        "status": "enabled",
        "ruleset": {
            "variants": [
                {"key": "control", "value": "old", "is_control": True, "split": 0.0},
                {"key": "treatment", "value": "new", "is_control": False, "split": 1.0},
            ],
            "rollout": [{"rollout_percentage": 1.0, "variant_splits": {"treatment": 1.0}}],
        },
    }
    path = f"/api/app/projects/{sb.credentials.project_id}/workspaces/70001/feature-flags"
    created = api.post(path, json=body)
    assert created.status_code in (200, 201), created.text
    sdk = _flags_sdk(sb, sb.credentials.token)
    fallback = SelectedVariant(variant_key="fallback", variant_value="fallback")
    user = _unique("flag-user")
    got = sdk.remote_flags.get_variant(key, fallback, {"distinct_id": user})
    assert (got.variant_key, got.variant_value) == ("treatment", "new")
    assert sdk.remote_flags.get_variant_value(key, "fallback", {"distinct_id": user}) == "new"
    # new-checkout lists user-00001 as a test user of its "on" variant (value True).
    assert sdk.remote_flags.is_enabled("new-checkout", {"distinct_id": "user-00001"}) is True
    # The exposure event the SDK tracked went through /track into the sandbox.
    now = datetime.now(UTC).timestamp()
    exposures = [
        e
        for e in _exported(ws, "$experiment_started", now)
        if e["properties"]["distinct_id"] == user
    ]
    assert [e["properties"]["Variant name"] for e in exposures] == ["treatment", "treatment"]


def test_remote_flag_evaluation_with_a_wrong_token_falls_back(sb: Sandbox) -> None:
    from mixpanel.flags.types import SelectedVariant

    sdk = _flags_sdk(sb, "not-the-token")
    fallback = SelectedVariant(variant_key="fallback", variant_value="fallback")
    got = sdk.remote_flags.get_variant("new-checkout", fallback, {"distinct_id": "user-00001"})
    assert got.variant_key == "fallback"
