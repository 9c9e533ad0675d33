"""``StorageEngine``: the local DuckDB store of fetched events and profiles.

Example:
    >>> with StorageEngine.memory() as store:
    ...     store.sql_scalar("SELECT 40 + 2")
    ...     [t.name for t in store.tables()]
    42
    []
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb

from mixpanel_data._storage import _errors, _load, _schema
from mixpanel_data._storage._names import quote_identifier, quoted_table, validate_table_name
from mixpanel_data._storage.types import (
    ColumnInfo,
    LoadMetadata,
    LoadResult,
    StorageInfo,
    StorageKind,
    TableInfo,
    TableMetadata,
    TableSchema,
    TableType,
)
from mixpanel_data.exceptions import (
    MixpanelDataError,
    TableExistsError,
    TableNotFoundError,
    ValidationError,
)

if TYPE_CHECKING:
    import pandas as pd

#: Called with the step a load is about to start: "reading", "deduplicating", "recording",
#: "committing". An exception it raises (KeyboardInterrupt included) rolls the load back.
ProgressCallback = Callable[[str], None]

#: Called after each batch of files is read, with the number of lines it inserted.
BatchCallback = Callable[[int], None]

_ROLLBACK_ATTEMPTS = 20

#: DuckDB's memory limit while a file-backed store loads. Its cache of freshly written blocks
#: otherwise grows with the size of the load (5M export lines: 1.7-1.9 GB peak RSS). Measured on
#: those 5M lines in five gzip files (insert only): no limit 24-25 s; keeping the line order
#: under a 512MB cap 30-35 s (768MB 28-31 s, 1GB 25.5 s); without the order, 512MB 24 s.
#: Whole fetches (scripts/bench_fetch.py): peak RSS 546 MB at 1M events, 632 MB at 5M.
LOAD_MEMORY_LIMIT = "512MB"
_CURRENT_MEMORY_LIMIT = "SELECT current_setting('memory_limit')"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOAD_FAILURES = (
    duckdb.ConstraintException,
    duckdb.ConversionException,
    duckdb.OutOfRangeException,
)


def _release(con: duckdb.DuckDBPyConnection, cleanup_dir: str | None) -> None:
    """Close the connection and, for an ephemeral store, delete its folder (file + .wal)."""
    with contextlib.suppress(Exception):
        con.close()
    if cleanup_dir is not None:
        shutil.rmtree(cleanup_dir, ignore_errors=True)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK, retried: an ``interrupt()`` from another thread can hit the ROLLBACK itself."""
    for _ in range(_ROLLBACK_ATTEMPTS):
        try:
            con.execute("ROLLBACK")
            return
        except (duckdb.Error, RuntimeError) as err:
            if "no transaction is active" in str(err):
                return  # DuckDB already ended it


