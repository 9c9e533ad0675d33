"""Fixtures for the result-builder tests: Mixpanel's documented example responses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

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


@pytest.fixture(scope="package")
def sandbox() -> Iterator[Sandbox]:
    """A small sandbox for the display and plot tests (end date left to the sandbox's default)."""
    with Sandbox(seed=5, users=60, days=14) as sb:
        yield sb


@pytest.fixture(scope="package")
def ws(sandbox: Sandbox) -> Iterator[Workspace]:
    """A Workspace on :func:`sandbox` with an in-memory store."""
    creds = sandbox.credentials.client_credentials(sandbox.url)
    with Workspace.memory(credentials=creds) as workspace:
        yield workspace


@pytest.fixture(scope="package")
def span(sandbox: Sandbox) -> dict[str, str]:
    """``from_date`` / ``to_date`` covering the sandbox's data."""
    return {"from_date": sandbox.start_date.isoformat(), "to_date": sandbox.end_date.isoformat()}
