"""Host routing: the table, and ApiClients sending every family to the right host per region."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mixpanel_data._api import ApiClients
from mixpanel_data._api.catalog import load_catalog
from mixpanel_data._api.routing import (
    HostTable,
    generated_package_dir,
    hosts_json_path,
    load_host_table,
)
from mixpanel_data._credentials import make_credentials
from mixpanel_data._transport import USER_AGENT
from mixpanel_data.exceptions import ConfigError, MixpanelDataError, ValidationError

# Expected hosts, written out independently of both the fallback constant and hosts.json.
EXPECTED = {
    ("app", "us"): "mixpanel.com",
    ("app", "eu"): "eu.mixpanel.com",
    ("app", "in"): "in.mixpanel.com",
    ("data", "us"): "data.mixpanel.com",
    ("data", "eu"): "data-eu.mixpanel.com",
    ("data", "in"): "data-in.mixpanel.com",
    ("ingestion", "us"): "api.mixpanel.com",
    ("ingestion", "eu"): "api-eu.mixpanel.com",
    ("ingestion", "in"): "api-in.mixpanel.com",
}
REGIONS = ("us", "eu", "in")

generated = pytest.mark.skipif(
    hosts_json_path() is None, reason="generated/mixpanel_openapi has not been generated yet"
)


class Recorder:
    """An httpx MockTransport that records every request and answers 200 ``[]``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=[])


def creds(region: str = "us", base_url: str | None = None):
    return make_credentials(
        username="sa",
        secret="pw",
        project_id=12,
        region=region,
        api_secret="ps",
        base_url=base_url,
    )


# -- the table ------------------------------------------------------------------------------------


@generated
def test_the_table_is_the_generated_hosts_json():
    path = hosts_json_path()
    assert path is not None
    on_disk = json.loads(path.read_text())
    assert load_host_table().to_dict() == HostTable.from_dict(on_disk).to_dict()
    assert load_host_table().source == str(path)


def test_table_hosts_match_mixpanels_published_hosts():
    table = load_host_table()
    for (family, region), host in EXPECTED.items():
        assert table.host(family, region) == f"https://{host}"


def test_without_the_generated_table_routing_says_to_regenerate(monkeypatch):
    import mixpanel_data._api.routing as routing

    monkeypatch.setattr(routing, "hosts_json_path", lambda: None)
    routing.load_host_table.cache_clear()
    try:
        with pytest.raises(ConfigError, match="just generate"):
            routing.load_host_table()
    finally:
        routing.load_host_table.cache_clear()


def test_a_malformed_table_is_a_config_error():
    with pytest.raises(ConfigError):
        HostTable.from_dict({"apis": {}})
    with pytest.raises(ConfigError, match="unknown family"):
        HostTable.from_dict({"families": {"app": {"us": "https://x"}}, "apis": {"Query": "nope"}})


def test_unknown_family_region_api_and_operation_are_validation_errors():
    table = load_host_table()
    with pytest.raises(ValidationError):
        table.host("query", "us")
    with pytest.raises(ValidationError):
        table.host("app", "mars")
    with pytest.raises(ValidationError):
        table.family_for_api("Nope")
    with pytest.raises(ValidationError):
        table.family_for_operation("no_such_operation")


def test_apis_and_operations_map_to_families():
    table = load_host_table()
    assert table.family_for_api("Query") == "app"
    assert table.family_for_api("Export") == "data"
    assert table.family_for_api("Ingestion") == "ingestion"
    assert table.family_for_api("lexicon_schemas") == "app"
    assert table.family_for_operation("evaluate_flags") == "ingestion"
    assert table.family_for_operation("segmentation", tag="Query") == "app"


@generated
def test_every_operation_has_the_family_of_its_api_or_its_own():
    table = load_host_table()
    catalog = load_catalog()
    for op in catalog:
        expected = table.operations.get(op.id, table.apis[op.api])
        assert table.family_for_operation(op.id) == expected == op.family
    assert table.family_for_operation("export_events") == "data"
    assert table.family_for_operation("track_events") == "ingestion"
    assert table.family_for_operation("list_annotations") == "app"


