"""`mp api`: every operation of the spec, listed and callable, derived from the generated package.

Most tests run `mp` in-process (``_state.run`` with ``sys.argv`` set, as the console script does);
a few run it as a subprocess for exit codes, and one regenerates the client from an edited copy
of the spec to show that a new operation is listed and callable with no handwritten code.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from cli_helpers import ENTRY, MpRunner, isolated_env

from mixpanel_data.cli import _state
from mixpanel_data.cli.main import app
from mixpanel_data.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "mixpanel.openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def spec_operations(spec_path: Path = SPEC) -> dict[str, tuple[str, str, str]]:
    """``{operationId: (METHOD, path, tag)}`` read from the YAML itself."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return {
        op["operationId"]: (method.upper(), path.split("#", 1)[0], op["tags"][0])
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


@dataclass
class Result:
    code: int
    out: str
    err: str


InProcess = Callable[..., Result]


@pytest.fixture
def mp_here(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> InProcess:
    """Run `mp ARGS` in this process against the sandbox; returns exit code, stdout, stderr."""
    for name, value in sandbox.credentials.env(sandbox.url).items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["mp", *args])
        code = _state.run(app)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return Result(code, out, err)

    return run


# -- --list -----------------------------------------------------------------------------------


def test_list_shows_every_operation_of_the_spec(mp_here: InProcess):
    expected = spec_operations()
    result = mp_here("api", "--list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == len(expected)
    listed = {}
    for line in lines:
        op_id, method, path, api, summary = line.split("\t")
        listed[op_id] = (method, path, api)
        assert summary.strip()
    assert listed == expected


def test_list_one_api_in_any_format(mp_here: InProcess):
    expected = {k for k, v in spec_operations().items() if v[2] == "Lexicon Schemas"}
    result = mp_here("api", "--list", "--api", "lexicon schemas", "--format", "json")
    assert result.code == 0
    assert {row["id"] for row in json.loads(result.out)} == expected
    bad = mp_here("api", "--list", "--api", "Nope")
    assert bad.code == 3 and "unknown API 'Nope'" in bad.err


def test_describe_shows_the_parameters_from_the_spec(mp_here: InProcess):
    result = mp_here("api", "segmentation", "--describe", "-f", "json")
    assert result.code == 0
    rows = {r["name"]: r for r in json.loads(result.out)}
    assert rows["event"]["required"] is True
    assert rows["unit"]["allowed"] == "day, hour, minute, month, week"
    assert rows["type"]["type"] == "enum"
    body = json.loads(mp_here("api", "jql", "--describe", "-f", "json").out)
    assert body[-1] == {
        "name": "--body",
        "in": "body",
        "required": True,
        "type": "application/x-www-form-urlencoded",
        "allowed": "",
    }


# -- calling ----------------------------------------------------------------------------------


def test_call_with_params_matches_the_library(mp_here: InProcess, sandbox: Sandbox):
    day = sandbox.end_date.isoformat()
    result = mp_here(
        "api", "segmentation", "-p", "event=Page View", "-p", f"from_date={day}",
        "-p", f"to_date={day}", "-p", "unit=hour",
    )  # fmt: skip
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert len(body["data"]["series"]) == 24
    hourly = sum(body["data"]["values"]["Page View"].values())
    daily = json.loads(
        mp_here(
            "api",
            "segmentation",
            "-p",
            "event=Page View",
            "-p",
            f"from_date={day}",
            "-p",
            f"to_date={day}",
        ).out
    )["data"]["values"]["Page View"][day]
    assert hourly == daily > 0


def test_params_are_typed_by_the_catalog(mp_here: InProcess, sandbox: Sandbox):
    names = mp_here("api", "event_names", "-p", "type=general", "-p", "limit=2", "-f", "plain")
    assert names.code == 0 and len(names.out.splitlines()) == 2
    bad_int = mp_here("api", "event_names", "-p", "type=general", "-p", "limit=two")
    assert bad_int.code == 3
    assert "-p limit: event_names wants integer, not 'two'" in bad_int.err
    bad_enum = mp_here("api", "event_names", "-p", "type=everything")
    assert bad_enum.code == 3
    assert "type='everything' is not one of: average, general, unique" in bad_enum.err
    unknown = mp_here("api", "event_names", "-p", "colour=red")
    assert unknown.code == 3 and "event_names has no parameter 'colour'" in unknown.err
    missing = mp_here("api", "event_names")
    assert missing.code == 3 and "event_names needs type" in missing.err


def test_array_params_repeat_and_body_from_file_or_stdin(
    mp_here: InProcess, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    day = sandbox.end_date.isoformat()
    script = (
        f"function main() {{ return Events({{from_date: '{day}', to_date: '{day}'}})"
        ".reduce(mixpanel.reducer.count()); }"
    )
    body = tmp_path / "jql.json"
    body.write_text(json.dumps({"script": script}))
    from_file = mp_here("api", "jql", "--body", f"@{body}")
    assert from_file.code == 0, from_file.err
    count = json.loads(from_file.out)[0]
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"script": script})))
    from_stdin = mp_here("api", "jql", "--body", "-")
    assert json.loads(from_stdin.out) == [count]
    exported = mp_here("api", "export_events", "-p", f"from_date={day}", "-p", f"to_date={day}")
    assert len(json.loads(exported.out)) == count
    not_json = mp_here("api", "jql", "--body", "{script")
    assert not_json.code == 3 and "--body is not JSON" in not_json.err


