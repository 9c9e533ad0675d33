"""Which host serves which API, by region: the spec's ``x-mixpanel-hosts`` table.

``scripts/generate.py`` writes the table next to the generated package as
``mixpanel_openapi/hosts.json``; this module reads it from there (without importing the package).
There is no hand-kept copy: without the file, routing is a :class:`ConfigError` that says to
regenerate.

Example:
    >>> table = load_host_table()
    >>> table.host("data", "eu")
    'https://data-eu.mixpanel.com'
    >>> table.family_for_api("Query")
    'app'
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpanel_data.exceptions import ConfigError, ValidationError

GENERATED_PACKAGE = "mixpanel_openapi"


def generated_package_dir() -> Path | None:
    """The folder of the generated package, found without importing it (``None`` if absent)."""
    try:
        spec = importlib.util.find_spec(GENERATED_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def hosts_json_path() -> Path | None:
    """``mixpanel_openapi/hosts.json`` when the generator has written it, else ``None``."""
    folder = generated_package_dir()
    if folder is None:
        return None
    path = folder / "hosts.json"
    return path if path.is_file() else None


@dataclass(frozen=True)
class HostTable:
    """Hosts per family and region, the family of each API (tag), and per-operation exceptions.

    Attributes:
        families: ``{"app": {"us": "https://mixpanel.com", ...}, "data": ..., "ingestion": ...}``.
        apis: tag → family.
        operations: operationId → family, where an operation differs from its tag.
        source: where the table came from (a path, or ``"dict"`` when built from one).
    """

    families: Mapping[str, Mapping[str, str]]
    apis: Mapping[str, str]
    operations: Mapping[str, str]
    source: str = "dict"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "dict") -> HostTable:
        """Validate and build a table from the JSON shape."""
        try:
            families = {
                str(f): {str(r): str(url).rstrip("/") for r, url in regions.items()}
                for f, regions in data["families"].items()
            }
            apis = {str(k): str(v) for k, v in data.get("apis", {}).items()}
            operations = {str(k): str(v) for k, v in data.get("operations", {}).items()}
        except (KeyError, AttributeError, TypeError) as err:
            raise ConfigError(f"host table {source} is malformed ({err})") from err
        for name, family in [*apis.items(), *operations.items()]:
            if family not in families:
                raise ConfigError(f"host table {source}: {name!r} names unknown family {family!r}")
        return cls(families=families, apis=apis, operations=operations, source=source)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (``families``, ``apis``, ``operations``)."""
        return {
            "families": {f: dict(r) for f, r in self.families.items()},
            "apis": dict(self.apis),
            "operations": dict(self.operations),
        }

    def host(self, family: str, region: str) -> str:
        """The base URL (scheme + host, no path) of ``family`` in ``region``."""
        regions = self.families.get(family)
        if regions is None:
            raise ValidationError(
                f"unknown host family {family!r}; expected one of {', '.join(self.families)}"
            )
        url = regions.get(region)
        if url is None:
            raise ValidationError(
                f"no {family} host for region {region!r}; expected one of {', '.join(regions)}"
            )
        return url

    def family_for_api(self, tag: str) -> str:
        """The host family of an API, by its tag (``"Query"``, ``"Lexicon Schemas"``; case and
        ``_`` for space do not matter: ``"lexicon_schemas"``)."""
        family = self.apis.get(tag)
        if family is None:
            wanted = _api_key(tag)
            family = next((f for t, f in self.apis.items() if _api_key(t) == wanted), None)
        if family is None:
            raise ValidationError(f"unknown API {tag!r}; expected one of {', '.join(self.apis)}")
        return family

    def family_for_operation(self, operation_id: str, tag: str | None = None) -> str:
        """The host family of an operation: its own entry, else its API's (``tag``, or the one
        the operation catalog gives)."""
        family = self.operations.get(operation_id)
        if family is not None:
            return family
        if tag is None:
            from mixpanel_data._api.catalog import load_catalog

            tag = load_catalog().get(operation_id).api
        return self.family_for_api(tag)


def _api_key(tag: str) -> str:
    return " ".join(tag.replace("_", " ").lower().split())


@functools.cache
def load_host_table() -> HostTable:
    """The host table from ``mixpanel_openapi/hosts.json``.

    Cached; ``load_host_table.cache_clear()`` re-reads it.
    """
    path = hosts_json_path()
    if path is None:
        raise ConfigError(
            f"the generated package {GENERATED_PACKAGE} has no hosts.json (missing or incomplete); "
            "regenerate it with `just generate`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read host table {path}: {err}") from err
    return HostTable.from_dict(data, source=str(path))


__all__ = [
    "GENERATED_PACKAGE",
    "HostTable",
    "generated_package_dir",
    "hosts_json_path",
    "load_host_table",
]
