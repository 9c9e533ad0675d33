"""Helpers for the management tests: a Workspace with every credential the sandbox accepts
(service account, project token, OAuth bearer)."""

from __future__ import annotations

from typing import Any

from mixpanel_data._credentials import make_credentials
from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

# The sandbox's one feature-flag workspace.
FLAG_WORKSPACE = 70001


def workspace_for(sb: Sandbox, *, retries: int = 0, **changes: Any) -> Workspace:
    """A memory Workspace on ``sb`` with every credential, ``changes`` applied."""
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
    return Workspace.memory(credentials=make_credentials(**fields), retries=retries)
