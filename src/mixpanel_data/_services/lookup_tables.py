"""A lookup table's new contents as the CSV Mixpanel takes, from a file, a DataFrame, rows or a
local table, checked before anything is sent.

Mixpanel replaces every row of the table with the upload: a header row, then rows with as many
fields as the header and a non-blank first column (the join key). A row that breaks this is named
here (its CSV line) so nothing half-valid is uploaded.

Example:
    >>> lookup_csv([{"sku": "sku-1", "name": "Red Sneaker"}])
    (b'sku,name\\r\\nsku-1,Red Sneaker\\r\\n', 1)
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data.exceptions import TableNotFoundError, ValidationError

if TYPE_CHECKING:
    from mixpanel_data._storage.engine import StorageEngine

MAX_SHOWN = 5


def _from_file(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _write(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8")


def _check(text: bytes, label: str) -> int:
    """The number of data rows; raises :class:`ValidationError` naming the bad lines."""
    try:
        reader = csv.reader(io.StringIO(text.decode("utf-8-sig"), newline=""))
        lines = [(reader.line_num, row) for row in reader if row]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValidationError(
            f"{label}: not a UTF-8 CSV ({exc})", details={"param": "source"}
        ) from None
    if not lines or not any(c.strip() for c in lines[0][1]):
        raise ValidationError(f"{label}: the CSV needs a header row", details={"param": "source"})
    width = len(lines[0][1])
    bad = [
        f"line {n}: " + (f"{len(row)} fields, the header has {width}" if len(row) != width
                         else "the key (first column) is blank")
        for n, row in lines[1:]
        if len(row) != width or not row[0].strip()
    ]  # fmt: skip
    if bad:
        more = f" (and {len(bad) - MAX_SHOWN} more)" if len(bad) > MAX_SHOWN else ""
        raise ValidationError(
            f"{label}: {'; '.join(bad[:MAX_SHOWN])}{more}; nothing was uploaded",
            details={"param": "source", "bad_rows": len(bad)},
        )
    return len(lines) - 1


def lookup_csv(
    source: Any = None,
    *,
    table: str | None = None,
    storage: Callable[[], StorageEngine] | None = None,
) -> tuple[bytes, int]:
    """``(csv bytes, data rows)`` for ``source`` (a CSV path, gzip too; a pandas DataFrame; an
    iterable of dicts) or ``table`` of the local store."""
    if table is not None:
        if storage is None or not storage().table_exists(table):
            raise TableNotFoundError(
                f"no table named {table!r} in the local store", details={"table": table}
            )
        quoted = '"' + table.replace('"', '""') + '"'
        cursor = storage().connection.cursor()
        try:
            cursor.execute(f"SELECT * FROM {quoted}")
            header = [d[0] for d in cursor.description or []]
            text, label = _write(header, cursor.fetchall()), f"table {table}"
        finally:
            cursor.close()
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"no such file: {path}", details={"param": "source"})
        text, label = _from_file(path), str(path)
    elif type(source).__name__ == "DataFrame" and hasattr(source, "to_csv"):
        text, label = str(source.to_csv(index=False)).encode("utf-8"), "DataFrame"
    elif isinstance(source, Iterable) and not isinstance(source, bytes | Mapping):
        rows = [dict(r) for r in source if isinstance(r, Mapping)]
        header = list(dict.fromkeys(k for r in rows for k in r))
        text, label = _write(header, ([r.get(k) for k in header] for r in rows)), "rows"
    else:
        raise ValidationError(
            f"cannot make a lookup table from a {type(source).__name__}: give a CSV path, a "
            "DataFrame, an iterable of dicts, or table=",
            details={"param": "source"},
        )
    return text, _check(text, label)


__all__ = ["lookup_csv"]
