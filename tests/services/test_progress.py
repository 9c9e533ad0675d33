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


# -- the one reporting thread --------------------------------------------------------------------


def test_workers_in_many_threads_are_reported_from_one_thread_only() -> None:
    import threading

    from mixpanel_data._services.progress import Reporter

    callers: set[str] = set()
    seen: list[FetchProgress] = []

    def callback(p: FetchProgress) -> None:
        callers.add(threading.current_thread().name)
        seen.append(p)

    with Reporter(callback, total=8, every=0.01) as rep:
        workers = [
            threading.Thread(target=lambda: [rep.add(chunks_done=1, events=1000) for _ in range(2)])
            for _ in range(4)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        rep.phase("load")
        rep.phase("dedup")
        rep.phase("done", events=7000)
    assert callers == {"mp-progress"}
    assert (seen[-1].phase, seen[-1].chunks_done, seen[-1].events) == ("done", 8, 7000)
    phases = [p.phase for p in seen]
    assert phases.index("done") == len(phases) - 1


def test_an_error_ends_the_report_with_stopped_and_the_line_is_erased() -> None:
    from mixpanel_data._services.progress import Reporter

    out = _Tty()
    update = stderr_progress("events", stream=out, every=0.0)
    with pytest.raises(RuntimeError), Reporter(update, total=3, every=0.01) as rep:
        rep.add(chunks_done=1, events=10, bytes=2048)
        raise RuntimeError("boom")
    text = out.getvalue()
    assert text.endswith("\r\x1b[K")  # the last write erases the line: nothing is left behind
    assert "downloading 1/3" in text or text == "\r\x1b[K"


def test_the_rich_bar_is_removed_when_the_fetch_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    update = rich_progress("events")
    assert update is not None
    update(FetchProgress("download", 1, 4, events=10, bytes=1 << 20, elapsed=1.0))
    drawn = tty.getvalue()
    update(FetchProgress("stopped", 1, 4, events=10, elapsed=1.5))
    assert "downloading" in drawn and "1.0 MB" in drawn
    update(FetchProgress("download", 2, 4, events=20, elapsed=2.0))  # after the end: ignored
    assert "2/4" not in tty.getvalue()


def test_phases_are_named_with_bytes_and_rate() -> None:
    from mixpanel_data._services.progress import describe

    p = FetchProgress("dedup", 4, 4, events=4000, bytes=5 << 20, elapsed=2.0)
    assert describe(p, "events") == "deduplicating 4/4 · 5.0 MB · 4,000 events · 2,000/s"
