"""The public face of mixpanel_data.results: ``__all__`` sorted, complete and frozen types."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import subprocess
import sys

import pytest

import mixpanel_data.results as results


def test_all_is_sorted_and_complete() -> None:
    """Every name in ``__all__`` resolves (each module is imported on first use), and every
    public result class of the package's modules is listed."""
    assert results.__all__ == sorted(results.__all__)
    assert set(results.__all__) == set(results._MODULE_OF) <= set(dir(results))
    for name in results.__all__:
        assert getattr(results, name).__module__ == results._MODULE_OF[name]
    defined = set()
    for module_name in set(results._MODULE_OF.values()):
        module = importlib.import_module(module_name)
        defined |= {
            n
            for n, v in vars(module).items()
            if inspect.isclass(v)
            and v.__module__ == module_name
            and dataclasses.is_dataclass(v)
            and not n.startswith("_")
        }
    assert defined == set(results.__all__)


def test_importing_the_package_imports_no_result_module() -> None:
    code = (
        "import sys, mixpanel_data.results\n"
        "print(sorted(m for m in sys.modules if m.startswith('mixpanel_data.results.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", results.__all__)
def test_every_type_is_a_frozen_dataclass_with_to_dict(name: str) -> None:
    cls = getattr(results, name)
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert callable(getattr(cls, "to_dict", None))
    assert cls.__doc__ and cls.__doc__.strip()
