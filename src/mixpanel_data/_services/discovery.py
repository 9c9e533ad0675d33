"""Discovery: what a project holds (events, properties, values, funnels, cohorts, reports, schemas).

Answers are cached per :class:`DiscoveryService` instance (one per Workspace) and per argument,
except today's top events, which change by the minute. :meth:`DiscoveryService.clear_cache`
forgets them all.

Example:
    >>> svc = DiscoveryService(api, "12345")            # doctest: +SKIP
    >>> svc.list_events()                               # doctest: +SKIP
    ['Opened App', 'Purchased', 'Signed Up']
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mixpanel_data._services import validation as check
from mixpanel_data.exceptions import DataError, NotFoundError, ValidationError
from mixpanel_data.results import BookmarkInfo, FunnelInfo, SavedCohort, TopEvent

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients

T = TypeVar("T")

# Mixpanel's published ceilings: ~5000 event names per project, 255 properties per event.
EVENT_NAMES_LIMIT = 10_000
PROPERTY_NAMES_LIMIT = 1_000
TOP_EVENT_TYPES = ("general", "average", "unique")
SCHEMA_ENTITY_TYPES = ("event", "profile")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _names(body: Any, what: str) -> list[str]:
    if not isinstance(body, list):
        raise DataError(f"{what}: expected a JSON array of names, got {type(body).__name__}")
    return [_as_text(v) for v in body]


def _items(body: Any, what: str, key: str | None = None) -> list[Any]:
    if key is not None and isinstance(body, dict):
        body = body.get(key)
    if not isinstance(body, list):
        raise DataError(f"{what}: expected a JSON array, got {type(body).__name__}")
    return body


class DiscoveryService:
    """Discovery calls for one project, with a per-instance cache.

    Args:
        api: the configured generated clients.
        project_id: the project (digits).
    """

    def __init__(self, api: ApiClients, project_id: str | int) -> None:
        self._api = api
        self._project_id = int(project_id)
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DiscoveryService(project_id={self._project_id}, cached={len(self._cache)})"

    def _cached(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._cache:
                value: T = self._cache[key]
                return value
        value = load()
        with self._lock:
            self._cache[key] = value
        return value

    def clear_cache(self) -> None:
        """Forget every cached answer."""
        with self._lock:
            self._cache.clear()

    # -- events and properties ------------------------------------------------------------------

    def list_events(self) -> list[str]:
        """Event names seen in the last 31 days, sorted."""

        def load() -> list[str]:
            body = self._api.call_json("event_names", type="general", limit=EVENT_NAMES_LIMIT)
            return sorted(set(_names(body, "event names")))

        return list(self._cached(("events",), load))

    def list_properties(self, event: str) -> list[str]:
        """Property names seen on ``event``, sorted."""
        check.event_name(event)

        def load() -> list[str]:
            body = self._api.call_json("top_properties", event=event, limit=PROPERTY_NAMES_LIMIT)
            if not isinstance(body, dict):
                raise DataError(
                    f"top properties: expected a JSON object, got {type(body).__name__}"
                )
            return sorted(str(k) for k in body)

        return list(self._cached(("properties", event), load))

    def list_property_values(
        self, property: str, *, event: str | None = None, limit: int = 100
    ) -> list[str]:
        """The most common values of ``property`` on ``event``, as text (most common first)."""
        check.event_name(property, "property")
        if event is None:
            raise ValidationError(
                f"list_property_values({property!r}) needs event=...: Mixpanel returns the values "
                "of one event's property (see list_events() for the names)"
            )
        check.event_name(event)
        n = check.integer(limit, "limit", minimum=1, maximum=check.MAX_LIMIT)

        def load() -> list[str]:
            body = self._api.call_json("property_values", event=event, name=property, limit=n)
            return _names(body, "property values")[:n]

        return list(self._cached(("values", property, event, n), load))

    # -- saved things ---------------------------------------------------------------------------

    def list_funnels(self) -> list[FunnelInfo]:
        """Saved funnels (id and name), in Mixpanel's order."""

        def load() -> list[FunnelInfo]:
            body = self._api.call_json("list_funnels")
            return [FunnelInfo.from_response(i) for i in _items(body, "funnels list")]

        return list(self._cached(("funnels",), load))

    def funnel_info(self, funnel_id: int) -> FunnelInfo:
        """The saved funnel ``funnel_id``, or :class:`NotFoundError` naming the ones that exist."""
        funnels = self.list_funnels()
        for info in funnels:
            if info.funnel_id == funnel_id:
                return info
        known = ", ".join(f"{f.funnel_id} ({f.name})" for f in funnels[:5]) or "none"
        more = f" and {len(funnels) - 5} more" if len(funnels) > 5 else ""
        raise NotFoundError(
            f"funnel {funnel_id} does not exist in project {self._project_id}; saved funnels: "
            f"{known}{more} (list them with `mp inspect funnels`)",
            status=None,
            details={"funnel_id": funnel_id},
        )

    def list_cohorts(self) -> list[SavedCohort]:
        """Saved cohorts."""

        def load() -> list[SavedCohort]:
            body = self._api.call_json("list_cohorts")
            return [SavedCohort.from_response(i) for i in _items(body, "cohorts list")]

        return list(self._cached(("cohorts",), load))

    def list_bookmarks(self, type: str | None = None) -> list[BookmarkInfo]:
        """Saved reports, optionally only one ``type`` (insights, funnels, retention, flows)."""
        if type is not None:
            check.choice(type, check.BOOKMARK_TYPES, "type", "list_bookmarks")

        return [BookmarkInfo.from_response(i) for i in self._bookmark_items(type)]

    def _bookmark_items(self, type: str | None) -> list[Any]:
        def load() -> list[Any]:
            body = self._api.call_json("list_bookmarks", v=2, type=type)
            return _items(body, "bookmarks list", key="results")

        return self._cached(("bookmarks", type), load)

    def bookmark_params(self, bookmark_id: int) -> dict[str, Any]:
        """The saved definition (``params``) of bookmark ``bookmark_id`` (``{}`` if it has none)."""

        self.bookmark_info(bookmark_id)
        for item in self._bookmark_items(None):
            if isinstance(item, dict) and item.get("id") == bookmark_id:
                params = item.get("params")
                return dict(params) if isinstance(params, dict) else {}
        return {}

    def bookmark_info(self, bookmark_id: int) -> BookmarkInfo:
        """The saved report ``bookmark_id``, or :class:`NotFoundError` naming some that exist."""
        bookmarks = self.list_bookmarks()
        for info in bookmarks:
            if info.id == bookmark_id:
                return info
        known = ", ".join(f"{b.id} ({b.name}, {b.type})" for b in bookmarks[:5]) or "none"
        more = f" and {len(bookmarks) - 5} more" if len(bookmarks) > 5 else ""
        raise NotFoundError(
            f"saved report {bookmark_id} does not exist in project {self._project_id}; saved "
            f"reports: {known}{more} (list them with `mp inspect bookmarks`)",
            details={"bookmark_id": bookmark_id},
        )

    def list_top_events(self, *, type: str = "general", limit: int | None = None) -> list[TopEvent]:
        """Today's top events, largest count first (never cached)."""
        check.choice(type, TOP_EVENT_TYPES, "type", "list_top_events")
        n = check.limit(limit)
        body = self._api.call_json("top_events", type=type, limit=n)
        events = [TopEvent.from_response(i) for i in _items(body, "top events", key="events")]
        events.sort(key=lambda e: (-e.count, e.event))
        return events[:n] if n is not None else events

    def list_schemas(self, entity_type: str | None = None) -> list[dict[str, Any]]:
        """Lexicon schemas (``entityType``, ``name``, ``schemaJson``), optionally of one type."""
        if entity_type is not None:
            check.choice(entity_type, SCHEMA_ENTITY_TYPES, "entity_type", "list_schemas")

        def load() -> list[dict[str, Any]]:
            body = self._api.call_json("list_schemas")
            items = _items(body, "schemas list", key="results")
            return [dict(i) for i in items if isinstance(i, dict)]

        schemas = self._cached(("schemas",), load)
        return [
            dict(s)
            for s in schemas
            if entity_type is None or s.get("entityType", s.get("entity_type")) == entity_type
        ]


__all__ = ["DiscoveryService"]
