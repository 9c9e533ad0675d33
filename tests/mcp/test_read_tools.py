"""The read tools of `mp mcp serve`, called over stdio and compared with the Workspace's answers
on the same sandbox; an error per tool family; the listing and its input schemas; no secret in
any answer or in the server's log."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import FROM, TO, start
from mcp_helpers import McpProcess

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

READ_TOOLS = {
    "list_events", "list_properties", "list_property_values", "list_funnels", "list_cohorts",
    "list_bookmarks", "list_top_events", "list_schemas", "segmentation", "segmentation_numeric",
    "segmentation_sum", "segmentation_average", "event_counts", "property_counts", "funnel",
    "retention", "frequency", "activity_feed", "saved_report", "flows", "jql", "fetch_events",
    "fetch_profiles", "sql", "list_tables", "table_schema", "store_info", "list_annotations",
    "list_feature_flags",
}  # fmt: skip


def plain(value: Any, days: bool) -> Any:
    """A DataFrame cell as the JSON a tool should send (the oracle for the tools' rows)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "to_pydatetime"):
        moment = value.to_pydatetime()
        return moment.date().isoformat() if days else moment.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def rows_of(result: Any) -> list[dict[str, Any]]:
    """The rows of a result's ``.df``; a column of naive midnights is a column of days."""
    records = result.df.to_dict("records")
    days = {
        name
        for name in result.df.columns
        if all(
            hasattr(r[name], "to_pydatetime")
            and r[name].tzinfo is None
            and r[name].to_pydatetime().time() == dt.time(0)
            for r in records
        )
        and records
    }
    return [{str(k): plain(v, k in days) for k, v in r.items()} for r in records]


def test_lists_the_read_tools_with_described_inputs(server: McpProcess) -> None:
    tools = {t.name: t for t in server.tools()}
    assert set(tools) == READ_TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 20, tool.name
        schema = tool.input_schema
        assert schema["type"] == "object"
        assert "ctx" not in schema.get("properties", {})
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
        assert tool.annotations is not None
    assert tools["segmentation"].input_schema["required"] == ["event", "from_date", "to_date"]
    assert tools["sql"].annotations.read_only_hint is True


def test_discovery_tools_answer_what_the_workspace_answers(
    server: McpProcess, ws: Workspace
) -> None:
    assert [r["event"] for r in server.data("list_events")["rows"]] == ws.list_events()
    got = server.data("list_properties", event="Purchase")["rows"]
    assert [r["property"] for r in got] == ws.list_properties("Purchase")
    got = server.data("list_property_values", property="plan", event="Purchase")["rows"]
    assert [r["value"] for r in got] == ws.list_property_values("plan", event="Purchase")
    assert server.data("list_funnels")["rows"] == [f.to_dict() for f in ws.list_funnels()]
    assert server.data("list_cohorts")["rows"] == [c.to_dict() for c in ws.list_cohorts()]
    assert server.data("list_bookmarks", type="funnels")["rows"] == [
        b.to_dict() for b in ws.list_bookmarks("funnels")
    ]
    assert server.data("list_top_events", limit=3)["rows"] == [
        t.to_dict() for t in ws.list_top_events(limit=3)
    ]
    assert server.data("list_schemas")["rows"] == ws.list_schemas()
    got = server.data("list_annotations", from_date=FROM, to_date=TO)["rows"]
    assert got == [dict(a) for a in ws.list_annotations(FROM, TO).items]
    got = server.data("list_feature_flags", workspace_id=70001)["rows"]
    assert got == [dict(f) for f in ws.list_feature_flags(70001).items]


LiveCase = tuple[dict[str, Any], Callable[[Workspace], Any]]


def _live_cases(ws: Workspace) -> dict[str, LiveCase]:
    span = {"from_date": FROM, "to_date": TO}
    funnel_id = ws.list_funnels()[0].funnel_id
    bookmark_id = ws.list_bookmarks()[0].id
    user = ws.activity_feed(["user-1"], **span).distinct_ids[0]
    price = 'properties["amount"]'
    return {
        "segmentation": (
            {"event": "Purchase", "on": "plan", **span},
            lambda w: w.segmentation("Purchase", on="plan", **span),
        ),
        "segmentation_numeric": (
            {"event": "Purchase", "on": price, **span},
            lambda w: w.segmentation_numeric("Purchase", on=price, **span),
        ),
        "segmentation_sum": (
            {"event": "Purchase", "on": price, **span},
            lambda w: w.segmentation_sum("Purchase", on=price, **span),
        ),
        "segmentation_average": (
            {"event": "Purchase", "on": price, "unit": "hour", **span},
            lambda w: w.segmentation_average("Purchase", on=price, unit="hour", **span),
        ),
        "event_counts": (
            {"events": ["Login", "Purchase"], **span},
            lambda w: w.event_counts(["Login", "Purchase"], **span),
        ),
        "property_counts": (
            {"event": "Page View", "property": "plan", **span},
            lambda w: w.property_counts("Page View", "plan", **span),
        ),
        "funnel": ({"funnel_id": funnel_id, **span}, lambda w: w.funnel(funnel_id, **span)),
        "retention": (
            {"born_event": "Sign Up", "return_event": "Login", **span},
            lambda w: w.retention("Sign Up", "Login", **span),
        ),
        "frequency": ({"event": "Login", **span}, lambda w: w.frequency(event="Login", **span)),
        "activity_feed": (
            {"distinct_ids": [user], **span},
            lambda w: w.activity_feed([user], **span),
        ),
        "saved_report": ({"bookmark_id": bookmark_id}, lambda w: w.saved_report(bookmark_id)),
        "flows": ({"event": "Sign Up", **span}, lambda w: w.flows("Sign Up", **span)),
    }


@pytest.mark.parametrize(
    "tool",
    [
        "segmentation", "segmentation_numeric", "segmentation_sum", "segmentation_average",
        "event_counts", "property_counts", "funnel", "retention", "frequency", "activity_feed",
        "saved_report", "flows",
    ],
)  # fmt: skip
def test_live_query_tools_answer_what_the_workspace_answers(
    tool: str, server: McpProcess, ws: Workspace
) -> None:
    arguments, call = _live_cases(ws)[tool]
    expected = call(ws)
    got = server.data(tool, max_rows=1000, **arguments)
    assert got["rows"] == rows_of(expected)
    assert got["row_count"] == len(expected.df)
    assert "truncated" not in got
    for key, value in got["summary"].items():
        if key != "computed_at":  # when the server computed it
            assert expected.to_dict()[key] == value, key


def test_segmentation_total_is_the_sum_of_its_rows(server: McpProcess, ws: Workspace) -> None:
    got = server.data("segmentation", event="Login", from_date=FROM, to_date=TO, max_rows=1000)
    assert got["summary"]["total"] == sum(r["count"] for r in got["rows"])
    assert got["summary"]["total"] == ws.segmentation("Login", from_date=FROM, to_date=TO).total


def test_rows_are_capped_with_a_note(server: McpProcess, ws: Workspace) -> None:
    full = ws.segmentation("Page View", from_date=FROM, to_date=TO, on="plan")
    got = server.data(
        "segmentation", event="Page View", on="plan", from_date=FROM, to_date=TO, max_rows=5
    )
    assert got["rows"] == rows_of(full)[:5]
    assert got["row_count"] == len(full.df) > 5
    assert got["truncated"].startswith(f"truncated: 5 of {len(full.df)} rows, narrow the query")


def test_jql_answers_what_the_workspace_answers(server: McpProcess, ws: Workspace) -> None:
    script = (
        "function main() { return Events({from_date: params.f, to_date: params.t})"
        ".groupBy(['name'], mixpanel.reducer.count()); }"
    )
    params = {"f": FROM, "t": TO}
    got = server.data("jql", script=script, params=params)
    assert got["rows"] == ws.jql(script, params).raw
    error = server.error("jql", script="function main() { return nope(); }")
    assert error["code"] == "JQL_ERROR" and error["exit_code"] == 3


@pytest.mark.parametrize(
    ("tool", "arguments", "code", "exit_code", "mentions"),
    [
        ("list_properties", {"event": ""}, "INVALID_ARGUMENT", 3, "event"),
        (
            "segmentation",
            {"event": "Login", "from_date": "2026-13-01", "to_date": TO},
            "INVALID_ARGUMENT", 3, "'2026-13-01'",
        ),
        (
            "segmentation",
            {"event": "Login", "from_date": FROM, "to_date": TO, "where": 'properties["x" =='},
            "INVALID_EXPRESSION", 3, "where",
        ),
        ("funnel", {"funnel_id": 999999, "from_date": FROM, "to_date": TO}, "NOT_FOUND", 4, ""),
        ("saved_report", {"bookmark_id": 999999}, "NOT_FOUND", 4, "999999"),
    ],
)  # fmt: skip
def test_library_errors_become_tool_errors_with_message_and_code(
    tool: str,
    arguments: dict[str, Any],
    code: str,
    exit_code: int,
    mentions: str,
    server: McpProcess,
) -> None:
    error = server.error(tool, **arguments)
    assert (error["code"], error["exit_code"]) == (code, exit_code), error
    assert mentions in error["message"]


def test_a_bad_argument_type_is_a_tool_error(server: McpProcess) -> None:
    result = server.call("funnel", funnel_id="not a number", from_date=FROM, to_date=TO)
    assert result.is_error
    assert "funnel_id" in result.content[0].text  # type: ignore[union-attr]


def test_a_wrong_secret_is_an_authentication_error_that_does_not_echo_it(
    server_env: dict[str, str], home: Path
) -> None:
    wrong = "wrong-secret-7f3a"
    with start({**server_env, "MP_SECRET": wrong}, home, "--db", str(home / "other.duckdb")) as bad:
        error = bad.error("list_events")
        log = bad.log.read_text()
    assert (error["code"], error["exit_code"]) == ("AUTH_FAILED", 2)
    assert wrong not in str(error) and wrong not in log


def test_no_secret_in_answers_or_log(server: McpProcess, sb: Sandbox) -> None:
    answers = [
        server.call("store_info"),
        server.call("list_events"),
        server.call("segmentation", event="Login", from_date="2026-13-01", to_date=TO),
    ]
    store = answers[0].structured_content
    assert store is not None and store["project_id"] == str(sb.credentials.project_id)
    text = "".join(str(a.model_dump()) for a in answers) + server.log.read_text()
    creds = sb.credentials
    for secret in (creds.secret, creds.token, creds.api_secret, creds.oauth_token):
        assert secret not in text
