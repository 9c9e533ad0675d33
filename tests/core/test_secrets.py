"""Known secrets go through every core path; none of them may surface in any output.

Checked: exception messages, ``repr``/``str``/``to_dict`` of every public object, DEBUG logs of
every logger (ours, httpx, httpcore), warnings, and stdout/stderr.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import warnings
from typing import Any

import httpx
import pytest

from mixpanel_data import auth
from mixpanel_data._api import ApiClients
from mixpanel_data._config import ConfigManager
from mixpanel_data._credentials import make_credentials
from mixpanel_data._pacing import DEFAULT_PACING, Pacer
from mixpanel_data._transport import (
    RetryPolicy,
    build_http_client,
    raise_for_status,
    transport_errors,
)
from mixpanel_data.exceptions import MixpanelDataError

SECRET = "S3cr3t-Zebra-7781"
API_SECRET = "ApiSecret-Quokka-5521"
TOKEN = "Tok-Narwhal-3390"
OAUTH = "OAuth-Pangolin-1203"
NAMES = "/api/query/events/names"


def _plain(value: Any) -> str:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def _forbidden(server: Any) -> list[str]:
    c = server.credentials
    secrets = [SECRET, API_SECRET, TOKEN, OAUTH]
    secrets += [_plain(c.secret), _plain(c.api_secret), _plain(c.token), _plain(c.oauth_token)]
    encoded = [
        base64.b64encode(f"{c.username}:{SECRET}".encode()).decode(),
        base64.b64encode(f"{c.username}:{_plain(c.secret)}".encode()).decode(),
        base64.b64encode(f"{API_SECRET}:".encode()).decode(),
        base64.b64encode(f"{_plain(c.api_secret)}:".encode()).decode(),
    ]
    return secrets + encoded


def _describe(obj: Any) -> list[str]:
    texts = [repr(obj), str(obj)]
    if hasattr(obj, "to_dict"):
        texts.append(json.dumps(obj.to_dict(), default=str))
    if isinstance(obj, BaseException):
        texts += [str(a) for a in obj.args]
        cause = obj.__cause__
        if cause is not None:
            texts += [repr(cause), str(cause)]
    return texts


def _error(fn: Any) -> MixpanelDataError:
    with pytest.raises(MixpanelDataError) as info:
        fn()
    return info.value


def test_no_secret_appears_anywhere(server, fault, tmp_path, caplog, capsys, creds_for):
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    seen: list[Any] = []
    c = server.credentials
    path = tmp_path / "secrets.toml"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        # accounts: one with our known (wrong) secrets, one the server accepts
        seen.append(
            auth.add_account(
                "mine",
                username=c.username,
                secret=SECRET,
                project_id=c.project_id,
                api_secret=API_SECRET,
                token=TOKEN,
                oauth_token=OAUTH,
                base_url=server.url,
                config_path=path,
            )
        )
        seen.append(
            auth.add_account(
                "good",
                username=c.username,
                secret=_plain(c.secret),
                project_id=c.project_id,
                api_secret=_plain(c.api_secret),
                token=_plain(c.token),
                oauth_token=_plain(c.oauth_token),
                base_url=server.url,
                config_path=path,
            )
        )
        path.chmod(0o644)  # provoke the permission warning
        seen += auth.list_accounts(config_path=path)
        seen += [auth.get_account(n, config_path=path) for n in ("mine", "good")]
        seen.append(auth.test_account("mine", config_path=path))  # 401
        seen.append(auth.test_account("good", config_path=path))  # 200
        assert seen[-2].success is False and seen[-1].success is True

        mgr = ConfigManager(path)
        mine = mgr.resolve_credentials("mine")
        seen += [mgr, mine, mgr.accounts(), mine.model_dump(), mine.model_dump_json()]

        # invalid input carrying a secret
        seen.append(
            _error(lambda: make_credentials(username="u", secret=SECRET, project_id=SECRET))
        )
        seen.append(_error(lambda: mine.with_overrides(region=SECRET)))

        # the generated clients and our httpx pieces
        api = ApiClients(mine, retry=RetryPolicy(attempts=2))
        seen.append(api)
        for family in ("app", "data", "ingestion"):
            client = api.for_family(family)
            http = client.get_httpx_client()
            seen += [client, http, http.headers, http._transport]
        seen += [Pacer("query", DEFAULT_PACING["query"]), RetryPolicy()]

        # failing calls with secrets in the query string and the auth header
        good = creds_for(server)
        client = build_http_client("app", server.url, good, sleep=lambda s: None)
        secret_params = {"project_id": c.project_id, "token": TOKEN, "api_secret": API_SECRET}

        def call(path: str = NAMES, cl: httpx.Client = client) -> None:
            with transport_errors():
                raise_for_status(cl.get(path, params=secret_params))

        server.faults.add(fault(kind="status", status=503, times=None, path=NAMES))
        seen.append(_error(call))
        server.faults.clear()
        server.faults.add(fault(kind="status", status=429, retry_after=1.0, times=None, path=NAMES))
        seen.append(_error(call))
        server.faults.clear()
        seen.append(_error(lambda: call(cl=api.http("app"))))  # 401 with the wrong secret
        server.faults.add(fault(kind="slow", delay=1.0, times=1, path=NAMES))
        slow = build_http_client("app", server.url, good, timeout=httpx.Timeout(0.2))
        seen.append(_error(lambda: call(cl=slow)))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        dead = build_http_client("app", f"http://127.0.0.1:{port}", good, sleep=lambda s: None)
        seen.append(_error(lambda: call(cl=dead)))
        api.close()

    texts: list[str] = []
    for obj in seen:
        texts += _describe(obj)
    texts += [r.getMessage() for r in caplog.records]
    texts += [str(w.message) for w in caught]
    out = capsys.readouterr()
    texts += [out.out, out.err]
    assert any("HTTP 503" in t for t in texts) and any("timed out" in t for t in texts)
    assert any(isinstance(w.message, UserWarning) for w in caught)
    assert any("/api/query/events/names" in r.getMessage() for r in caplog.records)

    for secret in _forbidden(server):
        leaks = [t for t in texts if secret in t]
        assert not leaks, f"secret leaked: {leaks[:3]}"


def test_httpx_info_log_has_secret_query_params_redacted(server, caplog, creds_for):
    caplog.set_level(logging.INFO, logger="httpx")
    client = build_http_client("app", server.url, creds_for(server))
    client.get(NAMES, params={"type": "general", "token": TOKEN, "api_secret": API_SECRET})
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines, "httpx logged nothing at INFO"
    assert all(TOKEN not in line and API_SECRET not in line for line in lines)
    assert any("token=[redacted]" in line for line in lines)
