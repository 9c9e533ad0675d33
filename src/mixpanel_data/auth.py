"""Manage the Mixpanel accounts stored in ``~/.mp/config.toml`` (or ``$MP_CONFIG_PATH``).

Every function takes an optional ``config_path`` (default: ``$MP_CONFIG_PATH``, else
``~/.mp/config.toml``). Nothing here returns or prints a secret: :class:`AccountInfo` only says
whether each secret is set.

Example:
    >>> from mixpanel_data import auth
    >>> info = auth.add_account("prod", username="sa", secret="...", project_id=1)  # doctest: +SKIP
    >>> [a.name for a in auth.list_accounts()]  # doctest: +SKIP
    ['prod']
    >>> auth.test_account("prod").success  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from mixpanel_data._config import ConfigManager, env_is_complete
from mixpanel_data._credentials import Credentials, make_credentials
from mixpanel_data.exceptions import APIError, TransportError

ConfigPath = str | os.PathLike[str] | None

# The cheap call test_account makes (an operation of the spec): one event name from the Query API.
TEST_OPERATION = "event_names"


@dataclass(frozen=True)
class AccountInfo:
    """A stored account, without its secrets.

    Example:
        >>> AccountInfo("prod", "sa.bot", "12345", "us", True, True).to_dict()["secret_set"]
        True
    """

    name: str
    username: str | None
    project_id: str
    region: str
    is_default: bool
    secret_set: bool
    api_secret_set: bool = False
    token_set: bool = False
    oauth_token_set: bool = False
    base_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view."""
        return asdict(self)

    def __str__(self) -> str:
        star = " (default)" if self.is_default else ""
        where = f" via {self.base_url}" if self.base_url else ""
        return f"{self.name}{star}: project {self.project_id} in {self.region}{where}"


