"""parse_lines: each line of an export is exactly one JSON object, whichever path reads a block."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mixpanel_data._services.downloads import Chunk, parse_lines
from mixpanel_data.exceptions import DataError

CHUNK = Chunk("2026-10-01", "2026-10-07")


def _records(*blocks: bytes) -> list[dict[str, Any]]:
    return list(parse_lines(CHUNK, iter(blocks)))


def _bad(*blocks: bytes) -> DataError:
    with pytest.raises(DataError) as info:
        _records(*blocks)
    return info.value


def _lines(n: int, start: int = 0) -> bytes:
    return b"".join(
        json.dumps({"event": f"e{i}", "properties": {"time": i, "x": [i, {"y": "z"}]}}).encode()
        + b"\n"
        for i in range(start, start + n)
    )


def test_records_come_out_in_order_across_blocks() -> None:
    got = _records(_lines(500), _lines(3, 500), _lines(1, 503))
    assert [r["event"] for r in got] == [f"e{i}" for i in range(504)]
    assert got[7] == {"event": "e7", "properties": {"time": 7, "x": [7, {"y": "z"}]}}


@pytest.mark.parametrize(
    "block",
    [
        b'{"a":1}\n\n{"a":2}\n',  # a blank line
        b'{"a":1}\n   \n{"a":2}\n',  # a line of spaces
        b'{"a":1}\r\n{"a":2}\r\n',  # CRLF
        b'  {"a":1}  \n{"a":2}\n',  # padded
        b'{"a":1}\n{"a":2}',  # no newline at the end
    ],
)
def test_unusual_but_valid_blocks_read_like_lines(block: bytes) -> None:
    assert _records(block) == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize(
    ("blocks", "line", "why"),
    [
        ((_lines(10), b'{"a":1}{"b":2}\n'), 11, "not valid JSON"),
        ((_lines(2), b'{"a":1},{"b":[1\n2]}\n'), 3, "not valid JSON"),
        # values spread over lines or two on one line: each line must be exactly one object
        ((_lines(1), b'{"a":[{"x":1}\n{"y":2}]}\n{"c":1} ,\t{"d":2}\n'), 2, "not valid JSON"),
        ((_lines(1), b'{"a":1},{"b":2}\n'), 2, "not valid JSON"),
        ((_lines(1), b'{"a":1}],[{"b":2}\n{"c":[[1\n2]]}\n'), 2, "not valid JSON"),
        ((_lines(4), b'{"a":1}\n[1,2]\n'), 6, "not a JSON object"),
        ((_lines(3), b'{"a":\n'), 4, "not valid JSON"),
        ((_lines(1), b"[" * 100_000 + b"\n"), 2, "nested too deeply"),
        ((_lines(5), b'{"a":"\xff"}\n'), 6, "not valid UTF-8"),
    ],
)
def test_a_bad_line_is_named_by_its_number(blocks: tuple[bytes, ...], line: int, why: str) -> None:
    err = _bad(*blocks)
    assert err.details["line"] == line and why in err.message
    assert err.details["chunk"] == CHUNK.name


def test_line_numbers_count_blank_lines_of_earlier_blocks() -> None:
    err = _bad(b'{"a":1}\n\n\n', _lines(2), b"nope\n")
    assert err.details["line"] == 6


def test_objects_in_nested_arrays_are_read_whole() -> None:
    block = b'{"items":[{"a":1}, {"b":2}]}\n{"c":{"d":{}}}\n{"m":[[1,2] ,\t[3]]}\n'
    assert _records(block) == [
        {"items": [{"a": 1}, {"b": 2}]},
        {"c": {"d": {}}},
        {"m": [[1, 2], [3]]},
    ]


def test_every_path_reads_what_json_loads_reads_line_by_line() -> None:
    good = _lines(300)
    padded = good.replace(b"\n", b" \n", 7)  # the first seven lines end with a space
    nested = good + b'{"l":[{"x":1},{"y":[{}]}]}\n' + _lines(5, 300)
    matrix = good + b'{"m":[[1],[2]]}\n' + _lines(5, 300)
    for block in (good, padded, nested, matrix, good.replace(b"\n", b"\r\n")):
        expected = [json.loads(line) for line in block.splitlines()]
        assert _records(block) == expected
        assert _records(*block.splitlines(keepends=True)) == expected
