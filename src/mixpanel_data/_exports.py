"""Packages whose public names are imported on first use (PEP 562 ``__getattr__``).

Example:
    >>> __getattr__, __dir__ = lazy_names(globals(), {"Path": "pathlib"})   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from importlib import import_module
from typing import Any


def lazy_names(
    namespace: MutableMapping[str, Any], module_of: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose name ``n`` lives in module
    ``module_of[n]``: the module is imported the first time ``n`` is asked for, and the value
    is kept in ``namespace`` (the package's ``globals()``) from then on."""

    def getattr_(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return getattr_, dir_
