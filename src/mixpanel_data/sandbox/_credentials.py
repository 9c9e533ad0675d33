"""The sandbox's credentials, and the checks every route's auth kind makes.

Example:
    >>> creds = SandboxCredentials.generate(project_id=3000007)
    >>> "secret" in repr(creds) and creds.secret not in repr(creds)
    True
    >>> sorted(creds.env("http://127.0.0.1:1"))[:2]
    ['MP_API_SECRET', 'MP_BASE_URL']
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mixpanel_data.sandbox._http import CONTROL_HEADER, Request, SandboxHTTPError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mixpanel_data._credentials import Credentials


@dataclass(frozen=True)
class SandboxCredentials:
    """Credentials the sandbox accepts; ``repr`` masks every secret.

    Attributes:
        username: service account user name (HTTP Basic user).
        secret: service account secret (HTTP Basic password).
        project_id: the one project the sandbox serves.
        token: project token (ingestion, GDPR and flags ``token`` parameter).
        api_secret: project API secret (legacy HTTP Basic ``api_secret:``).
        oauth_token: OAuth bearer token (GDPR).
        base_url: the sandbox URL, once it is serving ("" before).
    """

    username: str
    secret: str
    project_id: int
    token: str
    api_secret: str
    oauth_token: str
    base_url: str = ""

    @classmethod
    def generate(cls, project_id: int) -> SandboxCredentials:
        """Fresh random secrets for ``project_id``."""
        return cls(
            username=f"sandbox.{project_id}.mp-service-account",
            secret=secrets.token_urlsafe(24),
            project_id=project_id,
            token=secrets.token_hex(16),
            api_secret=secrets.token_hex(16),
            oauth_token="mpo_" + secrets.token_urlsafe(24),
        )

    @classmethod
    def for_seed(cls, seed: int, project_id: int) -> SandboxCredentials:
        """Credentials derived from ``seed``: the same on every start (``mp sandbox serve``), so
        a saved account or pasted ``export`` lines keep working after a restart. They guard
        synthetic data on loopback only, so being derivable is harmless."""

        def derive(field: str, size: int) -> str:
            digest = hashlib.sha256(f"mixpanel_data sandbox {seed} {field}".encode()).digest()
            return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:size]

        return cls(
            username=f"sandbox.{project_id}.mp-service-account",
            secret=derive("secret", 32),
            project_id=project_id,
            token=hashlib.sha256(f"mixpanel_data sandbox {seed} token".encode()).hexdigest()[:32],
            api_secret=hashlib.sha256(f"mixpanel_data sandbox {seed} api".encode()).hexdigest()[
                :32
            ],
            oauth_token="mpo_" + derive("oauth", 32),
        )

    def env(self, base_url: str | None = None) -> dict[str, str]:
        """The ``MP_*`` environment variables a client needs to reach this sandbox."""
        return {
            "MP_BASE_URL": base_url if base_url is not None else self.base_url,
            "MP_USERNAME": self.username,
            "MP_SECRET": self.secret,
            "MP_PROJECT_ID": str(self.project_id),
            "MP_TOKEN": self.token,
            "MP_API_SECRET": self.api_secret,
            "MP_OAUTH_TOKEN": self.oauth_token,
        }

    def client_credentials(self, base_url: str | None = None, **changes: Any) -> Credentials:
        """The library's :class:`~mixpanel_data.Credentials` for this sandbox (service account,
        project token, OAuth bearer, ``base_url``), e.g. for ``Workspace(credentials=...)``;
        ``changes`` replace fields (``oauth_token=None`` leaves the bearer out)."""
        from mixpanel_data._credentials import make_credentials

        fields: dict[str, Any] = {
            "username": self.username,
            "secret": self.secret,
            "project_id": self.project_id,
            "token": self.token,
            "oauth_token": self.oauth_token,
            "base_url": base_url if base_url is not None else self.base_url,
        }
        return make_credentials(**{**fields, **changes})

    def __repr__(self) -> str:
        return (
            f"SandboxCredentials(username={self.username!r}, secret='***', "
            f"project_id={self.project_id}, token='***', api_secret='***', oauth_token='***', "
            f"base_url={self.base_url!r})"
        )

    __str__ = __repr__


WORKSPACE_ID = 70001  # the project's one workspace (data view)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic(req: Request) -> tuple[str, str] | None:
    header = req.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return user, password


def _bearer(req: Request) -> str | None:
    scheme, _, value = req.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _check_project(req: Request, creds: SandboxCredentials) -> str | None:
    """None when project auth passes, else why not. Raises for a wrong or missing project id."""
    basic = _basic(req)
    if basic is None:
        return "missing HTTP Basic credentials (service account or project secret)"
    user, password = basic
    project = req.path_params.get("projectId") or req.query.get("project_id")
    if password == "" and _same(user, creds.api_secret):
        # The secret names its project; naming another one is refused, not ignored.
        if project and project.strip() != str(creds.project_id):
            raise SandboxHTTPError(
                403, f"the project secret does not give access to project {project.strip()!r}"
            )
        _check_workspace(req)
        return None
    if not (_same(user, creds.username) and _same(password, creds.secret)):
        return "Invalid credentials"
    if project is None or project == "":
        raise SandboxHTTPError(
            400, "project_id is required when authenticating with a service account"
        )
    if project.strip() != str(creds.project_id):
        raise SandboxHTTPError(
            403, f"service account does not have access to project {project.strip()!r}"
        )
    _check_workspace(req)
    return None


def _check_workspace(req: Request) -> None:
    """A ``workspace_id`` query parameter must name the project's one workspace (data view)."""
    given = req.query.get("workspace_id")
    if given and given.strip() != str(WORKSPACE_ID):
        raise SandboxHTTPError(
            400, f"workspace_id {given.strip()!r} is not a workspace of this project"
        )


