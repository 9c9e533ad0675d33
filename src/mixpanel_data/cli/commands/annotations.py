"""`mp annotations ...`: the dated notes on a project's charts, and their tags."""

from __future__ import annotations

from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, done, show
from mixpanel_data.cli._options import Format, FormatOpt

app = typer.Typer(no_args_is_help=True, help="List, create, update and delete annotations.")

IdArg = Annotated[int, typer.Argument(help="The annotation's id.", show_default=False)]
TagsOpt = Annotated[
    list[int] | None,
    typer.Option("--tag", "-t", help="A tag id (repeat for several).", show_default=False),
]


@app.command("list")
def list_(
    from_date: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to_date: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """List annotations (optionally only those between --from and --to)."""
    with _state.workspace() as ws:
        show(ws.list_annotations(from_date, to_date), fmt)


@app.command()
def get(annotation_id: IdArg, fmt: FormatOpt = Format.json) -> None:
    """Show one annotation."""
    with _state.workspace() as ws:
        show(ws.get_annotation(annotation_id), fmt)


@app.command()
def create(
    date: Annotated[str, typer.Argument(help="YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'.")],
    description: Annotated[str, typer.Argument(help="The note's text.")],
    tags: TagsOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Add an annotation (sent once, never retried)."""
    with _state.workspace() as ws:
        show(ws.create_annotation(date, description, tags=tags), fmt)


@app.command()
def update(
    annotation_id: IdArg,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="The new text.")
    ] = None,
    tags: TagsOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Change an annotation's text and/or tags."""
    with _state.workspace() as ws:
        show(ws.update_annotation(annotation_id, description=description, tags=tags), fmt)


@app.command()
def delete(annotation_id: IdArg, yes: YesOpt = False, fmt: FormatOpt = Format.json) -> None:
    """Delete an annotation (asks first; --yes to skip)."""
    confirm(f"Delete annotation {annotation_id}", yes)
    with _state.workspace() as ws:
        ws.delete_annotation(annotation_id)
    done(fmt, deleted=annotation_id)


@app.command()
def tags(fmt: FormatOpt = Format.json) -> None:
    """List annotation tags."""
    with _state.workspace() as ws:
        show(ws.list_annotation_tags(), fmt)


@app.command("create-tag")
def create_tag(
    name: Annotated[str, typer.Argument(help="The tag's name.")], fmt: FormatOpt = Format.json
) -> None:
    """Add an annotation tag."""
    with _state.workspace() as ws:
        show(ws.create_annotation_tag(name), fmt)
