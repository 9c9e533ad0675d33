"""Looking at any table of the local store: a sample of rows, a summary per column, the keys of
the ``properties`` JSON column, and counts per value of a column or property.

Each function reads one table through :class:`~mixpanel_data._storage.engine.StorageEngine` and
returns a :class:`~mixpanel_data.results.local.TableReport` (``.df``, ``.to_dict()``). A table
that does not exist raises :class:`~mixpanel_data.exceptions.TableNotFoundError`.

Example:
    >>> summarize(storage, "events").df[["column", "type", "nulls", "distinct"]]  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mixpanel_data.exceptions import TableNotFoundError, ValidationError
from mixpanel_data.results.local import TableReport

if TYPE_CHECKING:
    from mixpanel_data._storage.engine import StorageEngine

MAX_SAMPLE = 100_000
#: A property key as a JSON pointer (``~`` and ``/`` escaped).
_POINTER = "'/' || replace(replace(key, '~', '~0'), '/', '~1')"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: Longest min/max text kept by summarize (a JSON column's extremes are whole documents).
MAX_TEXT = 60


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[: MAX_TEXT - 1] + "…"
    return value


def _columns(storage: StorageEngine, table: str) -> tuple[str, dict[str, str]]:
    """The table's name as stored and its columns (name -> type)."""
    found = storage.sql_rows(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
        " AND lower(table_name) = lower(?)",
        [table],
    )
    if not found:
        raise TableNotFoundError(
            f"no table {table!r} in the local store (mp inspect tables lists them)",
            details={"table": table},
        )
    name = str(found[0][0])
    rows = storage.sql_rows(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main'"
        " AND table_name = ? ORDER BY column_index",
        [name],
    )
    return name, {str(c): str(t) for c, t in rows}


def _event_filter(columns: dict[str, str], event: str | None) -> tuple[str, list[Any]]:
    if event is None:
        return "", []
    if "event_name" not in columns:
        raise ValidationError("event applies to an events table (this one has no event_name)")
    return " WHERE event_name = ?", [event]


def sample(storage: StorageEngine, table: str, n: int = 10, *, seed: int = 0) -> TableReport:
    """``n`` rows picked at random (the same ``seed`` picks the same rows)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SAMPLE:
        raise ValidationError(f"n must be a whole number from 1 to {MAX_SAMPLE}, got {n!r}")
    name, columns = _columns(storage, table)
    result = storage.sql_rows(
        f"SELECT * FROM {_quoted(name)} USING SAMPLE reservoir({n} ROWS) REPEATABLE ({int(seed)})"
    )
    rows = [dict(zip(columns, row, strict=True)) for row in result]
    total = int(storage.sql_scalar(f"SELECT count(*) FROM {_quoted(name)}"))
    return TableReport(
        table=name, kind="sample", columns=list(columns), rows=rows, total_rows=total
    )


def summarize(storage: StorageEngine, table: str) -> TableReport:
    """Per column: type, nulls, distinct values (approximate), min, max, mean and quartiles."""
    name, _ = _columns(storage, table)
    total = int(storage.sql_scalar(f"SELECT count(*) FROM {_quoted(name)}"))
    rows = []
    for row in storage.sql_rows(f"SUMMARIZE {_quoted(name)}"):
        column, kind, low, high, distinct, avg, _std, q25, q50, q75, count, null_pct = row
        rows.append(
            {
                "column": column,
                "type": kind,
                "nulls": round(total * float(null_pct) / 100) if null_pct is not None else 0,
                "distinct": int(distinct),
                "min": _short(low),
                "max": _short(high),
                "mean": avg,
                "q25": q25,
                "q50": q50,
                "q75": q75,
                "count": int(count),
            }
        )
    columns = ["column", "type", "nulls", "distinct", "min", "max", "mean", "q25", "q50", "q75"]
    columns.append("count")
    return TableReport(table=name, kind="summary", columns=columns, rows=rows, total_rows=total)


def property_keys(storage: StorageEngine, table: str, event: str | None = None) -> TableReport:
    """The keys of the ``properties`` column: each key's JSON type, how many rows hold it and
    their share of the rows (of ``event`` only, when given); most frequent first."""
    name, columns = _columns(storage, table)
    if "properties" not in columns:
        raise ValidationError(f"table {name!r} has no properties column")
    where, params = _event_filter(columns, event)
    total = int(storage.sql_scalar(f"SELECT count(*) FROM {_quoted(name)}{where}", params))
    result = storage.sql_rows(
        f"SELECT key, json_type(json_extract(properties, {_POINTER})) AS type, count(*) AS n"
        f" FROM (SELECT properties, unnest(json_keys(properties)) AS key FROM {_quoted(name)}"
        f"{where}) GROUP BY ALL ORDER BY n DESC, key, type",
        params,
    )
    rows = [
        {"key": key, "type": kind, "rows": int(n), "share": int(n) / total if total else 0.0}
        for key, kind, n in result
    ]
    return TableReport(
        table=name, kind="keys", columns=["key", "type", "rows", "share"], rows=rows,
        total_rows=total,
    )  # fmt: skip


def breakdown(
    storage: StorageEngine,
    table: str,
    by: str,
    *,
    event: str | None = None,
    limit: int = 100,
) -> TableReport:
    """Rows (and distinct users, when the table has ``distinct_id``) per value of ``by``: a
    column of the table, else a key of ``properties``; most rows first, at most ``limit``."""
    if not isinstance(by, str) or not by.strip():
        raise ValidationError("by must name a column or a property")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"limit must be a whole number of at least 1, got {limit!r}")
    name, columns = _columns(storage, table)
    match = next((c for c in columns if c.lower() == by.lower()), None)
    params: list[Any] = []
    if match is not None:
        value = f"CAST({_quoted(match)} AS VARCHAR)"
    elif "properties" in columns:
        value = "json_extract_string(properties, ?)"
        params.append("/" + by.replace("~", "~0").replace("/", "~1"))
    else:
        raise ValidationError(f"table {name!r} has no column or property {by!r}")
    where, more = _event_filter(columns, event)
    params += more
    users = ", count(DISTINCT distinct_id) AS users" if "distinct_id" in columns else ""
    total = int(storage.sql_scalar(f"SELECT count(*) FROM {_quoted(name)}{where}", more))
    result = storage.sql_rows(
        f"SELECT {value} AS value, count(*) AS n{users} FROM {_quoted(name)}{where}"
        f" GROUP BY ALL ORDER BY n DESC, value NULLS LAST LIMIT {limit}",
        params,
    )
    out = []
    for row in result:
        item = {
            "value": row[0],
            "rows": int(row[1]),
            "share": int(row[1]) / total if total else 0.0,
        }
        if users:
            item["users"] = int(row[2])
        out.append(item)
    names = ["value", "rows", "share"] + (["users"] if users else [])
    return TableReport(table=name, kind="breakdown", columns=names, rows=out, total_rows=total)
