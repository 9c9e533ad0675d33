"""`mp fetch events|profiles`: export into the local DuckDB, or stream JSONL to stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import (
    DbOpt,
    Format,
    FormatOpt,
    FromOpt,
    ToOpt,
    list_option,
    names,
)
from mixpanel_data.cli._output import emit, err, stdout_error, writing_stdout

if TYPE_CHECKING:
    from mixpanel_data._services.fetcher import FetchProgress
    from mixpanel_data._workspace import Workspace

app = typer.Typer(
    no_args_is_help=True,
    help="Fetch raw events or profiles into the local DuckDB (or stream them as JSONL).",
)


def _open(db: Path | None, stdout: bool) -> Workspace:
    """The Workspace to fetch with; streaming to stdout keeps its (unused) store in memory, so it
    neither creates nor locks a DuckDB file."""
    if stdout:
        from mixpanel_data._workspace import Workspace

        return Workspace.memory(account=_state.STATE.account)
    return _state.workspace(path=db)


def _write_jsonl(rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    write = sys.stdout.write
    for row in rows:
        line = json.dumps(row, ensure_ascii=False, default=str) + "\n"
        try:
            write(line)
        except OSError as exc:
            raise stdout_error(exc) from exc
        count += 1
    with writing_stdout():
        sys.stdout.flush()
    return count


def _write_bytes(blocks: Iterator[bytes]) -> int:
    """Copy blocks of JSON lines to stdout as they are; the number of lines written."""
    with writing_stdout():
        sys.stdout.flush()
    write = sys.stdout.buffer.write
    count = 0
    for block in blocks:
        try:
            write(block)
        except OSError as exc:
            raise stdout_error(exc) from exc
        count += block.count(b"\n")
    with writing_stdout():
        sys.stdout.buffer.flush()
    return count


@app.command("events")
def fetch_events(
    name: Annotated[str, typer.Argument(help="Table to create (or append to).")] = "events",
    from_date: FromOpt = ...,  # type: ignore[assignment]
    to_date: ToOpt = ...,  # type: ignore[assignment]
    events: Annotated[
        list[str] | None, list_option("--events", "-e", help="Only this event (default: all).")
    ] = None,
    where: Annotated[
        str | None, typer.Option("--where", "-w", help='Filter, e.g. properties["plan"] == "pro".')
    ] = None,
    append: Annotated[
        bool, typer.Option("--append", help="Add to an existing table (duplicates are skipped).")
    ] = False,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Write JSONL to stdout instead of storing.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="With --stdout: Mixpanel's own export shape.")
    ] = False,
    chunk_days: Annotated[
        int, typer.Option("--chunk-days", min=1, max=100, help="Days per export request.")
    ] = 7,
    max_workers: Annotated[
        int, typer.Option("--workers", min=1, max=10, help="Concurrent export requests.")
    ] = 3,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    no_resume: Annotated[
        bool, typer.Option("--no-resume", help="Ignore chunks saved by an interrupted run.")
    ] = False,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline",
            min=0.001,
            help="Stop after this many seconds (the chunks saved so far are kept for a re-run).",
        ),
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Export events in a date range into table NAME (default `events`)."""
    with _open(db, stdout) as ws:
        if stdout and raw:
            count = _write_bytes(
                ws.stream_events_jsonl(
                    from_date=from_date,
                    to_date=to_date,
                    events=names(events, "--events"),
                    where=where,
                    chunk_days=chunk_days,
                )
            )
            if not _state.STATE.quiet:
                err(f"{count} events written" if count else _no_events(from_date, to_date))
            return
        if stdout:
            count = _write_jsonl(
                ws.stream_events(
                    from_date=from_date,
                    to_date=to_date,
                    events=names(events, "--events"),
                    where=where,
                    raw=raw,
                    chunk_days=chunk_days,
                )
            )
            if not _state.STATE.quiet:
                err(f"{count} events written" if count else _no_events(from_date, to_date))
            return
        result = ws.fetch_events(
            name,
            from_date=from_date,
            to_date=to_date,
            events=names(events, "--events"),
            where=where,
            append=append,
            progress=_progress("events", no_progress),
            chunk_days=chunk_days,
            max_workers=max_workers,
            resume=not no_resume,
            deadline=deadline,
        )
        emit(result, fmt)
        if result.rows == 0 and not _state.STATE.quiet:
            if append and result.duplicates_dropped:
                err(
                    f"nothing new: the {result.duplicates_dropped} events between {from_date} "
                    f"and {to_date} were already in {name!r}"
                )
            else:
                kept = "" if append else f"; no table {name!r} was created"
                err(_no_events(from_date, to_date) + kept)


@app.command("profiles")
def fetch_profiles(
    name: Annotated[str, typer.Argument(help="Table to create (or append to).")] = "profiles",
    where: Annotated[
        str | None, typer.Option("--where", "-w", help='Filter, e.g. user["plan"] == "pro".')
    ] = None,
    cohort_id: Annotated[
        int | None, typer.Option("--cohort", help="Only this cohort's users.")
    ] = None,
    output_properties: Annotated[
        list[str] | None,
        list_option("--output-properties", help="Only this property (default: all)."),
    ] = None,
    append: Annotated[
        bool, typer.Option("--append", help="Add to an existing table (same id: last wins).")
    ] = False,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Write JSONL to stdout instead of storing.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="With --stdout: Mixpanel's own engage shape.")
    ] = False,
    max_workers: Annotated[
        int, typer.Option("--workers", min=1, max=5, help="Engage pages in flight at once.")
    ] = 3,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    no_resume: Annotated[
        bool, typer.Option("--no-resume", help="Ignore pages saved by an interrupted run.")
    ] = False,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Fetch user profiles into table NAME (default `profiles`)."""
    with _open(db, stdout) as ws:
        if stdout:
            count = _write_jsonl(
                ws.stream_profiles(
                    where=where,
                    cohort_id=cohort_id,
                    output_properties=names(output_properties, "--output-properties"),
                    raw=raw,
                )
            )
            if not _state.STATE.quiet:
                err(f"{count} profiles written" if count else "no profiles matched")
            return
        result = ws.fetch_profiles(
            name,
            where=where,
            cohort_id=cohort_id,
            output_properties=names(output_properties, "--output-properties"),
            append=append,
            progress=_progress("profiles", no_progress),
            max_workers=max_workers,
            resume=not no_resume,
        )
        emit(result, fmt)
        if result.rows == 0 and not _state.STATE.quiet:
            err("no profiles matched" + ("" if append else f"; no table {name!r} was created"))


def _no_events(from_date: str, to_date: str) -> str:
    return f"no events between {from_date} and {to_date}"


def _progress(what: str, off: bool) -> Callable[[FetchProgress], None] | bool:
    """The Rich bar when progress is shown on a terminal, else no progress at all."""
    if off or not _state.STATE.show_progress:
        return False
    from mixpanel_data.cli._progress import rich_progress

    return rich_progress(what) or False
