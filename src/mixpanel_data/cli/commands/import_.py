"""`mp import events|profiles|groups`: send events, or user / group profile updates, from a file or
the local store into the project, exactly once.

Exit codes: 0 when every record was imported (or skipped as already imported by an interrupted
run), 1 when any record was rejected (the rejects file says which and why) unless
``--allow-rejects``; the usual codes otherwise (2 auth, 3 bad arguments, 5 rate limited, 130
interrupted: run the same command again to continue).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import DbOpt, Format, FormatOpt
from mixpanel_data.cli._output import emit, err

if TYPE_CHECKING:
    from mixpanel_data._services.importer import ImportProgress
    from mixpanel_data._workspace import Workspace
    from mixpanel_data.results.imports import ImportResult

app = typer.Typer(
    no_args_is_help=True,
    help="Import events, user or group profiles into Mixpanel from JSONL, JSON, CSV, Parquet or "
    "local tables.",
)


def _progress(off: bool) -> Callable[[ImportProgress], None] | None:
    """One status line rewritten on stderr (a terminal only), at most five times a second."""
    if off or not _state.STATE.show_progress:
        return None
    last = [0.0]

    def show(p: ImportProgress) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2:
            last[0] = now
            sys.stderr.write(
                f"\rread {p.read:,} · imported {p.imported:,} · rejected {p.rejected:,} · "
                f"skipped {p.skipped:,} · {p.rate:,.0f}/s\x1b[K"
            )
            sys.stderr.flush()

    return show


def _open(db: Path | None, local: bool) -> Workspace:
    if local:
        return _state.workspace(path=db)
    from mixpanel_data._workspace import Workspace

    return Workspace.memory(account=_state.STATE.account)


@app.command("events")
def import_events(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="JSONL, JSON array, CSV or Parquet file (gzip too).", show_default=False
        ),
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Import this table of the local store.")
    ] = None,
    sql: Annotated[
        str | None, typer.Option("--sql", help="Import the rows of this local SQL query.")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict/--no-strict", help="Ask Mixpanel to name every refused event.")
    ] = True,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=2000, help="Events per request.")
    ] = 2000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=16, help="Requests in flight.")
    ] = 2,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every record and send nothing.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Where refused records go (default: FILE.rejects.jsonl)."),
    ] = None,
    allow_rejects: Annotated[
        bool, typer.Option("--allow-rejects", help="Exit 0 even when records were rejected.")
    ] = False,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="Zone of ISO times without an offset, e.g. UTC."),
    ] = None,
    no_resume: Annotated[
        bool, typer.Option("--no-resume", help="Ignore what an interrupted run already sent.")
    ] = False,
    event_col: Annotated[
        str, typer.Option("--event-col", help="CSV/table column with the event name.")
    ] = "event",
    distinct_id_col: Annotated[
        str, typer.Option("--distinct-id-col", help="CSV/table column with the distinct_id.")
    ] = "distinct_id",
    time_col: Annotated[str, typer.Option("--time-col", help="CSV/table column with the time.")] = (
        "time"
    ),
    insert_id_col: Annotated[
        str, typer.Option("--insert-id-col", help="CSV/table column with the $insert_id.")
    ] = "$insert_id",
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress line.")] = False,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Import events from FILE, --table or --sql; prints a one-line summary on stderr.

    Exits 1 when any record was rejected (the rejects file holds each with its line and
    reason) unless --allow-rejects. After Ctrl-C or a crash, run the same command again: it
    continues where it stopped and sends nothing twice.
    """
    given = [x for x in (file, table, sql) if x is not None]
    if len(given) != 1:
        raise _state.fail("give exactly one of FILE, --table or --sql")
    from mixpanel_data._services.import_sources import ColumnMapping

    mapping = ColumnMapping(
        event=event_col, distinct_id=distinct_id_col, time=time_col, insert_id=insert_id_col
    )
    progress = _progress(no_progress)
    with _open(db, file is None) as ws:
        result = ws.import_events(
            file,
            table=table,
            sql=sql,
            strict=strict,
            batch_size=batch_size,
            workers=workers,
            dry_run=dry_run,
            rejects=rejects,
            timezone=timezone,
            resume=not no_resume,
            mapping=mapping,
            progress=progress,
        )
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
    if not _state.STATE.quiet:
        err(result.summary())
    emit(result, fmt)
    if result.rejected and not allow_rejects:
        raise _state.fail(
            f"{result.rejected:,} records rejected (see {result.rejects_path or 'the result'}); "
            "--allow-rejects accepts that",
            _state.EXIT_ERROR,
        )


# -- profiles and groups ----------------------------------------------------------------------

