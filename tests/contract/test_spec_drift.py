"""`just spec-drift`: spec/ against Mixpanel's documents, including enums, required flags, auth
schemes and content types."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import yaml

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "mixpanel-openapi"


def _drift() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spec_drift", REPO / "scripts" / "spec_drift.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_spec_matches_the_documents_or_says_why() -> None:
    report = _drift().compare(REFERENCE)
    assert report.operations_checked == 95
    assert [f.line() for f in report.failing()] == []


def test_enum_required_auth_and_content_changes_are_found(tmp_path: Path) -> None:
    """Copies of the documents with one change of each kind: each is reported, and fails."""
    for name in REFERENCE.glob("*.openapi.yaml"):
        shutil.copy(name, tmp_path / name.name)
    doc = yaml.safe_load((tmp_path / "query.openapi.yaml").read_text())
    op = doc["paths"]["/segmentation/numeric"]["get"]
    unit = next(p for p in op["parameters"] if p.get("name") == "unit")
    unit["schema"]["enum"] = ["day", "quarter"]
    op["security"] = [{"OnlyBearer": []}]
    doc["components"]["securitySchemes"]["OnlyBearer"] = {"type": "http", "scheme": "bearer"}
    op["responses"]["200"] = {"description": "x", "content": {"application/xml": {}}}
    (tmp_path / "query.openapi.yaml").write_text(yaml.safe_dump(doc))
    ing = yaml.safe_load((tmp_path / "ingestion.openapi.yaml").read_text())
    body = ing["paths"]["/import"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"]["items"]["required"] = ["event", "properties", "made_up"]
    (tmp_path / "ingestion.openapi.yaml").write_text(yaml.safe_dump(ing))
    failing = {(f.kind, f.operation) for f in _drift().compare(tmp_path).failing()}
    assert ("enum-differs", "segmentation-numeric-query") in failing
    assert ("auth-differs", "segmentation-numeric-query") in failing
    assert ("content-differs", "segmentation-numeric-query") in failing
    assert ("required-differs", "import-events") in failing