class StorageEngine:
    """The local DuckDB store: atomic, deduplicating loads of export files, and SQL over them.

    One engine owns one DuckDB connection; use it from one thread at a time (``interrupt()`` is
    the exception: any thread may call it). Four ways to open:

    * ``StorageEngine(path)``: a database file, created with its folder if missing.
    * ``StorageEngine.open_existing(path, read_only=False)``: a file that must exist.
    * ``StorageEngine.ephemeral()``: a temporary file, deleted with its .wal on ``close()`` and
      at interpreter exit.
    * ``StorageEngine.memory()``: DuckDB ``:memory:``; nothing touches the disk.

    A file another process has open for writing raises ``DatabaseLockedError``; several processes
    may hold the same file read-only at once.

    Example:
        >>> store = StorageEngine.ephemeral()
        >>> store.kind, store.path.exists()
        ('ephemeral', True)
        >>> store.close(); store.path.exists()
        False
    """

    _con: duckdb.DuckDBPyConnection | None
    _path: Path | None
    _kind: StorageKind
    _read_only: bool
    _has_metadata: bool
    _finalizer: weakref.finalize[Any, StorageEngine]

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        """Open (or create) the database file at ``path``.

        A new file is created 0600 (its ``.wal`` too) and missing folders 0700. A file without
        the store's ``_metadata`` table was not made here: opening it changes nothing in it.
        """
        file = Path(path).expanduser()
        if not read_only:
            _private_folders(file.parent)
        self._open(str(file), file, "file", read_only, None)

    @classmethod
    def memory(cls) -> StorageEngine:
        """An in-memory store (DuckDB ``:memory:``)."""
        engine = cls.__new__(cls)
        engine._open(":memory:", None, "memory", False, None)
        return engine

    @classmethod
    def ephemeral(cls) -> StorageEngine:
        """A store in a new temporary file, deleted (with its .wal) on close and at exit."""
        folder = tempfile.mkdtemp(prefix="mixpanel_data-")
        file = Path(folder) / "ephemeral.duckdb"
        engine = cls.__new__(cls)
        try:
            engine._open(str(file), file, "ephemeral", False, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return engine

    @classmethod
    def open_existing(cls, path: str | os.PathLike[str], read_only: bool = False) -> StorageEngine:
        """Open a database file that must already exist (``FileNotFoundError`` otherwise)."""
        file = Path(path).expanduser()
        if not file.is_file():
            raise FileNotFoundError(f"no database file at {file}")
        return cls(file, read_only=read_only)

    def _open(
        self,
        database: str,
        path: Path | None,
        kind: StorageKind,
        read_only: bool,
        cleanup_dir: str | None,
    ) -> None:
        self._con = None
        self._path, self._kind, self._read_only = path, kind, read_only
        new = path is None or not path.exists()
        with _errors.opening(database), _private_files():
            con = duckdb.connect(database, read_only=read_only)
        self._finalizer = weakref.finalize(self, _release, con, cleanup_dir)
        self._con = con
        with _errors.storage_op("preparing the connection"):
            # DuckDB would draw a progress bar on the terminal during long queries. In Jupyter it
            # starts disabled, and setting it at all there fails unless ipywidgets is installed.
            if self._scalar("SELECT current_setting('enable_progress_bar')"):
                con.execute("SET enable_progress_bar = false")
            self._default_memory_limit = str(self._scalar(_CURRENT_MEMORY_LIMIT))
            self._has_metadata = bool(self._scalar(_schema.HAS_METADATA_TABLE))
            if not read_only and (new or self._has_metadata):
                # Our own file: keep the bookkeeping and drop what a dead load left. A file we
                # did not make is left exactly as it is until something is loaded into it.
                con.execute(_schema.CREATE_METADATA)
                self._has_metadata = True
                self._drop_leftover_stages()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection (escape hatch for raw SQL and DDL)."""
        if self._con is None:
            raise MixpanelDataError("the storage engine is closed")
        return self._con

    @property
    def path(self) -> Path | None:
        """The database file (None in memory)."""
        return self._path

    @property
    def kind(self) -> StorageKind:
        """``"file"``, ``"ephemeral"`` or ``"memory"``."""
        return self._kind

    @property
    def read_only(self) -> bool:
        """Whether the file was opened read-only."""
        return self._read_only

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._con is None

    def close(self) -> None:
        """Close the connection (an ephemeral store also deletes its files). Idempotent."""
        self._con = None
        self._finalizer()

    def interrupt(self) -> None:
        """Stop the running query from another thread; the running call raises KeyboardInterrupt."""
        if self._con is not None:
            self._con.interrupt()

    def __enter__(self) -> StorageEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "memory" if self._path is None else str(self._path)
        state = " closed" if self._con is None else ""
        return (
            f"<StorageEngine {self._kind} {where}{' read-only' if self._read_only else ''}{state}>"
        )

    # -- loading ---------------------------------------------------------------------------

    def load_events(
        self,
        table: str,
        files: Iterable[Path | str] | Iterable[Sequence[Path | str]],
        *,
        append: bool = False,
        metadata: LoadMetadata | None = None,
        progress: ProgressCallback | None = None,
        on_batch: BatchCallback | None = None,
    ) -> LoadResult:
        """Load Mixpanel export files (JSONL, plain or ``.gz``) into an events table, atomically.

        Each line is ``{"event": ..., "properties": {"time", "distinct_id", "$insert_id", ...}}``;
        ``time`` is seconds or milliseconds (values above 1e11). Rows whose key (event,
        distinct_id, time, $insert_id) repeats are dropped: within the files the copy Mixpanel
        ingested last wins (largest ``mp_processing_time_ms``; among copies without it or with
        equal values, any one), and with ``append=True`` a row already stored wins. Rows are not
        stored in the files' line order.

        ``append=False`` raises ``TableExistsError`` when the table exists, before anything is
        written. ``append=True`` on a missing table creates it. The rows and the ``_metadata``
        row are committed together; any error or KeyboardInterrupt leaves the store as it was.
        Malformed input raises ``DataError`` naming the file (and the line when DuckDB knows it).

        Example:
            >>> import json, tempfile, pathlib
            >>> f = pathlib.Path(tempfile.mkdtemp()) / "export.jsonl"
            >>> _ = f.write_text(json.dumps({"event": "Login", "properties": {
            ...     "time": 1704067200, "distinct_id": "u1", "$insert_id": "a", "plan": "pro"}}))
            >>> with StorageEngine.memory() as store:
            ...     store.load_events("jan", [f]).rows_loaded
            ...     store.sql_rows("SELECT event_time, properties FROM jan")
            1
            [(datetime.datetime(2024, 1, 1, 0, 0), '{"plan":"pro"}')]
        """
        return self._load("events", table, files, append, metadata, progress, on_batch)

    def load_profiles(
        self,
        table: str,
        files: Iterable[Path | str] | Iterable[Sequence[Path | str]],
        *,
        append: bool = False,
        metadata: LoadMetadata | None = None,
        progress: ProgressCallback | None = None,
    ) -> LoadResult:
        """Load engage results (JSONL ``{"$distinct_id", "$properties"}``) into a profiles table.

        ``properties`` keeps ``$properties`` as given; ``last_seen`` is ``$last_seen`` as a
        TIMESTAMP (NULL when absent or unparsable). One row per distinct_id: the last line wins,
        and with ``append=True`` a new profile replaces the stored one. Table-exists, atomicity
        and error rules are those of ``load_events``.
        """
        return self._load("profiles", table, files, append, metadata, progress, None)

    def _load(
        self,
        kind: TableType,
        table: str,
        files: Iterable[Path | str] | Iterable[Sequence[Path | str]],
        append: bool,
        metadata: LoadMetadata | None,
        progress: ProgressCallback | None,
        on_batch: BatchCallback | None,
    ) -> LoadResult:
        start = time.perf_counter()
        validate_table_name(table)
        if self._read_only:
            raise ValidationError(f"cannot load into {table!r}: the database is open read-only")
        existing = self._find_table(table)
        if existing is not None and not append:
            raise _table_exists(existing)
        if existing is not None:
            self._check_layout(existing, kind)
            table = existing
        # A list is read in one statement; any other iterable is inserted item by item as it
        # yields (a path, or a list of paths read together), still atomically: the fetcher
        # overlaps downloads with loading this way.
        batches: Iterable[list[str]] = (
            [_load.as_paths(cast("Sequence[Path | str]", files))]
            if isinstance(files, list | tuple)
            else (_load.as_paths(_as_batch(f)) for f in files)
        )
        paths: list[str] = []
        meta = metadata or LoadMetadata()
        row = _metadata_row(table, kind, meta)
        quoted = quote_identifier(table)
        step = progress or _no_progress
        batch_done = on_batch or _no_batch
        con = self.connection

        with self._load_settings(kind), _private_files():
            if kind == "events":
                return self._load_events(
                    table, existing, batches, paths, row, step, batch_done, start
                )
            with _errors.loading(paths):
                try:
                    with self._transaction():
                        if existing is None:
                            self._create_table(kind, table)
                            before = -1
                        else:
                            before = _load.max_rowid(con, quoted)
                        step("reading")
                        inserted = 0
                        for batch in batches:
                            paths.extend(batch)
                            if batch:
                                added = _load.insert(con, kind, quoted, batch)
                                inserted += added
                                batch_done(added)
                        step("deduplicating")
                        loaded = _load.dedup_profiles(con, quoted, before, paths)
                        dropped = inserted - loaded
                        step("recording")
                        self._record_metadata(row, widen=existing is not None)
                        step("committing")
                except _LOAD_FAILURES as err:
                    raise _load.diagnose(con, kind, paths, err) from err
            return LoadResult(
                rows_loaded=loaded,
                duplicates_dropped=dropped,
                seconds=time.perf_counter() - start,
            )

    def _load_events(
        self,
        table: str,
        existing: str | None,
        batches: Iterable[list[str]],
        paths: list[str],
        row: list[Any],
        step: ProgressCallback,
        batch_done: BatchCallback,
        start: float,
    ) -> LoadResult:
        """Events: insert into a hidden stage, then put the rows in place in a second transaction.

        Deleting repeats inside the transaction that inserted the rows makes DuckDB's COMMIT
        rewrite every freshly written row group (+2.5 s per 1M rows, measured); deleting them
        from committed rows costs a deletion vector. So the stage is committed first, its own
        repeats are deleted, and then it is renamed into place (a new table) or its rows that
        are not stored yet are copied into ``existing`` (append) and it is dropped. Nothing is
        visible under ``table`` until the second transaction commits; a stage left by a process
        that died is dropped the next time the file is opened.
        """
        con = self.connection
        stage = f"{_schema.STAGE_PREFIX}{table}_{os.getpid()}_{time.monotonic_ns()}"
        quoted = quote_identifier(stage)
        with _errors.loading(paths):
            try:
                with self._transaction():
                    con.execute(_schema.create_table_sql("events", quoted))
                    step("reading")
                    inserted = 0
                    for batch in batches:
                        paths.extend(batch)
                        if batch:
                            added = _load.insert(con, "events", quoted, batch)
                            inserted += added
                            batch_done(added)
            except _LOAD_FAILURES as err:
                raise _load.diagnose(con, "events", paths, err) from err
            try:
                with self._transaction():
                    step("deduplicating")
                    dropped = _load.dedup_events(con, quoted, paths)
                    if existing is None:
                        self._rename_stage(quoted, table)
                    else:
                        kept = _load.append_new_events(con, quote_identifier(existing), quoted)
                        dropped = inserted - kept
                        con.execute(f"DROP TABLE {quoted}")
                    step("recording")
                    self._record_metadata(row, widen=existing is not None)
                    step("committing")
            except BaseException as err:
                with contextlib.suppress(Exception):
                    con.execute(f"DROP TABLE IF EXISTS {quoted}")
                if isinstance(err, _LOAD_FAILURES):
                    raise _load.diagnose(con, "events", paths, err) from err
                raise
        return LoadResult(
            rows_loaded=inserted - dropped,
            duplicates_dropped=dropped,
            seconds=time.perf_counter() - start,
        )

    def _rename_stage(self, stage: str, table: str) -> None:
        if self._find_table(table) is not None:
            raise _table_exists(table)
        try:
            self.connection.execute(f"ALTER TABLE {stage} RENAME TO {quote_identifier(table)}")
        except duckdb.CatalogException as err:  # made by another connection since the check
            raise _table_exists(table) from err

    @contextmanager
    def _load_settings(self, kind: TableType) -> Iterator[None]:
        """DuckDB settings for the length of a load, put back afterwards.

        - Loading into a file, DuckDB's *default* memory limit is capped at
          :data:`LOAD_MEMORY_LIMIT` (and ``RESET`` after); a limit someone set on the
          connection is theirs. An in-memory store keeps its data in that memory: never capped.
        - Events are inserted without preserving the files' line order: which copy of a repeated
          key survives is decided by the data (see ``_load``), and keeping the order costs 20-30%
          under the memory cap (measured; see :data:`LOAD_MEMORY_LIMIT`). Profiles keep it
          (their last line wins).
        """
        con = self.connection
        cap = (
            self._path is not None
            and str(self._scalar(_CURRENT_MEMORY_LIMIT)) == self._default_memory_limit
        )
        ordered = bool(self._scalar("SELECT current_setting('preserve_insertion_order')"))
        if cap:
            con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
        if kind == "events":
            con.execute("SET preserve_insertion_order = false")
        try:
            yield
        finally:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"SET preserve_insertion_order = {str(ordered).lower()}")
                if cap:
                    con.execute("RESET memory_limit")

    def _drop_leftover_stages(self) -> None:
        """Drop stage tables a process that died mid-load left behind (never user tables)."""
        con = self.connection
        for (name,) in con.execute(_schema.LEFTOVER_STAGES).fetchall():
            con.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")

    def _create_table(self, kind: TableType, table: str) -> None:
        try:
            self.connection.execute(_schema.create_table_sql(kind, quote_identifier(table)))
        except duckdb.CatalogException as err:  # another connection made it since the check
            raise _table_exists(table) from err

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN … COMMIT; any exception (KeyboardInterrupt included) rolls back."""
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise

    def _check_layout(self, table: str, kind: TableType) -> None:
        """Appending needs a table of the same kind: its metadata type and column names."""
        meta = self._read_metadata(table)
        names = [c.name for c in self._columns(table)]
        expected = [c[0] for c in _schema.COLUMNS[kind]]
        if (meta is not None and meta.type != kind) or names != expected:
            raise ValidationError(
                f"cannot append {kind} to {table!r}: it is not a {kind} table",
                details={"table": table, "columns": names},
            )

    def _record_metadata(self, row: list[Any], *, widen: bool) -> None:
        con = self.connection
        if not self._has_metadata:
            con.execute(_schema.CREATE_METADATA)
            self._has_metadata = True
        table = row[0]
        if widen:
            previous = self._read_metadata(table)
            if previous is not None:
                row[3] = _earliest(previous.from_date, row[3])
                row[4] = _latest(previous.to_date, row[4])
        row[8] = int(self._scalar(f"SELECT count(*) FROM {quote_identifier(table)}"))
        con.execute(_schema.DELETE_METADATA, [table])
        con.execute(_schema.INSERT_METADATA, row)

    # -- SQL -------------------------------------------------------------------------------

    def sql(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        """Run ``query`` and return the result as a pandas DataFrame.

        DuckDB's errors (syntax, unknown table or column, conversion, ...) raise ``QueryError``.
        """
        with _errors.user_query(query):
            return self.connection.execute(query, params).df()

    def sql_rows(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run ``query`` and return its rows as tuples."""
        with _errors.user_query(query):
            return self.connection.execute(query, params).fetchall()

    def sql_scalar(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> Any:
        """Run ``query`` and return its one value (``ValidationError`` unless 1 row × 1 column).

        Example:
            >>> with StorageEngine.memory() as store:
            ...     store.sql_scalar("SELECT count(*) FROM range(5)")
            5
        """
        with _errors.user_query(query):
            result = self.connection.execute(query, params)
            width = len(result.description or ())
            rows = result.fetchmany(2)
        if width != 1 or len(rows) != 1:
            shape = f"{'2+' if len(rows) > 1 else len(rows)} row(s) × {width} column(s)"
            raise ValidationError(
                f"sql_scalar needs exactly one row and one column, the query gave {shape}",
                details={"sql": query},
            )
        return rows[0][0]

    # -- introspection ---------------------------------------------------------------------

    def tables(self) -> list[TableInfo]:
        """Every user table (``_metadata`` is hidden), sorted by name."""
        with _errors.storage_op("listing tables"):
            names = [r[0] for r in self.connection.execute(_schema.LIST_TABLES).fetchall()]
            meta = self._all_metadata()
            return [self._table_info(name, meta.get(name)) for name in names]

    def schema(self, table: str) -> TableSchema:
        """The columns of ``table`` (``TableNotFoundError`` if it does not exist)."""
        name = self._require_table(table)
        return TableSchema(name=name, columns=tuple(self._columns(name)))

    def get_metadata(self, table: str) -> TableMetadata | None:
        """The ``_metadata`` row of ``table``; None for a table no load made."""
        return self._read_metadata(self._require_table(table))

    def info(self) -> StorageInfo:
        """Where the store lives, its size on disk (file + .wal; 0 in memory) and its tables."""
        size = 0
        if self._path is not None:
            for f in (self._path, self._path.with_name(self._path.name + ".wal")):
                with contextlib.suppress(OSError):
                    size += f.stat().st_size
        return StorageInfo(
            path=self._path,
            kind=self._kind,
            read_only=self._read_only,
            size_bytes=size,
            tables=tuple(self.tables()),
        )

    # -- table management ------------------------------------------------------------------

    def drop(self, *names: str) -> None:
        """Drop the named tables together: if any is missing, ``TableNotFoundError`` and none is."""
        if not names:
            raise ValidationError("drop() needs at least one table name")
        found: list[str] = []
        missing: list[str] = []
        for name in names:
            validate_table_name(name)
            existing = self._find_table(name)
            if existing is None:
                missing.append(name)
            elif existing not in found:
                found.append(existing)
        if missing:
            raise TableNotFoundError(
                f"no table named {', '.join(repr(m) for m in missing)}; nothing was dropped",
                details={"tables": missing},
            )
        self._drop(found)

    def drop_all(self, type: TableType | None = None) -> list[str]:
        """Drop every table, or every table of one ``type``; return the dropped names."""
        if type not in (None, "events", "profiles"):
            raise ValidationError(f"type must be 'events', 'profiles' or None, not {type!r}")
        tables = self.tables()
        names = [t.name for t in tables if type is None or t.type == type]
        if names:
            self._drop(names)
        return names

    def _drop(self, names: Sequence[str]) -> None:
        with _errors.storage_op("dropping tables"), self._transaction() as con:
            for name in names:
                con.execute(f"DROP TABLE {quote_identifier(name)}")
                if self._has_metadata:
                    con.execute(_schema.DELETE_METADATA, [name])

    # -- helpers ---------------------------------------------------------------------------

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.connection.execute(sql, list(params)).fetchone()
        return None if row is None else row[0]

    def table_exists(self, name: str) -> bool:
        """True when a table (or view) called ``name`` exists; names are case-insensitive."""
        validate_table_name(name)
        return self._find_table(name) is not None

    def _find_table(self, name: str) -> str | None:
        """The catalog's spelling of table ``name`` (names are case-insensitive), or None."""
        with _errors.storage_op("looking up a table"):
            return cast("str | None", self._scalar(_schema.FIND_TABLE, [name]))

    def _require_table(self, table: str) -> str:
        quoted_table(table)
        existing = self._find_table(table)
        if existing is None:
            raise TableNotFoundError(f"no table named {table!r}", details={"table": table})
        return existing

    def _columns(self, table: str) -> list[ColumnInfo]:
        with _errors.storage_op("reading a table's columns"):
            rows = self.connection.execute(_schema.TABLE_COLUMNS, [table]).fetchall()
        return [ColumnInfo(name=r[0], type=r[1], nullable=bool(r[2])) for r in rows]

    def _table_info(self, name: str, meta: TableMetadata | None) -> TableInfo:
        count = int(self._scalar(f"SELECT count(*) FROM {quote_identifier(name)}"))
        return TableInfo(
            name=name,
            type=None if meta is None else meta.type,
            row_count=count,
            fetched_at=None if meta is None else meta.fetched_at,
            from_date=None if meta is None else meta.from_date,
            to_date=None if meta is None else meta.to_date,
        )

    def _read_metadata(self, table: str) -> TableMetadata | None:
        if not self._has_metadata:
            return None
        with _errors.storage_op("reading metadata"):
            row = self.connection.execute(_schema.SELECT_METADATA, [table]).fetchone()
        return None if row is None else _metadata_from_row(row)

    def _all_metadata(self) -> dict[str, TableMetadata]:
        if not self._has_metadata:
            return {}
        rows = self.connection.execute(_schema.SELECT_ALL_METADATA).fetchall()
        return {r[0]: _metadata_from_row(r) for r in rows}


_READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA"})


def reads_only(statement: str) -> bool:
    """Whether every statement in ``statement`` only reads (SELECT, EXPLAIN, PRAGMA), as DuckDB's
    parser sees it; SQL that does not parse counts as reading (running it reports the error).

    Example:
        >>> reads_only("SELECT 1; EXPLAIN SELECT 2"), reads_only("SELECT 1; DROP TABLE t")
        (True, False)
    """
    try:
        with duckdb.connect() as con:
            kinds = [str(s.type).rsplit(".", 1)[-1] for s in con.extract_statements(statement)]
    except duckdb.Error:
        return True
    return all(kind in _READ_STATEMENTS for kind in kinds)


@contextlib.contextmanager
def _private_files() -> Iterator[None]:
    """Files DuckDB creates meanwhile (the database, its .wal) are 0600: the process umask is
    tightened for the block (loads run on one thread; the umask is process-wide)."""
    if os.name == "nt":
        yield
        return
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _private_folders(folder: Path) -> None:
    """Create ``folder`` and any missing parent 0700 (existing ones are left as they are)."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir(mode=0o700, exist_ok=True)


def _no_batch(rows: int) -> None:
    return None


def _no_progress(step: str) -> None:
    """The default progress callback."""


def _as_date(value: date | str | None, field: str) -> date | None:
    """A ``date`` is stored as given (the fetcher hands over days its validation already
    checked); only a string is read, once."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise ValidationError(
        f"{field} must be a date or 'YYYY-MM-DD', not {value!r}",
        details={"param": field, "params": [field]},
    )


def _earliest(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)


def _metadata_row(table: str, kind: TableType, meta: LoadMetadata) -> list[Any]:
    """Validate ``meta`` and turn it into the values of ``_schema.INSERT_METADATA``."""
    fetched_at = meta.fetched_at or datetime.now(UTC)
    if fetched_at.tzinfo is not None:
        fetched_at = fetched_at.astimezone(UTC).replace(tzinfo=None)
    from_date = _as_date(meta.from_date, "from_date")
    to_date = _as_date(meta.to_date, "to_date")
    if from_date and to_date and from_date > to_date:
        raise ValidationError(
            f"from_date {from_date} is after to_date {to_date}",
            details={"param": "from_date", "params": ["from_date", "to_date"]},
        )
    if isinstance(meta.filter_events, str):
        raise ValidationError(
            "filter_events must be a list of event names, not a string",
            details={"param": "filter_events", "params": ["filter_events"]},
        )
    try:
        filter_events = None if meta.filter_events is None else json.dumps(list(meta.filter_events))
        details = json.dumps(dict(meta.details or {}))
    except (TypeError, ValueError) as err:
        raise ValidationError(f"load metadata is not JSON-serialisable: {err}") from err
    return [
        table,
        kind,
        fetched_at,
        from_date,
        to_date,
        filter_events,
        meta.filter_where,
        None if meta.filter_cohort is None else str(meta.filter_cohort),
        0,  # row_count: counted inside the load's transaction
        None if meta.project_id is None else str(meta.project_id),
        details,
    ]


def _metadata_from_row(row: tuple[Any, ...]) -> TableMetadata:
    (name, kind, fetched_at, from_date, to_date, events, where, cohort, count, project, details) = (
        row
    )
    return TableMetadata(
        table_name=name,
        type=kind,
        fetched_at=fetched_at.replace(tzinfo=UTC),
        from_date=from_date,
        to_date=to_date,
        filter_events=None if events is None else tuple(json.loads(events)),
        filter_where=where,
        filter_cohort=cohort,
        row_count=int(count),
        project_id=project,
        details={} if details is None else json.loads(details),
    )


def _as_batch(item: Path | str | Sequence[Path | str]) -> list[Path | str]:
    """One item of a streamed load: a path, or a list of paths read in one statement."""
    if isinstance(item, list | tuple):
        return list(item)
    return [cast("Path | str", item)]


def _table_exists(table: str) -> TableExistsError:
    """The error for loading into an existing table without ``append``."""
    return TableExistsError(
        f"table {table!r} already exists: pass append=True or drop it first",
        details={"table": table},
    )
