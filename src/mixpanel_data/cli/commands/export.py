"""`mp export ...`: the local store written out in formats other engines read.

``mp export parquet TABLE DIR`` writes a Hive-partitioned Parquet dataset (``date=YYYY-MM-DD/``
folders, ``--partition-by`` to choose); each partition folder appears whole or not at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import DbOpt, Format, FormatOpt, list_option, names
from mixpanel_data.cli._output import emit

app = typer.Typer(
    no_args_is_help=True,
    help="Write local tables as Parquet datasets (Hive-partitioned by date).",
)


@app.command("parquet")
def parquet(
    table: Annotated[str, typer.Argument(help="The local table (e.g. events).")],
    directory: Annotated[Path, typer.Argument(help="The dataset folder (created if missing).")],
    partition_by: Annotated[
        list[str] | None,
        list_option(
            "--partition-by",
            "-p",
            help="A partition column: date (the UTC day of event_time), event_name, or any "
            "column; default date. --partition-by none writes one file.",
        ),
    ] = None,
    compression: Annotated[
        str, typer.Option("--compression", help="zstd, snappy, gzip or uncompressed.")
    ] = "zstd",
    db: DbOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Write TABLE to DIR as Parquet: `mp export parquet events out -p date -p event_name`."""
    from mixpanel_data._workspace import Workspace

    columns = names(partition_by, "--partition-by") or ["date"]
    if columns == ["none"]:
        columns = []
    if db is not None and not db.exists():
        raise _state.fail(f"no database file at {db}", _state.EXIT_NOT_FOUND)
    with Workspace.open(db, read_only=True) if db is not None else _state.workspace() as ws:
        result = ws.export_parquet(table, directory, partition_by=columns, compression=compression)
    emit(result.to_dict(), fmt)
