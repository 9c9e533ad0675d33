"""Mixpanel's reports over the local store: the live queries' arguments and result types,
computed by :mod:`mixpanel_data.analytics` (the engine the sandbox serves) over a stored table.

:class:`LocalQueryService` is a :class:`~mixpanel_data._services.live_query.LiveQueryService`
whose calls go to :class:`StoreCaller` instead of Mixpanel: the same validation, the same
result types (``.df``, ``.to_dict()``), and the engine's answer for the same query parameters.
Every method takes ``table=`` (the stored events table, default ``events``) and
``profiles_table=`` (default ``profiles``, read by ``user[...]`` expressions).

Beyond the live API:

- ``funnel(steps=[...])``: a funnel nobody saved. ``funnel(funnel_id)`` reads the saved funnel's
  steps with one live call (cached per service) and computes locally.
- ``on="user.plan"`` is the profile property ``plan`` (``user["plan"]``), joined from the
  profiles table by distinct id; ``where='user["plan"] == "pro"'`` filters on it.

Example:
    >>> svc = LocalQueryService(lambda: storage)                        # doctest: +SKIP
    >>> svc.funnel(steps=["Sign Up", "Purchase"], from_date="2026-10-01",
    ...            to_date="2026-10-31").overall_conversion_rate        # doctest: +SKIP
    0.31
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from mixpanel_data._services import validation as check
from mixpanel_data._services.live_query import LiveQueryService
from mixpanel_data.exceptions import (
    NotFoundError,
    QueryError,
    TableNotFoundError,
    ValidationError,
)
from mixpanel_data.results import FunnelResult, SegmentationResult

if TYPE_CHECKING:
    from mixpanel_data._services.discovery import DiscoveryService
    from mixpanel_data._storage.engine import StorageEngine
    from mixpanel_data._storage.types import TableMetadata
    from mixpanel_data.analytics import FunnelDef


class JsonCaller(Protocol):
    """Anything with ``call_json(operation_id, **params)``: ``ApiClients``, :class:`StoreCaller`."""

    def call_json(self, operation_id: str, /, **params: Any) -> Any: ...


#: Operation id -> the engine's ``(method, path)``.
OPERATIONS: dict[str, tuple[str, str]] = {
    "segmentation": ("GET", "/api/query/segmentation"),
    "segmentation_numeric": ("GET", "/api/query/segmentation/numeric"),
    "segmentation_sum": ("GET", "/api/query/segmentation/sum"),
    "segmentation_average": ("GET", "/api/query/segmentation/average"),
    "event_counts": ("GET", "/api/query/events"),
    "property_counts": ("GET", "/api/query/events/properties"),
    "funnel": ("GET", "/api/query/funnels"),
    "retention": ("GET", "/api/query/retention"),
    "frequency": ("GET", "/api/query/retention/addiction"),
    "flows": ("GET", "/api/query/arb_funnels"),
    "activity_stream": ("GET", "/api/query/stream/query"),
}

#: Ad-hoc funnels: the conversion window when none is given (Mixpanel's default of 30 days).
DEFAULT_FUNNEL_DAYS = 30
_AD_HOC_ID = 1
# A window saved in weeks or months counts 7 or 30 days per unit (as the sandbox does).
_DAYS_PER = {"day": 1, "week": 7, "month": 30}
_USER_DOT = re.compile(r"^user\.([^\s\[\]\"'.]+)$")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: Any) -> str:
    """A query parameter as the HTTP query would carry it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | Mapping):
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    return str(value)


def profile_on(on: str | None) -> str | None:
    """``user.NAME`` as ``user["NAME"]`` (a profile property); anything else unchanged.

    Example:
        >>> profile_on("user.plan"), profile_on("plan")
        ('user["plan"]', 'plan')
    """
    if on is None:
        return None
    found = _USER_DOT.match(on.strip())
    return f'user["{found.group(1)}"]' if found else on


