"""Every live `mp query ...` command against the sandbox (credentials from MP_* variables).

Per command: `-f json` gives the same answer as the library's call with the same arguments; every
`--format` is well formed; jsonl and csv hold the same rows. Bad input: one-line errors and the
documented exit codes, never a traceback. All in this process (test_cli_process.py keeps the
checks that need a real `mp` process: exit statuses and Ctrl-C).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cli_helpers import FORMATS, MpRunner, as_json, check_format, invoke, run_in_process

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Fault, Sandbox

JQL = (
    "function main() { return Events({from_date: params.from, to_date: params.to})"
    ".groupBy(['name'], mixpanel.reducer.count()); }"
)
VOLATILE = {"computed_at"}


@dataclass(frozen=True)
class Case:
    """One live command: its arguments (without --format) and the same call on the library."""

    args: list[str]
    call: Callable[[Workspace], Any]


def cases(sb: Sandbox, ws: Workspace) -> dict[str, Case]:
    f, t = sb.start_date.isoformat(), sb.end_date.isoformat()
    span = ["--from", f, "--to", t]
    dates = {"from_date": f, "to_date": t}
    funnel_id = ws.list_funnels()[0].funnel_id
    users = [p["distinct_id"] for p, _ in zip(ws.stream_profiles(), range(2), strict=False)]
    out = {
        "segmentation": Case(
            ["segmentation", "-e", "Page View", *span, "--on", "$browser"],
            lambda w: w.segmentation("Page View", on="$browser", **dates),
        ),
        "segmentation-where-unit": Case(
            ["segmentation", "-e", "Purchase", *span, "--unit", "week", "--type", "unique",
             "--where", 'properties["plan"] == "pro"'],
            lambda w: w.segmentation("Purchase", unit="week", type="unique",
                                     where='properties["plan"] == "pro"', **dates),
        ),
        "segmentation-numeric": Case(
            ["segmentation-numeric", "-e", "Purchase", "--on", "amount", *span],
            lambda w: w.segmentation_numeric("Purchase", on="amount", **dates),
        ),
        "segmentation-sum": Case(
            ["segmentation-sum", "-e", "Purchase", "--on", "amount", *span],
            lambda w: w.segmentation_sum("Purchase", on="amount", **dates),
        ),
        "segmentation-average": Case(
            ["segmentation-average", "-e", "Purchase", "--on", "amount", *span],
            lambda w: w.segmentation_average("Purchase", on="amount", **dates),
        ),
        "event-counts": Case(
            ["event-counts", "-e", "Page View", "-e", "Login", *span],
            lambda w: w.event_counts(["Page View", "Login"], **dates),
        ),
        "property-counts": Case(
            ["property-counts", "-e", "Page View", "-p", "$browser", *span],
            lambda w: w.property_counts("Page View", "$browser", **dates),
        ),
        "funnel": Case(
            ["funnel", str(funnel_id), *span],
            lambda w: w.funnel(funnel_id, **dates),
        ),
        "retention": Case(
            ["retention", "--born", "Sign Up", *span],
            lambda w: w.retention("Sign Up", None, **dates),
        ),
        "frequency": Case(["frequency", *span], lambda w: w.frequency(**dates)),
        "flows": Case(["flows", "Sign Up", *span], lambda w: w.flows("Sign Up", **dates)),
        "jql": Case(
            ["jql", "--code", JQL, "-P", f"from={f}", "-P", f"to={t}"],
            lambda w: w.jql(JQL, {"from": f, "to": t}),
        ),
        "activity-feed": Case(
            ["activity-feed", *[a for u in users for a in ("--users", u)], *span],
            lambda w: w.activity_feed(users, **dates),
        ),
    }  # fmt: skip
    for b in ws.list_bookmarks():
        out[f"saved-report-{b.type}"] = Case(
            ["saved-report", str(b.id)], lambda w, i=b.id: w.saved_report(i)
        )
    return out


CASE_NAMES = [
    "segmentation",
    "segmentation-where-unit",
    "segmentation-numeric",
    "segmentation-sum",
    "segmentation-average",
    "event-counts",
    "property-counts",
    "funnel",
    "retention",
    "frequency",
    "flows",
    "jql",
    "activity-feed",
    "saved-report-insights",
    "saved-report-funnels",
    "saved-report-retention",
    "saved-report-flows",
]


@pytest.fixture(scope="module")
def all_cases(sb: Sandbox, ws: Workspace) -> dict[str, Case]:
    found = cases(sb, ws)
    assert set(CASE_NAMES) <= set(found), sorted(found)
    return found


def strip(value: Any) -> Any:
    """``value`` without the fields that change from call to call (``computed_at``)."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def test_every_live_command_is_covered() -> None:
    from typer.main import get_command

    from mixpanel_data.cli.main import app

    query = get_command(app).commands["query"]  # type: ignore[attr-defined]
    live = set(query.commands) - {"sql"}
    covered = {n if not n.startswith("saved-report") else "saved-report" for n in CASE_NAMES}
    covered = {n.removesuffix("-where-unit") for n in covered}
    assert live == covered


