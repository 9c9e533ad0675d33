"""`mp flags ...`: feature flags of one workspace (data view), and evaluating them for a user."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, done, show
from mixpanel_data.cli._options import Format, FormatOpt

app = typer.Typer(
    no_args_is_help=True, help="List, create, update, delete and evaluate feature flags."
)

WorkspaceOpt = Annotated[
    int,
    typer.Option(
        "--workspace-id",
        "-w",
        envvar="MP_WORKSPACE_ID",
        help="The workspace (data view) holding the flags.",
        show_default=False,
    ),
]
FlagArg = Annotated[str, typer.Argument(help="The flag's id.", show_default=False)]
FileArg = Annotated[
    Path, typer.Argument(help="JSON file with the flag's full definition.", show_default=False)
]


def _definition(path: Path) -> Any:
    from mixpanel_data._management import read_json_file

    return read_json_file(path, "file")


@app.command("list")
def list_(
    workspace_id: WorkspaceOpt,
    archived: Annotated[bool, typer.Option("--archived", help="Include archived flags.")] = False,
    fmt: FormatOpt = Format.json,
) -> None:
    """List the workspace's flags."""
    with _state.workspace() as ws:
        show(ws.list_feature_flags(workspace_id, include_archived=archived), fmt)


@app.command()
def get(flag_id: FlagArg, workspace_id: WorkspaceOpt, fmt: FormatOpt = Format.json) -> None:
    """Show one flag."""
    with _state.workspace() as ws:
        show(ws.get_feature_flag(workspace_id, flag_id), fmt)


@app.command()
def create(file: FileArg, workspace_id: WorkspaceOpt, fmt: FormatOpt = Format.json) -> None:
    """Create a flag from a JSON definition (sent once, never retried)."""
    with _state.workspace() as ws:
        show(ws.create_feature_flag(workspace_id, _definition(file)), fmt)


@app.command()
def update(
    flag_id: FlagArg, file: FileArg, workspace_id: WorkspaceOpt, fmt: FormatOpt = Format.json
) -> None:
    """Replace a flag's definition with the JSON file's."""
    with _state.workspace() as ws:
        show(ws.update_feature_flag(workspace_id, flag_id, _definition(file)), fmt)


@app.command()
def delete(
    flag_id: FlagArg, workspace_id: WorkspaceOpt, yes: YesOpt = False, fmt: FormatOpt = Format.json
) -> None:
    """Delete a flag (asks first; --yes to skip)."""
    confirm(f"Delete feature flag {flag_id}", yes)
    with _state.workspace() as ws:
        ws.delete_feature_flag(workspace_id, flag_id)
    done(fmt, deleted=flag_id)


@app.command()
def evaluate(
    distinct_id: Annotated[str, typer.Argument(help="The user's distinct id.")],
    device_id: Annotated[str | None, typer.Option("--device-id", help="The device id.")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Show the variant of every enabled flag this user gets."""
    with _state.workspace() as ws:
        show(ws.evaluate_flags(distinct_id, device_id=device_id), fmt)
