"""Writing command results to stdout in the formats data commands accept (``chart``: time series).

Data goes to stdout; progress, warnings and errors go to stderr (see :func:`err`). Results are
turned into plain JSON-able data first (``to_dict()`` on result objects, records for DataFrames),
then rendered.

Example:
    >>> render([{"a": 1}], "jsonl")
    '{"a": 1}\\n'
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import io
import json
import math
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Format(StrEnum):
    """Output formats of data commands."""

    json = "json"
    jsonl = "jsonl"
    table = "table"
    csv = "csv"
    plain = "plain"
    chart = "chart"


@dataclass(frozen=True)
class Rows:
    """A query's column names and rows, rendered as they are (no DataFrame on the way).

    Example:
        >>> render(Rows(["n"], [(1,), (float("nan"),)]), "jsonl")
        '{"n": 1}\\n{"n": null}\\n'
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]

    def to_dict(self) -> list[dict[str, Any]]:
        """Records for json/jsonl (NaN and infinities become null, as JSON has no such numbers)."""
        return [
            {
                c: None if isinstance(v, float) and not math.isfinite(v) else v
                for c, v in zip(self.columns, row, strict=True)
            }
            for row in self.rows
        ]


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def to_data(value: Any) -> Any:
    """Turn a result (object with ``to_dict``, DataFrame, list, ...) into JSON-able data."""
    if hasattr(value, "to_dict") and not _is_frame(value):
        return value.to_dict()
    if _is_frame(value):
        frame = value
        records = json.loads(
            frame.to_json(orient="records", date_format="iso", default_handler=str)
        )
        return records
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    return value


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_json")


def _rows(data: Any) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows for tabular formats."""
    if isinstance(data, Mapping):
        if data and all(isinstance(v, Mapping) for v in data.values()):
            inner: list[str] = []
            for v in data.values():
                inner += [k for k in v if k not in inner]
            return ["key", *inner], [[k, *(v.get(c) for c in inner)] for k, v in data.items()]
        return ["key", "value"], [[k, v] for k, v in data.items()]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        if data and all(isinstance(r, Mapping) for r in data):
            cols: list[str] = []
            for r in data:
                cols += [k for k in r if k not in cols]
            return cols, [[r.get(c) for c in cols] for r in data]
        return ["value"], [[r] for r in data]
    return ["value"], [[data]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, default=_default, ensure_ascii=False)
    return str(value) if not hasattr(value, "isoformat") else value.isoformat()


def render(value: Any, fmt: Format | str) -> str:
    """Render ``value`` as text in format ``fmt`` (no trailing data after the last newline)."""
    fmt = Format(fmt)
    if fmt is Format.chart:  # drawn from the result object itself, not its JSON data
        from mixpanel_data.cli._chart import chart

        return chart(value)
    data = to_data(value)
    if fmt is Format.json:
        return json.dumps(data, indent=2, default=_default, ensure_ascii=False) + "\n"
    if fmt is Format.jsonl:
        items: Iterable[Any] = data if isinstance(data, list) else [data]
        return "".join(json.dumps(i, default=_default, ensure_ascii=False) + "\n" for i in items)
    if isinstance(value, Rows):
        cols, rows = list(value.columns), value.rows
    elif _is_frame(value):  # its columns, even with no rows
        cols = [str(c) for c in value.columns]
        rows = [[r.get(c) for c in cols] for r in data]
    else:
        cols, rows = _rows(data)
    if fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        writer.writerows([[_cell(c) for c in row] for row in rows])
        return buf.getvalue()
    if fmt is Format.plain:
        if cols == ["value"]:
            return "".join(_cell(r[0]) + "\n" for r in rows)
        return "".join("\t".join(_cell(c) for c in row) + "\n" for row in rows)
    return _table(cols, rows)


def _table(cols: list[str], rows: Sequence[Sequence[Any]]) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for c in cols:
        table.add_column(str(c), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(c) for c in row))
    width = 80 if not sys.stdout.isatty() else None
    console = Console(file=io.StringIO(), width=width, no_color=True, force_terminal=False)
    console.print(table)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return str(out)


def emit(value: Any, fmt: Format | str) -> None:
    """Write ``value`` to stdout in ``fmt``."""
    with writing_stdout():
        sys.stdout.write(render(value, fmt))
        sys.stdout.flush()


@contextlib.contextmanager
def writing_stdout() -> Iterator[None]:
    """Writes to stdout in this block fail as :func:`stdout_error` says."""
    try:
        yield
    except OSError as exc:
        raise stdout_error(exc) from exc


def stdout_error(exc: OSError) -> OSError:
    """A failed write to stdout (a full disk, an I/O error) that names where stdout goes, so the
    CLI prints ``No space left on device: standard output (/path/file)``. A closed pipe stays
    as it is (the reader stopped: success), and so does an error that names its file already."""
    if isinstance(exc, BrokenPipeError) or exc.filename is not None or exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror, stdout_target())


def stdout_target() -> str:
    """``standard output``, with the file it is redirected to when the system says which."""
    try:
        target = os.readlink("/proc/self/fd/1")
    except OSError:
        return "standard output"
    if target.startswith(("pipe:", "socket:", "anon_inode:")):
        return "standard output"
    return f"standard output ({target})"


def err(message: str) -> None:
    """Write one line to stderr."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()
