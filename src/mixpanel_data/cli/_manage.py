"""What the management groups (annotations, gdpr, lexicon, flags) share: ``--yes`` and output.

Destructive commands (delete, cancel) ask before acting when stdin is a terminal; otherwise they
act only with ``--yes`` and refuse (exit 3, naming ``--yes``) without it, so a script never hangs
on a prompt nor deletes by accident.

Example:
    >>> def delete(id: int, yes: YesOpt = False) -> None:   # doctest: +SKIP
    ...     confirm(f"Delete annotation {id}", yes)
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._output import Format, emit

YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes", "-y", help="Do it without asking (required when stdin is not a terminal)."
    ),
]


def confirm(action: str, yes: bool) -> None:
    """Go on if ``yes``; else ask on a terminal, or refuse (exit 3) when there is none."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise _state.fail(f"{action}: not confirmed; pass --yes to do it without a terminal")
    if not typer.confirm(f"{action}?", default=False, err=True):
        raise _state.fail("not confirmed; nothing was changed", _state.EXIT_ERROR)


def show(result: Any, fmt: Format) -> None:
    """Print a Record (one row) or Records (one row per item) in ``fmt``."""
    rows = getattr(result, "rows", None)
    emit(rows() if callable(rows) else result.to_dict(), fmt)


def done(fmt: Format, **what: Any) -> None:
    """Print what a command without an answer body did (``{"deleted": 12}``)."""
    emit(what, fmt)


__all__ = ["YesOpt", "confirm", "done", "show"]
