"""One line on stderr when a live query or a fetch found nothing, and why it may have.

An empty answer still exits 0 and keeps its columns on stdout; this only tells the reader that
it is empty: an event the project does not have (with the closest name it does have, from the
Workspace's cached event list, or the stored table's names with ``--local``), or a range with no
events (with ``--local``, also the days the table does hold).

Example:
    >>> closest("purchase", ["Login", "Purchase"])
    'Purchase'
    >>> closest("Purchse", ["Login", "Purchase"])
    'Purchase'
    >>> closest("zzz", ["Login"]) is None
    True
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mixpanel_data.cli import _state
from mixpanel_data.cli._output import err

if TYPE_CHECKING:
    from mixpanel_data._workspace import Workspace


def closest(name: str, known: Sequence[str]) -> str | None:
    """The known name ``name`` most likely meant: the same letters in another case, else the
    nearest spelling (or ``None``)."""
    folded = [k for k in known if k.casefold() == name.casefold()]
    if folded:
        return folded[0]
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return near[0] if near else None


def is_empty(result: Any) -> bool:
    """Whether a result has no rows, or only rows whose ``count``/``size`` are all zero."""
    if getattr(result, "total", None) == 0:
        return True
    try:
        df = result.df
    except AttributeError:
        return False
    if len(df) == 0:
        return True
    counted = [c for c in ("count", "size") if c in df.columns]
    return bool(counted) and all((df[c].fillna(0) == 0).all() for c in counted)


def say_if_empty(
    ws: Workspace,
    result: Any,
    events: Sequence[str | None],
    from_date: str,
    to_date: str,
) -> None:
    """When ``result`` is empty, print why on stderr in one line (unless ``--quiet``).

    ``events`` are the event names the query was given (``None`` entries are skipped); a name the
    project does not have gets ``no event named 'x'; did you mean 'X'?``.
    """
    if _state.STATE.quiet or not is_empty(result):
        return
    named = [e for e in events if e]
    if named:
        from mixpanel_data.exceptions import MixpanelDataError

        known: list[str]
        try:
            known = list(ws.list_events())
        except MixpanelDataError:
            known = []
        for name in named:
            if known and name not in known:
                guess = closest(name, known)
                hint = (
                    f"did you mean {guess!r}?"
                    if guess
                    else "`mp inspect events` lists the project's events"
                )
                err(f"no event named {name!r}; {hint}")
                return
    which = f" for {', '.join(repr(e) for e in named)}" if named else ""
    err(f"no events between {from_date} and {to_date}{which}{_span(ws)}")


def _span(ws: Any) -> str:
    """``; <where the data is>`` when the source can say (a stored table can; Mixpanel has no
    call that gives a project's first and last day, so a live query says nothing more)."""
    data_span = getattr(ws, "data_span", None)
    if data_span is None:
        return ""
    from mixpanel_data.exceptions import MixpanelDataError

    try:
        said = data_span()
    except MixpanelDataError:
        return ""
    return f"; {said}" if said else "; the table has no events"