@dataclass(frozen=True)
class TestResult:
    """What :func:`test_account` found.

    Attributes:
        success: the call was answered with 2xx.
        account: the account tested (``None`` when the credentials came from the environment only).
        project_id, region: what was tested.
        error: a one-line reason when ``success`` is false.
        error_code: the failure's stable code (``AUTH_FAILED``, ``RATE_LIMITED``, ``TIMEOUT``,
            ...; see :mod:`mixpanel_data.exceptions`), ``None`` on success.
        exit_code: the exit code ``mp auth test`` ends with: 0 on success, else the error
            class's (2 for bad credentials, 5 when rate limited, 1 otherwise).
    """

    __test__ = False  # not a pytest test class

    success: bool
    account: str | None
    project_id: str | None
    region: str | None
    error: str | None = None
    error_code: str | None = None
    exit_code: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view."""
        return asdict(self)

    def __str__(self) -> str:
        if self.success:
            return f"ok: {self.account or 'environment'} can read project {self.project_id}"
        return f"failed: {self.error}"


def _info(name: str, creds: Credentials, default: str | None) -> AccountInfo:
    return AccountInfo(
        name=name,
        username=creds.username,
        project_id=creds.project_id,
        region=creds.region,
        is_default=name == default,
        secret_set=creds.secret is not None,
        api_secret_set=creds.api_secret is not None,
        token_set=creds.token is not None,
        oauth_token_set=creds.oauth_token is not None,
        base_url=creds.base_url,
    )


def list_accounts(*, config_path: ConfigPath = None) -> list[AccountInfo]:
    """Every stored account, in file order.

    Example:
        >>> [str(a) for a in list_accounts()]                                  # doctest: +SKIP
        ['prod (default): project 12345 in us']
    """
    mgr = ConfigManager(config_path)
    default = mgr.default_name()
    return [_info(name, creds, default) for name, creds in mgr.accounts().items()]


def get_account(name: str, *, config_path: ConfigPath = None) -> AccountInfo:
    """One stored account; :class:`AccountNotFoundError` (with the available names) if missing.

    Example:
        >>> get_account("prod").secret_set                                      # doctest: +SKIP
        True
    """
    mgr = ConfigManager(config_path)
    return _info(name, mgr.get_account(name), mgr.default_name())


def add_account(
    name: str,
    *,
    username: str | None,
    secret: str | None,
    project_id: str | int,
    region: str = "us",
    api_secret: str | None = None,
    token: str | None = None,
    oauth_token: str | None = None,
    base_url: str | None = None,
    default: bool = False,
    config_path: ConfigPath = None,
) -> AccountInfo:
    """Store a new account and return it (as :class:`AccountInfo`).

    The first account added becomes the default, as does one added with ``default=True``.
    ``username``/``secret`` may be ``None`` when ``api_secret`` is given.
    Raises :class:`AccountExistsError` if the name is taken and :class:`ConfigError` for invalid
    values (the message names the field, never the value).

    Example:
        >>> add_account("eu", username="sa", secret="...", project_id=7)  # doctest: +SKIP
        AccountInfo(name='eu', username='sa', project_id='7', region='us', is_default=True, ...)
    """
    creds = make_credentials(
        source=f"account '{name}'",
        username=username,
        secret=secret,
        project_id=project_id,
        region=region,
        api_secret=api_secret,
        token=token,
        oauth_token=oauth_token,
        base_url=base_url,
    )
    mgr = ConfigManager(config_path)
    is_default = mgr.add_account(name, creds, default=default)
    return _info(name, creds, name if is_default else None)


def update_account(
    name: str,
    *,
    create: bool = False,
    clear: tuple[str, ...] = (),
    config_path: ConfigPath = None,
    **changes: str | int | None,
) -> AccountInfo:
    """Change some fields of a stored account (``None`` leaves a field as it is) and return it.

    The fields are those of :func:`add_account` (``username``, ``secret``, ``project_id``,
    ``region``, ``api_secret``, ``token``, ``oauth_token``, ``base_url``); ``clear`` names fields
    to remove (``clear=("base_url",)``). ``create=True`` adds
    the account when it does not exist yet; otherwise a missing name is
    :class:`AccountNotFoundError`.

    Example:
        >>> update_account("prod", region="eu").region                          # doctest: +SKIP
        'eu'
    """
    mgr = ConfigManager(config_path)
    is_default = mgr.update_account(name, changes, create=create, clear=clear)
    return _info(name, mgr.get_account(name), name if is_default else mgr.default_name())


def remove_account(name: str, *, config_path: ConfigPath = None) -> str | None:
    """Delete an account; return the name of the default account afterwards (``None``: none left).

    When the default is removed, the first remaining account becomes the default; the return value
    says which, so the caller can tell the user.

    Example:
        >>> remove_account("prod")                                              # doctest: +SKIP
        'staging'
    """
    return ConfigManager(config_path).remove_account(name)


def set_default(name: str, *, config_path: ConfigPath = None) -> None:
    """Make ``name`` the default account (:class:`AccountNotFoundError` if it does not exist).

    Example:
        >>> set_default("staging")                                              # doctest: +SKIP
    """
    ConfigManager(config_path).set_default(name)


def test_account(
    name: str | None = None,
    *,
    config_path: ConfigPath = None,
    retries: int = 0,
    timeout: float | None = None,
) -> TestResult:
    """Check an account with one cheap real call (one event name from the Query API).

    The call is not retried unless ``retries`` says so: a test answers at once.

    ``name=None`` tests what a ``Workspace()`` would use: the environment and/or the default
    account, resolved as :meth:`ConfigManager.resolve_credentials` says. A failed call is reported
    in the result; configuration problems (unknown account, nothing configured) are raised.

    Example:
        >>> result = test_account("prod")  # doctest: +SKIP
        >>> result.success, result.error  # doctest: +SKIP
        (True, None)
    """
    mgr = ConfigManager(config_path)
    creds = mgr.resolve_credentials(name)
    account = name
    if account is None:
        account = None if env_is_complete() else mgr.default_name()
    from mixpanel_data._api.clients import ApiClients

    try:
        with ApiClients(creds, retries=retries, timeout=timeout) as api:
            api.call_json(TEST_OPERATION, type="general", limit=1)
    except (APIError, TransportError) as err:
        return TestResult(
            False, account, creds.project_id, creds.region, err.message, err.code, err.exit_code
        )
    return TestResult(True, account, creds.project_id, creds.region, None)


test_account.__test__ = False  # type: ignore[attr-defined]  # pytest: not a test function

__all__ = [
    "AccountInfo",
    "TestResult",
    "add_account",
    "get_account",
    "list_accounts",
    "remove_account",
    "set_default",
    "test_account",
    "update_account",
]
