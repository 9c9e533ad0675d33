"""The one seam where DuckDB's exceptions become mixpanel_data's (always ``raise ... from err``).

Each context manager covers one kind of work, because the same DuckDB exception means different
things there: an ``InvalidInputException`` while loading is bad export data (``DataError``), while
running user SQL it is a rejected query (``QueryError``).

Interrupts become ``KeyboardInterrupt`` everywhere: duckdb 2.0 turns Ctrl-C during a query into
``RuntimeError("Query interrupted")`` and ``connection.interrupt()`` into ``InterruptException``.

Example:
    >>> import duckdb
    >>> with user_query():  # doctest: +IGNORE_EXCEPTION_DETAIL
    ...     duckdb.sql("SELEC 1")
    Traceback (most recent call last):
    mixpanel_data.exceptions.QueryError: Parser Error: syntax error at or near "SELEC"
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from mixpanel_data._storage import _load
from mixpanel_data.exceptions import (
    DatabaseLockedError,
    DataError,
    MixpanelDataError,
    QueryError,
)

_PID = re.compile(r"\(PID (\d+)\)")
_GZIP_ENDED = re.compile(r"Unexpected end of GZIP stream: (.+)$")
_JSON_ERROR = re.compile(r'(?:Malformed JSON|JSON transform error) in file "(.+?)",.*?\bline (\d+)')
_EXCERPT = 120


def first_line(err: BaseException) -> str:
    """DuckDB messages carry a caret diagram after the first line; keep only the first line."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def is_interrupt(err: BaseException) -> bool:
    """True for DuckDB's two ways of saying a query was interrupted."""
    if isinstance(err, duckdb.InterruptException):
        return True
    return type(err) is RuntimeError and str(err) == "Query interrupted"


def _locked_error(path: str, err: BaseException) -> DatabaseLockedError | None:
    text = str(err)
    if isinstance(err, duckdb.IOException) and "Could not set lock" in text:
        match = _PID.search(text)
        pid = int(match.group(1)) if match else None
        holder = f"another process (PID {pid})" if pid is not None else "another process"
        read_only_possible = "read-only mode" in text
        hint = (
            "close it or open the file read-only"
            if read_only_possible
            else "it is writing to the file; wait for it or close it"
        )
        return DatabaseLockedError(
            f"database {path} is locked by {holder}: {hint}",
            details={"path": path, "pid": pid, "read_only_possible": read_only_possible},
        )
    if isinstance(err, duckdb.ConnectionException) and "different configuration" in text:
        return DatabaseLockedError(
            f"database {path} is already open in this process with other settings"
            " (read-only vs read-write): close that engine first",
            details={"path": path, "pid": None, "read_only_possible": False},
        )
    return None


def _bad_line(err: BaseException) -> DataError | None:
    """A DataError naming the exact file and line of a JSON error DuckDB reported, if found."""
    match = _JSON_ERROR.search(str(err))
    if match is None:
        return None
    file, reported = match.group(1), int(match.group(2))
    located = _load.locate_bad_line(file, reported)
    if located is None:
        return None
    line, text = located
    excerpt = text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"
    return DataError(
        f"malformed line {line} in {file}: {excerpt!r}",
        details={"file": file, "line": line, "duckdb_message": first_line(err)},
    )


@contextmanager
def opening(path: str) -> Iterator[None]:
    """Translate errors of ``duckdb.connect``: a held lock becomes ``DatabaseLockedError``."""
    try:
        yield
    except duckdb.Error as err:
        locked = _locked_error(path, err)
        if locked is not None:
            raise locked from err
        raise MixpanelDataError(
            f"cannot open database {path}: {first_line(err)}", details={"path": path}
        ) from err


@contextmanager
def user_query(sql: str | None = None) -> Iterator[None]:
    """Translate errors of user SQL: any DuckDB error becomes ``QueryError`` (status None)."""
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException as err:
        if is_interrupt(err):
            raise KeyboardInterrupt from err
        if isinstance(err, duckdb.Error):
            details = {"duckdb_error": type(err).__name__, "duckdb_message": str(err)}
            if sql is not None:
                details["sql"] = sql
            raise QueryError(first_line(err), details=details) from err
        raise


@contextmanager
def loading(files: Sequence[Path | str]) -> Iterator[None]:
    """Translate errors of a load: unreadable or malformed input becomes ``DataError``.

    DuckDB names the file and line of malformed JSON; its message is kept as is. A ``.gz`` file
    that ends early gets ``details["truncated"] = True`` and its path in ``details["file"]``.
    """
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException as err:
        if is_interrupt(err):
            raise KeyboardInterrupt from err
        if isinstance(err, duckdb.InvalidInputException):
            located = _bad_line(err)
            if located is not None:
                raise located from err
        if isinstance(err, duckdb.IOException):
            ended = _GZIP_ENDED.search(first_line(err))
            if ended is not None:
                raise DataError(
                    f"{ended.group(1)} is cut short: it ends inside its gzip stream",
                    details={"file": ended.group(1), "truncated": True},
                ) from err
        if isinstance(err, duckdb.InvalidInputException | duckdb.IOException):
            raise DataError(
                first_line(err).removeprefix("Invalid Input Error: ").removeprefix("IO Error: "),
                details={"files": [str(f) for f in files], "duckdb_error": type(err).__name__},
            ) from err
        if isinstance(err, duckdb.Error):
            raise MixpanelDataError(
                f"loading failed: {first_line(err)}",
                details={"files": [str(f) for f in files], "duckdb_error": type(err).__name__},
            ) from err
        raise


@contextmanager
def storage_op(what: str) -> Iterator[None]:
    """Translate errors of the engine's own bookkeeping SQL (these indicate a broken file)."""
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException as err:
        if is_interrupt(err):
            raise KeyboardInterrupt from err
        if isinstance(err, duckdb.Error):
            raise MixpanelDataError(
                f"{what} failed: {first_line(err)}", details={"duckdb_error": type(err).__name__}
            ) from err
        raise
