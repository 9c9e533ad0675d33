"""The examples in the docstrings are true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "mixpanel_data.expressions",
    "mixpanel_data.expressions._ast",
    "mixpanel_data.expressions._tokens",
    "mixpanel_data.expressions._parser",
    "mixpanel_data.expressions._evaluate",
    "mixpanel_data.expressions._sql",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
