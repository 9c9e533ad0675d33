"""Resolved credentials for one Mixpanel project: who calls, which project, which region.

A :class:`Credentials` is what every API call is made with. It is frozen, and every secret is a
pydantic :class:`~pydantic.SecretStr`, so ``repr()``, ``str()`` and JSON dumps show ``**********``.
Build one with :func:`make_credentials` (which turns bad input into a :class:`ConfigError` that
never echoes a value) or get one from ``ConfigManager.resolve_credentials`` in ``_config``.

Example:
    >>> creds = make_credentials(username="sa.bot", secret="s3cr3t", project_id=12345)
    >>> creds.project_id, creds.region
    ('12345', 'us')
    >>> "s3cr3t" in repr(creds)
    False
"""

from __future__ import annotations

import base64
from typing import Any, Literal, get_args

import pydantic
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from mixpanel_data.exceptions import InvalidCredentialsError

Region = Literal["us", "eu", "in"]
REGIONS: tuple[str, ...] = get_args(Region)

# Fields that hold secrets; they are SecretStr on Credentials and never printed.
SECRET_FIELDS = ("secret", "api_secret", "token", "oauth_token")


class Credentials(BaseModel):
    """Everything needed to call Mixpanel for one project.

    Authenticate with a service account (``username`` + ``secret``) or the legacy project secret
    (``api_secret``); at least one of the two is required. ``token`` (the project token) is
    needed for ingestion and identity calls, ``oauth_token`` for the GDPR API. ``base_url``, when
    set, sends every API family to that one server (the sandbox or a proxy) instead of Mixpanel's
    regional hosts.

    Example:
        >>> c = Credentials(username="sa.bot", secret=SecretStr("x"), project_id="7", region="eu")
        >>> c.secret, c.region
        (SecretStr('**********'), 'eu')
    """

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True, extra="forbid")

    username: str | None = None
    """Service account username."""
    secret: SecretStr | None = None
    """Service account secret."""
    project_id: str
    """The Mixpanel project id (digits, kept as text)."""
    region: Region = "us"
    """Data residency region: ``us``, ``eu`` or ``in``."""
    api_secret: SecretStr | None = None
    """Legacy project API secret (HTTP Basic ``api_secret:``)."""
    token: SecretStr | None = None
    """Project token, for ingestion and identity endpoints."""
    oauth_token: SecretStr | None = None
    """OAuth bearer token, for the GDPR API."""
    base_url: str | None = None
    """One server for every API family (sandbox/proxy), e.g. ``http://127.0.0.1:8123``."""

    @field_validator("project_id", mode="before")
    @classmethod
    def _project_id_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a project id, not a boolean")
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            value = value.strip()
            if not value.isdigit():
                raise ValueError("must be digits")
        return value

    @field_validator("region", mode="before")
    @classmethod
    def _region_lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("username", mode="before")
    @classmethod
    def _empty_username_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("secret", "api_secret", "token", "oauth_token", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: Any) -> Any:
        if value == "" or (isinstance(value, SecretStr) and value.get_secret_value() == ""):
            return None
        return value

    @field_validator("base_url", mode="before")
    @classmethod
    def _clean_base_url(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        if "@" in value.split("//", 1)[1].split("/", 1)[0]:
            raise ValueError("must not carry a user or password; use the credential fields")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _has_a_way_to_authenticate(self) -> Credentials:
        if (self.username is None) != (self.secret is None):
            raise ValueError("username and secret go together: give both or neither")
        if self.secret is None and self.api_secret is None:
            raise ValueError("need a service account (username + secret) or a project api_secret")
        return self

    @property
    def has_service_account(self) -> bool:
        """True when a service account (username + secret) is set."""
        return self.username is not None and self.secret is not None

    def service_account_header(self) -> str | None:
        """The ``Authorization`` value for the service account, or ``None`` when there is none."""
        if self.username is None or self.secret is None:
            return None
        return _basic(self.username, self.secret.get_secret_value())

    def project_secret_header(self) -> str | None:
        """The ``Authorization`` value for the project secret (``api_secret:``), or ``None``."""
        if self.api_secret is None:
            return None
        return _basic(self.api_secret.get_secret_value(), "")

    def bearer_header(self) -> str | None:
        """The ``Authorization`` value for the OAuth token (GDPR API), or ``None``."""
        if self.oauth_token is None:
            return None
        return f"Bearer {self.oauth_token.get_secret_value()}"

    def with_overrides(self, **changes: Any) -> Credentials:
        """A validated copy with some fields replaced (``None`` values are ignored)."""
        data = self.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return make_credentials(**data)


def _basic(user: str, password: str) -> str:
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def make_credentials(*, source: str = "credentials", **fields: Any) -> Credentials:
    """Build :class:`Credentials`, turning invalid input into a one-line
    :class:`InvalidCredentialsError` (a :class:`ConfigError`).

    ``source`` names where the values came from (an account, the environment) for the message.
    The message lists the bad fields and why, never their values.

    Example:
        >>> try:
        ...     make_credentials(username="u", secret="s", project_id="1", region="mars")
        ... except InvalidCredentialsError as exc:
        ...     print(exc.message, exc.exit_code)
        invalid credentials: region: must be us, eu or in 3
    """
    try:
        return Credentials(**fields)
    except pydantic.ValidationError as err:
        problems = []
        for item in err.errors(include_input=False, include_url=False):
            where = ".".join(str(p) for p in item["loc"])
            msg = item["msg"].removeprefix("Value error, ")
            if where == "region":
                msg = "must be us, eu or in"
            problems.append(f"{where}: {msg}" if where else msg)
        raise InvalidCredentialsError(
            f"invalid {source}: " + "; ".join(problems),
            details={"fields": sorted({str(i["loc"][0]) for i in err.errors() if i["loc"]})},
        ) from None


__all__ = ["REGIONS", "SECRET_FIELDS", "Credentials", "Region", "make_credentials"]
