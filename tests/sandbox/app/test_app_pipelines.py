"""Data Pipelines API over real HTTP: form bodies, lifecycle, status and timeline, auth."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from app_spec import SpecChecker
from mixpanel_openapi.api.data_pipelines import (
    cancel_pipeline,
    create_pipeline,
    edit_pipeline,
    get_pipeline_status,
    list_pipeline_jobs,
    list_pipeline_sync_dates,
    pause_pipeline,
    resume_pipeline,
)
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models.pipeline_create_big_query_request import PipelineCreateBigQueryRequest
from mixpanel_openapi.models.pipeline_create_gcs_raw_request import PipelineCreateGcsRawRequest
from mixpanel_openapi.models.pipeline_create_s3_raw_request import PipelineCreateS3RawRequest
from mixpanel_openapi.models.pipeline_edit_request import PipelineEditRequest
from mixpanel_openapi.models.pipeline_job_state import PipelineJobState
from mixpanel_openapi.models.pipeline_name_request import PipelineNameRequest

from mixpanel_data.sandbox import Sandbox


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _names(client: AuthenticatedClient, pid: int) -> set[str]:
    return {
        p["name"]
        for p in _body(list_pipeline_jobs.sync_detailed(client=client, project_id=pid))[str(pid)]
    }


def test_jobs_list_the_fixtures(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    response = list_pipeline_jobs.sync_detailed(client=client, project_id=pid)
    body = _body(response)
    spec.check("list_pipeline_jobs", 200, body)
    listed = {p["name"]: p for p in body[str(pid)]}
    for fx in sandbox.data.fixtures.pipelines:
        assert listed[fx["name"]]["sync_enabled"] == ("true" if fx["sync"] else "false")
        assert listed[fx["name"]]["frequency"] == fx["frequency"]


def test_create_edit_pause_resume_cancel(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    pid = sandbox.credentials.project_id
    start = sandbox.end_date - timedelta(days=4)
    created = create_pipeline.sync_detailed(
        client=client,
        body=PipelineCreateBigQueryRequest.from_dict(
            {
                "project_id": pid,
                "type": "bigquery",
                "from_date": start.isoformat(),
                "bq_region": "EU",
                "sync": True,
                "schema_type": "multischema",
                "gcp_project": "acme-analytics",
                "bq_dataset_name": "mixpanel_export",
            }
        ),
    )
    assert created.status_code == 200, created.content
    spec.check("create_pipeline", 200, _body(created))
    name = _body(created)["pipeline_names"][0]
    assert name == "events-daily-bigquery-multischema"
    assert _body(created)["bigquery_dataset_name"].endswith("acme-analytics:mixpanel_export")
    assert name in _names(client, pid)

    status = get_pipeline_status.sync_detailed(client=client, project_id=pid, name=name)
    spec.check("get_pipeline_status", 200, _body(status))
    assert len(_body(status)["succeeded"]) == 4 and len(_body(status)["running"]) == 1
    summary = _body(
        get_pipeline_status.sync_detailed(client=client, project_id=pid, name=name, summary="true")
    )
    spec.check("get_pipeline_status", 200, summary)
    assert summary == {"succeeded": 4, "running": 1}
    only = _body(
        get_pipeline_status.sync_detailed(
            client=client, project_id=pid, name=name, status=[PipelineJobState.RUNNING]
        )
    )
    assert set(only) == {"running"}

    timeline = list_pipeline_sync_dates.sync_detailed(client=client, project_id=pid, name=name)
    spec.check("list_pipeline_sync_dates", 200, _body(timeline))
    days = [d["date"] for d in _body(timeline)["day_syncs"]]
    assert days == [(start + timedelta(days=n)).isoformat() for n in range(4)]

    edited = edit_pipeline.sync_detailed(
        client=client,
        body=PipelineEditRequest.from_dict(
            {"name": name, "project_id": pid, "where": 'properties["plan"] == "pro"'}
        ),
    )
    assert edited.status_code == 200
    spec.check("edit_pipeline", 200, _body(edited))

    paused = pause_pipeline.sync_detailed(
        client=client, body=PipelineNameRequest.from_dict({"name": name, "project_id": pid})
    )
    spec.check("pause_pipeline", 200, _body(paused))
    after_pause = _body(
        get_pipeline_status.sync_detailed(client=client, project_id=pid, name=name, summary="true")
    )
    assert after_pause == {"succeeded": 4, "canceled": 1}
    resumed = resume_pipeline.sync_detailed(
        client=client, body=PipelineNameRequest.from_dict({"name": name, "project_id": pid})
    )
    spec.check("resume_pipeline", 200, _body(resumed))

    gone = cancel_pipeline.sync_detailed(
        client=client, body=PipelineNameRequest.from_dict({"name": name, "project_id": pid})
    )
    spec.check("cancel_pipeline", 200, _body(gone))
    assert name not in _names(client, pid)
    missing = pause_pipeline.sync_detailed(
        client=client, body=PipelineNameRequest.from_dict({"name": name, "project_id": pid})
    )
    assert missing.status_code == 404
    spec.check("pause_pipeline", 404, _body(missing))
    assert (
        get_pipeline_status.sync_detailed(client=client, project_id=pid, name=name).status_code
        == 404
    )


def test_raw_pipeline_with_the_project_secret(
    secret_client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    created = create_pipeline.sync_detailed(
        client=secret_client,
        body=PipelineCreateGcsRawRequest.from_dict(
            {
                "type": "gcs-raw",
                "from_date": sandbox.start_date.isoformat(),
                "to_date": sandbox.start_date.isoformat(),
                "frequency": "hourly",
                "gcs_bucket": "acme-raw",
                "gcs_region": "europe-west1",
            }
        ),
    )
    assert created.status_code == 200, created.content
    assert _body(created) == {"pipeline_names": ["events-hourly-gcs-raw"]}
    again = create_pipeline.sync_detailed(
        client=secret_client,
        body=PipelineCreateGcsRawRequest.from_dict(
            {
                "type": "gcs-raw",
                "from_date": "2026-01-01",
                "frequency": "hourly",
                "gcs_bucket": "b",
                "gcs_region": "us-east1",
            }
        ),
    )
    assert again.status_code == 400  # the name is taken
    spec.check("create_pipeline", 400, _body(again))


@pytest.mark.parametrize(
    "form",
    [
        {"type": "ftp", "from_date": "2026-01-01"},
        {"type": "gcs-raw", "from_date": "2026-01-01", "gcs_region": "us-east1"},
        {"type": "gcs-raw", "from_date": "2026-01-01", "gcs_bucket": "b", "gcs_region": "mars-1"},
        {"type": "gcs-raw", "from_date": "01/01/2026", "gcs_bucket": "b", "gcs_region": "us-east1"},
        {
            "type": "gcs-raw",
            "from_date": "2026-01-01",
            "gcs_bucket": "b",
            "gcs_region": "us-east1",
            "data_source": "people",
        },
        {
            "type": "gcs-raw",
            "from_date": "2026-01-01",
            "gcs_bucket": "b",
            "gcs_region": "us-east1",
            "where": "properties[ ==",
        },
        {"type": "s3-raw", "from_date": "2026-01-01", "s3_bucket": "b", "s3_region": "us-east-1"},
    ],
)
def test_bad_forms_are_400(http: httpx.Client, sandbox: Sandbox, form: dict[str, str]) -> None:
    response = http.post(
        "/api/2.0/nessie/pipeline/create",
        data={**form, "project_id": str(sandbox.credentials.project_id)},
    )
    assert response.status_code == 400
    assert response.json()["status"] == "error"


def test_pipeline_auth(anon: httpx.Client, sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    account = (creds.username, creds.secret)
    path = "/api/2.0/nessie/pipeline"
    name = sandbox.data.fixtures.pipelines[0]["name"]
    assert anon.get(path + "/jobs", params={"project_id": creds.project_id}).status_code == 401
    assert (
        anon.post(
            path + "/pause", data={"name": name, "project_id": str(creds.project_id)}
        ).status_code
        == 401
    )
    assert (
        anon.post(path + "/pause", data={"name": name}, auth=account).status_code == 400
    )  # no project id
    assert (
        anon.post(path + "/pause", data={"name": name, "project_id": "1"}, auth=account).status_code
        == 403
    )
    assert (
        anon.get(path + "/jobs", auth=(creds.api_secret, "")).status_code == 400
    )  # project_id is required
    assert (
        anon.get(path + "/jobs", params={"project_id": 1}, auth=(creds.api_secret, "")).status_code
        == 403
    )
    assert (
        anon.post(path + "/resume", data={"name": name}, auth=(creds.api_secret, "")).status_code
        == 200
    )


def test_jobs_and_timeline_of_a_pipeline_from_year_one(
    client: AuthenticatedClient, sandbox: Sandbox, spec: SpecChecker
) -> None:
    """Any YYYY-MM-DD is a start date: jobs cover the last days only, dates keep 4-digit years."""
    pid = sandbox.credentials.project_id
    created = create_pipeline.sync_detailed(
        client=client,
        body=PipelineCreateGcsRawRequest.from_dict(
            {
                "project_id": pid,
                "type": "gcs-raw",
                "from_date": "0001-01-01",
                "to_date": "0001-01-03",
                "gcs_bucket": "old-bucket",
                "gcs_region": "us-east1",
            }
        ),
    )
    assert created.status_code == 200, created.content
    name = _body(created)["pipeline_names"][0]
    timeline = list_pipeline_sync_dates.sync_detailed(client=client, project_id=pid, name=name)
    assert timeline.status_code == 200
    spec.check("list_pipeline_sync_dates", 200, _body(timeline))
    assert [d["date"] for d in _body(timeline)["day_syncs"]] == [
        "0001-01-01",
        "0001-01-02",
        "0001-01-03",
    ]
    assert _body(timeline)["day_syncs"][0]["sync_times"] == ["0001-01-02 01:14:09.000000 +0000 UTC"]
    status = get_pipeline_status.sync_detailed(client=client, project_id=pid, name=name)
    assert status.status_code == 200
    spec.check("get_pipeline_status", 200, _body(status))
    assert "0001-01-01T00:00:00+00:00" in json.dumps(_body(status))


def test_events_and_shares_repeat_in_the_form(
    client: AuthenticatedClient, sandbox: Sandbox
) -> None:
    """The generated client sends list fields as the key repeated; every value arrives."""
    pid = sandbox.credentials.project_id
    created = create_pipeline.sync_detailed(
        client=client,
        body=PipelineCreateS3RawRequest.from_dict(
            {
                "project_id": pid,
                "type": "s3-raw",
                "from_date": sandbox.start_date.isoformat(),
                "frequency": "hourly",
                "s3_bucket": "acme-repeat",
                "s3_region": "us-east-1",
                "s3_role": "arn:aws:iam::123456789012:role/mixpanel-export",
                "events": ["Purchase", "Login"],
            }
        ),
    )
    assert created.status_code == 200, created.content
    name = _body(created)["pipeline_names"][0]
    stored = sandbox.state.scratch["app.pipelines"].pipelines[name]
    assert stored.events == ["Purchase", "Login"]
    edited = edit_pipeline.sync_detailed(
        client=client,
        body=PipelineEditRequest.from_dict(
            {
                "name": name,
                "project_id": pid,
                "events": ["Sign Up", "Purchase", "Login"],
                "bq_share_with_group": ["a@acme.example", "b@acme.example"],
            }
        ),
    )
    assert edited.status_code == 200, edited.content
    assert stored.events == ["Sign Up", "Purchase", "Login"]
    assert stored.settings["bq_share_with_group"] == ["a@acme.example", "b@acme.example"]
    cancel_pipeline.sync_detailed(
        client=client, body=PipelineNameRequest.from_dict({"name": name, "project_id": pid})
    )