def _record_tokens(req: Request) -> list[object]:
    tokens: list[object] = []
    for record in req.records():
        if not isinstance(record, dict):
            tokens.append(None)
            continue
        props = record.get("properties")
        if "$token" in record:
            tokens.append(record["$token"])
        elif isinstance(props, dict) and "token" in props:
            tokens.append(props["token"])
        else:
            tokens.append(record.get("token"))
    return tokens


def _check_token(req: Request, creds: SandboxCredentials) -> str | None:
    given = req.query.get("token") or req.form().get("token")
    if given is not None:
        return None if _same(given, creds.token) else "Invalid project token"
    if req.method == "GET" and req.arg("data") is None:
        return "missing project token"
    try:
        tokens = _record_tokens(req)
    except SandboxHTTPError:
        raise
    if not tokens:
        return "missing project token"
    for token in tokens:
        if not isinstance(token, str) or not token:
            return "token, missing or empty"
        if not _same(token, creds.token):
            return "Invalid project token"
    return None


def _check_token_basic(req: Request, creds: SandboxCredentials) -> str | None:
    basic = _basic(req)
    if basic is None or basic[1] != "":
        return "missing HTTP Basic credentials (project token as the username)"
    return None if _same(basic[0], creds.token) else "Invalid credentials"


def check_control(req: Request) -> str | None:
    """None when the request carries the sandbox's control token, else why not."""
    given = req.headers.get(CONTROL_HEADER, "")
    if not given:
        return f"missing the sandbox's control token (the {CONTROL_HEADER} header)"
    return None if _same(given, req.state.control_token) else "Invalid control token"


def check_auth(req: Request, kinds: Sequence[str], creds: SandboxCredentials) -> str:
    """Return the auth kind that succeeded, or raise 401 (400/403 for a bad project id)."""
    if "none" in kinds:
        return "none"
    reasons: list[str] = []
    for kind in kinds:
        if kind == "project":
            reason = _check_project(req, creds)
        elif kind == "oauth":
            bearer = _bearer(req)
            if bearer is None:
                reason = "missing Bearer token"
            else:
                reason = None if _same(bearer, creds.oauth_token) else "Invalid OAuth token"
        elif kind == "token":
            reason = _check_token(req, creds)
        elif kind == "token_basic":
            reason = _check_token_basic(req, creds)
        elif kind == "control":
            reason = check_control(req)
        else:  # pragma: no cover - Route validates kinds
            reason = f"unknown auth kind {kind}"
        if reason is None:
            return kind
        reasons.append(reason)
    raise SandboxHTTPError(401, reasons[0] if len(reasons) == 1 else "; ".join(reasons))
