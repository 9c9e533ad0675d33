"""What every result type shares: ``to_dict()``, a cached ``.df`` and the raw response.

Result types are frozen dataclasses that inherit :class:`ResultBase`. Public fields are what
``to_dict()`` returns (made JSON-safe); fields whose names start with ``_`` (the raw response) are
kept out of it. ``.df`` is built once by ``_build_df()`` and cached on the instance.

The helpers below are the small pure functions the builders share: reading numbers Mixpanel may
send as text, turning a date key into a calendar date, and making typed, tidy DataFrames.

Example:
    >>> jsonable({"when": _dt.date(2026, 1, 2), "pair": (1, 2)})
    {'when': '2026-01-02', 'pair': [1, 2]}
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from mixpanel_data.exceptions import DataError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DATE_DTYPE = "datetime64[ns]"
TIME_DTYPE = "datetime64[ns, UTC]"
TEXT_DTYPE = "string"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: ISO dates, lists for tuples, text keys, None for NaN."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            return to_dict()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return str(value)


class ResultBase:
    """Mixin for frozen result dataclasses: ``to_dict()``, cached ``df``, ``__str__`` helpers."""

    def to_dict(self) -> dict[str, Any]:
        """The public fields as JSON-serialisable data (the raw response is left out)."""
        assert dataclasses.is_dataclass(self)
        return {
            f.name: jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if not f.name.startswith("_")
        }

    @cached_property
    def df(self) -> pd.DataFrame:
        """A tidy DataFrame of the result (built once; see the class docstring for its columns)."""
        return self._build_df()

    def _build_df(self) -> pd.DataFrame:  # pragma: no cover - every result overrides it
        raise NotImplementedError

    def _display_frame(self) -> pd.DataFrame:
        """The compact table a notebook shows (``.df`` unless a result has a smaller one)."""
        return self.df

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the key numbers, then the first rows of a compact table."""
        from mixpanel_data.results._html import heading_of, html_block

        return html_block(heading_of(str(self)), self._display_frame())

    def _repr_markdown_(self) -> str:
        """The same as :meth:`_repr_html_`, as Markdown (a pipe table)."""
        from mixpanel_data.results._html import heading_of, markdown

        return markdown(heading_of(str(self)), self._display_frame())


class TimeSeries:
    """Mixin for results that hold a value per time bucket per segment: ``.plot()`` and what
    ``mp ... --format chart`` draws. Subclasses say what to draw in :meth:`_plot_data`."""

    def _plot_data(self) -> tuple[list[str], Mapping[str, Mapping[str, int | float]], str]:
        """``(dates, {segment: {date: value}}, title)``."""
        raise NotImplementedError  # pragma: no cover - every time series overrides it

    def plot(self, *, ax: Axes | None = None, top: int = 10) -> Figure:
        """A line chart over time, one line per segment (the ``top`` largest by total).

        Needs matplotlib (``pip install 'mixpanel_data[plot]'``); without it, a
        :class:`~mixpanel_data.exceptions.ConfigError` naming the extra. Pass ``ax`` to draw into
        axes of your own; the figure is returned either way.

        Example:
            >>> seg = ws.segmentation("Purchase", from_date="2026-10-01",
            ...                       to_date="2026-10-31", on="plan")  # doctest: +SKIP
            >>> seg.plot().savefig("purchases.png")  # doctest: +SKIP
        """
        from mixpanel_data.results._plot import line_chart

        dates, series, title = self._plot_data()
        largest = sorted(series, key=lambda s: (-sum(series[s].values()), s))[:top]
        return line_chart(dates, series, largest, title=title, ax=ax)


# -- reading values -----------------------------------------------------------------------------


def as_number(value: Any, *, what: str) -> int | float:
    """An int or float from a JSON value (Mixpanel sometimes sends counts as decimal text)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise DataError(f"{what}: expected a number, got {value!r}") from None
        return int(number) if number.is_integer() and "." not in value else number
    if value is None:
        return 0
    raise DataError(f"{what}: expected a number, got {type(value).__name__}")


def as_int(value: Any, *, what: str) -> int:
    """An int from a JSON number or decimal text (floats are rounded)."""
    return round(as_number(value, what=what))


def as_mapping(value: Any, *, what: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else :class:`DataError` naming ``what``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def as_list(value: Any, *, what: str) -> list[Any]:
    """``value`` if it is a JSON array, else :class:`DataError` naming ``what``."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise DataError(f"{what}: expected a JSON array, got {type(value).__name__}")
    return list(value)


