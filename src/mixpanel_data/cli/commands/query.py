"""`mp query ...`: live analytics queries (and, from the storage side, `mp query sql`).

The report commands take ``--local [--table T] [--db PATH]``: the same report computed over a
stored events table by the engine the sandbox serves (``ws.local``), with the same output.

Each command builds a Workspace, calls one method and prints the result: ``json`` gives the
result's ``to_dict()`` (the whole result); ``jsonl``, ``csv``, ``table`` and ``plain`` give its
tidy rows (``.df``), with dates written ``YYYY-MM-DD``. Arguments are checked by the library, so
a bad date, unit or expression exits with code 3 and a one-line message that names the flag and
says what is allowed.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._empty import say_if_empty
from mixpanel_data.cli._options import (
    DbOpt,
    Format,
    FormatOpt,
    FromOpt,
    LocalOpt,
    TableOpt,
    ToOpt,
    list_option,
    names,
)
from mixpanel_data.cli._output import emit

if TYPE_CHECKING:
    import pandas as pd

    from mixpanel_data.results import FunnelResult

app = typer.Typer(
    no_args_is_help=True,
    help="Ask Mixpanel now (segmentation, funnels, retention, ...) or the local store (sql).",
)

# -- options shared by the commands of this group ----------------------------------------------

EventOpt = Annotated[
    str | None, typer.Option("--event", "-e", help="The event to query (or give it as EVENT).")
]
EventArg = Annotated[
    str | None, typer.Argument(metavar="[EVENT]", help="The event to query (same as --event).")
]


def one_of(positional: str | None, option: str | None, what: str, flag: str) -> str:
    """The value given either as the positional ``what`` or as ``flag`` (exactly one of them)."""
    if positional is not None and option is not None and positional != option:
        raise _state.fail(f"give the {what} once: as {what.upper()} or with {flag}")
    value = positional if positional is not None else option
    if value is None:
        raise _state.fail(f"missing the {what}: give it as {what.upper()} or with {flag}")
    return value


WhereOpt = Annotated[
    str | None,
    typer.Option("--where", "-w", help='Filter expression, e.g. properties["plan"] == "pro".'),
]
OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on", "-o", help='Split by a property: a name (country) or an expression (user["plan"]).'
    ),
]
NumericOnOpt = Annotated[
    str,
    typer.Option(
        "--on", "-o", help='Numeric property: a name (amount) or an expression (properties["n"]).'
    ),
]
TypeOpt = Annotated[
    str,
    typer.Option(
        "--type", "-t", help="general (every event), unique (users) or average (per user)."
    ),
]


class _OnTable:
    """``ws.local`` with ``table=`` filled in on every call."""

    def __init__(self, service: Any, table: str) -> None:
        self._service = service
        self._table = table

    def __getattr__(self, name: str) -> Any:
        return functools.partial(getattr(self._service, name), table=self._table)

    def list_events(self) -> list[str]:
        """The event names in the table (an empty answer's hint compares with them)."""
        names: list[str] = self._service.table_events(table=self._table)
        return names

    def data_span(self) -> str | None:
        """``the table 'events' spans 2026-10-01 to 2026-10-31`` (``None``: it has no events)."""
        span = self._service.table_span(table=self._table)
        if span is None:
            return None
        return f"table {self._table!r} holds events from {span[0]} to {span[1]}"


@contextmanager
def reports(
    local: bool, table: str | None, db: Path | None, *, live_lookup: bool = False
) -> Iterator[Any]:
    """What answers a report command: the Workspace (Mixpanel), or with ``--local`` its
    ``local`` service over ``--table`` of the store (``--db`` opens a file without credentials
    unless a saved definition must be looked up live)."""
    if not local:
        if table is not None:
            raise _state.fail("--table needs --local (live reports read Mixpanel, not a table)")
        with _state.workspace() as ws:
            yield ws
        return
    from mixpanel_data._workspace import Workspace

    if db is not None and not db.exists():
        raise _state.fail(f"no database file at {db} (--db)", _state.EXIT_NOT_FOUND)
    if db is None:
        opened = _state.workspace()
    elif live_lookup:
        opened = _state.workspace(path=db)
    else:
        opened = Workspace.open(db, read_only=True)
    with opened as ws:
        yield _OnTable(ws.local, table or "events")


# -- output -----------------------------------------------------------------------------------


def frame_for_output(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose datetime columns are text: ``YYYY-MM-DD`` when every value is a
    midnight, else ``YYYY-MM-DD HH:MM:SS`` (UTC columns in ISO 8601)."""
    import pandas as pd

    out = df.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.map(lambda t: None if pd.isna(t) else t.isoformat())
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            valid = col.dropna()
            midnight = bool((valid == valid.dt.normalize()).all())
            pattern = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S"
            out[name] = col.dt.strftime(pattern).astype(object).where(col.notna(), None)
    return out


def funnel_steps(result: FunnelResult) -> list[dict[str, Any]]:
    """A funnel's steps added up over the range, as narrow rows (for table and plain); one block
    of steps per segment (``$overall`` first) when the funnel was split with ``--on``."""
    if result.segment_property:
        return _segment_steps(result)
    return [
        {
            "step": s.step,
            "name": s.name,
            "count": s.count,
            "from_prev": round(s.step_conversion, 4),
            "overall": round(s.overall_conversion, 4),
            "avg_time_s": None if s.avg_time is None else round(s.avg_time),
        }
        for s in result.steps
    ]


def _segment_steps(result: FunnelResult) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    df = result.df
    for segment in dict.fromkeys(df["segment"]):  # in the frame's order: $overall first
        part = df[df["segment"] == segment]
        sums = part.groupby(["step", "name"], sort=True)["count"].sum()
        first = prev = None
        for (step, name), total in sums.items():
            count = int(total)
            first = count if first is None else first
            rows.append(
                {
                    "segment": segment,
                    "step": int(step),
                    "name": name,
                    "count": count,
                    "from_prev": 1.0 if prev is None else round(count / prev, 4) if prev else 0.0,
                    "overall": round(count / first, 4) if first else 0.0,
                }
            )
            prev = count
    return rows


def narrow_rows(result: Any) -> Any:
    """What table and plain print: readable at 80 columns (funnels as their added-up steps,
    activity without the properties); ``None`` means the tidy ``.df``."""
    from mixpanel_data.results import ActivityFeedResult, FunnelResult, SavedReportResult

    inner = result.inner if isinstance(result, SavedReportResult) else result
    if isinstance(inner, FunnelResult):
        return funnel_steps(inner)
    if isinstance(inner, ActivityFeedResult):
        return inner.df.drop(columns="properties")
    return None


def emit_result(result: Any, fmt: Format) -> None:
    """Print ``result``: ``to_dict()`` for json; its tidy ``.df`` rows for jsonl and csv; for
    table and plain the same rows, narrowed where they would not fit 80 columns."""
    if fmt in (Format.json, Format.chart):
        emit(result, fmt)
        return
    data = narrow_rows(result) if fmt in (Format.table, Format.plain) else None
    if data is None:
        data = result.df
    if hasattr(data, "columns"):
        data = frame_for_output(data)
    emit(data, fmt)


# -- segmentation -----------------------------------------------------------------------------


@app.command("segmentation")
def segmentation(
    event_arg: EventArg = None,
    event: EventOpt = None,
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    on: OnOpt = None,
    unit: Annotated[
        str, typer.Option("--unit", "-u", help="Bucket: minute, hour, day, week or month.")
    ] = "day",
    where: WhereOpt = None,
    type_: TypeOpt = "general",
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-l", help="With --on: how many top segments (at most 10000)."),
    ] = None,
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Count one event per time bucket, optionally split by a property."""
    event = one_of(event_arg, event, "event", "--event")
    with reports(local, table, db) as ws:
        result = ws.segmentation(
            event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where,
            type=type_, limit=limit,
        )  # fmt: skip
        say_if_empty(ws, result, [event], from_date, to_date)
    emit_result(result, fmt)


NumericUnitOpt = Annotated[str, typer.Option("--unit", "-u", help="Bucket: hour or day.")]


@app.command("segmentation-numeric")
def segmentation_numeric(
    event_arg: EventArg = None,
    event: EventOpt = None,
    on: NumericOnOpt = ...,  # type: ignore[assignment]
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    unit: NumericUnitOpt = "day",
    where: WhereOpt = None,
    type_: TypeOpt = "general",
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Count one event in numeric ranges of a property."""
    event = one_of(event_arg, event, "event", "--event")
    with reports(local, table, db) as ws:
        result = ws.segmentation_numeric(
            event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where, type=type_
        )
        say_if_empty(ws, result, [event], from_date, to_date)
    emit_result(result, fmt)


@app.command("segmentation-sum")
def segmentation_sum(
    event_arg: EventArg = None,
    event: EventOpt = None,
    on: NumericOnOpt = ...,  # type: ignore[assignment]
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    unit: NumericUnitOpt = "day",
    where: WhereOpt = None,
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Sum a numeric property over one event per time bucket."""
    event = one_of(event_arg, event, "event", "--event")
    with reports(local, table, db) as ws:
        result = ws.segmentation_sum(
            event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where
        )
        say_if_empty(ws, result, [event], from_date, to_date)
    emit_result(result, fmt)


@app.command("segmentation-average")
def segmentation_average(
    event_arg: EventArg = None,
    event: EventOpt = None,
    on: NumericOnOpt = ...,  # type: ignore[assignment]
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    unit: NumericUnitOpt = "day",
    where: WhereOpt = None,
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Average a numeric property over one event per time bucket."""
    event = one_of(event_arg, event, "event", "--event")
    with reports(local, table, db) as ws:
        result = ws.segmentation_average(
            event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where
        )
        say_if_empty(ws, result, [event], from_date, to_date)
    emit_result(result, fmt)


# -- event breakdown --------------------------------------------------------------------------

CountUnitOpt = Annotated[
    str,
    typer.Option(
        "--unit", "-u", help="Bucket: minute, hour, day, week or month (unique: day and up)."
    ),
]


@app.command("event-counts")
def event_counts(
    events: Annotated[list[str], list_option("--events", "-e", help="An event to count.")] = ...,  # type: ignore[assignment]
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    unit: CountUnitOpt = "day",
    type_: TypeOpt = "general",
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Count several events per time bucket: `-e Login -e "Page View"` (one -e per event)."""
    with reports(local, table, db) as ws:
        result = ws.event_counts(
            names(events, "--events") or [],
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            type=type_,
        )
        say_if_empty(ws, result, names(events, "--events") or [], from_date, to_date)
    emit_result(result, fmt)


@app.command("property-counts")
def property_counts(
    event_arg: EventArg = None,
    property_arg: Annotated[
        str | None,
        typer.Argument(metavar="[PROPERTY]", help="The property (same as --property)."),
    ] = None,
    event: EventOpt = None,
    property_: Annotated[
        str | None,
        typer.Option("--property", "-p", help="The property whose values split the counts."),
    ] = None,
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    unit: CountUnitOpt = "day",
    type_: TypeOpt = "general",
    values: Annotated[
        list[str] | None, list_option("--values", help="Only this value of the property.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-l", help="How many top values (default 255).")
    ] = None,
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Count one event per value of one property per time bucket."""
    given = [v for v in (event_arg, property_arg) if v is not None]
    if event is None and given:
        event = given.pop(0)
    if property_ is None and given:
        property_ = given.pop(0)
    if given:
        raise _state.fail("give EVENT and PROPERTY once each: as arguments or with -e/-p")
    event = one_of(None, event, "event", "--event")
    property_ = one_of(None, property_, "property", "--property")
    with reports(local, table, db) as ws:
        result = ws.property_counts(
            event, property_, from_date=from_date, to_date=to_date, unit=unit, type=type_,
            values=names(values, "--values"), limit=limit,
        )  # fmt: skip
        say_if_empty(ws, result, [event], from_date, to_date)
    emit_result(result, fmt)


# -- funnels, retention, frequency ------------------------------------------------------------


@app.command("funnel")
def funnel(
    funnel_id: Annotated[
        int | None, typer.Argument(help="Id of a saved funnel (mp inspect funnels).")
    ] = None,
    steps: Annotated[
        list[str] | None,
        list_option("--step", "-s", help="With --local: a step of an ad-hoc funnel, in order."),
    ] = None,
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    unit: Annotated[
        str | None,
        typer.Option("--unit", "-u", help="Bucket: day, week or month (default: daily buckets)."),
    ] = None,
    on: OnOpt = None,
    where: WhereOpt = None,
    length: Annotated[
        int | None,
        typer.Option("--length", help="Conversion window in --length-unit (at most 90 days)."),
    ] = None,
    length_unit: Annotated[
        str | None,
        typer.Option("--length-unit", help="Window unit: second, minute, hour or day."),
    ] = None,
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """A saved funnel's steps: counts, conversion and average times.

    With --local, over the stored events: a saved funnel (its definition is read from Mixpanel
    once) or an ad-hoc one, `--step "Sign Up" --step Purchase`. table and plain print the steps
    added up over the range; jsonl and csv print one row per date bucket and step.
    """
    step_names = names(steps, "--step")
    if step_names is not None and not local:
        raise _state.fail("--step needs --local (Mixpanel runs only saved funnels by id)")
    if (funnel_id is None) == (step_names is None):
        raise _state.fail("give a saved FUNNEL_ID or --local with --step (one of them)")
    extra: dict[str, Any] = {} if step_names is None else {"steps": step_names}
    with reports(local, table, db, live_lookup=funnel_id is not None) as ws:
        result = ws.funnel(
            funnel_id, from_date=from_date, to_date=to_date, unit=unit, on=on, where=where,
            length=length, length_unit=length_unit, **extra,
        )  # fmt: skip
    emit_result(result, fmt)


@app.command("retention")
def retention(
    born_event: Annotated[
        str | None,
        typer.Option("--born", "-b", help="Event that puts users in a cohort (birth retention)."),
    ] = None,
    return_event: Annotated[
        str | None,
        typer.Option("--return", "-r", help="Event that counts as coming back (default: any)."),
    ] = None,
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    born_where: Annotated[
        str | None, typer.Option("--born-where", help="Filter on the --born events.")
    ] = None,
    return_where: Annotated[
        str | None,
        typer.Option("--return-where", "-w", help="Filter on the --return events."),
    ] = None,
    interval: Annotated[
        int, typer.Option("--interval", "-i", help="Units per period (at most 90 days).")
    ] = 1,
    interval_count: Annotated[
        int, typer.Option("--intervals", "-n", help="How many periods after period 0.")
    ] = 10,
    unit: Annotated[
        str, typer.Option("--unit", "-u", help="Period unit: day, week or month.")
    ] = "day",
    retention_type: Annotated[
        str,
        typer.Option(
            "--retention-type", help="birth (first time, needs --born) or compounded (recurring)."
        ),
    ] = "birth",
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Cohorts by date and how many came back in each later period."""
    with reports(local, table, db) as ws:
        result = ws.retention(
            born_event, return_event, from_date=from_date, to_date=to_date,
            born_where=born_where, return_where=return_where, interval=interval,
            interval_count=interval_count, unit=unit, retention_type=retention_type,
        )  # fmt: skip
        say_if_empty(ws, result, [born_event, return_event], from_date, to_date)
    emit_result(result, fmt)


@app.command("frequency")
def frequency(
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    unit: Annotated[str, typer.Option("--unit", "-u", help="Period: day, week or month.")] = "day",
    addiction_unit: Annotated[
        str,
        typer.Option("--addiction-unit", "-a", help="Slot counted inside a period: hour or day."),
    ] = "hour",
    event: Annotated[
        str | None, typer.Option("--event", "-e", help="Event to count (default: any).")
    ] = None,
    where: WhereOpt = None,
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """How many users were active in at least 1, 2, 3 ... slots of each period."""
    with reports(local, table, db) as ws:
        result = ws.frequency(
            from_date=from_date, to_date=to_date, unit=unit, addiction_unit=addiction_unit,
            event=event, where=where,
        )  # fmt: skip
        say_if_empty(ws, result, [event], from_date, to_date)
    emit_result(result, fmt)


# -- saved reports, flows, users, JQL ---------------------------------------------------------


@app.command("saved-report")
def saved_report(
    bookmark_id: Annotated[
        int, typer.Argument(help="Id of a saved report (mp inspect bookmarks).")
    ],
    fmt: FormatOpt = Format.json,
) -> None:
    """Run a saved report: Insights, Funnels, Retention or Flows."""
    with _state.workspace() as ws:
        result = ws.saved_report(bookmark_id)
    emit_result(result, fmt)


@app.command("flows")
def flows(
    event: Annotated[
        str | None, typer.Argument(help="Anchor event (not needed with --bookmark).")
    ] = None,
    from_date: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (inclusive).")
    ] = None,
    to_date: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")
    ] = None,
    direction: Annotated[
        str, typer.Option("--direction", "-d", help="after, before or both.")
    ] = "after",
    steps: Annotated[
        int, typer.Option("--steps", "-s", help="Events to follow from the anchor (1-5).")
    ] = 3,
    where: WhereOpt = None,
    bookmark_id: Annotated[
        int | None, typer.Option("--bookmark", "-b", help="Run a saved Flows report instead.")
    ] = None,
    local: LocalOpt = False,
    table: TableOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Which events users did after (or before) an event, step by step."""
    with reports(local, table, db) as ws:
        result = ws.flows(
            event, from_date=from_date, to_date=to_date,
            direction=direction,
            steps=steps, where=where, bookmark_id=bookmark_id,
        )  # fmt: skip
    emit_result(result, fmt)


@app.command("activity-feed")
def activity_feed(
    distinct_ids: Annotated[
        list[str], list_option("--users", "-u", help="A user's distinct id.")
    ] = ...,  # type: ignore[assignment]
    from_date: Annotated[
        str | None,
        typer.Option("--from", help="First day, YYYY-MM-DD (default: 29 days before --to)."),
    ] = None,
    to_date: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today, UTC).")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Some users' events in time order (table leaves the properties out): `-u ID1 -u ID2`."""
    with _state.workspace() as ws:
        result = ws.activity_feed(
            names(distinct_ids, "--users") or [], from_date=from_date, to_date=to_date
        )
    emit_result(result, fmt)


def _param(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise _state.fail(f"--param {text!r} must be key=value")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


@app.command("jql")
def jql(
    file: Annotated[
        Path | None,
        typer.Argument(help="File with the script (- reads stdin).", allow_dash=True),
    ] = None,
    code: Annotated[str | None, typer.Option("--code", "-c", help="The script as text.")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-P", help="key=value for the script's params (value read as JSON if it is)."
        ),
    ] = None,
    params_json: Annotated[
        str | None,
        typer.Option("--params", help="The script's params as one JSON object: '{\"n\": 3}'."),
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Run a JQL script (Mixpanel keeps JQL in maintenance mode)."""
    if (file is None) == (code is None):
        raise _state.fail("give the script as FILE or with --code (one of them)")
    if code is None:
        assert file is not None
        if str(file) == "-":
            code = sys.stdin.read()
        elif not file.is_file():
            raise _state.fail(f"no such script file: {file}", _state.EXIT_NOT_FOUND)
        else:
            code = file.read_text(encoding="utf-8")
    params = dict(_param(p) for p in param) if param else None
    if params_json is not None:
        try:
            given = json.loads(params_json)
        except ValueError:
            given = None
        if not isinstance(given, dict):
            raise _state.fail("--params must be one JSON object, e.g. '{\"n\": 3}'")
        params = {**given, **(params or {})}
    with _state.workspace() as ws:
        result = ws.jql(code, params)
    emit_result(result, fmt)


# -- local store --------------------------------------------------------------------------------
# `mp query sql` belongs to the storage side: cli/commands/local.py registers it on this `app`
# (the live-query commands above never open the local store).
