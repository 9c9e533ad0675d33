"""`mp gdpr ...`: GDPR/CCPA retrieval and deletion jobs (needs MP_OAUTH_TOKEN and MP_TOKEN)."""

from __future__ import annotations

from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, done, show
from mixpanel_data.cli._options import Format, FormatOpt

app = typer.Typer(
    no_args_is_help=True, help="Start, check and cancel GDPR/CCPA data retrievals and deletions."
)

IdsArg = Annotated[list[str], typer.Argument(help="The users' distinct ids.", show_default=False)]
TaskArg = Annotated[str, typer.Argument(help="The job's task id.", show_default=False)]
ComplianceOpt = Annotated[
    str | None, typer.Option("--compliance", help="GDPR (Mixpanel's default) or CCPA.")
]


@app.command()
def retrieve(
    distinct_ids: IdsArg, compliance: ComplianceOpt = None, fmt: FormatOpt = Format.json
) -> None:
    """Start exporting everything stored about these users; prints the task id."""
    with _state.workspace() as ws:
        show(ws.create_gdpr_retrieval(distinct_ids, compliance_type=compliance), fmt)


@app.command("retrieval-status")
def retrieval_status(task_id: TaskArg, fmt: FormatOpt = Format.json) -> None:
    """Show a retrieval job's state."""
    with _state.workspace() as ws:
        show(ws.get_gdpr_retrieval(task_id), fmt)


@app.command()
def delete(
    distinct_ids: IdsArg,
    compliance: ComplianceOpt = None,
    yes: YesOpt = False,
    fmt: FormatOpt = Format.json,
) -> None:
    """Start deleting all data of these users (asks first; --yes to skip)."""
    confirm(f"Delete all data of {len(distinct_ids)} user(s)", yes)
    with _state.workspace() as ws:
        show(ws.create_gdpr_deletion(distinct_ids, compliance_type=compliance), fmt)


@app.command("deletion-status")
def deletion_status(task_id: TaskArg, fmt: FormatOpt = Format.json) -> None:
    """Show a deletion job's state."""
    with _state.workspace() as ws:
        show(ws.get_gdpr_deletion(task_id), fmt)


@app.command()
def cancel(task_id: TaskArg, yes: YesOpt = False, fmt: FormatOpt = Format.json) -> None:
    """Cancel a deletion job that has not started (asks first; --yes to skip)."""
    confirm(f"Cancel deletion job {task_id}", yes)
    with _state.workspace() as ws:
        ws.cancel_gdpr_deletion(task_id)
    done(fmt, cancelled=task_id)
