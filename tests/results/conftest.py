"""Fixtures for the result-builder tests: Mixpanel's documented example responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def mixpanel_examples() -> dict[str, Any]:
    """The 200 example of every path of Mixpanel's Query API document, keyed by path."""
    data: dict[str, Any] = json.loads((DATA / "mixpanel_query_examples.json").read_text())
    return data


@pytest.fixture(scope="session")
def spec_examples() -> dict[str, Any]:
    """Examples from our own spec, for endpoints Mixpanel does not document."""
    data: dict[str, Any] = json.loads((DATA / "project_spec_examples.json").read_text())
    return data


def _roundtrip(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


@pytest.fixture(scope="session")
def roundtrip() -> Any:
    """``roundtrip(value)``: ``value`` through JSON text and back (fails unless JSON-able)."""
    return _roundtrip
