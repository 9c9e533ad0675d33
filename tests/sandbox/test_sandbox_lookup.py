"""Lookup tables: list them, replace one with a CSV (all rows or none)."""

from __future__ import annotations

from typing import Any

from sandbox_client import Api

from mixpanel_data.sandbox import Sandbox
from mixpanel_data.sandbox._lookup import TABLES, lookup_store

PRODUCTS = TABLES[0][0]


def _put(client: Api, table_id: str, csv: bytes, **kwargs: Any) -> Any:
    return client.client.put(
        f"/lookup-tables/{table_id}",
        params={"project_id": client.sb.credentials.project_id},
        content=csv,
        headers={"Content-Type": "text/csv"},
        **kwargs,
    )


def test_list_and_replace(fresh_sb: Sandbox, api: Any) -> None:
    client: Api = api(fresh_sb)
    listed = client.get("/lookup-tables")
    assert listed.status_code == 200
    assert listed.json() == {
        "code": 200,
        "status": "OK",
        "results": [{"id": t, "name": n} for t, n, _ in TABLES],
    }
    replaced = _put(client, PRODUCTS, b"product_id,name\nsku-9,Green Hat\n")
    assert replaced.status_code == 200 and replaced.json() == {"code": 200, "status": "OK"}
    tables = lookup_store(fresh_sb.state).tables
    assert tables[PRODUCTS].header == ["product_id", "name"]
    assert tables[PRODUCTS].rows == [["sku-9", "Green Hat"]]


def test_bad_rows_replace_nothing(fresh_sb: Sandbox, api: Any) -> None:
    client: Api = api(fresh_sb)
    bad = _put(client, PRODUCTS, b"product_id,name\nsku-1,ok\n,blank key\nsku-3\n")
    assert bad.status_code == 400
    assert bad.json()["failed_records"] == [
        {"index": 1, "message": "primary key is required and cannot be blank"},
        {"index": 2, "message": "invalid row: wrong number of fields"},
    ]
    assert lookup_store(fresh_sb.state).tables[PRODUCTS].rows[0][0] == "sku-1"
    assert _put(client, PRODUCTS, b"").status_code == 400
    assert _put(client, "00000000-0000-4000-8000-000000000000", b"a\n1\n").status_code == 404


def test_auth(fresh_sb: Sandbox, api: Any) -> None:
    client: Api = api(fresh_sb)
    creds = fresh_sb.credentials
    assert _put(client, PRODUCTS, b"k\n1\n", auth=(creds.api_secret, "")).status_code == 200
    assert _put(client, PRODUCTS, b"k\n1\n", auth=("nobody", "x")).status_code == 401
    assert client.get("/lookup-tables", project=False).status_code == 400
