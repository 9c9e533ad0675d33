"""Copying events and profiles from one project to another: export streamed into import.

Events go one day at a time: the day's export is read as it arrives and fed to the event
importer (:class:`.importer.EventImporter`), so no local copy is made and memory does not grow
with the range. Every exported event keeps its ``$insert_id`` (one without gets the importer's
deterministic one), so sending a day again stores nothing twice. A progress file under
``$MP_DATA_DIR/copies/`` (folder 0700, file 0600) records the finished days and their counts:
a copy stopped by Ctrl-C or a crash continues with the first unfinished day. Rejects of a day go
to ``copies/<copy>/<day>.rejects.jsonl``.

Profiles are copied as ``$set`` updates of every property (safe to repeat, so an interrupted
copy is simply run again).

Example:
    >>> copy_events(src_ws, dst_ws, from_date="2026-10-01", to_date="2026-10-31")  # doctest: +SKIP
    ImportResult(source='project 1 -> project 2, 2026-10-01..2026-10-31', imported=52311, ...)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data._services.import_sources import file_digest
from mixpanel_data._services.importer import ImportProgress, write_private_json
from mixpanel_data.exceptions import ValidationError
from mixpanel_data.results.imports import ImportResult

if TYPE_CHECKING:
    from mixpanel_data._workspace import Workspace

COPIES_DIR = "copies"


def copies_folder() -> Path:
    """``$MP_DATA_DIR/copies`` (default ``~/.mp/data/copies``), made 0700 when missing."""
    base = Path(os.environ.get("MP_DATA_DIR") or Path.home() / ".mp" / "data")
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = base / COPIES_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{flag}: {value!r} is not a day (YYYY-MM-DD)", details={"param": flag}
        ) from None


def _exported(
    source: Workspace, day: str, where: str | None, events: Sequence[str] | None
) -> Iterator[dict[str, Any]]:
    for event in source.stream_events(
        from_date=day, to_date=day, where=where, events=events, raw=True
    ):
        props = event.get("properties")
        if isinstance(props, dict):
            props.pop("mp_processing_time_ms", None)  # the target project sets its own
        yield event


def copy_events(
    source: Workspace,
    target: Workspace,
    *,
    from_date: str,
    to_date: str,
    where: str | None = None,
    events: Sequence[str] | None = None,
    workers: int = 2,
    resume: bool = True,
    progress: Callable[[ImportProgress], None] | None = None,
) -> ImportResult:
    """Copy the events of ``from_date``..``to_date`` from ``source``'s project to ``target``'s."""
    first, last = _day(from_date, "from_date"), _day(to_date, "to_date")
    if last < first:
        raise ValidationError("to_date is before from_date", details={"param": "to_date"})
    from_id, to_id = source.credentials.project_id, target.credentials.project_id
    key = {
        "from": from_id, "to": to_id, "base": str(target.credentials.base_url or ""),
        "from_date": from_date, "to_date": to_date, "where": where,
        "events": sorted(events) if events else None,
    }  # fmt: skip
    name = f"{from_id}-to-{to_id}.{file_digest(key)}"
    folder = copies_folder()
    state_path = folder / f"{name}.json"
    done: dict[str, int] = {}
    if resume and state_path.is_file():
        try:
            saved = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if saved.get("key") == key:
            done = {str(d): int(n) for d, n in saved.get("days", {}).items()}
    label = f"project {from_id} -> project {to_id}, {from_date}..{to_date}"
    total = ImportResult(source=label, imported=0, rejected=0, skipped=0, batches=0)
    started = time.monotonic()
    rejects_dir = folder / name
    day = first
    while day <= last:
        text = day.isoformat()
        day += timedelta(days=1)
        if text in done:
            total = replace(total, skipped=total.skipped + done[text])
            continue
        rejects_dir.mkdir(mode=0o700, exist_ok=True)
        result = target.import_events(
            _exported(source, text, where, events),
            workers=workers,
            resume=False,
            rejects=rejects_dir / f"{text}.rejects.jsonl",
            progress=progress,
        )
        total = replace(
            total,
            imported=total.imported + result.imported,
            rejected=total.rejected + result.rejected,
            batches=total.batches + result.batches,
            valid=total.valid + result.valid,
            rejects_path=str(rejects_dir) if result.rejected or total.rejects_path else None,
            _rejects=[*total.rejects, *result.rejects][:100],
        )
        done[text] = result.imported + result.rejected
        write_private_json(state_path, {"key": key, "days": done})
    return replace(total, seconds=round(time.monotonic() - started, 3))


def copy_profiles(
    source: Workspace,
    target: Workspace,
    *,
    where: str | None = None,
    cohort_id: int | None = None,
    progress: Callable[[ImportProgress], None] | None = None,
) -> ImportResult:
    """Copy user profiles (every property, as ``$set``) from ``source``'s project to
    ``target``'s."""

    def updates() -> Iterator[dict[str, Any]]:
        for profile in source.stream_profiles(where=where, cohort_id=cohort_id, raw=True):
            yield {
                "$distinct_id": profile["$distinct_id"],
                "$set": dict(profile.get("$properties") or {}),
            }

    result = target.import_profiles(updates(), progress=progress, rejects=None)
    from_id, to_id = source.credentials.project_id, target.credentials.project_id
    label = f"profiles of project {from_id} -> project {to_id}"
    return replace(result, source=label)


__all__ = ["copies_folder", "copy_events", "copy_profiles"]
