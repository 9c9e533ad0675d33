"""Lookup tables: ``GET /lookup-tables`` and ``PUT /lookup-tables/{id}`` (CSV upload).

The project starts with two tables (fixed ids, see :data:`TABLES`), each with a header row and a
few rows joined on their first column. ``PUT`` replaces every row of a table with an uploaded CSV
(``text/csv``, UTF-8, a header row first): the first column is the key and must not be blank, and
every row has as many fields as the header. When any row fails, the answer is 400 with one
``failed_records`` entry per bad row (``index``: the 0-based data row) and the table is left as it
was. An unknown id is a 404. Both calls use the project credentials (service account with
``project_id``, or the project secret).

Example:
    >>> header, failed, rows = parse_csv(b"id,name\\nk1,One\\n,blank\\nk3\\n")
    >>> header, [f["index"] for f in failed]
    (['id', 'name'], [1, 2])
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from typing import Any

from mixpanel_data.sandbox._app._common import state_store
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError
from mixpanel_data.sandbox._state import SandboxState

TABLES: tuple[tuple[str, str, str], ...] = (
    (
        "7d1c0a3e-5b9f-4e21-9a6c-2f8d4b1e0c57",
        "Products",
        "product_id,name,category\nsku-1,Red Sneaker,shoes\nsku-2,Blue Cap,hats\n",
    ),
    (
        "c3e9b2a1-0f4d-4a7b-b8e6-91d2c5f7a034",
        "Accounts",
        "company_id,name,tier\nc0001,Acme,enterprise\nc0002,Globex,pro\n",
    ),
)


@dataclass
class LookupTable:
    """One table: id, name, header and rows (lists of strings)."""

    id: str
    name: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class LookupStore:
    """The project's lookup tables by id."""

    tables: dict[str, LookupTable] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def parse_csv(body: bytes) -> tuple[list[str], list[dict[str, Any]], list[list[str]]]:
    """``(header, failed_records, rows)`` of an uploaded CSV (400 when it cannot be read)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid("the CSV is not valid UTF-8") from exc
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise _invalid(f"the CSV cannot be parsed: {exc}") from exc
    lines = [line for line in lines if line]
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise _invalid("the CSV needs a header row")
    header, rows = lines[0], lines[1:]
    failed: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if len(row) != len(header):
            failed.append({"index": index, "message": "invalid row: wrong number of fields"})
        elif not row[0].strip():
            failed.append(
                {"index": index, "message": "primary key is required and cannot be blank"}
            )
    return header, failed, rows


def _invalid(message: str, failed: list[dict[str, Any]] | None = None) -> SandboxHTTPError:
    body = {"code": 400, "error": message, "status": "Bad Request", "failed_records": failed or []}
    return SandboxHTTPError(400, message, body=body)


def _build(state: SandboxState) -> LookupStore:
    tables = LookupStore()
    for table_id, name, text in TABLES:
        header, _, rows = parse_csv(text.encode())
        tables.tables[table_id] = LookupTable(table_id, name, header, rows)
    return tables


def _store(req: Request) -> LookupStore:
    return lookup_store(req.state)


def lookup_store(state: SandboxState) -> LookupStore:
    """The sandbox's lookup tables as they are now (built from :data:`TABLES` on first use)."""
    return state_store(state, "lookup_tables", _build)


def list_lookup_tables(req: Request) -> Response:
    """The tables' ids and names."""
    tables = _store(req)
    with tables.lock:
        results = [{"id": t.id, "name": t.name} for t in tables.tables.values()]
    return Response.json({"code": 200, "status": "OK", "results": results})


def replace_lookup_table(req: Request) -> Response:
    """Replace a table's rows with the uploaded CSV (all or nothing)."""
    tables = _store(req)
    table_id = req.path_params["id"]
    with tables.lock:
        table = tables.tables.get(table_id)
        if table is None:
            raise SandboxHTTPError(404, f"lookup table {table_id!r} not found")
        header, failed, rows = parse_csv(req.body)
        if failed:
            raise _invalid("Some data points in the request failed validation.", failed)
        table.header, table.rows = header, rows
    return Response.json({"code": 200, "status": "OK"})


ROUTES = [
    Route("GET", "/lookup-tables", "project", list_lookup_tables),
    Route("PUT", "/lookup-tables/{id}", "project", replace_lookup_table),
]