def test_table_formats_unwrap_the_results_envelope(mp_here: InProcess):
    rows = mp_here("api", "list_warehouse_imports", "-f", "jsonl")
    assert rows.code == 0
    items = [json.loads(line) for line in rows.out.splitlines()]
    assert items and all("import_type" in i for i in items)


def test_errors_exit_with_the_usual_codes(mp: MpRunner, sandbox: Sandbox):
    day = sandbox.end_date.isoformat()
    ok = mp("api", "list_funnels")
    assert ok.code == 0 and json.loads(ok.stdout)
    bad = mp(
        "api", "segmentation", "-p", "event=x", "-p", "from_date=2026-02-30", "-p", f"to_date={day}"
    )
    assert bad.code == 3
    assert bad.error_line().startswith(
        "Error: segmentation: GET /api/query/segmentation failed (HTTP 400)"
    )
    missing = mp("api", "get_annotation", "-p", "annotationId=987654")
    assert missing.code == 4 and "get_annotation" in missing.error_line()
    denied = mp("api", "list_funnels", env_extra={"MP_SECRET": "wrong"})
    assert denied.code == 2 and "HTTP 401" in denied.error_line()


def test_rate_limited_exits_5(mp: MpRunner, sandbox: Sandbox):
    from mixpanel_data.sandbox import Fault

    sandbox.faults.add(
        Fault(
            kind="status", status=429, retry_after=3600, times=None, path="/api/query/cohorts/list"
        )
    )
    limited = mp("api", "list_cohorts", "--retries", "0")
    assert limited.code == 5 and "HTTP 429" in limited.error_line()


# -- a new operation, from the spec alone -----------------------------------------------------


NEW_OPERATION = {
    "get": {
        "operationId": "list_property_names",
        "tags": ["Query"],
        "summary": "List the property names of one event",
        "description": "Made up for this test.",
        "security": [{"ServiceAccount": []}, {"ProjectSecret": []}],
        "parameters": [
            {"$ref": "#/components/parameters/ProjectIdQuery"},
            {"name": "event", "in": "query", "required": True, "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {
                "description": "The names.",
                "content": {
                    "application/json": {"schema": {"type": "array", "items": {"type": "string"}}}
                },
            }
        },
    }
}


@pytest.mark.slow
def test_an_operation_added_to_the_spec_is_listed_and_callable(tmp_path: Path, sandbox: Sandbox):
    for folder in ("spec", "scripts"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    spec_path = tmp_path / "spec" / "mixpanel.openapi.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["paths"]["/api/query/events/properties/names"] = NEW_OPERATION
    spec_path.write_text(
        yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )

    generate = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / "generate.py")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert generate.returncode == 0, generate.stdout + generate.stderr
    package = tmp_path / "generated" / "mixpanel_openapi"
    catalog = json.loads((package / "operations.json").read_text())
    (new,) = [o for o in catalog["operations"] if o["id"] == "list_property_names"]
    assert (new["method"], new["family"], new["module"]) == (
        "GET",
        "app",
        "mixpanel_openapi.api.query.list_property_names",
    )

    env = {
        **isolated_env(tmp_path),
        **sandbox.credentials.env(sandbox.url),
        "PYTHONPATH": str(tmp_path / "generated"),
    }
    listed = subprocess.run(
        [*ENTRY, "api", "--list"], env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == len(spec_operations(spec_path))
    assert any(
        line.startswith("list_property_names\tGET\t/api/query/events/properties/names")
        for line in listed.stdout.splitlines()
    )
    # Callable at once: the request is built from the new spec (the sandbox has no such route).
    called = subprocess.run(
        [*ENTRY, "api", "list_property_names", "-p", "event=Page View"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert called.returncode == 4, called.stderr
    assert (
        "list_property_names: GET /api/query/events/properties/names failed (HTTP 404)"
        in called.stderr
    )
    needs = subprocess.run(
        [*ENTRY, "api", "list_property_names"], env=env, capture_output=True, text=True, timeout=120
    )
    assert needs.returncode == 3 and "list_property_names needs event" in needs.stderr
