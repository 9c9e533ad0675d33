"""Results made into what a tool answers: small, structured JSON with the rows capped.

Every answer is a JSON object. A tabular answer has ``columns``, ``rows`` (objects keyed by column),
``row_count`` (all the rows the query produced) and, when fewer were returned, ``truncated``: one
sentence an agent can act on (``"truncated: 100 of 620 rows, narrow the query ..."``). Rows stop at
``max_rows`` or when their JSON passes :data:`MAX_CHARS`, whichever comes first, so no answer is a
multi-megabyte blob; a single row bigger than that has its long values cut (``clipped`` says so).
A result's scalar fields (totals, conversion, dates) come as ``summary``.

Example:
    >>> out = table([{"n": i} for i in range(5)], max_rows=2)
    >>> out["rows"], out["row_count"], out["truncated"][:28]
    ([{'n': 0}, {'n': 1}], 5, 'truncated: 2 of 5 rows, narr')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import jsonable

if TYPE_CHECKING:
    import pandas as pd

#: Most rows a tool returns when the caller does not ask for fewer.
DEFAULT_ROWS = 100
#: Most rows a caller may ask for in one answer.
MAX_ROWS = 1000
#: Rows stop once their JSON passes this many characters (about 200 KB).
MAX_CHARS = 200_000
#: A row too big on its own has each value longer than this cut to this many characters.
MAX_VALUE_CHARS = 2_000

_NARROW = "narrow the query (a shorter date range, a where filter, a LIMIT) or raise max_rows"


def table(
    rows: Iterable[Mapping[str, Any]],
    *,
    max_rows: int = DEFAULT_ROWS,
    columns: Sequence[str] | None = None,
    total: int | None = None,
    summary: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A tabular answer from rows (objects), capped by ``max_rows`` and :data:`MAX_CHARS`.

    ``total`` is the number of rows there are when ``rows`` holds only some of them (a SQL query
    read with a LIMIT); by default the rows are counted.
    """
    kept: list[dict[str, Any]] = []
    size = 0
    count = 0
    clipped = False
    for row in rows:
        count += 1
        if len(kept) >= max_rows:
            continue
        item = {str(k): jsonable(v) for k, v in row.items()}
        length = len(json.dumps(item, default=str))
        if length > MAX_CHARS:  # one row alone is too big: cut its long values
            item = {k: _clip(v) for k, v in item.items()}
            length = len(json.dumps(item, default=str))
            clipped = True
        size += length
        if size > MAX_CHARS and kept:
            max_rows = len(kept)
            continue
        kept.append(item)
    row_count = count if total is None else total
    names = list(columns) if columns is not None else list(kept[0]) if kept else []
    out: dict[str, Any] = {}
    if summary:
        out["summary"] = dict(summary)
    out.update(columns=names, rows=kept, row_count=row_count)
    if len(kept) < row_count:
        out["truncated"] = f"truncated: {len(kept)} of {row_count} rows, {_NARROW}"
    if clipped:
        out["clipped"] = (
            f"values longer than {MAX_VALUE_CHARS:,} characters were cut; select fewer or "
            "smaller columns (e.g. one JSON field instead of properties)"
        )
    return out


def _clip(value: Any) -> Any:
    """``value``, or its first :data:`MAX_VALUE_CHARS` characters of JSON when it is longer."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= MAX_VALUE_CHARS:
        return value
    return f"{text[:MAX_VALUE_CHARS]}… ({len(text):,} characters)"


def frame(
    df: pd.DataFrame, *, max_rows: int, summary: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A tabular answer from a DataFrame (its first rows only are converted)."""
    head = df.head(max_rows + 1).copy()
    for name in head.columns:
        column = head[name]
        naive = column.dtype.kind == "M" and column.dt.tz is None
        if naive and column.dt.normalize().equals(column):
            head[name] = column.dt.strftime("%Y-%m-%d")  # a calendar day, not a moment
    records = head.to_dict(orient="records")
    return table(
        records,
        max_rows=max_rows,
        columns=[str(c) for c in df.columns],
        total=len(df),
        summary=summary,
    )


def summary_of(result: Any) -> dict[str, Any]:
    """The scalar fields of a result's ``to_dict()`` (names, dates, totals, conversion)."""
    data = result.to_dict() if hasattr(result, "to_dict") else {}
    return {k: v for k, v in data.items() if not isinstance(v, dict | list)}


def result_table(result: Any, *, max_rows: int) -> dict[str, Any]:
    """A typed result as ``summary`` (its scalar fields) plus its tidy ``.df`` as capped rows."""
    return frame(result.df, max_rows=max_rows, summary=summary_of(result))


def items(values: Iterable[Any], *, max_rows: int, column: str = "value") -> dict[str, Any]:
    """A list answer: dataclasses and mappings become rows; plain values one ``column``."""
    rows: list[Mapping[str, Any]] = []
    for value in values:
        data = jsonable(value)
        rows.append(data if isinstance(data, dict) else {column: data})
    return table(rows, max_rows=max_rows)


__all__ = ["DEFAULT_ROWS", "MAX_CHARS", "MAX_ROWS", "frame", "items", "result_table", "table"]
