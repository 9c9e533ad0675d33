"""Record and Records, the results of the management methods (pure, no I/O)."""

from __future__ import annotations

import json

from mixpanel_data.results import Record, Records


def test_record_reads_and_serialises_its_fields() -> None:
    note = Record("annotation", {"id": 7, "tags": [{"id": 1}], "user": None})
    assert (note.id, note["tags"], note.get("missing", "-")) == (7, [{"id": 1}], "-")
    assert note.to_dict() == {"id": 7, "tags": [{"id": 1}], "user": None}
    assert list(note.df.columns) == ["id", "tags", "user"] and len(note.df) == 1


def test_records_iterate_as_records_with_one_frame_row_each() -> None:
    items = Records("flag", ({"id": "a", "key": "x"}, {"id": "b", "key": "y", "extra": 1}))
    assert len(items) == 2 and items.ids == ["a", "b"]
    assert [r.kind for r in items] == ["flag", "flag"] and items[1]["extra"] == 1
    assert items.to_dict() == {"kind": "flag", "items": items.rows()}
    assert list(items.df.columns) == ["id", "key", "extra"] and len(items.df) == 2
    assert json.loads(json.dumps(items.to_dict()))["items"][0] == {"id": "a", "key": "x"}


def test_empty_records_have_an_empty_frame() -> None:
    assert Records("annotation").df.empty and Records("annotation").ids == []


def test_secrets_stay_out_of_repr_and_str_but_not_out_of_the_data() -> None:
    account = Record("service_account", {"id": 1, "token": "s3cr3t-value"})
    many = Records("service_account", ({"id": 1, "secret": "s3cr3t-value"},))
    for text in (repr(account), str(account), repr(many), str(many)):
        assert "s3cr3t-value" not in text and "***" in text
    assert account["token"] == "s3cr3t-value"
