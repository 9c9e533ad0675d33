"""Paths and request helpers shared by the transport and pacing tests."""

from __future__ import annotations

from typing import Any

import httpx

from mixpanel_data._transport import raise_for_status

NAMES = "/api/query/events/names"
SEGMENTATION = "/api/query/segmentation"
EXPORT = "/api/2.0/export"


def query_params(server: Any, **extra: Any) -> dict[str, Any]:
    """Parameters for a cheap query call (one event name) on ``server``'s project."""
    return {"project_id": server.credentials.project_id, "type": "general", "limit": 1, **extra}


def export_params(server: Any) -> dict[str, Any]:
    """Parameters for a three-day export on ``server``'s project."""
    return {
        "project_id": server.credentials.project_id,
        "from_date": "2026-01-29",
        "to_date": "2026-01-31",
    }


def get(client: httpx.Client, path: str, params: dict[str, Any]) -> httpx.Response:
    """GET and map a non-2xx answer to the library's error (failures are the transport's own)."""
    return raise_for_status(client.get(path, params=params))
