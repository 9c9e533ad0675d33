"""The :class:`Workspace` facade: one object for discovery, live queries, fetching and local SQL.

The Workspace resolves credentials once, builds the API clients and the local store lazily (a
live query never opens the DuckDB file; a SQL query never needs credentials), and hands each call to
the service that owns it: :mod:`._services.discovery`, :mod:`._services.live_query`,
:mod:`._services.fetcher` and :mod:`._storage`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from mixpanel_data._management import ManagementMethods
from mixpanel_data.exceptions import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from mixpanel_data._api.clients import ApiClients
    from mixpanel_data._credentials import Credentials
    from mixpanel_data._services.discovery import DiscoveryService
    from mixpanel_data._services.fetcher import Fetcher
    from mixpanel_data._services.live_query import LiveQueryService
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
    def _fetch_service(self) -> Fetcher:
        if self._fetcher is None:
            from mixpanel_data._services.fetcher import Fetcher

            self._fetcher = Fetcher(
                self.api, lambda: self.storage, self.credentials, database=self._unopened_file
            )
        return self._fetcher

    # -- discovery --------------------------------------------------------------------------

    def list_events(self) -> list[str]:
        """Event names of the project, sorted."""
        return self._discovery_service.list_events()

    def list_properties(self, event: str) -> list[str]:
        """Property names seen on ``event``, sorted."""
        return self._discovery_service.list_properties(event)

    def list_property_values(
        self, property: str, *, event: str | None = None, limit: int = 100
    ) -> list[str]:
        """Values seen for ``property`` (on ``event`` when given), as strings."""
        return self._discovery_service.list_property_values(property, event=event, limit=limit)

    def list_funnels(self) -> list[FunnelInfo]:
        """Saved funnels (id and name)."""
        return self._discovery_service.list_funnels()

    def list_cohorts(self) -> list[SavedCohort]:
        """Saved cohorts."""
        return self._discovery_service.list_cohorts()

    def list_bookmarks(self, type: str | None = None) -> list[BookmarkInfo]:
        """Saved reports, optionally only of one ``type`` (insights, funnels, retention, flows)."""
        return self._discovery_service.list_bookmarks(type)

    def list_top_events(
        self, type: Literal["general", "average", "unique"] = "general", limit: int | None = None
    ) -> list[TopEvent]:
        """Today's top events with their counts and change (never cached)."""
        return self._discovery_service.list_top_events(type=type, limit=limit)

    def list_schemas(self, entity_type: str | None = None) -> list[dict[str, Any]]:
        """Lexicon schemas of the project (``event`` or ``profile`` entities)."""
        return self._discovery_service.list_schemas(entity_type)

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
    ) -> Iterator[dict[str, Any]]:
        """Yield events without storing them (normalized rows, or Mixpanel's shape with ``raw``)."""
        return self._fetch_service.stream_events(
            from_date=from_date, to_date=to_date, events=events, where=where, raw=raw
        )

    def stream_events_jsonl(
        self,
        *,
        from_date: str,
        to_date: str,
        events: Sequence[str] | None = None,
        where: str | None = None,
    ) -> Iterator[bytes]:
        """Yield the export as Mixpanel sends it: blocks of whole JSON lines, never parsed.

        Example:
            >>> blocks = ws.stream_events_jsonl(from_date="2026-10-01", to_date="2026-10-31")
            >>> with open("oct.jsonl", "wb") as out:                            # doctest: +SKIP
            ...     for block in blocks:
            ...         out.write(block)
        """
        return self._fetch_service.stream_events_jsonl(
            from_date=from_date, to_date=to_date, events=events, where=where
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

    def tables(self) -> list[TableInfo]:
        """Tables in the local store, with what was fetched into them."""
        return self.storage.tables()

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

    def drop(self, *names: str) -> None:
        """Drop tables (all or nothing: an unknown name drops none)."""
        self.storage.drop(*names)

    def drop_all(self, type: Literal["events", "profiles"] | None = None) -> None:
        """Drop every table, or every table of one type."""
        self.storage.drop_all(type)

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


if TYPE_CHECKING:
    from mixpanel_data._services.import_sources import ColumnMapping
    from mixpanel_data._services.importer import ImportProgress
    from mixpanel_data.results.imports import ImportResult
