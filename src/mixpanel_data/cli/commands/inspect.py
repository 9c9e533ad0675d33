"""`mp inspect ...`: what the Mixpanel project holds (and, from the storage side, the local store).

Discovery commands ask Mixpanel (answers are cached per invocation only). ``json`` prints the
list as JSON, ``plain`` one item per line (``id: name`` for saved things), ``table``, ``csv`` and
``jsonl`` one row per item.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mixpanel_data.cli import _state
from mixpanel_data.cli._options import Format, FormatOpt
from mixpanel_data.cli._output import emit

app = typer.Typer(
    no_args_is_help=True,
    help="Discover events, properties, funnels, cohorts and saved reports (and local tables).",
)


def _emit_items(items: list[Any], fmt: Format) -> None:
    """Names print as they are; typed items print ``str(item)`` per line in plain format."""
    if fmt is Format.plain and items and not isinstance(items[0], str | dict):
        emit([str(i) for i in items], fmt)
        return
    emit(items, fmt)


@app.command("events")
def events(fmt: FormatOpt = Format.json) -> None:
    """Event names of the project (last 31 days), sorted."""
    with _state.workspace() as ws:
        _emit_items(ws.list_events(), fmt)


@app.command("properties")
def properties(
    event: Annotated[str, typer.Argument(help="The event whose properties to list.")],
    fmt: FormatOpt = Format.json,
) -> None:
    """Property names seen on EVENT, sorted."""
    with _state.workspace() as ws:
        _emit_items(ws.list_properties(event), fmt)


@app.command("values")
def values(
    property_: Annotated[
        str, typer.Argument(metavar="PROPERTY", help="The property whose values to list.")
    ],
    event: Annotated[
        str | None,
        typer.Option("--event", "-e", help="The event the property is on (Mixpanel needs one)."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-l", help="How many values (most common first).")
    ] = 100,
    fmt: FormatOpt = Format.json,
) -> None:
    """The most common values of PROPERTY on an event, as text."""
    if event is None:
        raise _state.fail(
            f"give the event with --event: Mixpanel lists the values of {property_!r} on one "
            "event (`mp inspect events` lists them)"
        )
    with _state.workspace() as ws:
        _emit_items(ws.list_property_values(property_, event=event, limit=limit), fmt)


@app.command("funnels")
def funnels(fmt: FormatOpt = Format.json) -> None:
    """Saved funnels (id and name)."""
    with _state.workspace() as ws:
        _emit_items(ws.list_funnels(), fmt)


@app.command("cohorts")
def cohorts(fmt: FormatOpt = Format.json) -> None:
    """Saved cohorts with their size."""
    with _state.workspace() as ws:
        items = ws.list_cohorts()
    if fmt is Format.table:
        emit(
            [
                {"id": c.id, "name": c.name, "count": c.count, "visible": c.is_visible}
                for c in items
            ],
            fmt,
        )
        return
    _emit_items(items, fmt)


@app.command("bookmarks")
def bookmarks(
    type_: Annotated[
        str | None,
        typer.Option("--type", "-t", help="Only one kind: insights, funnels, retention, flows."),
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Saved reports (their ids run with `mp query saved-report ID`)."""
    with _state.workspace() as ws:
        items = ws.list_bookmarks(type_)
    if fmt is Format.table:
        emit([{"id": b.id, "type": b.type, "name": b.name} for b in items], fmt)
        return
    _emit_items(items, fmt)


@app.command("top-events")
def top_events(
    type_: Annotated[
        str, typer.Option("--type", "-t", help="general, average or unique.")
    ] = "general",
    limit: Annotated[
        int | None, typer.Option("--limit", "-l", help="At most this many events.")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Today's top events with their counts and change since yesterday."""
    with _state.workspace() as ws:
        _emit_items(ws.list_top_events(type=type_, limit=limit), fmt)  # type: ignore[arg-type]


@app.command("schemas")
def schemas(
    entity_type: Annotated[
        str | None, typer.Option("--type", "-t", help="Only event or profile schemas.")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Lexicon schemas (data dictionary) of the project."""
    with _state.workspace() as ws:
        items = ws.list_schemas(entity_type)
    if fmt in (Format.table, Format.plain, Format.csv):
        rows = [
            {
                "entity_type": s.get("entityType"),
                "name": s.get("name"),
                "description": (s.get("schemaJson") or {}).get("description"),
                "properties": len((s.get("schemaJson") or {}).get("properties") or {}),
            }
            for s in items
        ]
        emit(rows, fmt)
        return
    emit(items, fmt)


# -- local store --------------------------------------------------------------------------------
# `mp inspect tables|schema|info|drop` belong to the storage side: cli/commands/local.py registers
# them on this `app`.
