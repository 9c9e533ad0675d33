"""Raw data extraction on the wire: the export stream and engage pages.

The generated ``export_events`` would buffer the whole JSONL body in memory, so this adapter reuses
its request builder (``_get_kwargs``: the same parameter names and encoding as the spec) and streams
the answer itself, handing the services an :class:`ExportBody` rather than an httpx response.
Engage pages are built with the generated ``query_profiles`` request builder and sent marked
idempotent (a POST that only reads), so a dropped connection is retried like a GET.

Failures are the transport's exceptions: an export body cut short, or a gzip body without its
trailer, raises :class:`~mixpanel_data.exceptions.TruncatedBodyError` while it is read. A gzip
body is inflated once: :meth:`ExportBody.content` hands out what the transport's check inflates.

Example:
    >>> with open_export(api, from_date="2026-01-01", to_date="2026-01-07") as body:  # +SKIP
    ...     for record in body.records():
    ...         ...
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._transport import IDEMPOTENT, error_from_response, inflated, transport_errors
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


class ExportBody:
    """An export answer being read (its status was 200).

    Attributes:
        gzip: the bytes on the wire are gzip (``Content-Encoding: gzip``).
        label: ``from..to`` of the request, for messages.
    """

    def __init__(self, response: httpx.Response, label: str) -> None:
        self._response = response
        self.label = label
        self.gzip = response.headers.get("Content-Encoding", "").lower() == "gzip"

    def content(self, on_raw: Callable[[bytes], object] | None = None) -> Iterator[bytes]:
        """The body's JSONL bytes (inflated once when :attr:`gzip`, by the transport's own
        check), in the pieces they arrive in; ``on_raw`` sees each block as received (still
        gzip), e.g. to save it untouched. The body is checked whole by the last piece."""
        with transport_errors("GET", EXPORT_PATH):
            yield from inflated(self._response, on_raw)

    def raw(self, block: int = 1 << 20) -> Iterator[bytes]:
        """The body as received (still gzip when :attr:`gzip`); the transport has checked that
        a gzip body is whole by the time the last block is handed out."""
        with transport_errors("GET", EXPORT_PATH):
            yield from self._response.iter_raw(block)

    def records(self) -> Iterator[dict[str, Any]]:
        """Each line parsed as a JSON object (:class:`DataError` for one that is not)."""
        with transport_errors("GET", EXPORT_PATH):
            for number, line in enumerate(self._response.iter_lines(), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    raise DataError(
                        f"export of {self.label}: line {number} is not valid JSON: {line[:80]!r}",
                        details={"line": number, "range": self.label},
                    ) from None
                if not isinstance(record, dict):
                    raise DataError(
                        f"export of {self.label}: line {number} is not a JSON object",
                        details={"line": number, "range": self.label},
                    )
                yield record


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
) -> Iterator[ExportBody]:
    """Open a streaming export answer; read it with :meth:`ExportBody.raw` or ``.records()``.

    Raises the mapped :class:`~mixpanel_data.exceptions.APIError` for an error status (after
    the transport's retries), and :class:`~mixpanel_data.exceptions.TransportError` when no
    answer could be had.
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
        yield ExportBody(response, f"{from_date}..{to_date}")


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
    kwargs = query_profiles._get_kwargs(
        body=QueryProfilesForm.from_dict(form), project_id=int(api.credentials.project_id)
    )
    params = {"project_id": api.credentials.project_id, "page": page}
    with transport_errors("POST", ENGAGE_PATH):
        # A read sent as POST: repeating it is harmless, so the transport may retry it.
        response = api.http("app").request(**kwargs, extensions={IDEMPOTENT: True})
    if response.status_code != 200:
        raise error_from_response(response, method="POST", path=ENGAGE_PATH, params=params)
    try:
        data = json.loads(response.content)
    except ValueError as err:
        raise DataError(f"engage page {page} is not valid JSON: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise DataError(f"engage page {page} has no 'results' list")
    return data


__all__ = [
    "ENGAGE_PATH",
    "EXPORT_PATH",
    "ExportBody",
    "engage_page",
    "export_kwargs",
    "open_export",
]
