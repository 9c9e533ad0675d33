"""`mp import events`: send events from a file or the local store into the project, exactly once.

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

app = typer.Typer(
    no_args_is_help=True,
    help="Import events into Mixpanel from JSONL, JSON, CSV or Parquet files or local tables.",
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
