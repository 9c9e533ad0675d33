"""The public face of mixpanel_data.results: ``__all__`` sorted, complete and frozen types."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import mixpanel_data.results as results


def test_all_is_sorted_and_complete() -> None:
    assert results.__all__ == sorted(results.__all__)
    public = {n for n, v in vars(results).items() if inspect.isclass(v) and not n.startswith("_")}
    assert set(results.__all__) == public


@pytest.mark.parametrize("name", results.__all__)
def test_every_type_is_a_frozen_dataclass_with_to_dict(name: str) -> None:
    cls = getattr(results, name)
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert callable(getattr(cls, "to_dict", None))
    assert cls.__doc__ and cls.__doc__.strip()
