"""Fixtures for the service tests: a real HTTP server on 127.0.0.1 that answers canned JSON.

The services run end to end (validation, the adapter, the generated client, our transport, error
mapping and result builders); only Mixpanel is replaced, by answers the test chooses per path.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._credentials import make_credentials
from mixpanel_data._pacing import reset_pacers
from mixpanel_data._services.discovery import DiscoveryService
from mixpanel_data._services.live_query import LiveQueryService
from mixpanel_data._transport import RetryPolicy

PROJECT = 12345


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: str
    headers: dict[str, str]


@dataclass
class CannedServer:
    """``routes[(method, path)] = (status, json_body_or_bytes)``; unknown routes answer 404."""

    url: str = ""
    routes: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)

    def answer(self, method: str, path: str, body: Any, status: int = 200) -> None:
        self.routes[(method, path)] = (status, body)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def _handler(state: CannedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            state.requests.append(
                Seen(self.command, url.path, parse_qs(url.query), body, dict(self.headers))
            )
            status, payload = state.routes.get(
                (self.command, url.path), (404, {"error": "no such route", "status": "error"})
            )
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

    return Handler


@pytest.fixture
def server() -> Iterator[CannedServer]:
    state = CannedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def api(server: CannedServer) -> Iterator[ApiClients]:
    reset_pacers()
    creds = make_credentials(
        username="sa.user", secret="sa-secret", project_id=PROJECT, base_url=server.url
    )
    clients = ApiClients(creds, retry=RetryPolicy(attempts=1), pacing={})
    yield clients
    clients.close()


@pytest.fixture
def live(api: ApiClients) -> LiveQueryService:
    return LiveQueryService(api, str(PROJECT))


@pytest.fixture
def discovery(api: ApiClients) -> DiscoveryService:
    return DiscoveryService(api, str(PROJECT))


@pytest.fixture(scope="session")
def examples() -> dict[str, Any]:
    """Mixpanel's documented Query API examples (shared with tests/results)."""
    from pathlib import Path

    path = Path(__file__).parent.parent / "results" / "data" / "mixpanel_query_examples.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data
