"""Helpers for the management tests: a Workspace with every credential the sandbox accepts
(service account, project token, OAuth bearer)."""

from __future__ import annotations

from typing import Any

from mixpanel_data._workspace import Workspace
from mixpanel_data.sandbox import Sandbox

# The sandbox's one feature-flag workspace.
FLAG_WORKSPACE = 70001


def workspace_for(sb: Sandbox, *, retries: int = 0, **changes: Any) -> Workspace:
    """A memory Workspace on ``sb`` with every credential, ``changes`` applied."""
    credentials = sb.credentials.client_credentials(sb.url, **changes)
    return Workspace.memory(credentials=credentials, retries=retries)
