"""Fixtures for the App API tests: a running sandbox, clients, and spec checks.

``sandbox`` is one small sandbox per test module (tests create their own objects, with names
unique to the test, so they do not depend on order). ``client`` is the GENERATED client
authenticated with the service account; ``http`` a plain httpx client for what the generated
layer cannot send (wrong credentials, malformed bodies). ``spec.check(op_id, status, body)``
validates a body against the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from app_spec import SpecChecker, basic
from mixpanel_openapi.client import AuthenticatedClient

from mixpanel_data.sandbox import Sandbox


@pytest.fixture(scope="session")
def spec() -> SpecChecker:
    return SpecChecker.load()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=11, users=60, days=10, end_date="2026-01-31") as sb:
        yield sb


@pytest.fixture(scope="module")
def client(sandbox: Sandbox) -> Iterator[AuthenticatedClient]:
    creds = sandbox.credentials
    with AuthenticatedClient(
        base_url=sandbox.url, token=basic(creds.username, creds.secret), prefix="Basic"
    ) as authenticated:
        yield authenticated


@pytest.fixture(scope="module")
def secret_client(sandbox: Sandbox) -> Iterator[AuthenticatedClient]:
    """The generated client with the project secret (``api_secret:``)."""
    with AuthenticatedClient(
        base_url=sandbox.url, token=basic(sandbox.credentials.api_secret, ""), prefix="Basic"
    ) as authenticated:
        yield authenticated


@pytest.fixture(scope="module")
def oauth_client(sandbox: Sandbox) -> Iterator[AuthenticatedClient]:
    """The generated client with the OAuth bearer token (GDPR)."""
    with AuthenticatedClient(base_url=sandbox.url, token=sandbox.credentials.oauth_token) as c:
        yield c


@pytest.fixture(scope="module")
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """Plain HTTP with the service account's Basic credentials."""
    creds = sandbox.credentials
    with httpx.Client(base_url=sandbox.url, auth=(creds.username, creds.secret)) as c:
        yield c


@pytest.fixture(scope="module")
def anon(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """Plain HTTP without credentials."""
    with httpx.Client(base_url=sandbox.url) as c:
        yield c