class StoreCaller:
    """``call_json(operation_id, **params)`` answered by the analytics engine over stored tables.

    ``table`` / ``profiles_table`` in ``params`` choose the tables; ``funnels`` holds the
    funnel definitions that ``funnel_id`` may name.
    """

    def __init__(self, storage: Callable[[], StorageEngine], today: dt.date | None = None):
        self._storage = storage
        self._today = today
        self.funnels: dict[int, FunnelDef] = {}

    def __repr__(self) -> str:
        return "StoreCaller()"

    def _table(self, name: Any, flag: str, *, required: bool) -> str | None:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"{flag} must be a table name, got {name!r}")
        storage = self._storage()
        found = storage.sql_rows(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            " AND NOT temporary AND lower(table_name) = lower(?)",
            [name],
        )
        if not found:
            if not required:
                return None
            raise TableNotFoundError(
                f"no table {name!r} in the local store; fetch it first (mp fetch events) "
                "or name another with --table",
                details={"table": name},
            )
        return str(found[0][0])

    def _last_day(self, table: str, meta: TableMetadata | None) -> dt.date:
        """The reports' "today": the last day the table was fetched for (its metadata), else
        the day of its last event, else today (UTC). A local answer is the answer Mixpanel gave
        at the end of the fetched range."""
        storage = self._storage()
        if meta is not None and meta.to_date is not None:
            day: dt.date = meta.to_date
            return day
        last = storage.sql_scalar(f"SELECT max(event_time) FROM {_quoted(table)}")
        if isinstance(last, dt.datetime):
            return last.date()
        return dt.datetime.now(dt.UTC).date()

    def call_json(self, operation_id: str, /, **params: Any) -> Any:
        """Run ``operation_id`` over the stored tables and return Mixpanel's JSON body."""
        from mixpanel_data.analytics import ENDPOINTS, AnalyticsContext, AnalyticsError
        from mixpanel_data.analytics._events import Tables

        route = OPERATIONS.get(operation_id)
        if route is None:
            raise QueryError(f"{operation_id} is not available over the local store")
        events = str(self._table(params.pop("table", None) or "events", "table", required=True))
        profiles = self._table(
            params.pop("profiles_table", None) or "profiles", "profiles_table", required=False
        )
        query = {k: _text(v) for k, v in params.items() if v is not None and k != "project_id"}
        meta = self._storage().get_metadata(events)
        today = self._today or self._last_day(events, meta)
        # A table the store loaded (fetch) was deduplicated on Mixpanel's key when written.
        loaded = meta is not None and meta.type == "events"
        context = AnalyticsContext(today=today, funnels=dict(self.funnels))
        cursor = self._storage().connection.cursor()
        try:
            tables = Tables.store(cursor, events, profiles, deduplicated=loaded)
            return ENDPOINTS[route](tables, query, context)
        except AnalyticsError as err:
            raise QueryError(
                err.message,
                status=err.status,
                method=route[0],
                path=route[1],
                params=query,
                details={"parameter": err.parameter, "local": True},
            ) from None
        finally:
            cursor.close()


