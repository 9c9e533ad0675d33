"""Accounts on disk (``~/.mp/config.toml``) and how credentials are resolved from them and the env.

The file holds named accounts and which one is the default::

    default = "production"

    [accounts.production]
    username = "sa.bot"
    secret = "..."
    project_id = "12345"
    region = "us"            # us | eu | in
    # optional: api_secret, token, oauth_token, base_url

It is written atomically (temp file, fsync, rename) with mode 0600, in a 0700 folder, and every
read-modify-write holds an exclusive lock (``flock`` on the config folder), so concurrent
``mp auth add`` runs keep each other's accounts. A file readable by others, or a file or folder
owned by another user or writable by group/others, gets one :class:`ConfigPermissionWarning` per
process. A symlink in place of the file, or a file that is not valid TOML,
is a :class:`ConfigError`.

Example:
    >>> mgr = ConfigManager("/tmp/example/config.toml")  # doctest: +SKIP
    >>> creds = make_credentials(username="u", secret="s", project_id=1)  # doctest: +SKIP
    >>> mgr.add_account("prod", creds)  # doctest: +SKIP
    True
    >>> mgr.resolve_credentials().project_id  # doctest: +SKIP
    '1'
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import stat
import tempfile
import tomllib
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from mixpanel_data._credentials import SECRET_FIELDS, Credentials, make_credentials
from mixpanel_data.exceptions import (
    AccountExistsError,
    AccountNotFoundError,
    ConfigError,
    NoCredentialsError,
)

logger = logging.getLogger("mixpanel_data.config")

DEFAULT_CONFIG_PATH = Path("~/.mp/config.toml")

# Environment variable -> Credentials field.
ENV_VARS: dict[str, str] = {
    "MP_USERNAME": "username",
    "MP_SECRET": "secret",
    "MP_PROJECT_ID": "project_id",
    "MP_REGION": "region",
    "MP_BASE_URL": "base_url",
    "MP_API_SECRET": "api_secret",
    "MP_TOKEN": "token",
    "MP_OAUTH_TOKEN": "oauth_token",
}
_ACCOUNT_FIELDS = (
    "username",
    "secret",
    "project_id",
    "region",
    "api_secret",
    "token",
    "oauth_token",
    "base_url",
)
_NOTHING_CONFIGURED = (
    "no Mixpanel credentials configured: add an account with `mp auth add NAME`, "
    "set MP_USERNAME, MP_SECRET and MP_PROJECT_ID, "
    "or start the offline sandbox with `mp sandbox serve`"
)


class ConfigPermissionWarning(UserWarning):
    """The config file can be read by other users (its mode is looser than 0600), or it or its
    folder belongs to another user or can be written by group or others."""


# Paths already warned about in this process: the warning is said once, not per read.
_WARNED: set[str] = set()


def config_path() -> Path:
    """The config file: ``$MP_CONFIG_PATH`` if set, else ``~/.mp/config.toml``."""
    raw = os.environ.get("MP_CONFIG_PATH")
    return Path(raw).expanduser() if raw else DEFAULT_CONFIG_PATH.expanduser()


def validate_account_name(name: str) -> str:
    """Return ``name`` if it can name an account, else raise :class:`ConfigError`."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("an account name must be a non-empty string")
    if name != name.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ConfigError(
            "an account name must not start or end with spaces or contain control characters"
        )
    if len(name) > 100:
        raise ConfigError("an account name must be at most 100 characters")
    return name


