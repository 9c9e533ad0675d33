"""An httpx client for a sandbox (the tests import it by name; conftest modules are not)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mixpanel_data.sandbox import Sandbox


class Api:
    """An httpx client for one sandbox; ``get``/``post`` add ``project_id`` unless told not to."""

    def __init__(self, sb: Sandbox, **client_options: Any) -> None:
        self.sb = sb
        creds = sb.credentials
        self.client = httpx.Client(
            base_url=sb.url, auth=(creds.username, creds.secret), timeout=60, **client_options
        )

    def _params(self, params: dict[str, Any] | None, project: bool) -> dict[str, Any]:
        merged = dict(params or {})
        if project:
            merged.setdefault("project_id", self.sb.credentials.project_id)
        return merged

    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        project: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        return self.client.get(path, params=self._params(params, project), **kwargs)

    def post(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        project: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        return self.client.post(path, params=self._params(params, project), **kwargs)

    def export(self, **params: Any) -> list[dict[str, Any]]:
        """Export and parse every line (asserting a 200)."""
        response = self.get("/api/2.0/export", params)
        assert response.status_code == 200, response.text
        return [json.loads(line) for line in response.text.splitlines()]

    def close(self) -> None:
        self.client.close()