# -- ApiClients -----------------------------------------------------------------------------------


@generated
@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("family", ["app", "data", "ingestion"])
def test_each_family_reaches_its_regional_host(region, family):
    rec = Recorder()
    with ApiClients(creds(region), transport=rec.transport) as api:
        client = api.for_family(family)
        client.get_httpx_client().get("/probe")
    (request,) = rec.requests
    assert request.url.host == EXPECTED[(family, region)]
    assert request.url.scheme == "https"
    assert request.headers["User-Agent"] == USER_AGENT


@generated
@pytest.mark.parametrize("region", REGIONS)
def test_generated_operations_go_to_their_family_host(region):
    from mixpanel_openapi.api.export import export_events
    from mixpanel_openapi.api.feature_flags import evaluate_flags, list_feature_flags
    from mixpanel_openapi.api.query import event_names
    from mixpanel_openapi.models.event_names_type import EventNamesType

    rec = Recorder()
    with ApiClients(creds(region), transport=rec.transport) as api:
        event_names.sync_detailed(
            client=api.for_operation("event_names"), project_id=12, type_=EventNamesType.GENERAL
        )
        export_kwargs = export_events._get_kwargs(
            project_id=12, from_date="2026-01-01", to_date="2026-01-02"
        )
        api.for_operation("export_events").get_httpx_client().request(**export_kwargs)
        for op, kwargs in [
            ("evaluate_flags", evaluate_flags._get_kwargs(context="{}")),
            ("list_feature_flags", list_feature_flags._get_kwargs(project_id=12, workspace_id=3)),
        ]:
            api.for_operation(op).get_httpx_client().request(**kwargs)
    hosts = [(r.url.host, r.url.path) for r in rec.requests]
    assert hosts == [
        (EXPECTED[("app", region)], "/api/query/events/names"),
        (EXPECTED[("data", region)], "/api/2.0/export"),
        (EXPECTED[("ingestion", region)], "/flags"),
        (EXPECTED[("app", region)], "/api/app/projects/12/workspaces/3/feature-flags"),
    ]


@generated
def test_base_url_sends_every_family_to_one_server():
    rec = Recorder()
    with ApiClients(creds("eu", base_url="http://127.0.0.1:8765"), transport=rec.transport) as api:
        for family in ("app", "data", "ingestion"):
            assert api.base_url(family) == "http://127.0.0.1:8765"
            api.for_family(family).get_httpx_client().get("/probe")
    assert {(r.url.host, r.url.port) for r in rec.requests} == {("127.0.0.1", 8765)}


@generated
def test_clients_are_lazy_shared_and_closed():
    with ApiClients(creds()) as api:
        assert "open=[]" in repr(api)
        first = api.for_family("app")
        assert api.for_family("app") is first
        assert api.for_api("Query") is first
        assert api.for_operation("segmentation") is first
        http = first.get_httpx_client()
        assert api.http("app") is http
        assert "open=['app']" in repr(api)
    assert http.is_closed
    with pytest.raises(MixpanelDataError, match="closed"):
        api.for_family("data")


@generated
def test_generated_client_over_real_http(server, creds_for):
    from mixpanel_openapi.api.query import event_names
    from mixpanel_openapi.models.event_names_type import EventNamesType

    with ApiClients(creds_for(server)) as api:
        response = event_names.sync_detailed(
            client=api.for_operation("event_names"),
            project_id=int(server.credentials.project_id),
            type_=EventNamesType.GENERAL,
            limit=1,
        )
    assert response.status_code == 200
    assert isinstance(response.parsed, list)


def test_missing_generated_package_is_a_clear_error(monkeypatch):
    import mixpanel_data._api.clients as clients

    monkeypatch.setattr(clients, "GENERATED_PACKAGE", "mixpanel_openapi_that_is_not_there")
    with pytest.raises(MixpanelDataError, match="just generate"):
        ApiClients(creds()).for_family("app")


def test_hosts_json_is_found_next_to_the_package():
    folder = generated_package_dir()
    path = hosts_json_path()
    if path is not None:
        assert folder is not None and Path(path).parent == folder
