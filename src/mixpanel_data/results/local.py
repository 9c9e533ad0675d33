"""Results of the local-store side: what a fetch did, and what a workspace holds.

Example:
    >>> import datetime as dt
    >>> r = FetchResult(table="events", rows=1200, type="events", duration_seconds=1.5,
    ...                 date_range=("2026-01-01", "2026-01-31"),
    ...                 fetched_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    >>> r.to_dict()["date_range"]
    ['2026-01-01', '2026-01-31']
    >>> print(r)
    Fetched 1,200 events into 'events' (2026-01-01 to 2026-01-31) in 1.5 s
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import ResultBase

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class FetchResult(ResultBase):
    """What ``fetch_events`` / ``fetch_profiles`` stored.

    ``.df`` is one row with the same columns as :meth:`to_dict` (``date_range`` split into
    ``from_date`` and ``to_date``).
    """

    table: str
    """The table written."""
    rows: int
    """Rows added to it."""
    type: str
    """``events`` or ``profiles``."""
    duration_seconds: float
    date_range: tuple[str, str] | None
    """``(from_date, to_date)`` for events; ``None`` for profiles."""
    fetched_at: dt.datetime
    duplicates_dropped: int = 0
    """Rows skipped because their ``$insert_id`` was already stored or repeated."""
    chunks: int = 1
    """Date chunks (or profile pages) fetched."""
    resumed_chunks: int = 0
    """Chunks taken over from an earlier, interrupted fetch instead of fetched again."""
    _raw: Any = field(default=None, repr=False, compare=False)

    def _build_df(self) -> pd.DataFrame:
        import pandas as pd

        data = self.to_dict()
        span = data.pop("date_range") or [None, None]
        data["from_date"], data["to_date"] = span
        return pd.DataFrame([data])

    def __str__(self) -> str:
        span = f" ({self.date_range[0]} to {self.date_range[1]})" if self.date_range else ""
        extra = []
        if self.duplicates_dropped:
            extra.append(f"{self.duplicates_dropped:,} duplicate(s) dropped")
        if self.resumed_chunks:
            extra.append(f"{self.resumed_chunks} chunk(s) resumed")
        tail = f"; {', '.join(extra)}" if extra else ""
        return (
            f"Fetched {self.rows:,} {self.type} into {self.table!r}{span} "
            f"in {self.duration_seconds:.1f} s{tail}"
        )


@dataclass(frozen=True)
class WorkspaceInfo(ResultBase):
    """Where a workspace's store is, which project it belongs to, and what it holds.

    ``.df`` is one row per table (column ``table``, ``string``).
    """

    path: Path | str | None
    """The DuckDB file (``None`` for an in-memory store)."""
    project_id: str | None
    region: str | None
    account: str | None
    """The named account used (``None`` when credentials came from the environment)."""
    tables: list[str]
    size_mb: float

    def _build_df(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({"table": pd.Series(self.tables, dtype="string")})

    def __str__(self) -> str:
        where = str(self.path) if self.path else "in memory"
        tables = ", ".join(self.tables) if self.tables else "no tables"
        return (
            f"Workspace {where} (project {self.project_id}, {self.region}): "
            f"{tables}; {self.size_mb:.1f} MB"
        )


@dataclass(frozen=True)
class TableReport(ResultBase):
    """A look at one table of the store: a sample of rows, a summary per column, the keys of
    ``properties``, or counts per value (``kind``).

    ``.df`` has one row per item of ``rows`` and the columns named in ``columns``.

    Example:
        >>> r = TableReport(table="events", kind="breakdown", columns=["value", "rows"],
        ...                 rows=[{"value": "Login", "rows": 3}], total_rows=3)
        >>> print(r)
        breakdown of 'events' (3 rows): 1 line
    """

    table: str
    kind: str
    """``sample``, ``summary``, ``keys`` or ``breakdown``."""
    columns: list[str]
    rows: list[dict[str, Any]]
    total_rows: int
    """Rows of the table (of the event asked for, when one was)."""

    def _build_df(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def __str__(self) -> str:
        lines = len(self.rows)
        return (
            f"{self.kind} of {self.table!r} ({self.total_rows:,} rows): "
            f"{lines} line{'' if lines == 1 else 's'}"
        )
