"""`mp lexicon ...`: the event and profile schemas of the project's data dictionary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, done, show
from mixpanel_data.cli._options import Format, FormatOpt
from mixpanel_data.cli._output import emit

app = typer.Typer(no_args_is_help=True, help="List, show, upload and delete Lexicon schemas.")

EntityArg = Annotated[str, typer.Argument(help="event or profile.", show_default=False)]
NameArg = Annotated[str, typer.Argument(help="The event or property name.", show_default=False)]


@app.command("list")
def list_(
    entity_type: Annotated[
        str | None, typer.Option("--type", help="Only event or profile schemas.")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """List schemas."""
    with _state.workspace() as ws:
        emit(ws.list_schemas(entity_type), fmt)


@app.command()
def get(entity_type: EntityArg, name: NameArg, fmt: FormatOpt = Format.json) -> None:
    """Show one schema."""
    with _state.workspace() as ws:
        show(ws.get_schema(entity_type, name), fmt)


@app.command()
def upload(
    file: Annotated[Path, typer.Argument(help='JSON: a list of entries or {"entries": [...]}.')],
    fmt: FormatOpt = Format.json,
) -> None:
    """Create or replace schemas from a JSON file of entries (entityType, name, schemaJson)."""
    with _state.workspace() as ws:
        show(ws.upload_schemas(file), fmt)


@app.command()
def delete(
    entity_type: EntityArg, name: NameArg, yes: YesOpt = False, fmt: FormatOpt = Format.json
) -> None:
    """Delete one schema (asks first; --yes to skip)."""
    confirm(f"Delete the {entity_type} schema {name!r}", yes)
    with _state.workspace() as ws:
        ws.delete_schema(entity_type, name)
    done(fmt, deleted=name, entity_type=entity_type)
