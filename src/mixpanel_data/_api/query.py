"""The Query (and Lexicon list) operations, called through the generated client.

This is the only module of the live-query path that touches ``mixpanel_openapi``. Each function
takes plain Python values (``None`` meaning "not sent"), calls the operation's generated
``sync_detailed`` on the client :class:`~mixpanel_data._api.clients.ApiClients` configured for it
(our retrying, pacing transport), and returns Mixpanel's JSON body as plain ``dict``/``list`` data.

- A non-2xx answer raises the :class:`~mixpanel_data.exceptions.APIError` subclass that
  :func:`~mixpanel_data._transport.error_from_response` picks (404 → ``NotFoundError``, JQL
  failures → ``JQLError`` with Mixpanel's error text in ``details``, ...).
- Connection failures and timeouts raise ``TransportError`` / ``TimeoutError_``.
- A 2xx body that is not JSON raises ``DataError``.
- JSON-array parameters (``event`` of event counts, ``values``, ``distinct_ids``) are sent as JSON
  text, as Mixpanel expects.

Example:
    >>> body = segmentation(api, 12345, event="Signed Up", from_date="2026-01-01",
    ...                     to_date="2026-01-07", unit="day")          # doctest: +SKIP
    >>> body["data"]["values"]                                          # doctest: +SKIP
    {'Signed Up': {'2026-01-01': 31, ...}}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

import httpx
from mixpanel_openapi.api.lexicon_schemas import list_schemas as _list_schemas
from mixpanel_openapi.api.query import activity_stream as _activity_stream
from mixpanel_openapi.api.query import event_counts as _event_counts
from mixpanel_openapi.api.query import event_names as _event_names
from mixpanel_openapi.api.query import flows as _flows
from mixpanel_openapi.api.query import frequency as _frequency
from mixpanel_openapi.api.query import funnel as _funnel
from mixpanel_openapi.api.query import insights as _insights
from mixpanel_openapi.api.query import jql as _jql
from mixpanel_openapi.api.query import list_bookmarks as _list_bookmarks
from mixpanel_openapi.api.query import list_cohorts as _list_cohorts
from mixpanel_openapi.api.query import list_funnels as _list_funnels
from mixpanel_openapi.api.query import property_counts as _property_counts
from mixpanel_openapi.api.query import property_values as _property_values
from mixpanel_openapi.api.query import retention as _retention
from mixpanel_openapi.api.query import segmentation as _segmentation
from mixpanel_openapi.api.query import segmentation_average as _segmentation_average
from mixpanel_openapi.api.query import segmentation_numeric as _segmentation_numeric
from mixpanel_openapi.api.query import segmentation_sum as _segmentation_sum
from mixpanel_openapi.api.query import top_events as _top_events
from mixpanel_openapi.api.query import top_properties as _top_properties
from mixpanel_openapi.client import AuthenticatedClient
from mixpanel_openapi.models import (
    EventCountsType,
    EventCountsUnit,
    EventNamesType,
    FlowsQueryType,
    FrequencyAddictionUnit,
    FrequencyUnit,
    FunnelLengthUnit,
    FunnelUnit,
    ListBookmarksType,
    PropertyCountsType,
    PropertyCountsUnit,
    QueryJQLForm,
    RetentionRetentionType,
    RetentionUnit,
    SegmentationAverageUnit,
    SegmentationNumericType,
    SegmentationNumericUnit,
    SegmentationSumUnit,
    SegmentationType,
    SegmentationUnit,
    TopEventsType,
)
from mixpanel_openapi.types import UNSET, Response, Unset

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._transport import error_from_response, transport_errors
from mixpanel_data.exceptions import DataError, MixpanelDataError, ValidationError

E = TypeVar("E", bound=Enum)
T = TypeVar("T")

QUERY_TAG = "Query"
LEXICON_TAG = "Lexicon Schemas"

# Headers that describe the wire encoding of a body httpx has already decoded.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _opt(value: T | None) -> T | Unset:
    return UNSET if value is None else value


def _enum(kind: type[E], value: str | None) -> E | Unset:
    """The generated enum member for ``value`` (``UNSET`` for ``None``)."""
    if value is None:
        return UNSET
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise ValidationError(f"{value!r} is not one of: {allowed}") from None


def _json_list(values: Any) -> str | Unset:
    """A JSON-array parameter as the JSON text Mixpanel reads (``UNSET`` for ``None``)."""
    return UNSET if values is None else json.dumps(list(values))


def _as_httpx(response: Response[Any], method: str, path: str) -> httpx.Response:
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _WIRE_HEADERS]
    return httpx.Response(
        int(response.status_code),
        headers=headers,
        content=response.content,
        request=httpx.Request(method, f"https://mixpanel.invalid{path}"),
    )


def _run(
    api: ApiClients,
    operation_id: str,
    method: str,
    path: str,
    params: Mapping[str, Any],
    call: Callable[[AuthenticatedClient], Response[Any]],
    *,
    tag: str = QUERY_TAG,
) -> Any:
    """Call one generated operation and return its JSON body, or raise our error for it."""
    client = api.for_operation(operation_id, tag=tag)
    with transport_errors(method, path):
        try:
            response = call(client)
        except MixpanelDataError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            # The generated parser failed on the body (not JSON, or a shape it cannot read).
            raise DataError(
                f"{method} {path}: the answer could not be read ({type(err).__name__}: "
                f"{str(err)[:200]})",
                details={"operation": operation_id, "path": path},
            ) from err
    status = int(response.status_code)
    if not 200 <= status < 300:
        raise error_from_response(
            _as_httpx(response, method, path), method=method, path=path, params=dict(params)
        )
    try:
        return json.loads(response.content)
    except ValueError as err:
        raise DataError(
            f"{method} {path}: HTTP {status} but the body is not JSON",
            details={"operation": operation_id, "path": path, "status": status},
        ) from err


def _clean(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


# -- segmentation -------------------------------------------------------------------------------


def segmentation(
    api: ApiClients,
    project_id: int,
    *,
    event: str,
    from_date: str,
    to_date: str,
    on: str | None = None,
    unit: str | None = None,
    where: str | None = None,
    limit: int | None = None,
    type: str | None = None,
) -> Any:
    """``GET /api/query/segmentation``."""
    params = _clean(
        {"event": event, "from_date": from_date, "to_date": to_date, "on": on, "unit": unit,
         "where": where, "limit": limit, "type": type}
    )  # fmt: skip
    return _run(
        api, "segmentation", "GET", "/api/query/segmentation", params,
        lambda c: _segmentation.sync_detailed(
            client=c, project_id=project_id, event=event, from_date=from_date, to_date=to_date,
            on=_opt(on), unit=_enum(SegmentationUnit, unit), where=_opt(where),
            limit=_opt(limit), type_=_enum(SegmentationType, type),
        ),
    )  # fmt: skip


def segmentation_numeric(
    api: ApiClients,
    project_id: int,
    *,
    event: str,
    from_date: str,
    to_date: str,
    on: str,
    unit: str | None = None,
    where: str | None = None,
    type: str | None = None,
) -> Any:
    """``GET /api/query/segmentation/numeric``."""
    params = _clean(
        {"event": event, "from_date": from_date, "to_date": to_date, "on": on, "unit": unit,
         "where": where, "type": type}
    )  # fmt: skip
    return _run(
        api, "segmentation_numeric", "GET", "/api/query/segmentation/numeric", params,
        lambda c: _segmentation_numeric.sync_detailed(
            client=c, project_id=project_id, event=event, from_date=from_date, to_date=to_date,
            on=on, unit=_enum(SegmentationNumericUnit, unit), where=_opt(where),
            type_=_enum(SegmentationNumericType, type),
        ),
    )  # fmt: skip


def segmentation_sum(
    api: ApiClients,
    project_id: int,
    *,
    event: str,
    from_date: str,
    to_date: str,
    on: str,
    unit: str | None = None,
    where: str | None = None,
) -> Any:
    """``GET /api/query/segmentation/sum``."""
    params = _clean(
        {"event": event, "from_date": from_date, "to_date": to_date, "on": on, "unit": unit,
         "where": where}
    )  # fmt: skip
    return _run(
        api, "segmentation_sum", "GET", "/api/query/segmentation/sum", params,
        lambda c: _segmentation_sum.sync_detailed(
            client=c, project_id=project_id, event=event, from_date=from_date, to_date=to_date,
            on=on, unit=_enum(SegmentationSumUnit, unit), where=_opt(where),
        ),
    )  # fmt: skip


def segmentation_average(
    api: ApiClients,
    project_id: int,
    *,
    event: str,
    from_date: str,
    to_date: str,
    on: str,
    unit: str | None = None,
    where: str | None = None,
) -> Any:
    """``GET /api/query/segmentation/average``."""
    params = _clean(
        {"event": event, "from_date": from_date, "to_date": to_date, "on": on, "unit": unit,
         "where": where}
    )  # fmt: skip
    return _run(
        api, "segmentation_average", "GET", "/api/query/segmentation/average", params,
        lambda c: _segmentation_average.sync_detailed(
            client=c, project_id=project_id, event=event, from_date=from_date, to_date=to_date,
            on=on, unit=_enum(SegmentationAverageUnit, unit), where=_opt(where),
        ),
    )  # fmt: skip


# -- event breakdown ----------------------------------------------------------------------------


def event_counts(
    api: ApiClients,
    project_id: int,
    *,
    events: list[str],
    from_date: str,
    to_date: str,
    unit: str,
    type: str,
) -> Any:
    """``GET /api/query/events`` (``event`` sent as a JSON array)."""
    event = json.dumps(list(events))
    params = {
        "event": event,
        "from_date": from_date,
        "to_date": to_date,
        "unit": unit,
        "type": type,
    }
    return _run(
        api, "event_counts", "GET", "/api/query/events", params,
        lambda c: _event_counts.sync_detailed(
            client=c, project_id=project_id, event=event, type_=EventCountsType(type),
            unit=EventCountsUnit(unit), from_date=from_date, to_date=to_date,
        ),
    )  # fmt: skip


def property_counts(
    api: ApiClients,
    project_id: int,
    *,
    event: str,
    name: str,
    from_date: str,
    to_date: str,
    unit: str,
    type: str,
    values: list[str] | None = None,
    limit: int | None = None,
) -> Any:
    """``GET /api/query/events/properties`` (``values`` sent as a JSON array)."""
    values_text = _json_list(values)
    params = _clean(
        {"event": event, "name": name, "from_date": from_date, "to_date": to_date, "unit": unit,
         "type": type, "values": None if values is None else values_text, "limit": limit}
    )  # fmt: skip
    return _run(
        api, "property_counts", "GET", "/api/query/events/properties", params,
        lambda c: _property_counts.sync_detailed(
            client=c, project_id=project_id, event=event, name=name, values=values_text,
            type_=PropertyCountsType(type), unit=PropertyCountsUnit(unit),
            from_date=from_date, to_date=to_date, limit=_opt(limit),
        ),
    )  # fmt: skip


def top_events(
    api: ApiClients, project_id: int, *, type: str = "general", limit: int | None = None
) -> Any:
    """``GET /api/query/events/top``."""
    params = _clean({"type": type, "limit": limit})
    return _run(
        api, "top_events", "GET", "/api/query/events/top", params,
        lambda c: _top_events.sync_detailed(
            client=c, project_id=project_id, type_=TopEventsType(type), limit=_opt(limit)
        ),
    )  # fmt: skip


def event_names(
    api: ApiClients, project_id: int, *, type: str = "general", limit: int | None = None
) -> Any:
    """``GET /api/query/events/names``."""
    params = _clean({"type": type, "limit": limit})
    return _run(
        api, "event_names", "GET", "/api/query/events/names", params,
        lambda c: _event_names.sync_detailed(
            client=c, project_id=project_id, type_=EventNamesType(type), limit=_opt(limit)
        ),
    )  # fmt: skip


def top_properties(
    api: ApiClients, project_id: int, *, event: str, limit: int | None = None
) -> Any:
    """``GET /api/query/events/properties/top``."""
    params = _clean({"event": event, "limit": limit})
    return _run(
        api, "top_properties", "GET", "/api/query/events/properties/top", params,
        lambda c: _top_properties.sync_detailed(
            client=c, project_id=project_id, event=event, limit=_opt(limit)
        ),
    )  # fmt: skip


def property_values(
    api: ApiClients, project_id: int, *, event: str, name: str, limit: int | None = None
) -> Any:
    """``GET /api/query/events/properties/values``."""
    params = _clean({"event": event, "name": name, "limit": limit})
    return _run(
        api, "property_values", "GET", "/api/query/events/properties/values", params,
        lambda c: _property_values.sync_detailed(
            client=c, project_id=project_id, event=event, name=name, limit=_opt(limit)
        ),
    )  # fmt: skip


# -- funnels, retention, frequency -------------------------------------------------------------


def funnel(
    api: ApiClients,
    project_id: int,
    *,
    funnel_id: int,
    from_date: str,
    to_date: str,
    unit: str | None = None,
    on: str | None = None,
    where: str | None = None,
    length: int | None = None,
    length_unit: str | None = None,
    limit: int | None = None,
) -> Any:
    """``GET /api/query/funnels``."""
    params = _clean(
        {"funnel_id": funnel_id, "from_date": from_date, "to_date": to_date, "unit": unit,
         "on": on, "where": where, "length": length, "length_unit": length_unit, "limit": limit}
    )  # fmt: skip
    return _run(
        api, "funnel", "GET", "/api/query/funnels", params,
        lambda c: _funnel.sync_detailed(
            client=c, project_id=project_id, funnel_id=funnel_id, from_date=from_date,
            to_date=to_date, length=_opt(length), length_unit=_enum(FunnelLengthUnit, length_unit),
            unit=_enum(FunnelUnit, unit), on=_opt(on), where=_opt(where), limit=_opt(limit),
        ),
    )  # fmt: skip


def list_funnels(api: ApiClients, project_id: int) -> Any:
    """``GET /api/query/funnels/list``."""
    return _run(
        api, "list_funnels", "GET", "/api/query/funnels/list", {},
        lambda c: _list_funnels.sync_detailed(client=c, project_id=project_id),
    )  # fmt: skip


def retention(
    api: ApiClients,
    project_id: int,
    *,
    from_date: str,
    to_date: str,
    retention_type: str | None = None,
    born_event: str | None = None,
    event: str | None = None,
    born_where: str | None = None,
    where: str | None = None,
    interval: int | None = None,
    interval_count: int | None = None,
    unit: str | None = None,
) -> Any:
    """``GET /api/query/retention``."""
    params = _clean(
        {"from_date": from_date, "to_date": to_date, "retention_type": retention_type,
         "born_event": born_event, "event": event, "born_where": born_where, "where": where,
         "interval": interval, "interval_count": interval_count, "unit": unit}
    )  # fmt: skip
    return _run(
        api, "retention", "GET", "/api/query/retention", params,
        lambda c: _retention.sync_detailed(
            client=c, project_id=project_id, from_date=from_date, to_date=to_date,
            retention_type=_enum(RetentionRetentionType, retention_type),
            born_event=_opt(born_event), event=_opt(event), born_where=_opt(born_where),
            where=_opt(where), interval=_opt(interval), interval_count=_opt(interval_count),
            unit=_enum(RetentionUnit, unit),
        ),
    )  # fmt: skip


def frequency(
    api: ApiClients,
    project_id: int,
    *,
    from_date: str,
    to_date: str,
    unit: str,
    addiction_unit: str,
    event: str | None = None,
    where: str | None = None,
) -> Any:
    """``GET /api/query/retention/addiction``."""
    params = _clean(
        {"from_date": from_date, "to_date": to_date, "unit": unit,
         "addiction_unit": addiction_unit, "event": event, "where": where}
    )  # fmt: skip
    return _run(
        api, "frequency", "GET", "/api/query/retention/addiction", params,
        lambda c: _frequency.sync_detailed(
            client=c, project_id=project_id, from_date=from_date, to_date=to_date,
            unit=FrequencyUnit(unit), addiction_unit=FrequencyAddictionUnit(addiction_unit),
            event=_opt(event), where=_opt(where),
        ),
    )  # fmt: skip


# -- users, cohorts, saved reports -------------------------------------------------------------


def activity_stream(
    api: ApiClients, project_id: int, *, distinct_ids: list[str], from_date: str, to_date: str
) -> Any:
    """``GET /api/query/stream/query`` (``distinct_ids`` sent as a JSON array)."""
    ids = json.dumps(list(distinct_ids))
    params = {"distinct_ids": ids, "from_date": from_date, "to_date": to_date}
    return _run(
        api, "activity_stream", "GET", "/api/query/stream/query", params,
        lambda c: _activity_stream.sync_detailed(
            client=c, project_id=project_id, distinct_ids=ids, from_date=from_date,
            to_date=to_date,
        ),
    )  # fmt: skip


def list_cohorts(api: ApiClients, project_id: int) -> Any:
    """``POST /api/query/cohorts/list``."""
    return _run(
        api, "list_cohorts", "POST", "/api/query/cohorts/list", {},
        lambda c: _list_cohorts.sync_detailed(client=c, project_id=project_id),
    )  # fmt: skip


def insights(api: ApiClients, project_id: int, *, bookmark_id: int) -> Any:
    """``GET /api/query/insights``."""
    return _run(
        api, "insights", "GET", "/api/query/insights", {"bookmark_id": bookmark_id},
        lambda c: _insights.sync_detailed(
            client=c, project_id=project_id, bookmark_id=bookmark_id
        ),
    )  # fmt: skip


def list_bookmarks(api: ApiClients, project_id: int, *, type: str | None = None) -> Any:
    """``GET /api/app/projects/{project_id}/bookmarks`` (response format ``v=2``)."""
    path = f"/api/app/projects/{project_id}/bookmarks"
    return _run(
        api, "list_bookmarks", "GET", path, _clean({"v": 2, "type": type}),
        lambda c: _list_bookmarks.sync_detailed(
            project_id, client=c, v=2, type_=_enum(ListBookmarksType, type)
        ),
    )  # fmt: skip


def flows(
    api: ApiClients,
    project_id: int,
    *,
    bookmark_id: int | None = None,
    bookmark: Mapping[str, Any] | None = None,
    query_type: str = "flows_sankey",
) -> Any:
    """``GET /api/query/arb_funnels``: a saved flow (``bookmark_id``) or an ad-hoc one
    (``bookmark``, the report definition, sent as JSON text)."""
    definition = UNSET if bookmark is None else json.dumps(dict(bookmark))
    params = _clean({"query_type": query_type, "bookmark_id": bookmark_id})
    return _run(
        api, "flows", "GET", "/api/query/arb_funnels", params,
        lambda c: _flows.sync_detailed(
            client=c, project_id=project_id, query_type=FlowsQueryType(query_type),
            bookmark_id=_opt(bookmark_id), bookmark=definition,
        ),
    )  # fmt: skip


def jql(api: ApiClients, project_id: int, *, script: str, params: str | None = None) -> Any:
    """``POST /api/query/jql`` (form body; ``params`` is JSON text)."""
    body = QueryJQLForm(script=script, params=_opt(params))
    return _run(
        api, "jql", "POST", "/api/query/jql", {},
        lambda c: _jql.sync_detailed(client=c, body=body, project_id=project_id),
    )  # fmt: skip


# -- lexicon ------------------------------------------------------------------------------------


def list_schemas(api: ApiClients, project_id: int) -> Any:
    """``GET /api/app/projects/{project_id}/schemas`` (Lexicon: every event and profile schema)."""
    path = f"/api/app/projects/{project_id}/schemas"
    return _run(
        api, "list_schemas", "GET", path, {},
        lambda c: _list_schemas.sync_detailed(project_id, client=c),
        tag=LEXICON_TAG,
    )  # fmt: skip


__all__ = [
    "activity_stream",
    "event_counts",
    "event_names",
    "flows",
    "frequency",
    "funnel",
    "insights",
    "jql",
    "list_bookmarks",
    "list_cohorts",
    "list_funnels",
    "list_schemas",
    "property_counts",
    "property_values",
    "retention",
    "segmentation",
    "segmentation_average",
    "segmentation_numeric",
    "segmentation_sum",
    "top_events",
    "top_properties",
]
