"""Options shared by several `mp` commands, defined once.

``--format`` (or ``MP_FORMAT``), ``--db`` (or ``MP_DB``), the ``--from``/``--to`` days, and the one
rule for options that take several names: **repeat the option, one name per value**
(``-e Login -e "Checkout, Web"``). A value is taken whole, commas included, exactly like one item
of the Python list (``events=["Login", "Checkout, Web"]``); a value holding a comma gets a note on
stderr, so a comma-separated habit is never silently read as one strange name.

The Python parameter behind each option has the library's name (``born_event`` for ``--born``),
so an error about ``born_event`` is shown as ``--born`` (see :func:`mixpanel_data.cli._state.run`).

Example:
    >>> from mixpanel_data.cli._options import FormatOpt
    >>> def events(fmt: FormatOpt = Format.json) -> None: ...  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._output import Format, err


def _format(ctx: typer.Context, value: Format) -> Format:
    """Refuse ``chart`` before a command that draws no time series does any work."""
    if value is Format.chart:
        from mixpanel_data.cli._chart import refuse_chart

        refuse_chart(ctx)
    return value


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        envvar="MP_FORMAT",
        help="json, jsonl, table, csv, plain, or chart (time series).",
        callback=_format,
    ),
]
DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="MP_DB",
        help="The DuckDB file (default: ~/.mp/data/<project_id>.duckdb).",
    ),
]
LocalOpt = Annotated[
    bool,
    typer.Option(
        "--local",
        help="Compute the report over the local store (a fetched table), not Mixpanel.",
    ),
]
TableOpt = Annotated[
    str | None,
    typer.Option("--table", help="With --local: the stored events table (default: events)."),
]
FromOpt = Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (inclusive, UTC).")]
ToOpt = Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive, UTC).")]

#: Appended to the help of every option that takes several names.
REPEAT_HELP = "Repeat for several; each value is one name, taken whole (commas included)."


def list_option(*flags: str, help: str) -> Any:
    """A repeatable option whose values are names taken whole (see the module doc).

    Example:
        >>> EventsOpt = Annotated[list[str] | None, list_option("--events", "-e", help="Events.")]
    """
    return typer.Option(*flags, help=f"{help} {REPEAT_HELP}", show_default=False)


def names(values: list[str] | None, flag: str) -> list[str] | None:
    """The values of a repeatable option, as given (``None`` when it was not given).

    A value with a comma is kept whole, with a one-line note on stderr saying how to pass
    several names, unless ``--quiet``.
    """
    if not values:
        return None
    for value in values:
        if "," in value and not _state.STATE.quiet:
            err(
                f"Note: {flag} {value!r} is one name (commas are part of it); "
                f"repeat {flag} to give several"
            )
    return list(values)


__all__ = [
    "REPEAT_HELP",
    "DbOpt",
    "Format",
    "FormatOpt",
    "FromOpt",
    "LocalOpt",
    "TableOpt",
    "ToOpt",
    "list_option",
    "names",
]