class ConfigManager:
    """Read and change the accounts in one config file.

    Each method reads the file afresh, so several managers (or processes) see each other's writes.

    Args:
        path: the config file; ``None`` means ``$MP_CONFIG_PATH`` or ``~/.mp/config.toml``.

    Example:
        >>> mgr = ConfigManager("/tmp/mp-example.toml")                   # doctest: +SKIP
        >>> [a for a in mgr.accounts()]                                    # doctest: +SKIP
        []
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else config_path()

    def __repr__(self) -> str:
        return f"ConfigManager(path={str(self.path)!r})"

    # -- reading -----------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        """The parsed file (``{}`` when it does not exist)."""
        path = self.path
        if path.is_symlink():
            raise ConfigError(
                f"refusing to use config file {path}: it is a symlink; "
                "point MP_CONFIG_PATH at the real file",
                details={"path": str(path)},
            )
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        except IsADirectoryError:
            raise ConfigError(
                f"config file {path} is a directory", details={"path": str(path)}
            ) from None
        except OSError as err:
            raise ConfigError(
                f"cannot read config file {path}: {err.strerror}", details={"path": str(path)}
            ) from err
        self._check_mode()
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(
                f"config file {path} is not valid UTF-8", details={"path": str(path)}
            ) from None
        except tomllib.TOMLDecodeError as err:
            # The decoder's message names the position only, never the text around it.
            raise ConfigError(
                f"config file {path} is not valid TOML: {err}", details={"path": str(path)}
            ) from None
        self._check_shape(data)
        return data

    def _check_mode(self) -> None:
        if os.name == "nt" or str(self.path) in _WARNED:
            return
        problem = _permission_problem(self.path)
        if problem is None:
            return
        _WARNED.add(str(self.path))
        warnings.warn(problem, ConfigPermissionWarning, stacklevel=2)

    def _check_shape(self, data: dict[str, Any]) -> None:
        where = str(self.path)
        default = data.get("default")
        if default is not None and not isinstance(default, str):
            raise ConfigError(f"config file {where}: `default` must be a string (an account name)")
        accounts = data.get("accounts", {})
        if not isinstance(accounts, dict):
            raise ConfigError(f"config file {where}: `accounts` must be a table")
        for name, account in accounts.items():
            if not isinstance(account, dict):
                raise ConfigError(f"config file {where}: [accounts.{name}] must be a table")
            for key in _ACCOUNT_FIELDS:
                value = account.get(key)
                if key == "project_id" and isinstance(value, int) and not isinstance(value, bool):
                    continue
                if value is not None and not isinstance(value, str):
                    raise ConfigError(
                        f"config file {where}: accounts.{name}.{key} must be a string"
                    )

    def _accounts_table(self, data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        accounts = data.get("accounts", {})
        return dict(accounts) if isinstance(accounts, dict) else {}

    def _credentials(self, name: str, account: Mapping[str, Any]) -> Credentials:
        fields = {k: account[k] for k in _ACCOUNT_FIELDS if account.get(k) not in (None, "")}
        return make_credentials(source=f"account '{name}' in {self.path}", **fields)

    def account_names(self) -> list[str]:
        """Account names in file order."""
        return list(self._accounts_table(self._load()))

    def default_name(self) -> str | None:
        """The default account's name, or ``None`` when no default is set."""
        default = self._load().get("default")
        return default if isinstance(default, str) else None

    def accounts(self) -> dict[str, Credentials]:
        """Every account, by name, in file order."""
        table = self._accounts_table(self._load())
        return {name: self._credentials(name, acc) for name, acc in table.items()}

    def get_account(self, name: str) -> Credentials:
        """One account's credentials; :class:`AccountNotFoundError` lists the names there are."""
        table = self._accounts_table(self._load())
        if name not in table:
            raise self._not_found(name, list(table))
        return self._credentials(name, table[name])

    def _not_found(self, name: str, available: list[str]) -> AccountNotFoundError:
        known = ", ".join(available) if available else "none"
        return AccountNotFoundError(
            f"no account named '{name}' (configured: {known})",
            details={"account": name, "available": available, "path": str(self.path)},
        )

    # -- writing -----------------------------------------------------------------------------

    def add_account(self, name: str, credentials: Credentials, *, default: bool = False) -> bool:
        """Store ``credentials`` as account ``name``; return whether it is now the default.

        The first account added becomes the default, as does any added with ``default=True``.
        Raises :class:`AccountExistsError` when the name is taken.
        """
        validate_account_name(name)
        with self._locked():
            return self._add_account(name, credentials, default=default)

    def _add_account(self, name: str, credentials: Credentials, *, default: bool) -> bool:
        data = self._load()
        table = self._accounts_table(data)
        if name in table:
            raise AccountExistsError(
                f"an account named '{name}' already exists; remove it first or pick another name",
                details={"account": name, "path": str(self.path)},
            )
        table[name] = _account_to_toml(credentials)
        data["accounts"] = table
        make_default = default or not data.get("default") or data.get("default") not in table
        if make_default:
            data["default"] = name
        self._save(data)
        return bool(make_default)

    def remove_account(self, name: str) -> str | None:
        """Delete account ``name``; return the name of the default account afterwards (or None).

        Removing the default makes the first remaining account (file order) the default.
        """
        with self._locked():
            return self._remove_account(name)

    def _remove_account(self, name: str) -> str | None:
        data = self._load()
        table = self._accounts_table(data)
        if name not in table:
            raise self._not_found(name, list(table))
        del table[name]
        data["accounts"] = table
        if data.get("default") == name:
            if table:
                data["default"] = next(iter(table))
                logger.info(
                    "removed default account %r; %r is now the default", name, data["default"]
                )
            else:
                data.pop("default", None)
        self._save(data)
        default = data.get("default")
        return default if isinstance(default, str) else None

    def set_default(self, name: str) -> None:
        """Make account ``name`` the default."""
        with self._locked():
            data = self._load()
            table = self._accounts_table(data)
            if name not in table:
                raise self._not_found(name, list(table))
            data["default"] = name
            self._save(data)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the config folder while the block runs, so a read-modify-write
        by another process waits instead of undoing this one's change (no lock file is left)."""
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as err:
            raise ConfigError(
                f"cannot lock config file {path}: {err.strerror}", details={"path": str(path)}
            ) from err
        try:
            try:
                import fcntl
            except ImportError:  # Windows: os.replace is still atomic; no lock
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def update_account(
        self,
        name: str,
        changes: Mapping[str, Any],
        *,
        create: bool = False,
        clear: tuple[str, ...] = (),
    ) -> bool:
        """Replace the fields in ``changes`` of account ``name`` (``None``: keep) and remove those
        named in ``clear``; return whether it is the default account.

        ``create=True`` adds the account when it is missing (the first account becomes the
        default), else a missing name is :class:`AccountNotFoundError`. The result is checked like
        a new account (:class:`ConfigError` names a bad field, never its value).
        """
        validate_account_name(name)
        unknown = sorted((set(changes) | set(clear)) - set(_ACCOUNT_FIELDS))
        if unknown:
            raise ConfigError(f"unknown account field(s): {', '.join(unknown)}")
        data = self._load()
        table = self._accounts_table(data)
        if name not in table and not create:
            raise self._not_found(name, list(table))
        fields = {k: v for k, v in table.get(name, {}).items() if k in _ACCOUNT_FIELDS}
        fields.update({k: v for k, v in changes.items() if v is not None})
        for key in clear:
            fields.pop(key, None)
        table[name] = _account_to_toml(self._credentials(name, fields))
        data["accounts"] = table
        if not data.get("default") or data.get("default") not in table:
            data["default"] = name
        self._save(data)
        return bool(data["default"] == name)

    def _save(self, data: dict[str, Any]) -> None:
        """Write ``data`` atomically: temp file (0600) in the same folder, fsync, rename."""
        path = self.path
        if path.is_symlink():
            raise ConfigError(
                f"refusing to write config file {path}: it is a symlink",
                details={"path": str(path)},
            )
        ordered: dict[str, Any] = {}
        if "default" in data:
            ordered["default"] = data["default"]
        ordered.update({k: v for k, v in data.items() if k != "default"})
        text = dumps_toml(ordered)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as err:
            raise ConfigError(
                f"cannot write config file {path}: {err.strerror}", details={"path": str(path)}
            ) from err
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                if hasattr(os, "fchmod"):
                    os.fchmod(fh.fileno(), 0o600)
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as err:
            Path(tmp).unlink(missing_ok=True)
            raise ConfigError(
                f"cannot write config file {path}: {err.strerror}", details={"path": str(path)}
            ) from err
        _fsync_dir(path.parent)

    # -- resolving ---------------------------------------------------------------------------

    def resolve_credentials(
        self,
        account: str | None = None,
        *,
        project_id: str | int | None = None,
        region: str | None = None,
        base_url: str | None = None,
    ) -> Credentials:
        """The credentials to call Mixpanel with, from the environment, this file and arguments.

        Environment variables (an empty value counts as unset):

        ==================  ===============================================================
        ``MP_USERNAME``     service account username
        ``MP_SECRET``       service account secret
        ``MP_PROJECT_ID``   project id
        ``MP_REGION``       ``us`` (default), ``eu`` or ``in``
        ``MP_BASE_URL``     one server for every API family (the sandbox or a proxy)
        ``MP_API_SECRET``   legacy project API secret
        ``MP_TOKEN``        project token (ingestion, identity)
        ``MP_OAUTH_TOKEN``  OAuth bearer token (GDPR API)
        ==================  ===============================================================

        (``MP_CONFIG_PATH`` picks the config file itself; ``MP_DATA_DIR`` the local data folder.)

        The rule, in order:

        1. ``account`` given: that account from the file is the base (:class:`AccountNotFoundError`
           if it is missing) and every environment variable that is set replaces its field.
        2. No ``account`` and the environment is *complete* — ``MP_PROJECT_ID`` with either
           ``MP_USERNAME`` + ``MP_SECRET`` or ``MP_API_SECRET``: the environment alone is used and
           the file is not read (so CI works whatever ``~/.mp`` holds).
        3. No ``account`` and the environment is partial or empty: the default account is the base
           and the variables that are set replace its fields.
        4. Finally ``project_id``, ``region`` and ``base_url`` arguments replace what 1-3 gave.

        Nothing configured gives a :class:`ConfigError` saying how to add an account or start the
        sandbox.

        Example:
            >>> ConfigManager().resolve_credentials("staging", region="eu")     # doctest: +SKIP
        """
        env = _env_fields()
        base: dict[str, Any] = {}
        source = "environment (MP_* variables)"
        if account is not None:
            creds = self.get_account(account)
            base = _credentials_fields(creds)
            source = f"account '{account}' with MP_* overrides" if env else f"account '{account}'"
        elif not _env_complete(env):
            default = self._default_for_resolution()
            if default is not None:
                name, creds = default
                base = _credentials_fields(creds)
                source = (
                    f"default account '{name}' with MP_* overrides"
                    if env
                    else f"default account '{name}'"
                )
            elif not env:
                raise NoCredentialsError(_NOTHING_CONFIGURED, details={"path": str(self.path)})
            else:
                missing = _missing_env(env)
                raise NoCredentialsError(
                    "incomplete credentials in the environment: set "
                    + " and ".join(missing)
                    + ", or add an account with `mp auth add NAME`",
                    details={"missing": missing, "set": sorted(_env_names(env))},
                )
        fields = {**base, **env}
        overrides = {"project_id": project_id, "region": region, "base_url": base_url}
        fields.update({k: v for k, v in overrides.items() if v is not None})
        return make_credentials(source=source, **fields)

    def _default_for_resolution(self) -> tuple[str, Credentials] | None:
        data = self._load()
        table = self._accounts_table(data)
        default = data.get("default")
        if not table:
            return None
        if not isinstance(default, str) or not default:
            raise ConfigError(
                f"no default account in {self.path}: pass an account name or run "
                "`mp auth switch NAME`",
                details={"available": list(table), "path": str(self.path)},
            )
        if default not in table:
            raise self._not_found(default, list(table))
        return default, self._credentials(default, table[default])


