"""Mixpanel as a Spark data source and sink (the ``[spark]`` extra: pyspark 4 and pyarrow).

``register(spark)`` adds ``format("mixpanel")`` to a SparkSession. Reading exports events in
day partitions on the executors, through this library's transport, as rows in the local store's
schema (plus ``mp_processing_time_ms``); :func:`dedup_events` removes Mixpanel's duplicates with the
store's rule. Writing imports events (or ``$set`` profiles / groups) exactly once.

Importing this module imports pyspark; ``import mixpanel_data`` never does.

Example:
    >>> from pyspark.sql import SparkSession                                  # doctest: +SKIP
    >>> from mixpanel_data.spark import dedup_events, register
    >>> spark = SparkSession.builder.master("local[2]").getOrCreate()         # doctest: +SKIP
    >>> register(spark)                                                       # doctest: +SKIP
    >>> df = spark.read.format("mixpanel").options(                          # doctest: +SKIP
    ...     from_date="2026-10-01", to_date="2026-10-31").load()
    >>> dedup_events(df).groupBy("event_name").count().show()                 # doctest: +SKIP
"""

from mixpanel_data.spark._dedup import dedup_events
from mixpanel_data.spark._source import MixpanelDataSource, register

__all__ = ["MixpanelDataSource", "dedup_events", "register"]
