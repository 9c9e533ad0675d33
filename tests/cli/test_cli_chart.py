"""`--format chart`: time series drawn with Unicode blocks in the terminal.

The totals and shapes the chart must show are computed from the same command's `-f json` answer.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

from cli_helpers import MpRunner

from mixpanel_data.cli import _chart
from mixpanel_data.cli._chart import BLOCKS, SEGMENT_ROWS, draw, sparkline


def _json(mp: MpRunner, *args: str) -> dict[str, object]:
    run = mp(*args, "-f", "json")
    assert run.code == 0, str(run)
    data: dict[str, object] = json.loads(run.stdout)
    return data


def _parts(text: str) -> tuple[list[str], list[str], list[str]]:
    """Heading lines, column-chart rows (without axis) and sparkline lines."""
    lines = text.rstrip("\n").splitlines()
    chart = [line.split("┤", 1)[1] for line in lines if "┤" in line]
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[:2], chart, lines[axis + 2 :]


def test_segmentation_chart_shows_the_total_and_a_line_per_segment(
    mp: MpRunner, span: tuple[str, str]
) -> None:
    args = ["query", "segmentation", "-e", "Page View", "--from", span[0], "--to", span[1]]
    args += ["--on", "$browser"]
    answer = _json(mp, *args)
    series: dict[str, dict[str, int]] = answer["series"]  # type: ignore[assignment]
    dates: list[str] = answer["dates"]  # type: ignore[assignment]
    run = mp(*args, "-f", "chart")
    assert run.code == 0, str(run)
    heading, columns, sparks = _parts(run.stdout)
    total = sum(v for by_date in series.values() for v in by_date.values())
    assert f"total {total:,}" in heading[1]
    assert all(len(row) == len(dates) for row in columns) and len(columns) == 8
    per_date = [sum(s.get(d, 0) for s in series.values()) for d in dates]
    tallest = per_date.index(max(per_date))
    assert columns[0][tallest] == "█"  # the largest bucket reaches the top row
    assert len(sparks) == min(len(series), SEGMENT_ROWS) + (len(series) > SEGMENT_ROWS)
    by_total = sorted(series, key=lambda s: (-sum(series[s].values()), s))
    for line, name in zip(sparks, by_total, strict=False):
        assert line.startswith(name[:20])
        assert line.rstrip().endswith(f"{sum(series[name].values()):,}")


def test_event_counts_chart(mp: MpRunner, span: tuple[str, str]) -> None:
    args = ["query", "event-counts", "-e", "Sign Up", "-e", "Purchase"]
    args += ["--from", span[0], "--to", span[1]]
    answer = _json(mp, *args)
    series: dict[str, dict[str, int]] = answer["series"]  # type: ignore[assignment]
    run = mp(*args, "-f", "chart")
    assert run.code == 0, str(run)
    _, _, sparks = _parts(run.stdout)
    assert sorted(line.split()[0] for line in sparks) == ["Purchase", "Sign"]
    total = sum(v for by_date in series.values() for v in by_date.values())
    assert f"total {total:,}" in run.stdout


def test_chart_of_a_non_time_series_is_a_usage_error(mp: MpRunner, span: tuple[str, str]) -> None:
    run = mp("query", "retention", "--born", "Sign Up", "--from", span[0], "--to", span[1],
             "-f", "chart")  # fmt: skip
    assert run.code == 3, str(run)
    assert "chart draws time series only: mp query event-counts" in run.stderr
    assert run.stdout == ""


def test_chart_is_refused_before_a_fetch_starts(
    mp: MpRunner, span: tuple[str, str], sb_env: dict[str, str]
) -> None:
    run = mp("fetch", "events", "--from", span[0], "--to", span[1], "--no-progress", "-f", "chart")
    assert run.code == 3, str(run)
    assert "--format" in run.stderr and "chart draws time series only" in run.stderr
    data = Path(sb_env["MP_DATA_DIR"])
    assert not data.exists() or not list(data.rglob("*.duckdb"))  # nothing fetched
    again = mp("fetch", "events", "--from", span[0], "--to", span[0], "--no-progress")
    assert again.code == 0, str(again)
    assert list(data.rglob("*.duckdb"))  # where the refused fetch would have written


def test_chart_from_the_environment_too(mp: MpRunner, span: tuple[str, str]) -> None:
    run = mp("query", "segmentation", "-e", "Sign Up", "--from", span[0], "--to", span[1],
             env_extra={"MP_FORMAT": "chart"})  # fmt: skip
    assert run.code == 0, str(run)
    assert "┤" in run.stdout and "└" in run.stdout


def test_wide_ranges_fold_into_the_width() -> None:
    dates = [f"2026-10-{d:02d}" for d in range(1, 32)]
    text = draw(dates, {"E": dict.fromkeys(dates, 1)}, title="E", width=10)
    _, columns, sparks = _parts(text)
    assert all(len(row) == 8 for row in columns)  # 31 buckets, 4 per column
    assert "every 4 added up per column" in text
    assert sparks[0].rstrip().endswith(" 31")


def test_zero_series_draws_an_empty_chart() -> None:
    text = draw(["2026-10-01"], {"E": {"2026-10-01": 0}}, title="E")
    _, columns, _ = _parts(text)
    assert all(row == " " for row in columns)
    assert sparkline([0, 0]) == "  "


def test_eighths() -> None:
    assert sparkline([1, 8]) == BLOCKS[1] + BLOCKS[8]
    assert doctest.testmod(_chart).failed == 0


def test_segmentation_sum_chart(mp: MpRunner, span: tuple[str, str]) -> None:
    args = ["query", "segmentation-sum", "-e", "Purchase", "--on", "amount"]
    args += ["--from", span[0], "--to", span[1]]
    answer = _json(mp, *args)
    results: dict[str, float] = answer["results"]  # type: ignore[assignment]
    run = mp(*args, "-f", "chart")
    assert run.code == 0, str(run)
    _, columns, sparks = _parts(run.stdout)
    assert all(len(row) == len(results) for row in columns)
    assert len(sparks) == 1 and sparks[0].startswith("Purchase")
    total = sum(results.values())
    assert sparks[0].rstrip().endswith(f"{total:,.0f}" if total >= 100 else f"{total:,.2f}")


def test_saved_insights_report_chart(mp: MpRunner) -> None:
    listed = mp("inspect", "bookmarks", "-f", "json")
    assert listed.code == 0, str(listed)
    by_type = {b["type"]: b["id"] for b in json.loads(listed.stdout)}
    answer = _json(mp, "query", "saved-report", str(by_type["insights"]))
    run = mp("query", "saved-report", str(by_type["insights"]), "-f", "chart")
    assert run.code == 0, str(run)

    def numbers(node: object) -> float:
        if isinstance(node, dict):
            return sum(numbers(v) for v in node.values())
        return node if isinstance(node, int | float) and not isinstance(node, bool) else 0

    total = numbers(answer["series"])
    assert f"total {total:,.0f}" in run.stdout
    flows = mp("query", "saved-report", str(by_type["flows"]), "-f", "chart")
    assert flows.code == 3, str(flows)
    assert "--format chart draws time series" in flows.error_line()
