"""One generated ``AuthenticatedClient`` per host family, all on our own httpx transport.

:class:`ApiClients` is the only place the generated package's clients are built. Each family's
client talks to that family's host for the credentials' region (or to ``credentials.base_url``,
the sandbox or a proxy, for every family) through
:func:`~mixpanel_data._transport.build_http_client` (timeouts, retries, pacing, auth header),
injected with ``set_httpx_client()``. Clients are made on first use.

Operations that accept only the OAuth bearer (the GDPR API) get their own client per family that
carries it; the shared clients never do, so nothing a caller does with one operation's client
changes what another operation sends.

Example:
    >>> with ApiClients(creds) as api:                                       # doctest: +SKIP
    ...     api.call("segmentation", event="Signed Up", from_date="2026-01-01",
    ...              to_date="2026-01-07", unit="day")
    ...     from mixpanel_openapi.api.gdpr import get_deletion
    ...     get_deletion.sync("tracking-id", client=api.for_operation("get_deletion"), token=t)
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from mixpanel_data._api.routing import GENERATED_PACKAGE, HostTable, load_host_table
from mixpanel_data._credentials import Credentials
from mixpanel_data._pacing import PacingPolicy
from mixpanel_data._transport import RetryPolicy, build_http_client
from mixpanel_data.exceptions import ConfigError, MixpanelDataError, ValidationError

if TYPE_CHECKING:
    from mixpanel_openapi import AuthenticatedClient


def _authenticated_client_class() -> type[AuthenticatedClient]:
    try:
        module = importlib.import_module(GENERATED_PACKAGE)
        cls: type[AuthenticatedClient] = module.AuthenticatedClient
    except Exception as err:
        raise MixpanelDataError(
            f"the generated client package {GENERATED_PACKAGE} is missing or incomplete "
            f"({type(err).__name__}); regenerate it with `just generate`"
        ) from err
    return cls


class ApiClients:
    """The generated clients for one set of credentials, one per host family, built lazily.

    Args:
        credentials: who calls which project in which region; ``credentials.base_url`` sends every
            family to that one server.
        hosts: the host table (default: :func:`load_host_table`).
        timeout, retry, pacing: passed to :func:`build_http_client` (defaults per family).
        transport: the innermost httpx transport (tests pass ``httpx.MockTransport``).
        sleep: how the retry transport waits (tests).
        workspace_id: the data view that operations taking ``workspace_id`` read from.
        retries: extra tries after a failed request (``0``: none); shorthand for ``retry``.

    Example:
        >>> api = ApiClients(creds)                                          # doctest: +SKIP
        >>> api.base_url("data")                                             # doctest: +SKIP
        'https://data-eu.mixpanel.com'
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        hosts: HostTable | None = None,
        timeout: httpx.Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        pacing: Mapping[str, PacingPolicy] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        workspace_id: int | None = None,
        retries: int | None = None,
    ) -> None:
        self.credentials = credentials
        self.hosts = hosts or load_host_table()
        self.workspace_id = workspace_id
        if retries is not None:
            if retry is not None:
                raise ValidationError("give retry (a RetryPolicy) or retries, not both")
            if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
                raise ValidationError(f"retries must be a whole number >= 0, not {retries!r}")
            retry = RetryPolicy(attempts=retries + 1)
        self._options: dict[str, Any] = {
            "timeout": timeout,
            "retry": retry,
            "pacing": pacing,
            "transport": transport,
            "sleep": sleep,
        }
        self._clients: dict[tuple[str, bool], AuthenticatedClient] = {}
        self._http: dict[tuple[str, bool], httpx.Client] = {}
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        c = self.credentials
        return (
            f"ApiClients(project_id={c.project_id!r}, region={c.region!r}, "
            f"base_url={c.base_url!r}, open={sorted(f for f, _ in self._http)})"
        )

    def base_url(self, family: str) -> str:
        """Where ``family`` is sent: ``credentials.base_url`` if set, else the regional host."""
        if self.credentials.base_url:
            self.hosts.host(family, self.credentials.region)  # still reject unknown families
            return self.credentials.base_url
        return self.hosts.host(family, self.credentials.region)

    def http(
        self, family: str, *, bearer: bool = False, operation: str | None = None
    ) -> httpx.Client:
        """The family's configured :class:`httpx.Client` (for streaming and hand-made requests).

        ``bearer=True`` gives the family's separate client that sends the credentials' OAuth token
        (``operation`` names the caller in the error when there is no token).
        """
        key = (family, bearer)
        with self._lock:
            if self._closed:
                raise MixpanelDataError("these API clients are closed")
            client = self._http.get(key)
            if client is None:
                client = build_http_client(
                    family, self.base_url(family), self.credentials, **self._options
                )
                if bearer:
                    client.headers["Authorization"] = self._bearer(operation)
                self._http[key] = client
            return client

    def _bearer(self, operation: str | None) -> str:
        value = self.credentials.bearer_header()
        if value is None:
            who = f"{operation} needs" if operation else "this call needs"
            raise ConfigError(
                f"{who} an OAuth token: set oauth_token on the account (or MP_OAUTH_TOKEN)"
            )
        return value

    def for_family(self, family: str, *, bearer: bool = False) -> AuthenticatedClient:
        """The generated client for a host family (``app``, ``data``, ``ingestion``)."""
        key = (family, bearer)
        existing = self._clients.get(key)
        if existing is not None:
            return existing
        http = self.http(family, bearer=bearer)
        cls = _authenticated_client_class()
        with self._lock:
            existing = self._clients.get(key)
            if existing is None:
                # The Authorization header lives on the injected httpx client; the generated
                # client's own token is unused (and so never shows up in its repr).
                existing = cls(base_url=self.base_url(family), token="")
                existing.set_httpx_client(http)
                self._clients[key] = existing
            return existing

    def for_api(self, tag: str) -> AuthenticatedClient:
        """The generated client for an API by tag (``"Query"``, ``"Export"``, ...)."""
        return self.for_family(self.hosts.family_for_api(tag))

    def for_operation(self, operation_id: str, *, tag: str | None = None) -> AuthenticatedClient:
        """The generated client to call ``operation_id`` with: its host family, and for a
        bearer-only operation (GDPR) a client of its own that carries the OAuth token."""
        from mixpanel_data._api.catalog import load_catalog

        catalog = load_catalog()
        if operation_id in catalog:
            op = catalog.get(operation_id)
            if op.needs_bearer:
                self._bearer(op.id)
            return self.for_family(op.family, bearer=op.needs_bearer)
        return self.for_family(self.hosts.family_for_operation(operation_id, tag))

    def call(self, operation_id: str, /, **params: Any) -> Any:
        """Call any operation of the spec; returns the generated model of its answer.

        See :func:`mixpanel_data._api.call.call_operation`.

        Example:
            >>> api.call("event_names", type="general", limit=1)          # doctest: +SKIP
            ['Signed Up']
        """
        from mixpanel_data._api.call import call_operation

        return call_operation(self, operation_id, **params)

    def call_json(self, operation_id: str, /, **params: Any) -> Any:
        """Like :meth:`call`, returning the answer as plain JSON data."""
        from mixpanel_data._api.call import call_json

        return call_json(self, operation_id, **params)

    def close(self) -> None:
        """Close every httpx client made so far (idempotent)."""
        with self._lock:
            clients = list(self._http.values())
            self._http.clear()
            self._clients.clear()
            self._closed = True
        for client in clients:
            client.close()

    def __enter__(self) -> ApiClients:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["ApiClients"]
