"""The :class:`Workspace` facade: one object for discovery, live queries, fetching and local SQL.

The Workspace resolves credentials once, builds the API clients and the local store lazily (a
live query never opens the DuckDB file; a SQL query never needs credentials), and hands each call to
the service that owns it: :mod:`._services.discovery`, :mod:`._services.live_query`,
:mod:`._services.fetcher` and :mod:`._storage`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from mixpanel_data._management import ManagementMethods
from mixpanel_data.exceptions import ConfigError
from mixpanel_data.results.listing import ResultList

if TYPE_CHECKING:
    import pandas as pd

    from mixpanel_data._api.clients import ApiClients
    from mixpanel_data._credentials import Credentials
    from mixpanel_data._services.discovery import DiscoveryService
    from mixpanel_data._services.fetcher import Fetcher
    from mixpanel_data._services.live_query import LiveQueryService
    from mixpanel_data._services.local_query import LocalQueryService
    from mixpanel_data._storage.engine import StorageEngine
    from mixpanel_data._storage.types import Connection, TableInfo, TableSchema
    from mixpanel_data.results import (
        ActivityFeedResult,
        BookmarkInfo,
        EventCountsResult,
        FetchResult,
        FlowsResult,
        FrequencyResult,
        FunnelInfo,
        FunnelResult,
        JQLResult,
        NumericAverageResult,
        NumericBucketResult,
        NumericSumResult,
        PropertyCountsResult,
        RetentionResult,
        SavedCohort,
        SavedReportResult,
        SegmentationResult,
        TableReport,
        TopEvent,
        WorkspaceInfo,
    )

_StorageMode = Literal["file", "ephemeral", "memory", "open"]


def default_db_path(project_id: str) -> Path:
    """``$MP_DATA_DIR/<project_id>.duckdb`` (default folder ``~/.mp/data``)."""
    folder = Path(os.environ.get("MP_DATA_DIR") or Path.home() / ".mp" / "data")
    return folder.expanduser() / f"{project_id}.duckdb"


class Workspace(ManagementMethods):
    """Everything mixpanel_data does, for one Mixpanel project.

    Credentials come from ``account`` (a name in ``~/.mp/config.toml``), else the ``MP_*``
    environment variables, else the default account; ``project_id``, ``region`` and ``base_url``
    override what was resolved. ``base_url`` (or ``MP_BASE_URL``) sends every API family to one
    server: the sandbox or a proxy. ``timeout`` (seconds per request) and ``retries`` (extra
    tries after a failed request; ``0`` turns retrying off) apply to every call to Mixpanel.
    Local data lives in ``path`` (default ``~/.mp/data/<project_id>.duckdb``).

    Example:
        >>> import os
        >>> from mixpanel_data.sandbox import Sandbox
        >>> with Sandbox(seed=1, users=20, days=3) as sb:                      # doctest: +SKIP
        ...     os.environ.update(sb.credentials.env(sb.url))
        ...     with Workspace.memory() as ws:
        ...         day = sb.end_date.isoformat()
        ...         ws.fetch_events(from_date=day, to_date=day, progress=False).rows > 0
        True
    """

    def __init__(
        self,
        account: str | None = None,
        *,
        project_id: str | int | None = None,
        region: str | None = None,
        base_url: str | None = None,
        path: str | Path | None = None,
        credentials: Credentials | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        _storage_mode: _StorageMode = "file",
        _read_only: bool = False,
    ) -> None:
        if credentials is None and _storage_mode != "open":
            from mixpanel_data._config import ConfigManager

            credentials = ConfigManager().resolve_credentials(
                account,
                project_id=None if project_id is None else str(project_id),
                region=region,
                base_url=base_url,
            )
        self._credentials: Credentials | None = credentials
        self._account = account
        self._path = Path(path).expanduser() if path is not None else None
        self._storage_mode: _StorageMode = _storage_mode
        self._api: ApiClients | None = None
        self._storage: StorageEngine | None = None
        self._discovery: DiscoveryService | None = None
        self._live: LiveQueryService | None = None
        self._local: LocalQueryService | None = None
        self._fetcher: Fetcher | None = None
        self._timeout = timeout
        self._retries = retries
        self._closed = False
        if _storage_mode == "open":
            from mixpanel_data._storage.engine import StorageEngine

            if self._path is None:
                raise ConfigError("Workspace.open needs the path of a DuckDB file")
            self._storage = StorageEngine.open_existing(self._path, read_only=_read_only)

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def ephemeral(cls, account: str | None = None, **kwargs: Any) -> Workspace:
        """A Workspace whose DuckDB file is temporary, deleted on :meth:`close` / ``with`` exit."""
        return cls(account, _storage_mode="ephemeral", **kwargs)

    @classmethod
    def memory(cls, account: str | None = None, **kwargs: Any) -> Workspace:
        """A Workspace whose store is DuckDB ``:memory:`` (nothing touches the disk)."""
        return cls(account, _storage_mode="memory", **kwargs)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> Workspace:
        """Open an existing DuckDB file without credentials (SQL and inspection only)."""
        return cls(path=path, _storage_mode="open", _read_only=read_only)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the API clients and the local store (an ephemeral file is deleted)."""
        if self._closed:
            return
        self._closed = True
        if self._api is not None:
            self._api.close()
        if self._storage is not None:
            self._storage.close()

    def __repr__(self) -> str:
        project = self._credentials.project_id if self._credentials else None
        return f"Workspace(project_id={project!r}, storage={self._storage_mode!r})"

    # -- wiring (lazy) ----------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials:
        """The resolved credentials (secrets masked in every repr)."""
        if self._credentials is None:
            raise ConfigError(
                "this Workspace was opened from a file without credentials; "
                "use Workspace(account=...) to talk to Mixpanel"
            )
        return self._credentials

    @property
    def api(self) -> ApiClients:
        """The configured clients for any operation of the spec (same auth, region, retries,
        timeouts as the Workspace).

        ``ws.api.call("segmentation", event="Signed Up", from_date=..., to_date=...)`` calls an
        operation by its spec id and returns the generated model (``call_json``: plain JSON);
        ``ws.api.for_operation("list_annotations")`` is the generated client to call a
        ``mixpanel_openapi`` module with yourself.
        """
        if self._api is None:
            from mixpanel_data._api.clients import ApiClients

            self._api = ApiClients(self.credentials, timeout=self._timeout, retries=self._retries)
        return self._api

    @property
    def storage(self) -> StorageEngine:
        """The local DuckDB store (opened on first use)."""
        if self._storage is None:
            from mixpanel_data._storage.engine import StorageEngine

            if self._storage_mode == "memory":
                self._storage = StorageEngine.memory()
            elif self._storage_mode == "ephemeral":
                self._storage = StorageEngine.ephemeral()
            else:
                path = self._path or default_db_path(self.credentials.project_id)
                self._storage = StorageEngine(path)
        return self._storage

    def _unopened_file(self) -> Path | None:
        """The database file of a file store not opened yet (a fetch opens it only to load)."""
        if self._storage is not None or self._storage_mode != "file":
            return None
        return self._path or default_db_path(self.credentials.project_id)

    @property
    def connection(self) -> Connection:
        """The DuckDB connection, for anything the methods below do not cover."""
        return self.storage.connection

    @property
    def _discovery_service(self) -> DiscoveryService:
        if self._discovery is None:
            from mixpanel_data._services.discovery import DiscoveryService

            self._discovery = DiscoveryService(self.api, self.credentials.project_id)
        return self._discovery

    @property
    def _live_service(self) -> LiveQueryService:
        if self._live is None:
            from mixpanel_data._services.live_query import LiveQueryService

            self._live = LiveQueryService(
                self.api, self.credentials.project_id, self._discovery_service
            )
        return self._live

    @property
    def local(self) -> LocalQueryService:
        """Mixpanel's reports computed over the local store instead of asked of Mixpanel.

        The live queries' methods and result types (``segmentation``, ``funnel``,
        ``retention``, ``frequency``, ``flows``, ``event_counts``, ...) over a stored events
        table (``table=``, default ``events``), joined with ``profiles`` for ``user[...]``.
        ``funnel(steps=[...])`` runs a funnel nobody saved.

        Example:
            >>> ws.local.funnel(steps=["Sign Up", "Purchase"], from_date="2026-10-01",
            ...                 to_date="2026-10-31").df               # doctest: +SKIP
        """
        if self._local is None:
            from mixpanel_data._services.local_query import LocalQueryService

            self._local = LocalQueryService(
                lambda: self.storage, live=lambda: (self._discovery_service, self.api)
            )
        return self._local

    @property
    def _fetch_service(self) -> Fetcher:
        if self._fetcher is None:
            from mixpanel_data._services.fetcher import Fetcher

            self._fetcher = Fetcher(
                self.api, lambda: self.storage, self.credentials, database=self._unopened_file
            )
        return self._fetcher

    # -- discovery --------------------------------------------------------------------------

    def list_events(self) -> ResultList[str]:
        """Event names of the project, sorted (a list; ``.df`` has one ``event`` column)."""
        return ResultList(self._discovery_service.list_events(), column="event")

    def list_properties(self, event: str) -> ResultList[str]:
        """Property names seen on ``event``, sorted (a list; ``.df`` has a ``property`` column)."""
        return ResultList(self._discovery_service.list_properties(event), column="property")

    def list_property_values(
        self, property: str, *, event: str | None = None, limit: int = 100
    ) -> ResultList[str]:
        """Values seen for ``property`` (on ``event`` when given), as strings (with ``.df``)."""
        values = self._discovery_service.list_property_values(property, event=event, limit=limit)
        return ResultList(values, column="value")

    def list_funnels(self) -> ResultList[FunnelInfo]:
        """Saved funnels (id and name; ``.df`` has one row per funnel)."""
        return ResultList(self._discovery_service.list_funnels(), column="funnel")

    def list_cohorts(self) -> ResultList[SavedCohort]:
        """Saved cohorts (``.df`` has one row per cohort)."""
        return ResultList(self._discovery_service.list_cohorts(), column="cohort")

    def list_bookmarks(self, type: str | None = None) -> ResultList[BookmarkInfo]:
        """Saved reports, optionally only of one ``type`` (insights, funnels, retention, flows)."""
        return ResultList(self._discovery_service.list_bookmarks(type), column="bookmark")

    def list_top_events(
        self, type: Literal["general", "average", "unique"] = "general", limit: int | None = None
    ) -> ResultList[TopEvent]:
        """Today's top events with their counts and change (never cached; with ``.df``)."""
        top = self._discovery_service.list_top_events(type=type, limit=limit)
        return ResultList(top, column="event")

    def list_schemas(self, entity_type: str | None = None) -> ResultList[dict[str, Any]]:
        """Lexicon schemas of the project (``event`` or ``profile`` entities; with ``.df``)."""
        return ResultList(self._discovery_service.list_schemas(entity_type), column="schema")

    def clear_discovery_cache(self) -> None:
        """Forget cached discovery answers."""
        if self._discovery is not None:
            self._discovery.clear_cache()

    # -- live queries -------------------------------------------------------------------------

    def segmentation(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str | None = None,
        unit: str = "day",
        where: str | None = None,
        type: str = "general",
        limit: int | None = None,
    ) -> SegmentationResult:
        """Counts of ``event`` per ``unit``, split by ``on`` (a property name or an expression)."""
        return self._live_service.segmentation(
            event,
            from_date=from_date,
            to_date=to_date,
            on=on,
            unit=unit,
            where=where,
            type=type,
            limit=limit,
        )

    def segmentation_numeric(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str,
        unit: str = "day",
        where: str | None = None,
        type: str = "general",
    ) -> NumericBucketResult:
        """Counts of ``event`` in numeric buckets of ``on``."""
        return self._live_service.segmentation_numeric(
            event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where, type=type
        )

    def segmentation_sum(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str,
        unit: str = "day",
        where: str | None = None,
    ) -> NumericSumResult:
        """Sum of the numeric expression ``on`` over ``event`` per ``unit``."""
        return self._live_service.segmentation_sum(
            event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where
        )

    def segmentation_average(
        self,
        event: str,
        *,
        from_date: str,
        to_date: str,
        on: str,
        unit: str = "day",
        where: str | None = None,
    ) -> NumericAverageResult:
        """Average of the numeric expression ``on`` over ``event`` per ``unit``."""
        return self._live_service.segmentation_average(
            event, from_date=from_date, to_date=to_date, on=on, unit=unit, where=where
        )

    def event_counts(
        self,
        events: Sequence[str],
        *,
        from_date: str,
        to_date: str,
        unit: str = "day",
        type: str = "general",
    ) -> EventCountsResult:
        """Counts of several events per ``unit``."""
        return self._live_service.event_counts(
            events, from_date=from_date, to_date=to_date, unit=unit, type=type
        )

    def property_counts(
        self,
        event: str,
        property: str,
        *,
        from_date: str,
        to_date: str,
        unit: str = "day",
        type: str = "general",
        values: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> PropertyCountsResult:
        """Counts of ``event`` per value of ``property`` per ``unit``."""
        return self._live_service.property_counts(
            event,
            property,
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            type=type,
            values=values,
            limit=limit,
        )

    def funnel(
        self,
        funnel_id: int,
        *,
        from_date: str,
        to_date: str,
        unit: str | None = None,
        on: str | None = None,
        where: str | None = None,
        length: int | None = None,
        length_unit: str | None = None,
    ) -> FunnelResult:
        """A saved funnel's steps with counts, conversion and average times."""
        return self._live_service.funnel(
            funnel_id,
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            on=on,
            where=where,
            length=length,
            length_unit=length_unit,
        )

    def retention(
        self,
        born_event: str,
        return_event: str | None = None,
        *,
        from_date: str,
        to_date: str,
        born_where: str | None = None,
        return_where: str | None = None,
        interval: int = 1,
        interval_count: int = 10,
        unit: str = "day",
        retention_type: str = "birth",
    ) -> RetentionResult:
        """Cohorts of users who did ``born_event``, and how many came back to ``return_event``."""
        return self._live_service.retention(
            born_event,
            return_event,
            from_date=from_date,
            to_date=to_date,
            born_where=born_where,
            return_where=return_where,
            interval=interval,
            interval_count=interval_count,
            unit=unit,
            retention_type=retention_type,
        )

    def frequency(
        self,
        *,
        from_date: str,
        to_date: str,
        unit: str = "day",
        addiction_unit: str = "hour",
        event: str | None = None,
        where: str | None = None,
    ) -> FrequencyResult:
        """How many users did ``event`` in at least N ``addiction_unit``s of each ``unit``."""
        return self._live_service.frequency(
            from_date=from_date,
            to_date=to_date,
            unit=unit,
            addiction_unit=addiction_unit,
            event=event,
            where=where,
        )

    def activity_feed(
        self,
        distinct_ids: Sequence[str],
        *,
        from_date: str | None = None,
        to_date: str | None = None,
    ) -> ActivityFeedResult:
        """The events of some users, in time order."""
        return self._live_service.activity_feed(distinct_ids, from_date=from_date, to_date=to_date)

    def saved_report(self, bookmark_id: int) -> SavedReportResult:
        """Run a saved report (insights, funnel, retention or flows) by its bookmark id."""
        return self._live_service.saved_report(bookmark_id)

    def flows(
        self,
        event: str | None = None,
        *,
        from_date: str | None = None,
        to_date: str | None = None,
        direction: Literal["after", "before", "both"] = "after",
        steps: int = 3,
        where: str | None = None,
        bookmark_id: int | None = None,
    ) -> FlowsResult:
        """Paths users took after (or before) ``event``; or a saved flows report by bookmark id."""
        return self._live_service.flows(
            event,
            from_date=from_date,
            to_date=to_date,
            direction=direction,
            steps=steps,
            where=where,
            bookmark_id=bookmark_id,
        )

    def jql(self, script: str, params: dict[str, Any] | None = None) -> JQLResult:
        """Run a JQL script (Mixpanel keeps JQL in maintenance mode)."""
        return self._live_service.jql(script, params)

    # -- fetch and stream ---------------------------------------------------------------------

    def fetch_events(
        self,
        name: str = "events",
        *,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None = None,
        where: str | None = None,
        append: bool = False,
        progress: bool | Callable[[Any], None] = True,
        chunk_days: int = 7,
        max_workers: int = 3,
        resume: bool = True,
        deadline: float | None = None,
    ) -> FetchResult:
        """Export events into table ``name``: streamed, deduplicated, atomic and resumable;
        ``deadline`` (seconds) stops the downloads, resumably, when they take longer."""
        return self._fetch_service.fetch_events(
            name,
            from_date=from_date,
            to_date=to_date,
            events=events,
            where=where,
            append=append,
            progress=progress,
            chunk_days=chunk_days,
            max_workers=max_workers,
            resume=resume,
            deadline=deadline,
        )

    def fetch_profiles(
        self,
        name: str = "profiles",
        *,
        where: str | None = None,
        cohort_id: int | None = None,
        output_properties: Sequence[str] | None = None,
        append: bool = False,
        progress: bool | Callable[[Any], None] = True,
        max_workers: int = 3,
        resume: bool = True,
    ) -> FetchResult:
        """Fetch user profiles into table ``name`` (every engage page, atomically; up to
        ``max_workers`` pages in flight; resumable like ``fetch_events``)."""
        return self._fetch_service.fetch_profiles(
            name,
            where=where,
            cohort_id=cohort_id,
            output_properties=output_properties,
            append=append,
            progress=progress,
            max_workers=max_workers,
            resume=resume,
        )

    def stream_events(
        self,
        *,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None = None,
        where: str | None = None,
        raw: bool = False,
        chunk_days: int = 7,
    ) -> Iterator[dict[str, Any]]:
        """Yield events without storing them (normalized rows, or Mixpanel's shape with ``raw``),
        asking for ``chunk_days`` days per export request."""
        return self._fetch_service.stream_events(
            from_date=from_date,
            to_date=to_date,
            events=events,
            where=where,
            raw=raw,
            chunk_days=chunk_days,
        )

    def stream_events_jsonl(
        self,
        *,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None = None,
        where: str | None = None,
        chunk_days: int = 7,
    ) -> Iterator[bytes]:
        """Yield the export as Mixpanel sends it: blocks of whole JSON lines, never parsed
        (``chunk_days`` days per export request).

        Example:
            >>> blocks = ws.stream_events_jsonl(from_date="2026-10-01", to_date="2026-10-31")
            >>> with open("oct.jsonl", "wb") as out:                            # doctest: +SKIP
            ...     for block in blocks:
            ...         out.write(block)
        """
        return self._fetch_service.stream_events_jsonl(
            from_date=from_date,
            to_date=to_date,
            events=events,
            where=where,
            chunk_days=chunk_days,
        )

    def stream_profiles(
        self,
        *,
        where: str | None = None,
        cohort_id: int | None = None,
        output_properties: Sequence[str] | None = None,
        raw: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Yield profiles without storing them."""
        return self._fetch_service.stream_profiles(
            where=where, cohort_id=cohort_id, output_properties=output_properties, raw=raw
        )

    # -- local SQL and tables -----------------------------------------------------------------

    def sql(self, query: str) -> pd.DataFrame:
        """Run SQL on the local store and return a DataFrame."""
        return self.storage.sql(query)

    def sql_scalar(self, query: str) -> Any:
        """Run SQL that returns exactly one value."""
        return self.storage.sql_scalar(query)

    def sql_rows(self, query: str) -> list[tuple[Any, ...]]:
        """Run SQL and return the rows as tuples."""
        return self.storage.sql_rows(query)

    def tables(self) -> ResultList[TableInfo]:
        """Tables in the local store, with what was fetched into them (a list with ``.df``)."""
        return ResultList(self.storage.tables(), column="table")

    def schema(self, table: str) -> TableSchema:
        """Columns of ``table``."""
        return self.storage.schema(table)

    def info(self) -> WorkspaceInfo:
        """Where the store is, which project, and what it holds."""
        from mixpanel_data.results import WorkspaceInfo

        data = self.storage.info()
        creds = self._credentials
        return WorkspaceInfo(
            path=data.path,
            project_id=creds.project_id if creds else None,
            region=creds.region if creds else None,
            account=self._account,
            tables=[t.name for t in data.tables],
            size_mb=round(data.size_bytes / 1e6, 3),
        )

    def sample(self, table: str, n: int = 10, *, seed: int = 0) -> TableReport:
        """``n`` rows of ``table`` picked at random (the same ``seed`` picks the same rows).

        Example:
            >>> ws.sample("events", 5).df                               # doctest: +SKIP
        """
        from mixpanel_data._services import table_inspect

        return table_inspect.sample(self.storage, table, n, seed=seed)

    def summarize(self, table: str) -> TableReport:
        """Per column of ``table``: type, nulls, distinct values (approximate), min, max, mean
        and quartiles.

        Example:
            >>> ws.summarize("events").df[["column", "nulls", "distinct"]]  # doctest: +SKIP
        """
        from mixpanel_data._services import table_inspect

        return table_inspect.summarize(self.storage, table)

    def property_keys(self, table: str, event: str | None = None) -> TableReport:
        """The keys of ``table``'s ``properties``: JSON type, rows holding each and their share
        (only ``event``'s rows when given).

        Example:
            >>> ws.property_keys("events", event="Purchase").df           # doctest: +SKIP
        """
        from mixpanel_data._services import table_inspect

        return table_inspect.property_keys(self.storage, table, event)

    def breakdown(
        self, table: str, by: str, *, event: str | None = None, limit: int = 100
    ) -> TableReport:
        """Rows (and distinct users) of ``table`` per value of ``by``: a column, else a key of
        ``properties``; most rows first.

        Example:
            >>> ws.breakdown("events", by="event_name").df               # doctest: +SKIP
        """
        from mixpanel_data._services import table_inspect

        return table_inspect.breakdown(self.storage, table, by, event=event, limit=limit)

    def drop(self, *names: str) -> None:
        """Drop tables (all or nothing: an unknown name drops none)."""
        self.storage.drop(*names)

    def drop_all(self, type: Literal["events", "profiles"] | None = None) -> None:
        """Drop every table, or every table of one type."""
        self.storage.drop_all(type)

    def export_parquet(
        self,
        table: str,
        path: str | Path,
        *,
        partition_by: Sequence[str] = ("date",),
        compression: str = "zstd",
    ) -> ParquetExport:
        """Write a local table as a Hive-partitioned Parquet dataset that Spark, DuckDB, Trino
        and BigQuery read as is.

        ``partition_by`` names the folders' columns: ``date`` (the UTC day of ``event_time``),
        optionally ``event_name``, or any column of the table; ``()`` writes one unpartitioned
        file. ``properties`` stays a JSON string column. Each partition folder replaces its
        namesake under ``path`` in one rename, so a reader never sees half a partition; the
        partitions this export did not produce are kept.

        Example:
            >>> ws.export_parquet("events", "out/events", partition_by=("date", "event_name"))
            ... # doctest: +SKIP
            ParquetExport(path='/home/me/out/events', rows=41235, partitions=31, files=217)
        """
        from mixpanel_data._storage.parquet import export_parquet

        return export_parquet(
            self.storage, table, path, partition_by=tuple(partition_by), compression=compression
        )

    # -- import ---------------------------------------------------------------------------------

    def import_events(
        self,
        source: Any = None,
        *,
        strict: bool = True,
        batch_size: int = 2000,
        workers: int = 2,
        dry_run: bool = False,
        progress: Callable[[ImportProgress], None] | None = None,
        rejects: str | Path | None = None,
        timezone: str | None = None,
        resume: bool = True,
        mapping: ColumnMapping | dict[str, str] | None = None,
        table: str | None = None,
        sql: str | None = None,
    ) -> ImportResult:
        """Import events into the project, each exactly once, rejecting nothing silently.

        ``source`` is a JSONL, JSON-array, CSV or Parquet file (gzip too), an iterable of dicts
        or a pandas DataFrame; or give ``table`` / ``sql`` to import from the local store. Flat
        rows (CSV, tables, DataFrames) name their columns with ``mapping``, e.g.
        ``{"distinct_id": "user_id", "time": "ts"}`` (defaults: ``event``, ``distinct_id``,
        ``time``, ``$insert_id``; other columns become properties). Records are
        checked locally first; events without ``$insert_id`` get one made from their content, so
        importing a file twice stores each event once. Batches of at most ``batch_size`` events
        and 2 MiB go gzipped, ``workers`` at a time. Refused records (``line``, ``field``,
        ``reason``, ``record``) go to ``rejects`` (default ``<file>.rejects.jsonl``). A file import
        that stops half-way continues where it stopped when run again (``resume=False`` starts
        over). ``dry_run`` checks everything and sends nothing. Naive ISO times need ``timezone``.

        Example:
            >>> result = ws.import_events("events.jsonl")         # doctest: +SKIP
            >>> print(result)                                     # doctest: +SKIP
            imported 9,997, rejected 3, skipped 0 (5 batches); rejects in events.jsonl.rejects.jsonl
        """
        from mixpanel_data._services.importer import EventImporter

        importer = EventImporter(self.api, self.credentials.project_id, lambda: self.storage)
        return importer.run(
            source,
            strict=strict,
            batch_size=batch_size,
            workers=workers,
            dry_run=dry_run,
            progress=progress,
            rejects_path=rejects,
            timezone=timezone,
            resume=resume,
            mapping=mapping,
            table=table,
            sql=sql,
        )

    # -- profiles, groups, copies, lookup tables, identity (issue 10) ---------------------------

    def _project_token(self, what: str) -> str:
        token = self.credentials.token
        if token is None:
            raise ConfigError(
                f"{what} needs the project token: set token on the account (or MP_TOKEN)"
            )
        return token.get_secret_value()

    def import_profiles(
        self,
        source: Any = None,
        *,
        operation: str = "$set",
        columns: dict[str, str] | None = None,
        id_column: str | None = None,
        batch_size: int = 2000,
        dry_run: bool = False,
        progress: Callable[[ImportProgress], None] | None = None,
        rejects: str | Path | None = None,
        resume: bool = True,
        table: str | None = None,
        sql: str | None = None,
    ) -> ImportResult:
        """Update user profiles from a file, table, SQL query, DataFrame or iterable of dicts.

        A record holding operations (``{"$distinct_id": "u1", "$set": {...}, "$add": {...}}``)
        is sent as it is. A flat row names the profile in ``id_column`` (default ``distinct_id``)
        and every other non-empty column is updated with ``operation`` (``$set``, ``$set_once``,
        ``$unset``, ``$delete``, ``$add``, ``$append``, ``$remove``, ``$union``) or with the one
        ``columns`` gives for it, e.g. ``{"logins": "$add"}``. Updates with ``$add`` or
        ``$append`` are never sent twice: when their request may have reached Mixpanel without an
        answer they are counted in ``result.unknown`` and listed in the rejects file. Rejects,
        ``dry_run`` and resuming work as in :meth:`import_events`.

        Example:
            >>> ws.import_profiles("plans.csv", columns={"logins": "$add"})   # doctest: +SKIP
            ImportResult(source='plans.csv', imported=500, rejected=0, ...)
        """
        from mixpanel_data._services.import_profiles import ProfileImporter, UpdateShape

        shape = UpdateShape(
            "user", self._project_token("import_profiles"), operation, columns or {}, id_column
        )
        return ProfileImporter(self.api, self.credentials.project_id, lambda: self.storage).run(
            source, shape, batch_size=batch_size, dry_run=dry_run, progress=progress,
            rejects_path=rejects, resume=resume, table=table, sql=sql,
        )  # fmt: skip

    def import_groups(
        self,
        source: Any = None,
        *,
        group_key: str,
        operation: str = "$set",
        columns: dict[str, str] | None = None,
        id_column: str | None = None,
        batch_size: int = 2000,
        dry_run: bool = False,
        progress: Callable[[ImportProgress], None] | None = None,
        rejects: str | Path | None = None,
        resume: bool = True,
        table: str | None = None,
        sql: str | None = None,
    ) -> ImportResult:
        """Update group profiles of ``group_key`` (e.g. ``company_id``); like
        :meth:`import_profiles`, the id column defaulting to ``group_id``.

        Example:
            >>> ws.import_groups("companies.csv", group_key="company_id")   # doctest: +SKIP
            ImportResult(source='companies.csv', imported=40, rejected=0, ...)
        """
        from mixpanel_data._services.import_profiles import ProfileImporter, UpdateShape

        shape = UpdateShape(
            "group", self._project_token("import_groups"), operation, columns or {}, id_column,
            group_key,
        )  # fmt: skip
        return ProfileImporter(self.api, self.credentials.project_id, lambda: self.storage).run(
            source, shape, batch_size=batch_size, dry_run=dry_run, progress=progress,
            rejects_path=rejects, resume=resume, table=table, sql=sql,
        )  # fmt: skip

    def _other(self, account: str | Credentials | None) -> Workspace:
        """A memory Workspace for another account (or these credentials) for a copy."""
        if account is None:
            return Workspace.memory(credentials=self.credentials, retries=self._retries)
        if isinstance(account, str):
            return Workspace.memory(account=account, retries=self._retries)
        return Workspace.memory(credentials=account, retries=self._retries)

    def copy_events(
        self,
        *,
        to_account: str | Credentials,
        from_date: str,
        to_date: str,
        from_account: str | Credentials | None = None,
        where: str | None = None,
        events: Sequence[str] | None = None,
        workers: int = 2,
        resume: bool = True,
        progress: Callable[[ImportProgress], None] | None = None,
    ) -> ImportResult:
        """Copy events of ``from_date``..``to_date`` from ``from_account``'s project (default:
        this Workspace's) into ``to_account``'s: each day's export is streamed into import, no
        local copy, each event stored once. An interrupted copy continues with the first
        unfinished day (progress in ``$MP_DATA_DIR/copies``). Accounts are names from the config
        or :class:`Credentials`.

        Example:
            >>> ws.copy_events(to_account="staging", from_date="2026-10-01",
            ...                to_date="2026-10-31", where='properties["plan"] == "pro"')
            ... # doctest: +SKIP
        """
        from mixpanel_data._services.copier import copy_events

        with self._other(from_account) as source, self._other(to_account) as target:
            return copy_events(
                source, target, from_date=from_date, to_date=to_date, where=where, events=events,
                workers=workers, resume=resume, progress=progress,
            )  # fmt: skip

    def copy_profiles(
        self,
        *,
        to_account: str | Credentials,
        from_account: str | Credentials | None = None,
        where: str | None = None,
        cohort_id: int | None = None,
        progress: Callable[[ImportProgress], None] | None = None,
    ) -> ImportResult:
        """Copy user profiles (all their properties, as ``$set``) from ``from_account``'s project
        (default: this Workspace's) into ``to_account``'s, streamed; safe to run again.

        Example:
            >>> ws.copy_profiles(to_account="staging", where='user["plan"] == "pro"')
            ... # doctest: +SKIP
        """
        from mixpanel_data._services.copier import copy_profiles

        with self._other(from_account) as source, self._other(to_account) as target:
            return copy_profiles(
                source, target, where=where, cohort_id=cohort_id, progress=progress
            )

    def lookup_tables(self) -> Records:
        """The project's lookup tables (``id``, ``name``).

        Example:
            >>> [t["name"] for t in ws.lookup_tables()]    # doctest: +SKIP
            ['Products', 'Accounts']
        """
        from mixpanel_data.results.management import Records

        answer = self.api.call_json("list_lookup_tables")
        items = answer.get("results", []) if isinstance(answer, dict) else answer
        return Records("lookup_table", tuple(dict(i) for i in items or [] if isinstance(i, dict)))

    def replace_lookup_table(
        self, table_id: str, source: Any = None, *, table: str | None = None
    ) -> Record:
        """Replace every row of lookup table ``table_id`` with ``source`` (a CSV file, a
        DataFrame, an iterable of dicts) or ``table`` of the local store; the first column is
        the key. Rows are checked first (header, field counts, blank keys): a bad one is named
        and nothing is uploaded.

        Example:
            >>> ws.replace_lookup_table("7d1c0a3e-...", "products.csv")   # doctest: +SKIP
            Record(kind='lookup_table', ...)
        """
        from mixpanel_data._services.lookup_tables import lookup_csv
        from mixpanel_data.results.management import Record

        text, rows = lookup_csv(source, table=table, storage=lambda: self.storage)
        answer = self.api.call_json("replace_lookup_table", id=table_id, body=text)
        status = answer.get("status") if isinstance(answer, dict) else answer
        return Record("lookup_table", {"id": table_id, "rows": rows, "status": status})

    def _identity_event(self, operation: str, event: dict[str, Any]) -> Record:
        from mixpanel_data.results.management import Record

        event["properties"]["token"] = self._project_token(operation)
        answer = self.api.call_json(operation, body={"data": json.dumps(event), "strict": 1})
        shown = {k: v for k, v in event["properties"].items() if k != "token"}
        return Record("identity", {"event": event["event"], **shown, "status": answer})

    def create_identity(self, identified_id: str, anon_id: str) -> Record:
        """Link ``anon_id`` (an anonymous id) to the known user ``identified_id`` (an
        ``$identify`` event). Sent once: never retried after it may have reached Mixpanel.

        Example:
            >>> ws.create_identity("user-4417", "anon-7c2e91")   # doctest: +SKIP
        """
        return self._identity_event(
            "create_identity",
            {"event": "$identify", "properties": {"$identified_id": identified_id,
                                                  "$anon_id": anon_id}},
        )  # fmt: skip

    def create_alias(self, distinct_id: str, alias: str) -> Record:
        """Make ``alias`` another name for ``distinct_id`` (a ``$create_alias`` event).

        Example:
            >>> ws.create_alias("user-4417", "4417@example.com")   # doctest: +SKIP
        """
        return self._identity_event(
            "create_alias",
            {"event": "$create_alias", "properties": {"distinct_id": distinct_id, "alias": alias}},
        )

    def merge_identities(self, distinct_id: str, other_id: str) -> Record:
        """Join the identity clusters of ``distinct_id`` and ``other_id`` into one (``$merge``).

        Example:
            >>> ws.merge_identities("user-4417", "anon-7c2e91")   # doctest: +SKIP
        """
        import time

        from mixpanel_data.results.management import Record

        event = {
            "event": "$merge",
            "properties": {
                "$distinct_ids": [distinct_id, other_id],
                "time": int(time.time()),
                "token": self._project_token("merge_identities"),
            },
        }
        answer = self.api.call_json("merge_identities", strict="1", body=[event])
        return Record(
            "identity",
            {"event": "$merge", "$distinct_ids": [distinct_id, other_id],
             "imported": answer.get("num_records_imported") if isinstance(answer, dict) else None},
        )  # fmt: skip


if TYPE_CHECKING:
    from mixpanel_data._services.import_sources import ColumnMapping
    from mixpanel_data._services.importer import ImportProgress
    from mixpanel_data._storage.parquet import ParquetExport
    from mixpanel_data.results.imports import ImportResult
    from mixpanel_data.results.management import Record, Records
