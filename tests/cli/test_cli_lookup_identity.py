"""`mp lookup-tables` and `mp identity` against the sandbox; effects read from the sandbox's own
state (the table's rows, its identity merges)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import MpRunner

from mixpanel_data.sandbox import Sandbox
from mixpanel_data.sandbox._lookup import TABLES, lookup_store

ACCOUNTS = TABLES[1][0]


def test_list_and_replace_with_yes(mp: MpRunner, sandbox: Sandbox, tmp_path: Path) -> None:
    listed = mp("lookup-tables", "list")
    assert listed.code == 0, listed
    assert {t["id"] for t in json.loads(listed.stdout)} == {t[0] for t in TABLES}
    path = tmp_path / "accounts.csv"
    path.write_text("company_id,name\nc9,Initech\n")
    refused = mp("lookup-tables", "replace", ACCOUNTS, str(path))
    assert refused.code == 3 and "--yes" in refused.stderr, refused
    run = mp("lookup-tables", "replace", ACCOUNTS, str(path), "--yes")
    assert run.code == 0, run
    table = lookup_store(sandbox.state).tables[ACCOUNTS]
    assert (table.header, table.rows) == (["company_id", "name"], [["c9", "Initech"]])
    path.write_text("company_id,name\n,nameless\n")
    bad = mp("lookup-tables", "replace", ACCOUNTS, str(path), "--yes")
    assert bad.code == 3 and "line 2" in bad.stderr, bad
    assert table.rows == [["c9", "Initech"]]


def test_identity_commands(mp: MpRunner, sandbox: Sandbox) -> None:
    for args in (("create", "cli-u1", "cli-a1"), ("alias", "cli-u2", "cli-a2"),
                 ("merge", "cli-u3", "cli-a3")):  # fmt: skip
        run = mp("identity", *args)
        assert run.code == 0, run
        assert "token" not in run.stdout
    with sandbox.state.data.cursor() as cur:
        rows = cur.execute(
            "SELECT distinct_id, canonical_id, source FROM identity_merges "
            "WHERE distinct_id LIKE 'cli-a%' ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("cli-a1", "cli-u1", "$identify"),
        ("cli-a2", "cli-u2", "$create_alias"),
        ("cli-a3", "cli-u3", "$merge"),
    ]
