"""Fixtures for the Spark tests: one SparkSession for the whole test session (``local[2]``, and
up to 3 tries per task so a failed task runs again), and a sandbox serving October 2026.

Spark's Python workers run this interpreter (``PYSPARK_PYTHON``), so they import the same
mixpanel_data and pyarrow as the test.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from spark_helpers import LAST

from mixpanel_data._pacing import reset_pacers
from mixpanel_data.sandbox import Sandbox


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    from mixpanel_data.spark import register

    session = (
        SparkSession.builder.master("local[2,3]")  # 2 threads; a task may run 3 times
        .appName("mixpanel_data tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    register(session)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """A month of events (October 2026) and their profiles."""
    with Sandbox(seed=13, users=60, days=31, end_date=LAST) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    reset_pacers()
    yield
    if "sb" in request.fixturenames:
        request.getfixturevalue("sb").faults.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep every test that starts Spark on one xdist worker, so the run starts one JVM."""
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("spark"))
