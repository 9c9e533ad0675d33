"""How results look in a notebook: a heading with the key numbers, then a compact table.

Jupyter calls ``_repr_html_`` (and ``_repr_markdown_`` where HTML is not shown) on the last value of
a cell. Every result renders the same way: the heading lines of its ``__str__`` (they carry the
totals and conversion rates), then the first rows of a small DataFrame, then ``… N more rows``.
Everything shown is escaped, so a property value can never inject markup.

Example:
    >>> import pandas as pd
    >>> print(markdown(["Total 3"], pd.DataFrame({"segment": ["US"], "count": [3]})))
    **Total 3**
    <BLANKLINE>
    | segment | count |
    | --- | --- |
    | US | 3 |
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ROW_LIMIT = 20
"""Rows of the table shown; the rest is counted, not shown."""
COLUMN_LIMIT = 12
"""Columns shown; wider tables are cut and say so."""


def cell_text(value: Any) -> str:
    """One cell as short text: ``-`` for missing, thousands separators, 4 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:.4g}"
    if hasattr(value, "isoformat"):
        text = str(value.isoformat())
        return text[:10] if text.endswith("T00:00:00") else text
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _shown(frame: pd.DataFrame) -> tuple[list[str], list[list[str]], int, int]:
    """Headers, cell texts of the first rows, and how many rows / columns were left out."""
    columns = [str(c) for c in frame.columns[:COLUMN_LIMIT]]
    head = frame.iloc[:ROW_LIMIT, :COLUMN_LIMIT]
    rows = [[cell_text(v) for v in row] for row in head.itertuples(index=False, name=None)]
    return columns, rows, max(0, len(frame) - ROW_LIMIT), max(0, frame.shape[1] - COLUMN_LIMIT)


def _more(rows_left: int, cols_left: int) -> str:
    parts = []
    if rows_left:
        parts.append(f"{rows_left:,} more row(s)")
    if cols_left:
        parts.append(f"{cols_left} more column(s)")
    return "… " + ", ".join(parts) + " (see .df)" if parts else ""


def html_block(heading: Sequence[str], frame: pd.DataFrame | None) -> str:
    """An HTML fragment: the heading lines (first one bold), then the table of ``frame``."""
    lines = [html.escape(line) for line in heading if line.strip()]
    parts = ['<div class="mixpanel-data-result">']
    if lines:
        parts.append(f"<p><strong>{lines[0]}</strong>" + "".join(f"<br>{x}" for x in lines[1:]))
        parts.append("</p>")
    if frame is not None and len(frame.columns):
        columns, rows, rows_left, cols_left = _shown(frame)
        parts.append('<table border="0"><thead><tr>')
        parts += [f"<th>{html.escape(c)}</th>" for c in columns]
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
        more = _more(rows_left, cols_left)
        if more:
            parts.append(f"<p><em>{html.escape(more)}</em></p>")
    parts.append("</div>")
    return "".join(parts)


def _md_cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def markdown(heading: Sequence[str], frame: pd.DataFrame | None) -> str:
    """A Markdown version of :func:`html_block` (a pipe table)."""
    lines = [_md_cell(line) for line in heading if line.strip()]
    out = []
    if lines:
        out.append(f"**{lines[0]}**" + "".join(f"  \n{x}" for x in lines[1:]))
    if frame is not None and len(frame.columns):
        columns, rows, rows_left, cols_left = _shown(frame)
        table = ["| " + " | ".join(_md_cell(c) for c in columns) + " |"]
        table.append("|" + " --- |" * len(columns))
        table += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
        more = _more(rows_left, cols_left)
        if more:
            table.append("\n_" + _md_cell(more) + "_")
        out.append("\n".join(table))
    return "\n\n".join(out)


def heading_of(text: str) -> list[str]:
    """The lines of a result's ``__str__`` above its indented table."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith("  ")]


__all__ = ["COLUMN_LIMIT", "ROW_LIMIT", "cell_text", "heading_of", "html_block", "markdown"]