def env_is_complete() -> bool:
    """True when the MP_* variables alone are enough to call Mixpanel (see resolve_credentials)."""
    return _env_complete(_env_fields())


def _env_fields() -> dict[str, str]:
    return {field: os.environ[var] for var, field in ENV_VARS.items() if os.environ.get(var)}


def _env_names(env: Mapping[str, str]) -> list[str]:
    by_field = {field: var for var, field in ENV_VARS.items()}
    return [by_field[f] for f in env]


def _env_complete(env: Mapping[str, str]) -> bool:
    if "project_id" not in env:
        return False
    return ("username" in env and "secret" in env) or "api_secret" in env


def _missing_env(env: Mapping[str, str]) -> list[str]:
    missing = [] if "project_id" in env else ["MP_PROJECT_ID"]
    if "api_secret" not in env and not ("username" in env and "secret" in env):
        if "username" in env:
            missing.append("MP_SECRET")
        elif "secret" in env:
            missing.append("MP_USERNAME")
        else:
            missing.append("MP_USERNAME + MP_SECRET (or MP_API_SECRET)")
    return missing


def _credentials_fields(creds: Credentials) -> dict[str, Any]:
    return {k: v for k, v in creds.model_dump().items() if v is not None}


def _account_to_toml(creds: Credentials) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _ACCOUNT_FIELDS:
        value = getattr(creds, key)
        if value is None:
            continue
        out[key] = value.get_secret_value() if key in SECRET_FIELDS else value
    return out


