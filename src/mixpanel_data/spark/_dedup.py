"""The store's de-duplication rule for a Spark DataFrame of events.

Mixpanel's export can hold an event more than once; the store keeps one row per key (event_name,
distinct_id, event_time, insert_id; NULL equal to NULL): the copy Mixpanel ingested last, the
largest ``mp_processing_time_ms``. :func:`dedup_events` applies the same rule with a window.

Example:
    >>> df = spark.read.format("mixpanel").options(from_date="2026-10-01",   # doctest: +SKIP
    ...                                              to_date="2026-10-31").load()
    >>> dedup_events(df).count()                                              # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

KEY = ("event_name", "distinct_id", "event_time", "insert_id")


def dedup_events(df: Any) -> Any:
    """``df`` with one row per event key, the copy with the largest ``mp_processing_time_ms``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = F.col("mp_processing_time_ms").desc_nulls_last()
    window = Window.partitionBy(*KEY).orderBy(order)
    return (
        df.withColumn("_mp_copy", F.row_number().over(window))
        .where(F.col("_mp_copy") == 1)
        .drop("_mp_copy")
    )


__all__ = ["KEY", "dedup_events"]
