"""A real HTTP server on 127.0.0.1 for the generated client's wire tests, and its clients.

The server is a stdlib ``ThreadingHTTPServer`` in a daemon thread, started once per session on a
free port. A test arms it with the request it expects and the reply to give (``WireServer.arm``);
the handler records each request, checks it against the expectation (``request_problems``) and
answers with the reply whatever the outcome, so the client side is exercised as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _spec_examples import BASIC_PROJECT, BASIC_SA, OAUTH_TOKEN, WireServer
from mixpanel_openapi.client import AuthenticatedClient, Client


@pytest.fixture(scope="session")
def wire_server() -> Iterator[WireServer]:
    server = WireServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wire_clients(wire_server: WireServer) -> Iterator[dict[str, Client | AuthenticatedClient]]:
    """One client per way of authenticating, keyed like ``Operation.auth``."""
    common: dict[str, Any] = {
        "base_url": wire_server.url,
        "timeout": httpx.Timeout(10.0),
        "raise_on_unexpected_status": True,
    }
    clients: dict[str, Client | AuthenticatedClient] = {
        "ServiceAccount": AuthenticatedClient(token=BASIC_SA, prefix="Basic", **common),
        "ProjectSecret": AuthenticatedClient(token=BASIC_PROJECT, prefix="Basic", **common),
        "OAuthToken": AuthenticatedClient(token=OAUTH_TOKEN, **common),
        "none": Client(**common),
    }
    yield clients
    for client in clients.values():
        client.get_httpx_client().close()
