"""Service Accounts API: the organization's service accounts and their project memberships.

Calls under ``/api/app/organizations/{organizationId}`` need the service account's HTTP Basic
credentials and no project id (the project secret is not enough); the organization id must be the
sandbox's (``fixtures.organization_id``), else 404. ``GET /api/app/projects/{projectId}/
service-accounts`` lists the sandbox project's members (usual project auth).

A created account's username is ``<username>.<6 hex>.mp-service-account``; its secret comes back
once, as ``token`` in the create reply, and is never stored or shown again. Project ids other than
the sandbox project's, and unknown account ids, are 404s. New accounts cannot authenticate to the
sandbox (it accepts only its own credentials).

Example:
    >>> sorted({r.path.rsplit("/", 1)[-1] for r in ROUTES})
    ['add-to-project', 'remove-from-project', 'service-accounts', '{serviceAccountId}']
"""

from __future__ import annotations

import copy
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mixpanel_data.sandbox._app._common import (
    bad_request,
    body_object,
    fixture_time,
    get_enum,
    get_int_list,
    get_str,
    iso_z,
    not_found,
    ok,
    path_int,
    service_account_only,
    store,
    utc_now,
)
from mixpanel_data.sandbox._http import Request, Response, Route
from mixpanel_data.sandbox._state import SandboxState

ROLES = ("owner", "admin", "analyst", "consumer")
_ROLE_ORDER = {role: n for n, role in enumerate(ROLES)}
_ORG = "/api/app/organizations/{organizationId}/service-accounts"
_PROJECT = "/api/app/projects/{projectId}/service-accounts"
_USER_ID_BASE = 770000
# Organization calls check the service account themselves (their route's auth kind is "none").
_guard = service_account_only


@dataclass
class AccountStore:
    """Accounts by id, and memberships: account id -> {project id: role}."""

    accounts: dict[int, dict[str, Any]]
    members: dict[int, dict[int, str]]
    organization_id: int
    project_id: int
    lock: threading.Lock = field(default_factory=threading.Lock)


def _build(state: SandboxState) -> AccountStore:
    fx = state.data.fixtures
    accounts: dict[int, dict[str, Any]] = {}
    members: dict[int, dict[int, str]] = {}
    for item in fx.service_accounts:
        accounts[item["id"]] = {
            "id": item["id"],
            "username": item["username"],
            "last_used": fixture_time(item["last_used"]) if item.get("last_used") else None,
            "expires": fixture_time(item["expires"]) if item.get("expires") else None,
            "creator": item["creator"]["id"],
            "created": fixture_time(item["created"]),
            "user": _USER_ID_BASE + item["id"] % 10000,
        }
        members[item["id"]] = {p["id"]: p["role"] for p in item.get("projects", [])}
    return AccountStore(accounts, members, fx.organization_id, state.data.project_id)


def _store(req: Request) -> AccountStore:
    accounts = store(req, "app.service_accounts", _build)
    org = req.path_params.get("organizationId")
    if org is not None and org != str(accounts.organization_id):
        raise not_found(f"organization {org!r} not found")
    return accounts


def _account(accounts: AccountStore, account_id: int) -> dict[str, Any]:
    found = accounts.accounts.get(account_id)
    if found is None:
        raise not_found(f"service account {account_id} not found")
    return found


def _project(accounts: AccountStore, project_id: Any) -> int:
    if isinstance(project_id, bool) or not isinstance(project_id, int):
        raise bad_request("project ids must be integers")
    if project_id != accounts.project_id:
        raise not_found(f"project {project_id} not found in this organization")
    return project_id


def _project_roles(
    accounts: AccountStore, body: dict[str, Any], *, required: bool, default: str = "consumer"
) -> dict[int, str]:
    projects = body.get("projects")
    if projects is None and not required:
        return {}
    if not isinstance(projects, list):
        raise bad_request("projects must be a list")
    roles: dict[int, str] = {}
    for item in projects:
        if not isinstance(item, dict):
            raise bad_request("each project must be an object with id and role")
        role = get_enum(item, "role", ROLES, required=required)
        roles[_project(accounts, item.get("id"))] = role or default
    return roles


