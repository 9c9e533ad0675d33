"""`mp lookup-tables list|replace`: the project's lookup tables, and replacing one's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._manage import YesOpt, confirm, show
from mixpanel_data.cli._options import DbOpt, Format, FormatOpt

app = typer.Typer(no_args_is_help=True, help="List lookup tables and replace their rows.")


@app.command("list")
def list_(fmt: FormatOpt = Format.json) -> None:
    """List the project's lookup tables (id, name)."""
    with _state.workspace() as ws:
        show(ws.lookup_tables(), fmt)


@app.command()
def replace(
    table_id: Annotated[str, typer.Argument(help="The lookup table's id.", show_default=False)],
    file: Annotated[
        Path | None,
        typer.Argument(
            help="CSV file (gzip too); the first column is the key.", show_default=False
        ),
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Upload this table of the local store.")
    ] = None,
    yes: YesOpt = False,
    db: DbOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Replace every row of a lookup table with FILE or --table (asks first; --yes to skip).

    Every row is checked before the upload; a bad one is named and nothing is sent.
    """
    if (file is None) == (table is None):
        raise _state.fail("give exactly one of FILE or --table")
    confirm(f"Replace every row of lookup table {table_id}", yes)
    if table is not None:
        with _state.workspace(path=db) as ws:
            show(ws.replace_lookup_table(table_id, table=table), fmt)
        return
    from mixpanel_data._workspace import Workspace

    with Workspace.memory(account=_state.STATE.account) as ws:
        show(ws.replace_lookup_table(table_id, file), fmt)
