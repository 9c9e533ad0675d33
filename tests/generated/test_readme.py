"""The usage examples of generated/README.md (written by scripts/generate.py) run as written,
against the sandbox instead of Mixpanel: only hosts, credentials and ids are swapped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mixpanel_data.sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "generated" / "README.md"
HOSTS = ("https://mixpanel.com", "https://data.mixpanel.com", "https://api.mixpanel.com")


def test_readme_examples_run_against_the_sandbox():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3
    code = "\n".join(blocks)
    with Sandbox(seed=3, users=10, days=2, end_date="2026-01-01") as sb:
        c = sb.credentials
        for host in HOSTS:
            code = code.replace(f'"{host}"', repr(sb.url))
        code = (
            code.replace('b"sa-user:sa-secret"', repr(f"{c.username}:{c.secret}".encode()))
            .replace('"oauth-token"', repr(c.oauth_token))
            .replace('"project-token"', repr(c.token))
            .replace("12345", str(c.project_id))
        )
        names: dict[str, Any] = {}
        exec(compile(code, str(README), "exec"), names)
    assert type(names["answer"]).__name__ == "QuerySegmentationResponse"
    assert names["answer"].data.series[0] == "2026-01-01"
    assert names["lines"]  # the day's events, as JSON lines
    assert [t.name for t in names["tables"].results] == ["Products", "Accounts"]
    assert names["job"].results.status == "NOT_FOUND"
