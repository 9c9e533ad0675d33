"""Read Mixpanel events into Spark, remove Mixpanel's duplicates, count per event and day.

    python examples/spark_read.py 2026-10-01 2026-10-31            # local[2]
    spark-submit examples/spark_read.py 2026-10-01 2026-10-31      # a cluster (needs the extra)

Credentials: the ``MP_*`` variables or the default account (``mp auth add``), resolved on the
driver; ``MP_BASE_URL`` points it at a sandbox (``mp sandbox serve`` prints the lines to export).
Needs ``pip install 'mixpanel_data[spark]'`` on the driver and every executor.
"""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from mixpanel_data.spark import dedup_events, register


def main(from_date: str, to_date: str) -> None:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local runs: this venv's Python
    spark = (
        SparkSession.builder.appName("mixpanel events per day")
        .master(os.environ.get("SPARK_MASTER", "local[2]"))  # spark-submit's --master wins
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    register(spark)
    events = (
        spark.read.format("mixpanel")
        .options(from_date=from_date, to_date=to_date, partition_days=1, concurrency=3)
        .load()
    )
    per_day = (
        dedup_events(events)
        .groupBy(F.to_date("event_time").alias("day"), "event_name")
        .count()
        .orderBy("day", "event_name")
    )
    per_day.show(50, truncate=False)
    spark.stop()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: spark_read.py FROM_DATE TO_DATE   (YYYY-MM-DD, UTC)")
    main(sys.argv[1], sys.argv[2])