@pytest.mark.parametrize("name", CASE_NAMES)
def test_json_equals_the_library(
    name: str, all_cases: dict[str, Case], ws: Workspace, mp: MpRunner
) -> None:
    case = all_cases[name]
    run = mp("query", *case.args, "--format", "json")
    assert run.code == 0, str(run)
    got = check_format("json", run.stdout)
    expected = as_json(case.call(ws))
    assert strip(got) == strip(expected)
    assert run.stderr == ""


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_format_is_well_formed(
    name: str, all_cases: dict[str, Case], sandbox: Sandbox
) -> None:
    case = all_cases[name]
    env = sandbox.credentials.env(sandbox.url)
    parsed = {}
    for fmt in FORMATS:
        run = invoke(["query", *case.args, "-f", fmt], env)
        assert run.code == 0, str(run)
        parsed[fmt] = check_format(fmt, run.stdout)
    header, *rows = parsed["csv"]
    jsonl = parsed["jsonl"]
    assert len(rows) == len(jsonl)  # csv and jsonl print the same tidy rows
    assert header == list(jsonl[0])


def test_segmentation_numbers(all_cases: dict[str, Case], ws: Workspace, mp: MpRunner) -> None:
    """The rows add up to the library's total, in jsonl and csv alike."""
    case = all_cases["segmentation"]
    total = ws.segmentation("Page View", from_date=case.args[4], to_date=case.args[6]).total
    jsonl = check_format("jsonl", mp("query", *case.args, "-f", "jsonl").stdout)
    assert sum(r["count"] for r in jsonl) == total > 0
    header, *rows = check_format("csv", mp("query", *case.args, "-f", "csv").stdout)
    assert sum(int(r[header.index("count")]) for r in rows) == total


def test_funnel_plain_shows_the_steps(
    all_cases: dict[str, Case], ws: Workspace, sandbox: Sandbox
) -> None:
    case = all_cases["funnel"]
    run = invoke(["query", *case.args, "-f", "plain"], sandbox.credentials.env(sandbox.url))
    result = case.call(ws)
    lines = check_format("plain", run.stdout)
    assert len(lines) == len(result.steps)
    assert [int(line.split("\t")[2]) for line in lines] == [s.count for s in result.steps]


@pytest.mark.parametrize("name", ["funnel", "retention", "flows", "activity-feed"])
def test_table_fits_80_columns(name: str, all_cases: dict[str, Case], mp: MpRunner) -> None:
    run = mp("query", *all_cases[name].args, "-f", "table")  # stdout is not a TTY
    assert run.code == 0, str(run)
    check_format("table", run.stdout)


def test_format_from_mp_format(all_cases: dict[str, Case], mp: MpRunner) -> None:
    run = mp("query", *all_cases["event-counts"].args, env_extra={"MP_FORMAT": "csv"})
    assert run.code == 0, str(run)
    assert run.stdout.startswith("date,")


# -- errors -----------------------------------------------------------------------------------


def _seg(sb: Sandbox, *extra: str, f: str | None = None, t: str | None = None) -> list[str]:
    f = f or sb.start_date.isoformat()
    t = t or sb.end_date.isoformat()
    return ["query", "segmentation", "-e", "Page View", "--from", f, "--to", t, *extra]


