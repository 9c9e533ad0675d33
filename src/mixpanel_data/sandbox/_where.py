"""``where`` filters for the sandbox's endpoints, from :mod:`mixpanel_data.expressions`.

A filter becomes DuckDB SQL when the expression fits the SQL subset (fast: DuckDB filters), and a
Python predicate over each row otherwise (same answers, slower). A bad expression is a 400.

Example:
    >>> f = event_filter('properties["plan"] == "pro"')
    >>> f.sql is not None
    True
    >>> f.accepts("Login", 0, "u1", {"plan": "pro"})
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mixpanel_data.exceptions import ExpressionError
from mixpanel_data.expressions import Expr, accessors, matches, parse, to_sql, validate
from mixpanel_data.sandbox._http import SandboxHTTPError


def _parse(text: str, *, kind: str) -> Expr:
    try:
        validate(text, kind="profile" if kind == "profile" else "event")
        return parse(text)
    except ExpressionError as exc:
        raise SandboxHTTPError(400, f"invalid where expression: {exc.message}") from exc


@dataclass(frozen=True)
class EventFilter:
    """A compiled event filter: ``sql`` (a condition over ``events``) or a Python predicate."""

    tree: Expr
    sql: str | None
    reads_user: bool

    def accepts(
        self,
        event: str,
        time_s: int,
        distinct_id: str,
        properties: Mapping[str, Any],
        user: Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether one event passes (for rows the SQL form did not filter)."""
        try:
            return matches(
                self.tree,
                properties=properties,
                user=user,
                event={"$event_name": event, "$time": time_s, "$distinct_id": distinct_id},
            )
        except ExpressionError as exc:
            raise SandboxHTTPError(400, f"where expression failed: {exc.message}") from exc


def event_filter(text: str) -> EventFilter:
    """Compile an event ``where`` (400 when it does not parse)."""
    tree = _parse(text, kind="event")
    try:
        sql: str | None = to_sql(tree, properties="properties")
    except ExpressionError:
        sql = None
    reads_user = any(a.source == "user" for a in accessors(tree))
    return EventFilter(tree, sql, reads_user)


@dataclass(frozen=True)
class ProfileFilter:
    """A compiled profile filter: ``sql`` over ``profiles.properties`` or a Python predicate."""

    tree: Expr
    sql: str | None

    def accepts(self, properties: Mapping[str, Any]) -> bool:
        """Whether one profile passes."""
        try:
            return matches(self.tree, properties=properties, user=properties)
        except ExpressionError as exc:
            raise SandboxHTTPError(400, f"where expression failed: {exc.message}") from exc


def profile_filter(text: str) -> ProfileFilter:
    """Compile a profile ``where`` like ``user["plan"] == "pro"`` (400 when it does not parse)."""
    tree = _parse(text, kind="profile")
    try:
        sql: str | None = to_sql(tree, properties="properties", user="properties")
    except ExpressionError:
        sql = None
    return ProfileFilter(tree, sql)
