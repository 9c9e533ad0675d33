"""Options shared by several `mp` commands, defined once.

Example:
    >>> from mixpanel_data.cli._options import FormatOpt
    >>> def events(fmt: FormatOpt = Format.json) -> None: ...  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Annotated

import typer

from mixpanel_data.cli._output import Format

FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", envvar="MP_FORMAT", help="json, jsonl, table, csv or plain."),
]

__all__ = ["Format", "FormatOpt"]
