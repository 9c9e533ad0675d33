"""What an import did: events imported, rejected, skipped (already imported by an earlier run).

Example:
    >>> r = ImportResult(source="events.jsonl", imported=9997, rejected=3, skipped=0, batches=5,
    ...                  valid=9998, rejects_path="events.jsonl.rejects.jsonl")
    >>> str(r)
    'imported 9,997, rejected 3, skipped 0 (5 batches); rejects in events.jsonl.rejects.jsonl'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpanel_data.results._base import ResultBase

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ImportResult(ResultBase):
    """The outcome of :meth:`mixpanel_data.Workspace.import_events`.

    Attributes:
        source: the file path, ``table ...``, ``SQL query``, ``DataFrame`` or ``records``.
        imported: events Mixpanel stored in this run.
        rejected: records refused (locally or by Mixpanel), each written to ``rejects_path``.
        skipped: events of batches an earlier, interrupted run had already imported.
        batches: batches sent in this run (with ``dry_run``: batches that would be sent).
        valid: records that passed the local checks.
        dry_run: nothing was sent.
        rejects_path: the rejects file (JSON lines: line, field, reason, record), or ``None``.
        seconds: how long the import took.
        unknown: profile updates that may or may not have been applied: their request got no
            answer and repeating it was not safe (``$add``/``$append``); listed in the rejects
            file with ``"unknown": true`` and never sent again.
    """

    source: str
    imported: int
    rejected: int
    skipped: int
    batches: int
    valid: int = 0
    dry_run: bool = False
    rejects_path: str | None = None
    seconds: float = 0.0
    unknown: int = 0
    _rejects: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def rejects(self) -> list[dict[str, Any]]:
        """The first 100 rejects, as written to the rejects file."""
        return list(self._rejects)

    @property
    def ok(self) -> bool:
        """Nothing was rejected and no outcome is unknown."""
        return self.rejected == 0 and self.unknown == 0

    def summary(self) -> str:
        """The one-line summary."""
        if self.dry_run:
            head = (
                f"dry run: {self.valid:,} valid, rejected {self.rejected:,} "
                f"({self.batches} batches)"
            )
        else:
            head = (
                f"imported {self.imported:,}, rejected {self.rejected:,}, skipped {self.skipped:,} "
                f"({self.batches} batches)"
            )
        if self.unknown:
            head += f", unknown outcome {self.unknown:,}"
        return head + (f"; rejects in {self.rejects_path}" if self.rejects_path else "")

    def __str__(self) -> str:
        return self.summary()

    def _build_df(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([self.to_dict()])
