"""What the App API modules share: per-sandbox stores, request-body checks, auth, clocks.

Each module keeps its mutable objects in a store built once per sandbox from the fixtures and kept
in ``req.state.scratch`` (the fixtures themselves are never changed). Body checks raise
:class:`SandboxHTTPError` 400 with Mixpanel's error body.

Example:
    >>> iso_z(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    '2026-01-02T03:04:05Z'
    >>> fixture_time("2026-01-02T03:04:05")
    '2026-01-02T03:04:05Z'
"""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from mixpanel_data.sandbox._http import Handler, Request, Response, SandboxHTTPError
from mixpanel_data.sandbox._state import SandboxState

T = TypeVar("T")

_STORES_LOCK = threading.Lock()


def store(req: Request, name: str, build: Callable[[SandboxState], T]) -> T:
    """The sandbox's store called ``name``, built by ``build(state)`` on first use."""
    return state_store(req.state, name, build)


def state_store(state: SandboxState, name: str, build: Callable[[SandboxState], T]) -> T:
    """:func:`store` without a request (tests read a store before any call has built it)."""
    with _STORES_LOCK:
        found = state.scratch.get(name)
        if found is None:
            found = state.scratch[name] = build(state)
    return found


# -- times ----------------------------------------------------------------------------------------


def utc_now() -> datetime:
    """The wall clock, UTC (creation and modification times of new objects)."""
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (RFC 3339, UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def fixture_time(stamp: str) -> str:
    """A fixture's ``YYYY-MM-DDTHH:MM:SS`` (UTC) as RFC 3339 with ``Z``."""
    return stamp.replace(" ", "T") + "Z"


# -- request bodies -------------------------------------------------------------------------------


def bad_request(message: str) -> SandboxHTTPError:
    """A 400 with Mixpanel's error body."""
    return SandboxHTTPError(400, message)


def not_found(message: str) -> SandboxHTTPError:
    """A 404 with Mixpanel's error body."""
    return SandboxHTTPError(404, message)


def body_object(req: Request, *, optional: bool = False) -> dict[str, Any]:
    """The JSON body, which must be an object (an empty body is ``{}`` when ``optional``)."""
    if optional and not req.body.strip():
        return {}
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return body


def no_unknown_keys(body: Mapping[str, Any], allowed: Collection[str], where: str = "body") -> None:
    """400 when ``body`` has keys outside ``allowed``."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request(f"unknown field(s) in {where}: {', '.join(unknown)}")


def get_str(
    body: Mapping[str, Any], key: str, *, required: bool = False, nullable: bool = False
) -> str | None:
    """A string field (400 when missing but required, or of another type)."""
    if key not in body or (body[key] is None and nullable):
        if required:
            raise bad_request(f"{key} is required")
        return None
    value = body[key]
    if not isinstance(value, str):
        raise bad_request(f"{key} must be a string")
    if required and not value.strip():
        raise bad_request(f"{key} must not be empty")
    return value


def get_bool(body: Mapping[str, Any], key: str, *, required: bool = False) -> bool | None:
    """A boolean field."""
    if key not in body or body[key] is None:
        if required:
            raise bad_request(f"{key} is required")
        return None
    value = body[key]
    if not isinstance(value, bool):
        raise bad_request(f"{key} must be a boolean")
    return value


def get_int(body: Mapping[str, Any], key: str, *, required: bool = False) -> int | None:
    """An integer field (booleans are not integers)."""
    if key not in body or body[key] is None:
        if required:
            raise bad_request(f"{key} is required")
        return None
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{key} must be an integer")
    return value


def get_enum(
    body: Mapping[str, Any], key: str, choices: Collection[Any], *, required: bool = False
) -> Any:
    """A field whose value must be one of ``choices``."""
    if key not in body or body[key] is None:
        if required:
            raise bad_request(f"{key} is required")
        return None
    value = body[key]
    if isinstance(value, bool) or value not in choices:
        raise bad_request(f"{key} must be one of {', '.join(map(str, choices))}")
    return value


def get_int_list(body: Mapping[str, Any], key: str, *, required: bool = False) -> list[int]:
    """A list of integers."""
    value = body.get(key)
    if value is None:
        if required:
            raise bad_request(f"{key} is required")
        return []
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) for v in value
    ):
        raise bad_request(f"{key} must be a list of integers")
    return list(value)


def path_int(req: Request, name: str, what: str) -> int:
    """An integer path parameter; anything else names no object (404)."""
    text = req.path_params.get(name, "")
    try:
        return int(text)
    except ValueError as exc:
        raise not_found(f"{what} {text!r} not found") from exc


def ok(results: Any = None, *, status: int = 200) -> Response:
    """``{"status": "ok", "results": ...}`` (``results`` left out when None)."""
    body: dict[str, Any] = {"status": "ok"}
    if results is not None:
        body["results"] = results
    return Response.json(body, status=status)


# -- auth -----------------------------------------------------------------------------------------


def basic_pair(req: Request) -> tuple[str, str] | None:
    """``(user, password)`` of an HTTP Basic ``Authorization`` header, or None."""
    scheme, _, value = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, _, password = decoded.partition(":")
    return user, password


def check_service_account(req: Request) -> None:
    """401 unless the request carries the service account's HTTP Basic credentials.

    For organization-level calls, which name no project: the ``"project"`` auth kind would ask
    for a ``project_id`` (and would also let the project secret in).
    """
    pair = basic_pair(req)
    if pair is None:
        raise SandboxHTTPError(401, "missing HTTP Basic credentials (service account)")
    creds = req.state.credentials
    user, password = pair
    same_user = hmac.compare_digest(user.encode(), creds.username.encode())
    same_secret = hmac.compare_digest(password.encode(), creds.secret.encode())
    if not (same_user and same_secret):
        raise SandboxHTTPError(401, "Invalid credentials")


def service_account_only(handler: Handler) -> Handler:
    """``handler`` behind :func:`check_service_account` (its route's auth kind is ``"none"``)."""

    def guarded(req: Request) -> Response:
        check_service_account(req)
        return handler(req)

    guarded.__name__ = getattr(handler, "__name__", "handler")
    guarded.__doc__ = handler.__doc__
    return guarded


def check_project_token(req: Request, *, required: bool) -> None:
    """The ``token`` query parameter must be the project token (400 missing, 401 wrong)."""
    token = req.query.get("token")
    if token is None or token == "":
        if required:
            raise SandboxHTTPError(400, "token is a required parameter")
        return
    if not hmac.compare_digest(token.encode(), req.state.credentials.token.encode()):
        raise SandboxHTTPError(401, "Invalid project token")
