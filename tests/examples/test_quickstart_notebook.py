"""examples/quickstart.ipynb runs top to bottom in a real Jupyter kernel (nbclient + ipykernel).

The notebook starts its own sandbox (seed 7, October 2026); this test starts the same one, reads
every event through the export endpoint with httpx and counts with DuckDB, and compares those
counts with what the notebook printed.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import nbformat
import pytest
from nbclient import NotebookClient

from mixpanel_data.sandbox import Sandbox

pytestmark = pytest.mark.slow

NOTEBOOK = Path(__file__).parents[2] / "examples" / "quickstart.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as env:  # the kernel inherits this environment
        env.setenv("HOME", str(home))
        env.setenv("MP_CONFIG_PATH", str(home / ".mp" / "config.toml"))
        env.setenv("MP_DATA_DIR", str(home / "data"))
        env.setenv("MPLBACKEND", "Agg")
        nb = nbformat.read(NOTEBOOK, as_version=4)
        NotebookClient(nb, kernel_name="python3", timeout=300, resources={
            "metadata": {"path": str(home)}
        }).execute()  # fmt: skip
        yield nb


@pytest.fixture(scope="module")
def reference() -> Iterator[duckdb.DuckDBPyConnection]:
    """The notebook's sandbox again, its October events loaded into DuckDB without the code under
    test (deduplicated the way Mixpanel does: event, distinct_id, time, $insert_id)."""
    with Sandbox(seed=7, users=150, days=31, end_date="2026-10-31") as sb:
        c = sb.credentials
        answer = httpx.get(
            f"{sb.url}/api/2.0/export",
            params={"from_date": "2026-10-01", "to_date": "2026-10-31", "project_id": c.project_id},
            auth=(c.username, c.secret),
            timeout=120,
        )
        answer.raise_for_status()
    con = duckdb.connect()
    con.execute("CREATE TABLE raw (event VARCHAR, props JSON)")
    rows = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
    con.executemany(
        "INSERT INTO raw VALUES (?, ?)", [(r["event"], json.dumps(r["properties"])) for r in rows]
    )
    con.execute(
        "CREATE VIEW ev AS SELECT DISTINCT event, props->>'$.distinct_id' AS who, "
        "props->>'$.time' AS t, props->>'$.\"$insert_id\"' AS iid, props->>'$.plan' AS plan "
        "FROM raw"
    )
    yield con
    con.close()


def _outputs(nb: Any, kind: str) -> list[Any]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if kind in str(o)]


def test_every_cell_ran_without_error(executed: Any) -> None:
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]


def test_printed_counts_match_sql_over_the_export(
    executed: Any, reference: duckdb.DuckDBPyConnection
) -> None:
    printed = [o for o in _outputs(executed, "stored_events") if o.output_type == "stream"]
    assert len(printed) == 1
    stats = ast.literal_eval(printed[0]["text"].strip())
    stored = reference.execute("SELECT count(*) FROM ev").fetchone()
    assert stored is not None and stats["stored_events"] == stored[0]
    by_plan = dict(
        reference.execute(
            "SELECT plan, count(*) FROM ev WHERE event = 'Purchase' GROUP BY 1"
        ).fetchall()
    )
    assert stats["purchases_by_plan"] == by_plan
    assert sum(by_plan.values()) > 0


def test_results_display_as_html_and_plots_as_images(executed: Any) -> None:
    shown = [o for c in executed.cells for o in c.get("outputs", []) if "data" in o]
    assert sum("image/png" in o["data"] for o in shown) == 4  # line, funnel, heat map, pandas
    html = [o["data"]["text/html"] for o in shown if "text/html" in o["data"]]
    assert any("mixpanel-data-result" in h and "total" in h for h in html)  # the segmentation
    assert any("event(s)" in h for h in html)  # the discovery list
