"""Annotations through the Workspace, each effect checked through an independent read."""

from __future__ import annotations

import pytest
from manage_helpers import workspace_for

from mixpanel_data._workspace import Workspace
from mixpanel_data.exceptions import NotFoundError, TransportError, ValidationError
from mixpanel_data.results import Record, Records
from mixpanel_data.sandbox import Fault, Sandbox


def test_create_shows_in_list_and_get_with_the_same_fields(ws: Workspace) -> None:
    tag = ws.create_annotation_tag("launch-a")
    note = ws.create_annotation("2026-01-20 00:00:00", "Pricing v2", tags=[tag.id])

    listed = {a.id: a for a in ws.list_annotations("2026-01-20", "2026-01-20")}
    assert listed[note.id].to_dict() == note.to_dict()
    got = ws.get_annotation(note.id)
    assert (got["description"], [t["id"] for t in got["tags"]]) == ("Pricing v2", [tag.id])
    assert tag.id in ws.list_annotation_tags().ids


def test_list_date_range_leaves_out_other_days(ws: Workspace) -> None:
    note = ws.create_annotation("2026-01-05 00:00:00", "Outside")
    assert note.id in ws.list_annotations().ids
    assert note.id not in ws.list_annotations("2026-01-06", "2026-01-31").ids


def test_update_changes_only_what_is_given(ws: Workspace) -> None:
    note = ws.create_annotation("2026-01-21 00:00:00", "Before")
    ws.update_annotation(note.id, description="After")
    got = ws.get_annotation(note.id)
    assert (got["description"], got["date"]) == ("After", note["date"])


def test_update_with_nothing_is_refused_before_any_request(ws: Workspace) -> None:
    with pytest.raises(ValidationError) as caught:
        ws.update_annotation(1)
    assert caught.value.details["param"] == "description"


def test_delete_then_get_is_not_found(ws: Workspace) -> None:
    note = ws.create_annotation("2026-01-22 00:00:00", "Short-lived")
    ws.delete_annotation(note.id)
    with pytest.raises(NotFoundError):
        ws.get_annotation(note.id)
    assert note.id not in ws.list_annotations().ids


def test_results_are_typed_with_frames(ws: Workspace) -> None:
    notes = ws.list_annotations()
    assert isinstance(notes, Records) and isinstance(notes[0], Record)
    assert len(notes.df) == len(notes) and {"id", "date", "description"} <= set(notes.df.columns)
    assert notes.to_dict()["items"][0]["id"] == notes.ids[0]
    assert list(notes[0].df["id"]) == [notes.ids[0]]


def test_create_is_not_retried_after_a_dropped_answer(sb: Sandbox) -> None:
    """The server stores the annotation, then drops the connection: the call fails and the
    annotation exists exactly once (no retry re-created it), though retries are on."""
    sb.faults.clear()
    sb.faults.add(Fault("drop", path="*/annotations", method="POST"))
    try:
        with workspace_for(sb, retries=3) as ws:
            with pytest.raises(TransportError):
                ws.create_annotation("2026-01-23 00:00:00", "Exactly once")
            found = [a for a in ws.list_annotations() if a["description"] == "Exactly once"]
    finally:
        sb.faults.clear()
    assert len(found) == 1
