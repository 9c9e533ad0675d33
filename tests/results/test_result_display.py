"""Notebook display: ``_repr_html_`` / ``_repr_markdown_`` of results and ``ResultList``.

Results come from a running sandbox; the numbers the display must show are computed from each
result's ``.df`` (a different code path from the heading the display prints).
"""

from __future__ import annotations

import datetime as dt
import doctest
import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from mixpanel_data._workspace import Workspace
from mixpanel_data.results import (
    FunnelResult,
    RetentionResult,
    SegmentationResult,
    _html,
    listing,
)
from mixpanel_data.results._base import ResultBase
from mixpanel_data.results.listing import ResultList


class _Table(HTMLParser):
    """Cells of the first HTML table and the text outside it."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "th":
            self.headers.append(data)
        elif self._in == "td":
            self.rows[-1].append(data)


def table_of(markup: str) -> _Table:
    parser = _Table()
    parser.feed(markup)
    parser.rows = [r for r in parser.rows if r]
    return parser


@pytest.fixture(scope="module")
def segmentation(ws: Workspace, span: dict[str, str]) -> SegmentationResult:
    return ws.segmentation("Purchase", on='properties["$os"]', **span)


def test_segmentation_shows_its_total_and_one_row_per_date(
    segmentation: SegmentationResult, span: dict[str, str]
) -> None:
    markup = segmentation._repr_html_()
    total = int(segmentation.df["count"].sum())
    assert total > 0
    assert f"total {total:,}" in markup
    table = table_of(markup)
    segments = list(segmentation.df["segment"].unique())
    assert sorted(table.headers) == sorted(["date", *segments])
    days = (dt.date.fromisoformat(span["to_date"]) - dt.date.fromisoformat(span["from_date"])).days
    assert len(table.rows) == min(days + 1, _html.ROW_LIMIT)  # every day, even one with no events
    assert table.rows[0][0] == span["from_date"]


def test_funnel_shows_conversion_and_one_row_per_step(ws: Workspace, span: dict[str, str]) -> None:
    funnel_id = ws.list_funnels()[0].funnel_id
    result = ws.funnel(funnel_id, **span)
    df = result.df[result.df["segment"] == "$overall"]
    counts = df.groupby("step")["count"].sum()
    conversion = counts.iloc[-1] / counts.iloc[0]
    markup = result._repr_html_()
    assert f"conversion {conversion * 100:.1f}%" in markup
    table = table_of(markup)
    assert table.headers[:3] == ["step", "name", "count"]
    assert [int(r[2].replace(",", "")) for r in table.rows] == list(counts)
    md = result._repr_markdown_()
    assert f"conversion {conversion * 100:.1f}%" in md
    lines = [x for x in md.splitlines() if x.startswith("| ") and not x.startswith("| ---")]
    assert len(lines) == len(counts) + 1  # the header row and one per step


def test_retention_shows_one_row_per_cohort(ws: Workspace, span: dict[str, str]) -> None:
    result = ws.retention("Sign Up", **span, interval_count=5)
    cohorts = result.df.groupby("cohort_date")["size"].first()
    table = table_of(result._repr_html_())
    assert table.headers[:2] == ["cohort", "size"]
    assert len(table.rows) == min(len(cohorts), _html.ROW_LIMIT)
    assert [int(r[1].replace(",", "")) for r in table.rows] == list(cohorts)[: _html.ROW_LIMIT]


def test_every_result_type_displays(ws: Workspace, span: dict[str, str]) -> None:
    """Each kind of result the Workspace returns renders HTML and Markdown with its heading."""
    results: list[ResultBase] = [
        ws.event_counts(["Purchase", "Sign Up"], **span),
        ws.property_counts("Purchase", "$os", **span),
        ws.frequency(event="Purchase", **span),
        ws.segmentation_numeric("Purchase", on='properties["amount"]', **span),
        ws.segmentation_sum("Purchase", on='properties["amount"]', **span),
        ws.segmentation_average("Purchase", on='properties["amount"]', **span),
        ws.jql(
            "function main() { return Events({from_date: params.a, to_date: params.b})"
            ".reduce(mixpanel.reducer.count()); }",
            {"a": span["from_date"], "b": span["to_date"]},
        ),
        ws.info(),
        ws.flows("Sign Up", **span),
        ws.activity_feed(["user-00001", "user-00002"], **span),
        ws.saved_report(ws.list_bookmarks()[0].id),
        ws.list_annotations(),
    ]
    for result in results:
        markup = result._repr_html_()
        first_line = str(result).splitlines()[0]
        assert html.escape(first_line) in markup, type(result).__name__
        assert markup.startswith('<div class="mixpanel-data-result">')
        md = result._repr_markdown_()
        assert md.startswith("**") and "| --- |" in md, type(result).__name__


def test_markup_in_data_is_escaped() -> None:
    raw = {"data": {"series": ["2026-10-01"], "values": {"<b>x|y</b>": {"2026-10-01": 2}}}}
    result = SegmentationResult.from_response(
        raw, event="<script>", from_date="2026-10-01", to_date="2026-10-01"
    )
    markup = result._repr_html_()
    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;b&gt;x|y&lt;/b&gt;" in markup
    md = result._repr_markdown_()
    assert "x\\|y" in md and "<b>" not in md


def test_long_tables_are_cut_and_say_how_much_is_left() -> None:
    dates = [f"2026-10-{d:02d}" for d in range(1, 32)]
    raw = {"data": {"series": dates, "values": {"US": {d: 1 for d in dates}}}}
    result = SegmentationResult.from_response(raw, event="E", from_date=dates[0], to_date=dates[-1])
    table = table_of(result._repr_html_())
    assert len(table.rows) == _html.ROW_LIMIT
    assert f"{31 - _html.ROW_LIMIT} more row(s)" in result._repr_html_()
    assert f"{31 - _html.ROW_LIMIT} more row(s)" in result._repr_markdown_()


def test_funnel_and_retention_from_documented_examples(
    mixpanel_examples: dict[str, Any],
) -> None:
    funnel = FunnelResult.from_response(
        mixpanel_examples["/funnels"], funnel_id=1, from_date="2016-09-12", to_date="2016-10-02"
    )
    assert len(table_of(funnel._repr_html_()).rows) == len(funnel.steps)
    retention = RetentionResult.from_response(
        mixpanel_examples["/retention"], born_event="A", return_event=None,
        from_date="2016-09-12", to_date="2016-10-02",
    )  # fmt: skip
    assert len(table_of(retention._repr_html_()).rows) == len(retention.cohorts)


# -- discovery lists ------------------------------------------------------------------------------


def test_discovery_lists_are_lists_with_a_frame(ws: Workspace) -> None:
    events = ws.list_events()
    assert isinstance(events, list) and isinstance(events, ResultList)
    assert list(events.df["event"]) == list(events)
    assert events == sorted(events)  # still compares like the list it used to be
    funnels = ws.list_funnels()
    assert list(funnels.df.columns) == ["funnel_id", "name"]
    assert list(funnels.df["funnel_id"]) == [f.funnel_id for f in funnels]
    cohorts = ws.list_cohorts()
    assert len(cohorts.df) == len(cohorts)
    props = ws.list_properties("Purchase")
    assert "payment_method" in set(props.df["property"])


def test_local_tables_are_a_list_with_a_frame(ws: Workspace, span: dict[str, str]) -> None:
    fetched = ws.fetch_events("display_events", **span, progress=False)
    tables = ws.tables()
    assert isinstance(tables, list)
    row = tables.df[tables.df["name"] == "display_events"]
    assert list(row["row_count"]) == [fetched.rows]
    assert f"{len(tables)} table(s)" in tables._repr_html_()


def test_discovery_list_display_counts_items(ws: Workspace) -> None:
    events = ws.list_events()
    markup = events._repr_html_()
    assert f"{len(events):,} event(s)" in markup
    assert [r[0] for r in table_of(markup).rows] == list(events)[: _html.ROW_LIMIT]
    assert re.search(r"\| event \|", events._repr_markdown_())


def test_empty_list_has_an_empty_frame() -> None:
    empty: ResultList[str] = ResultList([], column="event")
    assert list(empty.df.columns) == ["event"] and len(empty.df) == 0
    assert "0 event(s)" in empty._repr_html_()


def test_docstring_examples() -> None:
    for module in (_html, listing):
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__


def test_empty_results_show_their_heading_and_no_rows() -> None:
    empty = [
        SegmentationResult.from_response(
            {"data": {"series": [], "values": {}}}, event="E", from_date="a", to_date="b"
        ),
        FunnelResult.from_response({"data": {}}, funnel_id=1, from_date="a", to_date="b"),
        RetentionResult.from_response(
            {}, born_event="E", return_event=None, from_date="a", to_date="b"
        ),
    ]
    for result in empty:
        table = table_of(result._repr_html_())
        assert table.headers and table.rows == [], type(result).__name__
        assert str(result).splitlines()[0].split()[0] in result._repr_markdown_()


def test_a_segment_named_date_keeps_its_column() -> None:
    raw = {"data": {"series": ["2026-10-01"], "values": {"date": {"2026-10-01": 2}}}}
    result = SegmentationResult.from_response(raw, event="E", from_date="x", to_date="x")
    table = table_of(result._repr_html_())
    assert table.headers == ["date", "date"] and table.rows == [["2026-10-01", "2"]]
