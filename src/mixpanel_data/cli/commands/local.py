"""Commands over the local DuckDB store: `mp query sql` and
`mp inspect tables|schema|info|drop|sample|summarize|keys|breakdown`.

They are registered on the `query` and `inspect` groups; none of them needs credentials when
``--db`` names a file (``MP_DB`` works too).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import DbOpt, FormatOpt
from mixpanel_data.cli._output import Format, Rows, emit, err
from mixpanel_data.cli.commands import inspect, query

if TYPE_CHECKING:
    from mixpanel_data._workspace import Workspace
    from mixpanel_data.results import TableReport


def _open(db: Path | None, *, read_only: bool = False) -> Workspace:
    from mixpanel_data._workspace import Workspace

    if db is not None:
        if not db.exists():
            raise _state.fail(f"no database file at {db}", _state.EXIT_NOT_FOUND)
        return Workspace.open(db, read_only=read_only)
    return _state.workspace()


def _query(ws: Workspace, statement: str) -> Rows:
    """Run ``statement`` and keep DuckDB's column names and Python rows (pandas stays unloaded)."""
    from mixpanel_data._storage._errors import user_query

    with user_query(statement):
        result = ws.storage.connection.execute(statement)
        description = result.description or ()
        columns = [d[0] for d in description]
        rows = result.fetchall()
    # JSON columns (`properties`) come back as text: print them as JSON values, not strings.
    as_json = [i for i, d in enumerate(description) if str(d[1]) == "JSON"]
    if as_json and rows:
        import json

        def parse(value: object) -> object:
            return json.loads(value) if isinstance(value, str) else value

        rows = [tuple(parse(v) if i in as_json else v for i, v in enumerate(row)) for row in rows]
    return Rows(columns, rows)


@query.app.command("sql")
def sql(
    statement: Annotated[
        str | None, typer.Argument(help="The SQL to run (or use --file).", show_default=False)
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-F", help="Read the SQL from this file.")
    ] = None,
    scalar: Annotated[
        bool, typer.Option("--scalar", "-s", help="Print the single value the query returns.")
    ] = False,
    db: DbOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run SQL on the local store: `mp query sql "SELECT count(*) FROM events"`."""
    if file is not None:
        if not file.exists():
            raise _state.fail(f"no SQL file at {file}", _state.EXIT_NOT_FOUND)
        statement = file.read_text(encoding="utf-8")
    if not statement or not statement.strip():
        raise _state.fail("give the SQL as an argument or with --file")
    with _open(db, read_only=db is not None and _reads_only(statement)) as ws:
        if scalar:
            value = ws.sql_scalar(statement)
            emit(value if fmt is not Format.table else str(value), Format.plain)
            return
        emit(_query(ws, statement), fmt)


def _reads_only(statement: str) -> bool:
    """Whether every statement in ``statement`` only reads (SELECT, EXPLAIN, ...): then the file
    is opened read-only, so a DuckDB file that is not ours is never changed by a query."""
    from mixpanel_data._storage.engine import reads_only

    return reads_only(statement)


@inspect.app.command("tables")
def tables(
    db: DbOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the tables in the local store with what was fetched into them."""
    with _open(db, read_only=True) as ws:
        emit(ws.tables(), fmt)


@inspect.app.command("schema")
def schema(
    table: Annotated[str, typer.Argument(help="Table name.")],
    db: DbOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show the columns of TABLE."""
    with _open(db, read_only=True) as ws:
        result = ws.schema(table)
        emit(result.to_dict()["columns"] if fmt in (Format.table, Format.csv) else result, fmt)


@inspect.app.command("info")
def info(
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Where the local store is, which project, and what it holds."""
    with _open(db, read_only=True) as ws:
        emit(ws.info(), fmt)


def _emit_report(result: TableReport, fmt: Format) -> None:
    """The whole report for json; its rows (JSON-safe values) for the other formats."""
    from mixpanel_data.results._base import jsonable

    emit(result if fmt is Format.json else jsonable(result.rows), fmt)


TableArg = Annotated[str, typer.Argument(help="Table name (mp inspect tables lists them).")]
EventFilterOpt = Annotated[
    str | None, typer.Option("--event", "-e", help="Only the rows of this event.")
]


@inspect.app.command("sample")
def sample(
    table: TableArg,
    n: Annotated[int, typer.Option("--rows", "-n", help="How many rows (1-100000).")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="The same seed picks the same rows.")] = 0,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Print random rows of TABLE."""
    with _open(db, read_only=True) as ws:
        _emit_report(ws.sample(table, n, seed=seed), fmt)


@inspect.app.command("summarize")
def summarize(table: TableArg, db: DbOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Per column of TABLE: type, nulls, distinct values, min, max, mean and quartiles."""
    with _open(db, read_only=True) as ws:
        _emit_report(ws.summarize(table), fmt)


@inspect.app.command("keys")
def keys(
    table: TableArg, event: EventFilterOpt = None, db: DbOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """The keys of TABLE's properties: JSON type, rows holding each, share of the rows."""
    with _open(db, read_only=True) as ws:
        _emit_report(ws.property_keys(table, event), fmt)


@inspect.app.command("breakdown")
def breakdown(
    table: TableArg,
    by: Annotated[str, typer.Option("--by", "-b", help="A column, else a property key.")] = ...,  # type: ignore[assignment]
    event: EventFilterOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-l", help="How many values at most.")] = 100,
    db: DbOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Rows and distinct users of TABLE per value of a column or property, most first."""
    with _open(db, read_only=True) as ws:
        _emit_report(ws.breakdown(table, by, event=event, limit=limit), fmt)


@inspect.app.command("drop")
def drop(
    tables: Annotated[list[str] | None, typer.Argument(help="Tables to drop.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Drop every table.")] = False,
    type_: Annotated[
        str | None, typer.Option("--type", help="With --all: only `events` or `profiles` tables.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Do not ask for confirmation.")] = False,
    db: DbOpt = None,
) -> None:
    """Drop tables from the local store (all or nothing: an unknown name drops none)."""
    if not tables and not all_:
        raise _state.fail("name the tables to drop, or pass --all")
    if type_ not in (None, "events", "profiles"):
        raise _state.fail("--type must be events or profiles")
    what = "every table" if all_ else ", ".join(tables or [])
    if not force and os.isatty(0) and not typer.confirm(f"Drop {what}?"):
        raise typer.Exit(_state.EXIT_ERROR)
    with _open(db) as ws:
        if all_:
            ws.drop_all(type_)  # type: ignore[arg-type]
        else:
            ws.drop(*(tables or []))
    if not _state.STATE.quiet:
        err(f"dropped {what}")