def _permission_problem(path: Path) -> str | None:
    """One line saying why ``path`` (the config file) is not private, or ``None`` when it is."""
    try:
        info = path.stat()
        folder = path.parent.stat()
    except OSError:
        return None
    uid = os.getuid()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != uid:
        return f"config file {path} belongs to another user (uid {info.st_uid}); check it is yours"
    if folder.st_uid != uid and folder.st_uid != 0:
        return f"config folder {path.parent} belongs to another user (uid {folder.st_uid})"
    if stat.S_IMODE(folder.st_mode) & 0o022 and not folder.st_mode & stat.S_ISVTX:
        return (
            f"config folder {path.parent} can be written by other users; "
            f"run: chmod 700 {path.parent}"
        )
    if mode & 0o077:
        return (
            f"config file {path} has mode {mode:04o}, so other users may read its "
            f"secrets; run: chmod 600 {path}"
        )
    return None


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- a small TOML writer (tomllib only reads) --------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (quotes, backslashes and control characters escaped).

    Example:
        >>> print(toml_string('say "hi"'))
        "say \\"hi\\""
    """
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """``key`` bare when TOML allows it, else quoted."""
    return key if _BARE_KEY.match(key) else toml_string(key)


def _toml_value(value: Any, where: str) -> str:
    if isinstance(value, SecretStr):
        return toml_string(value.get_secret_value())
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    raise ConfigError(f"cannot write {where} to TOML: unsupported type {type(value).__name__}")


def dumps_toml(data: Mapping[str, Any]) -> str:
    """Serialise nested dicts of strings, numbers, booleans and lists as TOML text.

    Example:
        >>> print(dumps_toml({"default": "a", "accounts": {"a": {"region": "us"}}}), end="")
        default = "a"
        <BLANKLINE>
        [accounts.a]
        region = "us"
    """
    lines: list[str] = []
    _dump_table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _dump_table(table: Mapping[str, Any], prefix: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if prefix and (scalars or not tables):
        lines.append("")
        lines.append("[" + ".".join(toml_key(p) for p in prefix) + "]")
    for key, value in scalars.items():
        lines.append(f"{toml_key(key)} = {_toml_value(value, '.'.join([*prefix, key]))}")
    for key, value in tables.items():
        _dump_table(value, [*prefix, key], lines)


__all__ = [
    "DEFAULT_CONFIG_PATH",
    "ENV_VARS",
    "ConfigManager",
    "ConfigPermissionWarning",
    "config_path",
    "dumps_toml",
    "env_is_complete",
    "toml_key",
    "toml_string",
    "validate_account_name",
]
