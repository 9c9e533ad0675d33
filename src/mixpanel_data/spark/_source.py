"""``format("mixpanel")``: the data source class Spark plans, and :func:`register`.

Example:
    >>> from mixpanel_data.spark import register                              # doctest: +SKIP
    >>> register(spark)                                                       # doctest: +SKIP
    >>> spark.read.format("mixpanel").options(from_date="2026-10-01",         # doctest: +SKIP
    ...     to_date="2026-10-31", account="prod").load().count()
"""

from __future__ import annotations

from typing import Any

from pyspark.sql.datasource import DataSource, DataSourceReader, DataSourceWriter

from mixpanel_data.spark._options import connection, read_options, write_options
from mixpanel_data.spark._read import EVENTS_SCHEMA, PROFILES_SCHEMA, EventsReader, ProfilesReader
from mixpanel_data.spark._write import MixpanelWriter


class MixpanelDataSource(DataSource):
    """Mixpanel events and profiles as a Spark data source named ``"mixpanel"``.

    Read: ``kind`` ``events`` (default; ``from_date``, ``to_date``, ``events``, ``where``,
    ``partition_days``, ``concurrency``, ``rate_limit_wait``) or ``profiles`` (``where``,
    ``cohort_id``, ``output_properties``). Write: ``kind`` ``events``, ``profiles`` or
    ``groups`` (``strict``, ``batch_size``, ``workers``, ``timezone``, ``allow_rejects``,
    ``rejects_path``, ``group_key``). Credentials: ``account``, or ``username`` + ``secret``
    (or ``api_secret``) + ``project_id``, plus ``region``, ``base_url``, ``token``; else what a
    ``Workspace()`` would use. ``timeout`` and ``retries`` set the transport's.
    """

    @classmethod
    def name(cls) -> str:
        return "mixpanel"

    def schema(self) -> str:
        kind = read_options(self.options).kind
        return PROFILES_SCHEMA if kind == "profiles" else EVENTS_SCHEMA

    def reader(self, schema: Any) -> DataSourceReader:
        options = read_options(self.options)
        conn = connection(self.options)
        if options.kind == "profiles":
            return ProfilesReader(options, conn)
        return EventsReader(options, conn, schema)

    def writer(self, schema: Any, overwrite: bool) -> DataSourceWriter:
        return MixpanelWriter(write_options(self.options), connection(self.options))


def register(spark: Any) -> None:
    """Make ``format("mixpanel")`` available in the SparkSession ``spark``."""
    spark.dataSource.register(MixpanelDataSource)


__all__ = ["MixpanelDataSource", "register"]
