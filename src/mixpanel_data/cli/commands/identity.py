"""`mp identity merge|create|alias`: join identities. Each is sent once and never repeated after
it may have reached Mixpanel."""

from __future__ import annotations

from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import show
from mixpanel_data.cli._options import Format, FormatOpt

app = typer.Typer(
    no_args_is_help=True, help="Merge identities, identify anonymous ids, create aliases."
)


def _id(help: str) -> object:
    return typer.Argument(help=help, show_default=False)


@app.command()
def merge(
    distinct_id: Annotated[str, _id("One distinct id.")],
    other_id: Annotated[str, _id("The other distinct id.")],
    fmt: FormatOpt = Format.json,
) -> None:
    """Join the identity clusters of two distinct ids into one ($merge)."""
    with _state.workspace() as ws:
        show(ws.merge_identities(distinct_id, other_id), fmt)


@app.command()
def create(
    identified_id: Annotated[str, _id("The known user id.")],
    anon_id: Annotated[str, _id("The anonymous id to link to it.")],
    fmt: FormatOpt = Format.json,
) -> None:
    """Link an anonymous id to a known user ($identify)."""
    with _state.workspace() as ws:
        show(ws.create_identity(identified_id, anon_id), fmt)


@app.command()
def alias(
    distinct_id: Annotated[str, _id("The existing distinct id.")],
    alias_id: Annotated[str, _id("The new name for it.")],
    fmt: FormatOpt = Format.json,
) -> None:
    """Make ALIAS_ID another name for DISTINCT_ID ($create_alias)."""
    with _state.workspace() as ws:
        show(ws.create_alias(distinct_id, alias_id), fmt)
