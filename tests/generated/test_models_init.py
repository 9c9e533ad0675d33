"""The generated ``models`` package imports each model's module on first use (our template)."""

from __future__ import annotations

import json
import subprocess
import sys

from mixpanel_openapi import models


def test_every_listed_model_resolves_to_its_own_module() -> None:
    for name in models.__all__:
        model = getattr(models, name)
        assert model.__name__ == name
        assert model.__module__.startswith("mixpanel_openapi.models.")
    assert set(models.__all__) <= set(dir(models))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        models.NoSuchModel  # noqa: B018
    except AttributeError as err:
        assert "NoSuchModel" in str(err)
    else:
        raise AssertionError("models.NoSuchModel resolved")


def test_one_operation_imports_only_the_models_it_uses() -> None:
    code = (
        "import json, sys\n"
        "import mixpanel_openapi.api.export.export_events\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mixpanel_openapi.models.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    assert len(models.__all__) > 300
    assert len(loaded) <= 3, loaded
