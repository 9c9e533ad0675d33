"""Small typed answers of the discovery calls: saved funnels, cohorts, bookmarks, top events.

Each has ``from_response(item)`` for one element of Mixpanel's list, ``to_dict()`` and a one-line
``__str__``.

Example:
    >>> FunnelInfo.from_response({"funnel_id": 7509, "name": "Signup funnel"})
    FunnelInfo(funnel_id=7509, name='Signup funnel')
    >>> str(TopEvent.from_response({"event": "pages", "amount": 75, "percent_change": -0.2}))
    'pages: 75 (-20.0% vs yesterday)'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from mixpanel_data.results._base import as_int, as_mapping, as_number, jsonable


class _Info:
    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        assert dataclasses.is_dataclass(self)
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class FunnelInfo(_Info):
    """A saved funnel: its id and name."""

    funnel_id: int
    name: str

    @classmethod
    def from_response(cls, item: Any) -> FunnelInfo:
        """From one element of ``/funnels/list``."""
        m = as_mapping(item, what="funnel")
        return cls(
            funnel_id=as_int(m.get("funnel_id"), what="funnel_id"), name=str(m.get("name", ""))
        )

    def __str__(self) -> str:
        return f"{self.funnel_id}: {self.name}"


@dataclass(frozen=True)
class SavedCohort(_Info):
    """A saved cohort."""

    id: int
    name: str
    count: int
    """Current number of members."""
    description: str
    created: str
    """Creation time, ISO 8601 (``YYYY-MM-DDTHH:MM:SS``)."""
    is_visible: bool
    project_id: int | None = None

    @classmethod
    def from_response(cls, item: Any) -> SavedCohort:
        """From one element of ``/cohorts/list`` (``is_visible`` 0/1 becomes a bool)."""
        m = as_mapping(item, what="cohort")
        created = str(m.get("created") or "")
        project = m.get("project_id")
        return cls(
            id=as_int(m.get("id"), what="cohort id"),
            name=str(m.get("name", "")),
            count=as_int(m.get("count", 0), what="cohort count"),
            description=str(m.get("description") or ""),
            created=created.replace(" ", "T", 1) if len(created) > 10 else created,
            is_visible=bool(m.get("is_visible", 1)),
            project_id=None if project is None else as_int(project, what="project_id"),
        )

    def __str__(self) -> str:
        hidden = "" if self.is_visible else " (hidden)"
        return f"{self.id}: {self.name} ({self.count:,} users){hidden}"


@dataclass(frozen=True)
class TopEvent(_Info):
    """One of today's top events: its count so far and the change since yesterday."""

    event: str
    count: int
    percent_change: float
    """Normalised change from yesterday (0.1 = +10 %)."""

    @classmethod
    def from_response(cls, item: Any) -> TopEvent:
        """From one element of ``/events/top``'s ``events`` (the count is ``amount``)."""
        m = as_mapping(item, what="top event")
        return cls(
            event=str(m.get("event", "")),
            count=as_int(m.get("amount", m.get("count", 0)), what="amount"),
            percent_change=float(as_number(m.get("percent_change", 0.0), what="percent_change")),
        )

    def __str__(self) -> str:
        return f"{self.event}: {self.count:,} ({self.percent_change * 100:+.1f}% vs yesterday)"


@dataclass(frozen=True)
class BookmarkInfo(_Info):
    """A saved report (bookmark): its id (usable with ``saved_report``), name and kind."""

    id: int
    name: str
    type: str
    """Report kind: insights, funnels, retention, flows, ..."""
    project_id: int | None = None
    workspace_id: int | None = None
    dashboard_id: int | None = None
    description: str | None = None
    created: str | None = None
    modified: str | None = None
    creator_name: str | None = None

    @classmethod
    def from_response(cls, item: Any) -> BookmarkInfo:
        """From one element of the bookmarks list's ``results``."""
        m = as_mapping(item, what="bookmark")

        def optional_int(key: str) -> int | None:
            value = m.get(key)
            return None if value is None else as_int(value, what=key)

        return cls(
            id=as_int(m.get("id"), what="bookmark id"),
            name=str(m.get("name", "")),
            type=str(m.get("type", "")),
            project_id=optional_int("project_id"),
            workspace_id=optional_int("workspace_id"),
            dashboard_id=optional_int("dashboard_id"),
            description=_text(m.get("description")),
            created=_text(m.get("created")),
            modified=_text(m.get("modified")),
            creator_name=_text(m.get("creator_name")),
        )

    def __str__(self) -> str:
        return f"{self.id}: {self.name} ({self.type})"