OperationOpt = Annotated[
    str,
    typer.Option(
        "--operation",
        help="Operation for every column: $set, $set_once, $unset, $delete, $add, $append, "
        "$remove or $union (rows that hold operations themselves are sent as they are).",
    ),
]
ColumnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        help="COLUMN=OPERATION for one column, e.g. logins=$add. Repeat for several.",
        show_default=False,
    ),
]
IdColOpt = Annotated[
    str | None,
    typer.Option("--id-col", help="Column with the profile id.", show_default=False),
]
TableOpt = Annotated[
    str | None, typer.Option("--table", help="Import this table of the local store.")
]
SqlOpt = Annotated[
    str | None, typer.Option("--sql", help="Import the rows of this local SQL query.")
]
BatchOpt = Annotated[
    int, typer.Option("--batch-size", min=1, max=2000, help="Updates per request.")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Check every record and send nothing.")]
RejectsOpt = Annotated[
    Path | None,
    typer.Option("--rejects", help="Where refused records go (default: FILE.rejects.jsonl)."),
]
AllowRejectsOpt = Annotated[
    bool, typer.Option("--allow-rejects", help="Exit 0 even when records were rejected.")
]
NoResumeOpt = Annotated[
    bool, typer.Option("--no-resume", help="Ignore what an interrupted run already sent.")
]
NoProgressOpt = Annotated[bool, typer.Option("--no-progress", help="No progress line.")]
FileArg = Annotated[
    Path | None,
    typer.Argument(help="JSONL, JSON array, CSV or Parquet file (gzip too).", show_default=False),
]


def _columns(values: list[str] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values or []:
        column, sep, operation = value.rpartition("=")
        if not sep or not column or not operation:
            raise _state.fail(f"--column {value!r}: expected COLUMN=OPERATION, e.g. logins=$add")
        found[column] = operation
    return found


def _finish(result: ImportResult, progress: object, allow_rejects: bool, fmt: Format) -> None:
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
    if not _state.STATE.quiet:
        err(result.summary())
    emit(result, fmt)
    if (result.rejected or result.unknown) and not allow_rejects:
        what = f"{result.rejected:,} records rejected"
        if result.unknown:
            what += f", {result.unknown:,} with an unknown outcome"
        raise _state.fail(
            f"{what} (see {result.rejects_path or 'the result'}); --allow-rejects accepts that",
            _state.EXIT_ERROR,
        )


@app.command("profiles")
def import_profiles(
    file: FileArg = None,
    table: TableOpt = None,
    sql: SqlOpt = None,
    operation: OperationOpt = "$set",
    column: ColumnOpt = None,
    id_col: IdColOpt = None,
    batch_size: BatchOpt = 2000,
    dry_run: DryRunOpt = False,
    rejects: RejectsOpt = None,
    allow_rejects: AllowRejectsOpt = False,
    no_resume: NoResumeOpt = False,
    no_progress: NoProgressOpt = False,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Update user profiles from FILE, --table or --sql (id column: distinct_id).

    Exits 1 when any record was rejected, or when updates with $add/$append got no answer
    (they are never sent twice: the rejects file lists them as "unknown outcome").
    """
    if len([x for x in (file, table, sql) if x is not None]) != 1:
        raise _state.fail("give exactly one of FILE, --table or --sql")
    progress = _progress(no_progress)
    with _open(db, file is None) as ws:
        result = ws.import_profiles(
            file, table=table, sql=sql, operation=operation, columns=_columns(column),
            id_column=id_col, batch_size=batch_size, dry_run=dry_run, rejects=rejects,
            resume=not no_resume, progress=progress,
        )  # fmt: skip
    _finish(result, progress, allow_rejects, fmt)


@app.command("groups")
def import_groups(
    group_key: Annotated[
        str, typer.Option("--group-key", help="The group key, e.g. company_id.", show_default=False)
    ],
    file: FileArg = None,
    table: TableOpt = None,
    sql: SqlOpt = None,
    operation: OperationOpt = "$set",
    column: ColumnOpt = None,
    id_col: IdColOpt = None,
    batch_size: BatchOpt = 2000,
    dry_run: DryRunOpt = False,
    rejects: RejectsOpt = None,
    allow_rejects: AllowRejectsOpt = False,
    no_resume: NoResumeOpt = False,
    no_progress: NoProgressOpt = False,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Update group profiles of --group-key from FILE, --table or --sql (id column: group_id)."""
    if len([x for x in (file, table, sql) if x is not None]) != 1:
        raise _state.fail("give exactly one of FILE, --table or --sql")
    progress = _progress(no_progress)
    with _open(db, file is None) as ws:
        result = ws.import_groups(
            file, group_key=group_key, table=table, sql=sql, operation=operation,
            columns=_columns(column), id_column=id_col, batch_size=batch_size, dry_run=dry_run,
            rejects=rejects, resume=not no_resume, progress=progress,
        )  # fmt: skip
    _finish(result, progress, allow_rejects, fmt)
