"""The options of ``format("mixpanel")``, read once on the driver into plain, picklable values.

Spark hands options as text with case-insensitive keys. Credentials are resolved here, on the
driver, so executors need neither the config file nor ``MP_*`` variables: ``account`` (a name in
``~/.mp/config.toml``), or ``username`` + ``secret`` (or ``api_secret``) with ``project_id``, else
what :class:`~mixpanel_data.Workspace` would use (``MP_*`` variables, the default account).
``project_id``, ``region``, ``base_url`` and ``token`` override what was resolved.

Example:
    >>> read_options({"from_date": "2026-10-01", "to_date": "2026-10-31"}).partition_days
    1
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mixpanel_data.exceptions import ValidationError

if TYPE_CHECKING:
    from mixpanel_data._credentials import Credentials

KINDS_READ = ("events", "profiles")
KINDS_WRITE = ("events", "profiles", "groups")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_CREDENTIAL_KEYS = ("username", "secret", "api_secret", "token", "project_id", "region", "base_url")


def _lower(options: Mapping[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in options.items() if v is not None}


def _bad(option: str, why: str) -> ValidationError:
    return ValidationError(f'option "{option}": {why}', details={"param": option})


def _int(opts: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = opts.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _bad(name, f"expected a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise _bad(name, f"must be {low}-{high}, got {value}")
    return value


def _float(opts: Mapping[str, str], name: str) -> float | None:
    text = opts.get(name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _bad(name, f"expected a number, got {text!r}") from None
    if value < 0:
        raise _bad(name, "must not be negative")
    return value


def _bool(opts: Mapping[str, str], name: str, default: bool) -> bool:
    text = opts.get(name)
    if text is None:
        return default
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise _bad(name, f"expected true or false, got {text!r}")


def _names(opts: Mapping[str, str], name: str) -> list[str] | None:
    """A JSON list of names, or one name (names may hold commas, so no comma splitting)."""
    text = opts.get(name)
    if text is None or not text.strip():
        return None
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            raise _bad(name, "not a JSON list of names") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _bad(name, "expected a JSON list of names")
        return value or None
    return [text]


def _kind(opts: Mapping[str, str], allowed: tuple[str, ...]) -> str:
    kind = opts.get("kind", "events").lower()
    if kind not in allowed:
        raise _bad("kind", f"must be one of {', '.join(allowed)}, got {kind!r}")
    return kind


def credentials(opts: Mapping[str, str]) -> Credentials:
    """The credentials the options name (see the module docstring)."""
    from mixpanel_data._config import ConfigManager
    from mixpanel_data._credentials import make_credentials

    given = {k: opts[k] for k in _CREDENTIAL_KEYS if opts.get(k)}
    if "account" not in opts and ("secret" in given or "api_secret" in given):
        if "project_id" not in given:
            raise _bad("project_id", "is needed with secret/api_secret")
        return make_credentials(source='the "mixpanel" options', **given)
    resolved = ConfigManager().resolve_credentials(
        opts.get("account"),
        project_id=given.get("project_id"),
        region=given.get("region"),
        base_url=given.get("base_url"),
    )
    if "token" in given:
        resolved = resolved.with_overrides(token=given["token"])
    return resolved


@dataclass(frozen=True)
class Connection:
    """How executors reach Mixpanel: credentials and the transport's settings."""

    credentials: Credentials
    timeout: float | None
    retries: int | None

    def workspace(self) -> Any:
        """A Workspace without a local file (its store is never opened here)."""
        from mixpanel_data._workspace import Workspace

        return Workspace.memory(
            credentials=self.credentials, timeout=self.timeout, retries=self.retries
        )


def connection(opts: Mapping[str, str]) -> Connection:
    retries = opts.get("retries")
    return Connection(
        credentials(opts),
        _float(opts, "timeout"),
        None if retries is None else _int(opts, "retries", 0, 0, 20),
    )


@dataclass(frozen=True)
class ReadOptions:
    """What to read; see the README's options table."""

    kind: str
    from_date: str | None
    to_date: str | None
    events: list[str] | None
    where: str | None
    partition_days: int
    concurrency: int
    rate_limit_wait: float
    cohort_id: int | None
    output_properties: list[str] | None


def read_options(options: Mapping[str, Any]) -> ReadOptions:
    """Check the read options (a :class:`ValidationError` names the option at fault)."""
    from mixpanel_data._services import validation

    opts = _lower(options)
    kind = _kind(opts, KINDS_READ)
    first = last = None
    if kind == "events":
        if "from_date" not in opts or "to_date" not in opts:
            raise _bad("from_date", "events need from_date and to_date (YYYY-MM-DD)")
        first, last = validation.date_range(opts["from_date"], opts["to_date"])
    cohort = opts.get("cohort_id")
    wait = _float(opts, "rate_limit_wait")
    return ReadOptions(
        kind=kind,
        from_date=first,
        to_date=last,
        events=_names(opts, "events"),
        where=opts.get("where") or None,
        partition_days=_int(opts, "partition_days", 1, 1, 366),
        concurrency=_int(opts, "concurrency", 3, 1, 100),
        rate_limit_wait=3600.0 if wait is None else wait,
        cohort_id=None if cohort is None else _int(opts, "cohort_id", 0, 0, 2**63 - 1),
        output_properties=_names(opts, "output_properties"),
    )


@dataclass(frozen=True)
class WriteOptions:
    """How to write; see the README's options table."""

    kind: str
    strict: bool
    batch_size: int
    workers: int
    timezone: str | None
    allow_rejects: bool
    rejects_path: str | None
    group_key: str | None
    max_rejects: int


def write_options(options: Mapping[str, Any]) -> WriteOptions:
    """Check the write options."""
    opts = _lower(options)
    return WriteOptions(
        kind=_kind(opts, KINDS_WRITE),
        strict=_bool(opts, "strict", True),
        batch_size=_int(opts, "batch_size", 2000, 1, 2000),
        workers=_int(opts, "workers", 2, 1, 16),
        timezone=opts.get("timezone") or None,
        allow_rejects=_bool(opts, "allow_rejects", False),
        rejects_path=opts.get("rejects_path") or None,
        group_key=opts.get("group_key") or None,
        max_rejects=_int(opts, "max_rejects", 1000, 0, 1_000_000),
    )


__all__ = [
    "KINDS_READ",
    "KINDS_WRITE",
    "Connection",
    "ReadOptions",
    "WriteOptions",
    "connection",
    "credentials",
    "read_options",
    "write_options",
]
