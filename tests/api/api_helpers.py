"""Helpers for the ``_api`` tests."""

from __future__ import annotations

from typing import Any

from mixpanel_data._credentials import Credentials, make_credentials
from mixpanel_data.sandbox import Sandbox

# The sandbox's one feature-flag workspace (operations under /workspaces/{workspace_id}/).
SANDBOX_WORKSPACE_ID = 70001


def sandbox_credentials(sb: Sandbox, **changes: Any) -> Credentials:
    """Every credential the sandbox accepts (service account, token, OAuth bearer)."""
    c = sb.credentials
    fields: dict[str, Any] = {
        "username": c.username,
        "secret": c.secret,
        "project_id": c.project_id,
        "token": c.token,
        "oauth_token": c.oauth_token,
        "base_url": sb.url,
    }
    fields.update(changes)
    return make_credentials(**fields)
