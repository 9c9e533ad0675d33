"""ReadAhead: a helper thread reads blocks ahead of the caller, within a byte budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from mixpanel_data._services.downloads import ReadAhead, read_ahead


def test_blocks_come_out_in_order_then_the_error() -> None:
    def blocks() -> Iterator[bytes]:
        yield from (b"%d\n" % i for i in range(1000))
        raise OSError("the disk went away")

    got: list[bytes] = []
    with pytest.raises(OSError, match="went away"):
        for block in read_ahead(blocks(), budget=64):
            got.append(block)
    assert got == [b"%d\n" % i for i in range(1000)]


def test_the_reader_stays_within_its_budget() -> None:
    made: list[int] = []

    def blocks() -> Iterator[bytes]:
        for i in range(100):
            made.append(i)
            yield bytes(1000)

    reader = ReadAhead(blocks(), budget=10_000)
    try:
        deadline = time.monotonic() + 10
        while len(made) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # time to read everything, if it were allowed to
        assert 10 <= len(made) <= 11  # 10 blocks held, and one more made while waiting
        first = next(iter(reader))
        assert first == bytes(1000)
        time.sleep(0.2)
        assert len(made) <= 12
        assert sum(1 for _ in reader) == 99
    finally:
        reader.close()


def test_a_block_larger_than_the_budget_still_passes() -> None:
    assert list(read_ahead(iter([bytes(50), bytes(10)]), budget=5)) == [bytes(50), bytes(10)]


def test_close_stops_the_thread() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x\n"

    before = threading.active_count()
    reader = ReadAhead(endless(), budget=100)
    assert next(iter(reader)) == b"x\n"
    reader.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before
