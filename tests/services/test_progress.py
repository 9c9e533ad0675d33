"""Fetch progress reporters: the library's plain line (no Rich) and the CLI's Rich bar."""

from __future__ import annotations

import io
import sys

import pytest

from mixpanel_data._services.fetcher import FetchProgress
from mixpanel_data._services.progress import stderr_progress
from mixpanel_data.cli._progress import rich_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_line_is_rewritten_and_ends_with_a_newline() -> None:
    out = _Tty()
    update = stderr_progress("events", stream=out, every=3600)
    assert update is not None
    update(FetchProgress("download", 1, 4, events=1000, elapsed=2.0))
    update(FetchProgress("download", 2, 4, events=2000, elapsed=3.0))  # throttled away
    update(FetchProgress("done", 4, 4, events=5000, elapsed=5.0))
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    assert "downloading 1/4 · 1,000 events · 500/s" in text
    assert "done 4/4 · 5,000 events · 1,000/s" in text and "2,000" not in text


def test_plain_line_is_silent_without_a_terminal() -> None:
    assert stderr_progress("events", stream=io.StringIO()) is None


def test_rich_bar_draws_on_a_terminal_and_not_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert rich_progress("events") is None
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    update = rich_progress("profiles")
    assert update is not None
    update(FetchProgress("download", 1, 2, events=10, elapsed=1.0))
    update(FetchProgress("done", 2, 2, events=20, elapsed=2.0))
    assert "profiles" in tty.getvalue()
