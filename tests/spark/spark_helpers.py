"""Shared values of the Spark tests (a module of its own: every test folder has a conftest)."""

from __future__ import annotations

from typing import Any

from mixpanel_data.sandbox import Sandbox

FIRST, LAST = "2026-10-01", "2026-10-31"


def options(sb: Sandbox, **more: Any) -> dict[str, str]:
    """The ``format("mixpanel")`` options that reach ``sb``."""
    creds = sb.credentials
    base = {
        "username": creds.username,
        "secret": creds.secret,
        "project_id": str(creds.project_id),
        "token": creds.token,
        "base_url": sb.url,
    }
    return {**base, **{k: str(v) for k, v in more.items()}}
