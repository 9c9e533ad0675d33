"""Fixtures of the storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mixpanel_data._storage import StorageEngine


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StorageEngine]:
    engine = StorageEngine(tmp_path / "store.duckdb")
    yield engine
    engine.close()