def series_table(raw: Any, *, what: str) -> tuple[list[str], dict[str, dict[str, int | float]]]:
    """``(dates, {key: {date: value}})`` from Mixpanel's ``{"data": {"series", "values"}}`` shape.

    ``dates`` is sorted (Mixpanel does not sort ``series``) and also holds every date used in
    ``values``.
    """
    data = as_mapping(as_mapping(raw, what=what).get("data"), what=f"{what} data")
    values = as_mapping(data.get("values"), what=f"{what} values")
    table: dict[str, dict[str, int | float]] = {}
    dates = {str(d) for d in as_list(data.get("series"), what=f"{what} series")}
    for key, by_date in values.items():
        row = as_mapping(by_date, what=f"{what} values[{key!r}]")
        table[str(key)] = {
            str(d): as_number(v, what=f"{what} values[{key!r}][{d!r}]")
            for d, v in sorted(row.items())
        }
        dates.update(table[str(key)])
    return sorted(dates), table


def date_part(key: str) -> str:
    """The calendar date a bucket key stands for: ``2020-08-31T00:00:00-07:00`` -> ``2020-08-31``.

    Keys with a time of day (``2026-03-01 13:00:00`` for hourly units) are kept whole.
    """
    text = str(key)
    if len(text) > 10 and text[10] == "T":
        return text[:10]
    return text


def is_date_key(key: str) -> bool:
    """True when ``key`` reads as a date or date-time (``YYYY-MM-DD...``)."""
    text = str(key)
    if len(text) < 10:
        return False
    try:
        _dt.date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def number_dtype(values: Iterable[Any]) -> str:
    """``int64`` when every value is an int, else ``float64``."""
    return (
        "int64"
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        else ("float64")
    )


def frame(columns: Mapping[str, tuple[Sequence[Any], str]]) -> pd.DataFrame:
    """A DataFrame with exactly these columns and dtypes (``{name: (values, dtype)}``).

    Date dtypes parse ``YYYY-MM-DD[ HH:MM:SS]`` text; the UTC time dtype parses datetimes.
    """
    import pandas as pd

    data: dict[str, Any] = {}
    for name, (values, dtype) in columns.items():
        items = list(values)
        if not items:
            data[name] = pd.Series([], dtype=dtype)
        elif dtype == DATE_DTYPE:
            data[name] = pd.Series(pd.to_datetime(items, format="mixed")).astype(dtype)
        elif dtype == TIME_DTYPE:
            data[name] = pd.Series(pd.to_datetime(items, utc=True)).astype(dtype)
        else:
            data[name] = pd.Series(items, dtype=dtype)
    return pd.DataFrame(data)


def series_frame(
    series: Mapping[str, Mapping[str, int | float]], key_column: str, value_column: str = "count"
) -> pd.DataFrame:
    """Tidy rows ``date, <key_column>, <value_column>`` from ``{key: {date: value}}``.

    Rows are sorted by date, then key.

    ``date`` is ``datetime64[ns]``, the key is ``string``, the value ``int64`` (``float64`` as soon
    as one value is fractional).
    """
    rows = sorted(
        ((date_part(d), key, v) for key, by_date in series.items() for d, v in by_date.items()),
        key=lambda r: (r[0], r[1]),
    )
    return frame(
        {
            "date": ([r[0] for r in rows], DATE_DTYPE),
            key_column: ([r[1] for r in rows], TEXT_DTYPE),
            value_column: ([r[2] for r in rows], number_dtype(r[2] for r in rows)),
        }
    )


def short_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], *, limit: int = 10) -> str:
    """A small fixed-width text table for ``__str__`` (``limit`` rows, then ``... N more``)."""
    shown = [[_cell(c) for c in row] for row in rows[:limit]]
    widths = [len(h) for h in headers]
    for row in shown:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in shown
    ]
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more")
    return "\n".join("  " + line for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Mapping | list):
        text = json.dumps(value, default=str)
        return text if len(text) <= 40 else text[:37] + "..."
    return str(value)


def percent(value: float | None) -> str:
    """``0.2798`` -> ``'28.0%'`` (``-`` for None)."""
    return "-" if value is None else f"{value * 100:.1f}%"


__all__ = [
    "DATE_DTYPE",
    "TEXT_DTYPE",
    "TIME_DTYPE",
    "ResultBase",
    "TimeSeries",
    "as_int",
    "as_list",
    "as_mapping",
    "as_number",
    "date_part",
    "frame",
    "is_date_key",
    "jsonable",
    "number_dtype",
    "percent",
    "series_frame",
    "series_table",
    "short_table",
]
