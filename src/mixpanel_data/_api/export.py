"""Raw data extraction on the wire: the export stream and engage pages.

The generated ``export_events`` would buffer the whole JSONL body in memory, so this adapter reuses
its request builder (``_get_kwargs``: the same parameter names and encoding as the spec) and streams
the response itself. Engage pages go through the generated ``query_profiles`` operation.

Example:
    >>> with open_export(api, from_date="2026-01-01", to_date="2026-01-07") as r:  # +SKIP
    ...     for chunk in r.iter_raw():
    ...         ...
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._transport import error_from_response, transport_errors
from mixpanel_data.exceptions import DataError

EXPORT_PATH = "/api/2.0/export"
ENGAGE_PATH = "/api/query/engage"


def export_kwargs(
    *,
    project_id: str,
    from_date: str,
    to_date: str,
    events: Sequence[str] | None = None,
    where: str | None = None,
    limit: int | None = None,
    time_in_ms: bool = False,
) -> dict[str, Any]:
    """The httpx request arguments for one export call, built by the generated operation."""
    from mixpanel_openapi.api.export import export_events
    from mixpanel_openapi.types import UNSET

    kwargs: dict[str, Any] = export_events._get_kwargs(
        project_id=int(project_id),
        from_date=from_date,
        to_date=to_date,
        event=json.dumps(list(events)) if events else UNSET,
        where=where or UNSET,
        limit=limit if limit is not None else UNSET,
        time_in_ms=True if time_in_ms else UNSET,
    )
    return kwargs


@contextmanager
def open_export(
    api: ApiClients,
    *,
    from_date: str,
    to_date: str,
    events: Sequence[str] | None = None,
    where: str | None = None,
    limit: int | None = None,
    time_in_ms: bool = False,
) -> Iterator[httpx.Response]:
    """Open a streaming export response (status already checked; gzip left to the caller).

    Raises the mapped :class:`~mixpanel_data.exceptions.APIError` for an error status, and
    :class:`~mixpanel_data.exceptions.TransportError` when no response could be had.
    """
    kwargs = export_kwargs(
        project_id=api.credentials.project_id,
        from_date=from_date,
        to_date=to_date,
        events=events,
        where=where,
        limit=limit,
        time_in_ms=time_in_ms,
    )
    client = api.http("data")
    params = dict(kwargs.get("params") or {})
    with (
        transport_errors("GET", EXPORT_PATH),
        client.stream(kwargs["method"].upper(), kwargs["url"], params=params) as response,
    ):
        if response.status_code != 200:
            response.read()
            raise error_from_response(response, method="GET", path=EXPORT_PATH, params=params)
        yield response


def engage_page(
    api: ApiClients,
    *,
    where: str | None = None,
    cohort_id: int | None = None,
    output_properties: Sequence[str] | None = None,
    session_id: str | None = None,
    page: int = 0,
) -> dict[str, Any]:
    """One page of ``/api/query/engage``: ``{results, page, page_size, session_id, total}``."""
    from mixpanel_openapi.api.query import query_profiles
    from mixpanel_openapi.models import QueryProfilesForm

    form: dict[str, Any] = {"page": page}
    if where:
        form["where"] = where
    if cohort_id is not None:
        form["filter_by_cohort"] = json.dumps({"id": cohort_id})
    if output_properties:
        form["output_properties"] = json.dumps(list(output_properties))
    if session_id:
        form["session_id"] = session_id
    body = QueryProfilesForm.from_dict(form)
    client = api.for_family("app")
    params = {"project_id": api.credentials.project_id, "page": page}
    with transport_errors("POST", ENGAGE_PATH):
        response = query_profiles.sync_detailed(
            client=client, body=body, project_id=int(api.credentials.project_id)
        )
    if response.status_code != 200:
        raw = httpx.Response(
            response.status_code, headers=response.headers, content=response.content
        )
        raise error_from_response(raw, method="POST", path=ENGAGE_PATH, params=params)
    try:
        data = json.loads(response.content)
    except ValueError as err:
        raise DataError(f"engage page {page} is not valid JSON: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise DataError(f"engage page {page} has no 'results' list")
    return data


__all__ = ["ENGAGE_PATH", "EXPORT_PATH", "engage_page", "export_kwargs", "open_export"]