def _expires(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
        return iso_z(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except (ValueError, OverflowError) as exc:
        raise bad_request(f"expires must be an ISO 8601 date-time, got {text!r}") from exc


def list_service_accounts(req: Request) -> Response:
    """Every service account of the organization."""
    accounts = _store(req)
    with accounts.lock:
        return ok([copy.deepcopy(a) for a in accounts.accounts.values()])


def create_service_account(req: Request) -> Response:
    """Create an account; the reply carries its secret, this once (201)."""
    accounts = _store(req)
    body = body_object(req)
    username = get_str(body, "username", required=True)
    role = get_enum(body, "role", ROLES) or "consumer"
    expires = _expires(get_str(body, "expires"))
    with accounts.lock:
        roles = _project_roles(accounts, body, required=False, default=role)
        new_id = max(accounts.accounts, default=880000) + 1
        account = {
            "id": new_id,
            "username": f"{username}.{secrets.token_hex(3)}.mp-service-account",
            "last_used": None,
            "expires": expires,
            "creator": 301,
            "created": iso_z(utc_now()),
            "user": _USER_ID_BASE + new_id % 10000,
        }
        accounts.accounts[new_id] = account
        accounts.members[new_id] = roles
        reply = {**account, "token": secrets.token_urlsafe(24)}
    return ok(reply, status=201)


def get_service_account(req: Request) -> Response:
    """One account (never with its secret)."""
    accounts = _store(req)
    account_id = path_int(req, "serviceAccountId", "service account")
    with accounts.lock:
        return ok(copy.deepcopy(_account(accounts, account_id)))


def delete_service_account(req: Request) -> Response:
    """Remove an account from every project and the organization."""
    accounts = _store(req)
    account_id = path_int(req, "serviceAccountId", "service account")
    with accounts.lock:
        _account(accounts, account_id)
        del accounts.accounts[account_id]
        accounts.members.pop(account_id, None)
    return ok()


def list_project_service_accounts(req: Request) -> Response:
    """The project's member accounts with their role there."""
    accounts = store(req, "app.service_accounts", _build)
    with accounts.lock:
        results = []
        for account_id, projects in accounts.members.items():
            role = projects.get(accounts.project_id)
            if role is None or account_id not in accounts.accounts:
                continue
            account = accounts.accounts[account_id]
            results.append(
                {
                    **copy.deepcopy(account),
                    "hasSensitiveAccess": role in ("owner", "admin"),
                    "role": role,
                    "role_order": _ROLE_ORDER[role],
                    "target_type": "individual",
                    "email": account["username"].replace(".mp-service-account", "")
                    + "@serviceaccount.mixpanel.com",
                }
            )
    return ok(results)


def add_to_projects(req: Request) -> Response:
    """Make accounts members of projects, with the role given per project."""
    accounts = _store(req)
    body = body_object(req)
    ids = get_int_list(body, "service_account_ids", required=True)
    with accounts.lock:
        roles = _project_roles(accounts, body, required=True)
        for account_id in ids:
            _account(accounts, account_id)
        for account_id in ids:
            accounts.members.setdefault(account_id, {}).update(roles)
    return ok()


def remove_from_projects(req: Request) -> Response:
    """End accounts' memberships of projects."""
    accounts = _store(req)
    body = body_object(req)
    projects = body.get("projects")
    if not isinstance(projects, list):
        raise bad_request("projects is required and must be a list")
    with accounts.lock:
        plan: list[tuple[Any, list[int]]] = []
        for item in projects:
            if not isinstance(item, dict):
                raise bad_request("each project must be an object with id and service_account_ids")
            plan.append((item.get("id"), get_int_list(item, "service_account_ids", required=True)))
        for project_id, ids in plan:
            _project(accounts, project_id)
            for account_id in ids:
                _account(accounts, account_id)
        for project_id, ids in plan:
            for account_id in ids:
                accounts.members.get(account_id, {}).pop(project_id, None)
    return ok()


ROUTES = [
    Route("GET", _ORG, "none", _guard(list_service_accounts)),
    Route("POST", _ORG, "none", _guard(create_service_account)),
    Route("POST", _ORG + "/add-to-project", "none", _guard(add_to_projects)),
    Route("POST", _ORG + "/remove-from-project", "none", _guard(remove_from_projects)),
    Route("GET", _ORG + "/{serviceAccountId}", "none", _guard(get_service_account)),
    Route("DELETE", _ORG + "/{serviceAccountId}", "none", _guard(delete_service_account)),
    Route("GET", _PROJECT, "project", list_project_service_accounts),
]
