"""`mp pipelines ...`: scheduled exports into a warehouse or bucket (deprecated by Mixpanel)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, done, show
from mixpanel_data.cli._options import Format, FormatOpt

app = typer.Typer(
    no_args_is_help=True, help="List, create, check and delete data pipelines (exports)."
)

NameArg = Annotated[str, typer.Argument(help="The pipeline's name.", show_default=False)]


@app.command("list")
def list_(fmt: FormatOpt = Format.json) -> None:
    """List the project's pipelines."""
    with _state.workspace() as ws:
        show(ws.list_pipelines(), fmt)


@app.command()
def create(
    file: Annotated[
        Path, typer.Argument(help="JSON object of the pipeline's fields (type, from_date, ...).")
    ],
    fmt: FormatOpt = Format.json,
) -> None:
    """Create a pipeline from a JSON file of its fields; prints the pipeline names."""
    from mixpanel_data._management import read_json_file

    with _state.workspace() as ws:
        show(ws.create_pipeline(read_json_file(file, "file")), fmt)


@app.command()
def status(name: NameArg, fmt: FormatOpt = Format.json) -> None:
    """Show a pipeline's jobs by state."""
    with _state.workspace() as ws:
        show(ws.get_pipeline_status(name), fmt)


@app.command("sync-dates")
def sync_dates(name: NameArg, fmt: FormatOpt = Format.json) -> None:
    """Show the days a pipeline has synced."""
    with _state.workspace() as ws:
        show(ws.list_pipeline_sync_dates(name), fmt)


@app.command()
def delete(name: NameArg, yes: YesOpt = False, fmt: FormatOpt = Format.json) -> None:
    """Delete a pipeline (asks first; --yes to skip)."""
    confirm(f"Delete pipeline {name!r}", yes)
    with _state.workspace() as ws:
        ws.delete_pipeline(name)
    done(fmt, deleted=name)
