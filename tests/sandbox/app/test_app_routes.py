"""Every operation of the App API tags (and JQL) in the spec is served, at the spec's path."""

from __future__ import annotations

import re

import pytest
from app_spec import SpecChecker

from mixpanel_data.sandbox._app import ROUTES
from mixpanel_data.sandbox._http import Router
from mixpanel_data.sandbox._jql import ROUTES as JQL_ROUTES

TAGS = {
    "Annotations",
    "GDPR",
    "Feature Flags",
    "Lexicon Schemas",
    "Service Accounts",
    "Warehouse Connectors",
    "Data Pipelines",
}
SPEC = SpecChecker.load()
OPERATIONS = sorted(
    op_id
    for op_id, (_, _, op) in SPEC.operations.items()
    if TAGS & set(op.get("tags", [])) or op_id == "jql"
)


def test_the_tags_hold_52_operations_plus_jql() -> None:
    assert len(OPERATIONS) == 53


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_operation_is_routed(operation_id: str) -> None:
    method, path, op = SPEC.operation(operation_id)
    concrete = re.sub(r"\{\w+\}", "1", path)
    found = Router([*ROUTES, *JQL_ROUTES]).find(method, concrete)
    assert found is not None, f"{method} {path}"
    route, _ = found
    assert re.sub(r"\{\w+\}", "{}", route.path) == re.sub(r"\{\w+\}", "{}", path)
    schemes = {name for requirement in op.get("security", []) for name in requirement}
    if schemes == {"OAuthToken"}:
        assert route.auth_kinds == ("oauth",)
    else:
        # "project" covers service account + project secret; "none" marks routes that check the
        # service account themselves (organization calls, form calls with project_id in the form).
        # The flags routes also take the project token as the Basic username (the official SDK).
        flags = path.startswith("/flags")
        assert route.auth_kinds in (
            (("project", "token_basic"),) if flags else (("project",), ("none",))
        )