class LocalQueryService(LiveQueryService):
    """The live queries of :class:`LiveQueryService`, computed over the local store.

    ``live`` (optional) gives the live lookup and calls, used once per saved funnel id.
    """

    def __init__(
        self,
        storage: Callable[[], StorageEngine],
        *,
        live: Callable[[], tuple[DiscoveryService, JsonCaller]] | None = None,
        today: dt.date | None = None,
    ) -> None:
        self._caller = StoreCaller(storage, today)
        self._project_id = 0
        self._live = live
        self._api = self._caller  # type: ignore[assignment]
        self._saved: dict[int, tuple[str, list[str], tuple[int, str] | None]] = {}

    def __repr__(self) -> str:
        return "LocalQueryService()"

    def table_events(self, *, table: str = "events") -> list[str]:
        """The event names in a stored events table, sorted (what an empty answer's hint
        compares a name with)."""
        name = str(self._caller._table(table, "table", required=True))
        rows = self._caller._storage().sql_rows(
            f"SELECT DISTINCT event_name FROM {_quoted(name)} "
            "WHERE event_name IS NOT NULL ORDER BY 1"
        )
        return [str(r[0]) for r in rows]

    def table_span(self, *, table: str = "events") -> tuple[dt.date, dt.date] | None:
        """The first and last day (UTC) with an event in a stored events table; ``None`` when
        it has none."""
        name = str(self._caller._table(table, "table", required=True))
        rows = self._caller._storage().sql_rows(
            f"SELECT min(event_time)::DATE, max(event_time)::DATE FROM {_quoted(name)}"
        )
        first, last = rows[0] if rows else (None, None)
        if not isinstance(first, dt.date) or not isinstance(last, dt.date):
            return None
        return first, last

    def segmentation(
        self, event: str, *, on: str | None = None, **kwargs: Any
    ) -> SegmentationResult:
        """Counts of ``event`` per ``unit`` over the stored table, split by ``on``."""
        return super().segmentation(event, on=profile_on(on), **kwargs)

    def funnel(
        self,
        funnel_id: int | None = None,
        *,
        steps: Sequence[str] | None = None,
        from_date: str,
        to_date: str,
        unit: str | None = None,
        on: str | None = None,
        where: str | None = None,
        length: int | None = None,
        length_unit: str | None = None,
        table: str = "events",
        profiles_table: str = "profiles",
        **params: Any,
    ) -> FunnelResult:
        """An ad-hoc funnel over ``steps``, or a saved funnel by ``funnel_id`` (its steps and
        window come from one live call, cached), computed over the stored table."""
        from mixpanel_data.analytics import FunnelDef

        if (funnel_id is None) == (steps is None):
            raise ValidationError("funnel needs either steps=[...] or funnel_id, not both")
        start, end = check.date_range(from_date, to_date)
        if unit is not None:
            unit = check.choice(unit, check.FUNNEL_UNITS, "unit", "funnel")
        on_expr = check.optional_on(profile_on(on))
        where = check.where(where)
        window, window_unit = check.funnel_window(length, length_unit)
        if steps is not None:
            names = check.name_list(list(steps), "steps")
            if len(names) < 2:
                raise ValidationError("a funnel needs at least 2 steps (--step A --step B)")
            fid, name = _AD_HOC_ID, " → ".join(names)
            definition = FunnelDef(
                name=name,
                steps=names,
                length=window or DEFAULT_FUNNEL_DAYS,
                length_unit=window_unit or "day",
            )
            window = window_unit = None
        else:
            fid = check.positive_id(funnel_id, "funnel_id")
            name, definition = self._saved_funnel(fid, start, window, window_unit)
        self._caller.funnels = {fid: definition}
        raw = self._caller.call_json(
            "funnel", funnel_id=fid, from_date=start, to_date=end, unit=unit, on=on_expr,
            where=where, length=window, length_unit=window_unit, table=table,
            profiles_table=profiles_table, **params,
        )  # fmt: skip
        return FunnelResult.from_response(
            raw,
            funnel_id=0 if steps is not None else fid,
            funnel_name=name,
            from_date=start,
            to_date=end,
            unit=unit,
            on=on_expr,
        )

    def _saved_funnel(
        self, funnel_id: int, day: str, length: int | None, length_unit: str | None
    ) -> tuple[str, FunnelDef]:
        """A saved funnel's name and definition: its steps from one live ``funnel`` call over
        one day (cached), its window from the saved report (bookmark) that holds it, else
        ``length``."""
        from mixpanel_data.analytics import FunnelDef

        if funnel_id not in self._saved:
            if self._live is None:
                raise ValidationError(
                    f"funnel {funnel_id} is a saved funnel: its definition needs credentials "
                    "(or pass steps=[...])"
                )
            lookup, live = self._live()
            info = lookup.funnel_info(funnel_id)
            raw = live.call_json("funnel", funnel_id=funnel_id, from_date=day, to_date=day)
            first: Mapping[str, Any] = next(iter((raw.get("data") or {}).values()), {})
            steps = [str(s.get("event", "")) for s in (first.get("steps") or [])]
            if len(steps) < 2:
                raise NotFoundError(f"funnel {funnel_id} has no steps", status=404)
            self._saved[funnel_id] = (info.name, steps, self._saved_window(lookup, funnel_id))
        name, steps, window = self._saved[funnel_id]
        if window is None:
            if length is None:
                raise ValidationError(
                    f"funnel {funnel_id} ({name}): its conversion window is in no saved report "
                    "Mixpanel returns; pass length= and length_unit= (--length)"
                )
            window = (length, length_unit or "day")
        return name, FunnelDef(name=name, steps=steps, length=window[0], length_unit=window[1])

    @staticmethod
    def _saved_window(lookup: DiscoveryService, funnel_id: int) -> tuple[int, str] | None:
        """The conversion window the project saved for ``funnel_id`` (``None`` when no saved
        report holds it)."""
        for info in lookup.list_bookmarks("funnels"):
            params = lookup.bookmark_params(info.id)
            if params.get("funnel_id") != funnel_id:
                continue
            for show in (params.get("sections") or {}).get("show") or []:
                behavior = show.get("behavior") or {}
                length = behavior.get("conversionWindowDuration")
                unit = behavior.get("conversionWindowUnit")
                if isinstance(length, int) and unit in _DAYS_PER:
                    return length * _DAYS_PER[unit], "day"
                if isinstance(length, int) and unit in ("second", "minute", "hour"):
                    return length, str(unit)
        return None
