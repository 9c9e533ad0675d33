"""`mp copy events|profiles`: export from one project and import into another, streamed.

Exit codes: 0 when everything was copied (or skipped as already copied by an interrupted run),
1 when any record was rejected, the usual codes otherwise (2 auth, 3 bad arguments, 130
interrupted: run the same command again to continue with the first unfinished day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import Format, FormatOpt, FromOpt, ToOpt, list_option, names
from mixpanel_data.cli._output import emit, err
from mixpanel_data.cli.commands.import_ import NoProgressOpt, _progress

if TYPE_CHECKING:
    from mixpanel_data.results.imports import ImportResult

app = typer.Typer(
    no_args_is_help=True,
    help="Copy events or profiles from one project to another (export streamed into import).",
)

FromAccountOpt = Annotated[
    str | None,
    typer.Option(
        "--from-account", help="Account to copy from (default: the default account).",
        show_default=False,
    ),
]  # fmt: skip
ToAccountOpt = Annotated[
    str, typer.Option("--to-account", help="Account to copy into.", show_default=False)
]


def _report(result: ImportResult, fmt: Format) -> None:
    if not _state.STATE.quiet:
        err(result.summary())
    emit(result, fmt)
    if result.rejected:
        raise _state.fail(
            f"{result.rejected:,} records rejected (see {result.rejects_path or 'the result'})",
            _state.EXIT_ERROR,
        )


@app.command("events")
def copy_events(
    to_account: ToAccountOpt,
    from_date: FromOpt,
    to_date: ToOpt,
    from_account: FromAccountOpt = None,
    events: Annotated[
        list[str] | None, list_option("--events", "-e", help="Only this event (default: all).")
    ] = None,
    where: Annotated[
        str | None, typer.Option("--where", "-w", help='Filter, e.g. properties["plan"] == "pro".')
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=16, help="Requests in flight.")
    ] = 2,
    no_resume: Annotated[
        bool, typer.Option("--no-resume", help="Copy every day again (nothing is stored twice).")
    ] = False,
    no_progress: NoProgressOpt = False,
    fmt: FormatOpt = Format.json,
) -> None:
    """Copy events of --from..--to into --to-account's project, each stored once.

    After Ctrl-C or a crash, run the same command again: finished days are skipped.
    """
    from mixpanel_data._workspace import Workspace

    with Workspace.memory(account=from_account or _state.STATE.account) as ws:
        result = ws.copy_events(
            to_account=to_account, from_date=from_date, to_date=to_date,
            events=names(events, "--events"), where=where, workers=workers,
            resume=not no_resume, progress=_progress(no_progress),
        )  # fmt: skip
    _report(result, fmt)


@app.command("profiles")
def copy_profiles(
    to_account: ToAccountOpt,
    from_account: FromAccountOpt = None,
    where: Annotated[
        str | None, typer.Option("--where", "-w", help='Filter, e.g. user["plan"] == "pro".')
    ] = None,
    cohort: Annotated[
        int | None, typer.Option("--cohort", help="Only profiles in this cohort id.")
    ] = None,
    no_progress: NoProgressOpt = False,
    fmt: FormatOpt = Format.json,
) -> None:
    """Copy user profiles (all properties, as $set) into --to-account's project."""
    from mixpanel_data._workspace import Workspace

    with Workspace.memory(account=from_account or _state.STATE.account) as ws:
        result = ws.copy_profiles(
            to_account=to_account, where=where, cohort_id=cohort, progress=_progress(no_progress)
        )
    _report(result, fmt)