BAD = {
    "from-after-to": (lambda sb: _seg(sb, f=sb.end_date.isoformat(), t=sb.start_date.isoformat()),
                      3, "after"),
    "bad-date": (lambda sb: _seg(sb, f="2026-02-30"), 3, "2026-02-30"),
    "not-a-date": (lambda sb: _seg(sb, t="yesterday"), 3, "YYYY-MM-DD"),
    "unknown-unit": (lambda sb: _seg(sb, "--unit", "fortnight"), 3, "fortnight"),
    "malformed-where": (lambda sb: _seg(sb, "--where", 'properties["plan" =='), 3, "where"),
    "bad-type": (lambda sb: _seg(sb, "--type", "median"), 3, "median"),
    "funnel-from-after-to": (lambda sb: ["query", "funnel", "7001", "--from",
                             sb.end_date.isoformat(), "--to", sb.start_date.isoformat()], 3,
                             "after"),
    "retention-unknown-unit": (lambda sb: ["query", "retention", "--born", "Sign Up", "--from",
                               sb.start_date.isoformat(), "--to", sb.end_date.isoformat(),
                               "--unit", "hour"], 3, "hour"),
    "numeric-bad-unit": (lambda sb: ["query", "segmentation-sum", "-e", "Purchase", "--on",
                         "amount", "--from", sb.start_date.isoformat(), "--to",
                         sb.end_date.isoformat(), "--unit", "month"], 3, "month"),
    "jql-bad-param": (lambda sb: ["query", "jql", "--code", JQL, "-P", "novalue"], 3, "key=value"),
    "jql-no-file": (lambda sb: ["query", "jql", "/no/such/script.js"], 4, "script.js"),
    "unknown-funnel": (lambda sb: ["query", "funnel", "999999", "--from",
                       sb.start_date.isoformat(), "--to", sb.end_date.isoformat()], 4, "999999"),
    "unknown-bookmark": (lambda sb: ["query", "saved-report", "999999"], 4, "999999"),
    "unknown-flows-bookmark": (lambda sb: ["query", "flows", "--bookmark", "999999"], 4,
                               "999999"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_exit_codes(name: str, sandbox: Sandbox, mp: MpRunner) -> None:
    build, code, mentions = BAD[name]
    run = mp(*build(sandbox))
    assert run.code == code, str(run)
    assert mentions in run.error_line()
    assert run.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["query", "segmentation", "--from", "2026-01-01", "--to", "2026-01-02"],  # no --event
        ["query", "funnel", "abc", "--from", "2026-01-01", "--to", "2026-01-02"],
        ["query", "segmentation", "-e", "X", "--from", "2026-01-01", "--to", "2026-01-02",
         "-f", "xml"],
        ["query", "no-such-command"],
    ],
    ids=["missing-option", "bad-int", "bad-format", "unknown-command"],
)  # fmt: skip
def test_usage_errors_exit_3(args: list[str], mp: MpRunner) -> None:
    run = mp(*args)
    assert run.code == 3, str(run)
    assert "Error" in run.stderr and run.stdout == ""


def test_rate_limit_storm_exits_5(sandbox: Sandbox, mp: MpRunner) -> None:
    sandbox.faults.add(Fault(kind="status", status=429, retry_after=0.01, times=None))
    run = mp(*_seg(sandbox))
    assert run.code == 5, str(run)
    assert "429" in run.error_line()
    assert run.stdout == ""


def test_rate_limit_storm_on_one_path_exits_5(sandbox: Sandbox, mp: MpRunner) -> None:
    sandbox.faults.add(
        Fault(kind="status", status=429, retry_after=0.01, times=None, path="/api/query/retention")
    )
    run = mp("query", "retention", "--born", "Sign Up", "--from", sandbox.start_date.isoformat(),
             "--to", sandbox.end_date.isoformat())  # fmt: skip
    assert run.code == 5, str(run)
    run.error_line()


def test_a_single_429_is_waited_out(sandbox: Sandbox, mp: MpRunner) -> None:
    sandbox.faults.add(Fault(kind="status", status=429, retry_after=0.01, times=1))
    run = mp(*_seg(sandbox))
    assert run.code == 0, str(run)
    check_format("json", run.stdout)


def test_wrong_secret_exits_2(sandbox: Sandbox, mp: MpRunner) -> None:
    run = mp(*_seg(sandbox), env_extra={"MP_SECRET": "not-the-secret"})
    assert run.code == 2, str(run)
    assert "401" in run.error_line()
    assert "not-the-secret" not in run.stderr


def test_no_credentials_says_how_to_get_some(home_env: dict[str, str]) -> None:
    run = run_in_process(
        "query", "frequency", "--from", "2026-01-01", "--to", "2026-01-02", env=home_env
    )
    assert run.code != 0, str(run)
    line = run.error_line()
    assert "mp auth add" in line and "mp sandbox serve" in line
