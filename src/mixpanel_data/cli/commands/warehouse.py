"""`mp warehouse ...`: imports from a data warehouse (warehouse connectors)."""

from __future__ import annotations

from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, done, show
from mixpanel_data.cli._options import Format, FormatOpt

app = typer.Typer(no_args_is_help=True, help="List, run, inspect and delete warehouse imports.")

ImportArg = Annotated[int, typer.Argument(help="The import's id.", show_default=False)]


@app.command("list")
def list_(fmt: FormatOpt = Format.json) -> None:
    """List the project's warehouse imports."""
    with _state.workspace() as ws:
        show(ws.list_warehouse_imports(), fmt)


@app.command()
def get(import_id: ImportArg, fmt: FormatOpt = Format.json) -> None:
    """Show one import."""
    with _state.workspace() as ws:
        show(ws.get_warehouse_import(import_id), fmt)


@app.command()
def run(import_id: ImportArg, fmt: FormatOpt = Format.json) -> None:
    """Run an import now; prints the run id."""
    with _state.workspace() as ws:
        show(ws.run_warehouse_import(import_id), fmt)


@app.command()
def history(import_id: ImportArg, fmt: FormatOpt = Format.json) -> None:
    """Show an import's past runs."""
    with _state.workspace() as ws:
        show(ws.get_warehouse_import_history(import_id), fmt)


@app.command()
def delete(import_id: ImportArg, yes: YesOpt = False, fmt: FormatOpt = Format.json) -> None:
    """Delete an import (asks first; --yes to skip)."""
    confirm(f"Delete warehouse import {import_id}", yes)
    with _state.workspace() as ws:
        ws.delete_warehouse_import(import_id)
    done(fmt, deleted=import_id)
