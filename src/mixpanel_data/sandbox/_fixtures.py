"""Small project objects the sandbox serves besides events and profiles.

Saved funnels (``funnel_id``, ``name``, ``steps`` as ``[{"event": name}]`` and the conversion
window ``length``/``length_unit``), cohorts, saved reports (bookmarks), annotations, Lexicon
schemas, feature flags, service accounts, warehouse imports and data pipelines: plain JSON-ready
dicts and lists, built from the plan's dates so they line up with the events. Ids are fixed (they
do not depend on the seed).
Endpoint modules may mutate these lists (create/delete) while holding ``data.write_lock``.

Example:
    >>> from datetime import date
    >>> from mixpanel_data.sandbox._synth import SynthPlan
    >>> fx = build_fixtures(SynthPlan(1, 10, 7, date(2026, 1, 31), None), 3000001, "sa")
    >>> [f["funnel_id"] for f in fx.funnels]
    [7001, 7002, 7003]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from mixpanel_data.sandbox import _catalog as cat
from mixpanel_data.sandbox._synth import SynthPlan

ORGANIZATION_ID = 9001
SANDBOX_SERVICE_ACCOUNT_ID = 880001


def _stamp(day: date, hour: int = 9, minute: int = 30, sep: str = "T") -> str:
    return datetime.combine(day, time(hour, minute)).strftime(f"%Y-%m-%d{sep}%H:%M:%S")


@dataclass
class Cohort:
    """A saved cohort: what ``cohorts/list`` shows plus the rule that decides membership.

    ``rule_sql`` is a DuckDB predicate over ``profiles.properties``; ``rule`` is the same rule as a
    Mixpanel expression (for documentation and for clients that want to check it).
    """

    id: int
    name: str
    description: str
    created: str
    is_visible: int
    rule: str
    rule_sql: str

    def listing(self, count: int, project_id: int) -> dict[str, Any]:
        """The ``cohorts/list`` entry."""
        return {
            "count": count,
            "is_visible": self.is_visible,
            "description": self.description,
            "created": self.created,
            "project_id": project_id,
            "id": self.id,
            "name": self.name,
        }


@dataclass
class Fixtures:
    """Every non-event object of the synthetic project (see the module docstring)."""

    organization_id: int
    funnels: list[dict[str, Any]]
    cohorts: list[Cohort]
    bookmarks: list[dict[str, Any]]
    annotations: list[dict[str, Any]]
    annotation_tags: list[dict[str, Any]]
    schemas: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    service_accounts: list[dict[str, Any]]
    warehouse_imports: list[dict[str, Any]]
    pipelines: list[dict[str, Any]]
    group_keys: list[dict[str, Any]] = field(default_factory=list)


def _funnels() -> list[dict[str, Any]]:
    return [
        {
            "funnel_id": 7001,
            "name": "Signup to purchase",
            "steps": [{"event": e} for e in ("Sign Up", "Page View", "Add to Cart", "Purchase")],
            "length": 14,
            "length_unit": "day",
        },
        {
            "funnel_id": 7002,
            "name": "Browse to buy",
            "steps": [{"event": e} for e in ("Page View", "Add to Cart", "Purchase")],
            "length": 7,
            "length_unit": "day",
        },
        {
            "funnel_id": 7003,
            "name": "Search → cart",
            "steps": [{"event": e} for e in ("Search", "Add to Cart")],
            "length": 1,
            "length_unit": "hour",
        },
    ]


def _cohorts(before: date) -> list[Cohort]:
    def num(key: str, kind: str = "DOUBLE") -> str:
        return f"TRY_CAST(properties->>'{key}' AS {kind})"

    rows = [
        (1001, "Enterprise customers", "Profiles on the enterprise plan.", 1,
         'user["plan"] == "enterprise"', "properties->>'plan' = 'enterprise'"),
        (1002, "Paying customers", "Profiles on the pro or enterprise plan.", 1,
         'user["plan"] in ["pro", "enterprise"]', "properties->>'plan' IN ('pro', 'enterprise')"),
        (1003, "Purchasers", "Profiles with at least one purchase.", 1,
         'user["purchase_count"] > 0', f"{num('purchase_count')} > 0"),
        (1004, "High value (LTV ≥ 100)", "Lifetime value of 100 or more.", 1,
         'user["ltv"] >= 100', f"{num('ltv')} >= 100"),
        (1005, "Beta testers", "Profiles in the beta programme (hidden).", 0,
         'user["is_beta"] == true', f"{num('is_beta', 'BOOLEAN')} IS TRUE"),
        (1006, "Brasil 🇧🇷", "Profiles located in Brazil.", 1,
         'user["mp_country_code"] == "BR"', "properties->>'mp_country_code' = 'BR'"),
    ]  # fmt: skip
    return [
        Cohort(cid, name, desc, _stamp(before - timedelta(days=40 - 5 * n), 11, n, " "), vis, r, s)
        for n, (cid, name, desc, vis, r, s) in enumerate(rows)
    ]


def _bookmark(
    bid: int, name: str, kind: str, params: dict[str, Any], project_id: int, created: date
) -> dict[str, Any]:
    return {
        "id": bid,
        "name": name,
        "type": kind,
        "project_id": project_id,
        "workspace_id": None,
        "dashboard_id": 60001 if kind == "insights" else None,
        "description": f"{name} (sandbox)",
        "created": _stamp(created),
        "modified": _stamp(created + timedelta(days=3), 17, 45),
        "creator_id": 301,
        "creator_name": "Ana Ruiz",
        "creator_email": "ana.ruiz@example.com",
        "icon": None,
        "params": params,
        "is_visibility_restricted": False,
        "is_modification_restricted": False,
        "can_view": True,
        "can_share": True,
    }


def _last_days(n: int) -> list[dict[str, Any]]:
    return [{"dateRangeType": "in the last", "unit": "day", "window": {"unit": "day", "value": n}}]


def _bookmarks(project_id: int, before: date) -> list[dict[str, Any]]:
    def event(name: str) -> dict[str, str]:
        return {"type": "event", "name": name}

    insights_total = {
        "sections": {
            "show": [{"behavior": event("Purchase"), "measurement": {"math": "total"}}],
            "group": [],
            "filter": [],
            "time": _last_days(30),
        },
        "displayOptions": {"chartType": "line"},
    }
    insights_by_plan = {
        "sections": {
            "show": [{"behavior": event("Page View"), "measurement": {"math": "unique"}}],
            "group": [{"propertyName": "plan", "resourceType": "events"}],
            "filter": [],
            "time": _last_days(14),
        },
        "displayOptions": {"chartType": "bar"},
    }
    funnel = {
        "sections": {
            "show": [
                {
                    "behavior": {
                        "type": "funnel",
                        "behaviors": [event(s["event"]) for s in _funnels()[0]["steps"]],
                        "conversionWindowDuration": 14,
                        "conversionWindowUnit": "day",
                    },
                    "measurement": {"math": "conversion_rate_unique"},
                }
            ],
            "time": _last_days(30),
        },
        "funnel_id": 7001,
    }
    retention = {
        "sections": {
            "show": [
                {
                    "behavior": {
                        "type": "retention",
                        "behaviors": [event("Sign Up"), event("Login")],
                        "retentionUnit": "day",
                    }
                }
            ],
            "time": _last_days(30),
        }
    }
    flows = {"steps": [{"event": "Sign Up", "forward": 3, "reverse": 0}], "time": _last_days(30)}
    return [
        _bookmark(50001, "Purchases per day", "insights", insights_total, project_id, before),
        _bookmark(50002, "Page views by plan", "insights", insights_by_plan, project_id, before),
        _bookmark(50003, "Signup → purchase funnel", "funnels", funnel, project_id, before),
        _bookmark(50004, "Sign-up retention", "retention", retention, project_id, before),
        _bookmark(50005, "After sign up", "flows", flows, project_id, before),
    ]


def _annotations(plan: SynthPlan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tags = [
        {"id": 301, "name": "release", "project_id": None, "has_annotations": True},
        {"id": 302, "name": "marketing", "project_id": None, "has_annotations": True},
        {"id": 303, "name": "incident", "project_id": None, "has_annotations": False},
    ]
    user = {"id": 301, "first_name": "Ana", "last_name": "Ruiz"}
    start, end = plan.start_date, plan.end_date
    offset = min(3, plan.days - 1)
    notes = [
        (601, start + timedelta(days=offset), "Spring sale starts 🌸", [302]),
        (602, start + timedelta(days=plan.days // 2), "Checkout v2 rolled out to 50 %", [301]),
        (603, end, "Payment provider hiccup — résolu", []),
    ]
    annotations = [
        {
            "id": aid,
            "date": _stamp(day, 10, 0, " "),
            "description": text,
            "user": user,
            "tags": [{"id": t["id"], "name": t["name"]} for t in tags if t["id"] in tag_ids],
        }
        for aid, day, text, tag_ids in notes
    ]
    return annotations, tags


_EVENT_PROPERTY_TYPES: dict[str, dict[str, str]] = {
    "Page View": {"page": "string", "page_title": "string", "load_time_ms": "integer"},
    "Button Click": {"button_id": "string", "button_text": "string", "position": "integer"},
    "Search": {"query": "string", "results_count": "integer", "filters": "array"},
    "Add to Cart": {
        "product_id": "string",
        "product_name": "string",
        "category": "string",
        "price": "number",
        "quantity": "integer",
    },
    "Purchase": {
        "amount": "number",
        "currency": "string",
        "items": "array",
        "payment_method": "string",
        "coupon": "string",
    },
    "Login": {"login_method": "string", "remember_me": "boolean"},
    "Sign Up": {
        "signup_method": "string",
        "utm_source": "string",
        "utm_campaign": "string",
        "referral_code": "string",
    },
    "$identify": {"$identified_id": "string", "$anon_id": "string"},
}
_PROFILE_PROPERTY_TYPES: dict[str, str] = {
    "$email": "string",
    "$name": "string",
    "$city": "string",
    "plan": "string",
    "ltv": "number",
    "purchase_count": "integer",
    "age": "integer",
    "is_beta": "boolean",
    "interests": "array",
    "preferences": "object",
}


def _schemas() -> list[dict[str, Any]]:
    entries = []
    for name in cat.EVENT_NAMES:
        props = {
            key: {"type": kind, "description": f"{key} of {name}"}
            for key, kind in {"plan": "string", **_EVENT_PROPERTY_TYPES[name]}.items()
        }
        entries.append(
            {
                "entityType": "event",
                "name": name,
                "schemaJson": {
                    "description": f"Sandbox event {name}.",
                    "properties": props,
                    "metadata": {
                        "com.mixpanel": {
                            "$source": "sandbox",
                            "displayName": name,
                            "tags": ["core"] if name in ("Sign Up", "Purchase") else [],
                            "hidden": name == "$identify",
                            "dropped": False,
                            "contacts": ["ana.ruiz@example.com"],
                            "teamContacts": ["Growth"],
                        }
                    },
                },
            }
        )
    entries.append(
        {
            "entityType": "profile",
            "name": "User",
            "schemaJson": {
                "description": "Sandbox user profile.",
                "properties": {
                    key: {"type": kind, "description": f"profile {key}"}
                    for key, kind in _PROFILE_PROPERTY_TYPES.items()
                },
                "metadata": {"com.mixpanel": {"$source": "sandbox", "displayName": "User"}},
            },
        }
    )
    return entries


def _flags(project_id: int) -> list[dict[str, Any]]:
    def variants(*spec: tuple[str, Any, bool, float]) -> list[dict[str, Any]]:
        return [{"key": k, "value": v, "is_control": c, "split": s} for k, v, c, s in spec]

    return [
        {
            "id": "5e0c1a52-0000-4000-8000-000000000001",
            "name": "New checkout",
            "key": "new-checkout",
            "status": "active",
            "project_id": project_id,
            "workspace_id": None,
            "context": "distinct_id",
            "experiment_id": None,
            "is_experiment_active": None,
            "ruleset": {
                "variants": variants(("on", True, False, 1.0), ("off", False, True, 0.0)),
                "rollout": [{"rollout_percentage": 0.5, "variant_splits": {"on": 1.0, "off": 0.0}}],
                "test": {"users": {"user-00001": "on"}},
            },
        },
        {
            "id": "5e0c1a52-0000-4000-8000-000000000002",
            "name": "Pricing page copy",
            "key": "pricing-copy",
            "status": "active",
            "project_id": project_id,
            "workspace_id": None,
            "context": "distinct_id",
            "experiment_id": "e-4401",
            "is_experiment_active": True,
            "ruleset": {
                "variants": variants(
                    ("control", "Simple pricing", True, 0.5),
                    ("bold", "Prix simples, sans surprise", False, 0.5),
                ),
                "rollout": [
                    {"rollout_percentage": 1.0, "variant_splits": {"control": 0.5, "bold": 0.5}}
                ],
                "test": {"users": {}},
            },
        },
        {
            "id": "5e0c1a52-0000-4000-8000-000000000003",
            "name": "Dark mode",
            "key": "dark-mode",
            "status": "archived",
            "project_id": project_id,
            "workspace_id": None,
            "context": "distinct_id",
            "experiment_id": None,
            "is_experiment_active": None,
            "ruleset": {
                "variants": variants(("on", True, False, 1.0), ("off", False, True, 0.0)),
                "rollout": [],
                "test": {"users": {}},
            },
        },
    ]


def _service_accounts(project_id: int, username: str, before: date) -> list[dict[str, Any]]:
    creator = {"id": 301, "first_name": "Ana", "last_name": "Ruiz", "email": "ana.ruiz@example.com"}

    def account(sid: int, name: str, role: str, created: date) -> dict[str, Any]:
        return {
            "id": sid,
            "username": name,
            "last_used": _stamp(before, 8, 15),
            "expires": None,
            "creator": creator,
            "created": _stamp(created),
            "role": role,
            "projects": [{"id": project_id, "role": role}],
        }

    return [
        account(SANDBOX_SERVICE_ACCOUNT_ID, username, "owner", before - timedelta(days=200)),
        account(880002, f"etl.{project_id}.mp-service-account", "analyst", before - timedelta(90)),
        account(880003, f"bi.{project_id}.mp-service-account", "consumer", before - timedelta(30)),
    ]


def _warehouse_imports(before: date) -> list[dict[str, Any]]:
    return [
        {
            "import_id": 4101,
            "name": "Orders from BigQuery",
            "source_type": "bigquery",
            "table": "analytics.orders",
            "status": "active",
            "sync_frequency": "hourly",
            "last_sync": _stamp(before, 6, 0),
        },
        {
            "import_id": 4102,
            "name": "CRM accounts (Snowflake)",
            "source_type": "snowflake",
            "table": "CRM.PUBLIC.ACCOUNTS",
            "status": "paused",
            "sync_frequency": "daily",
            "last_sync": _stamp(before - timedelta(days=4), 2, 0),
        },
    ]


def _pipelines(plan: SynthPlan) -> list[dict[str, Any]]:
    return [
        {
            "name": "events-to-gcs",
            "type": "gcs-raw",
            "status": "running",
            "data_source": "events",
            "frequency": "daily",
            "schema_type": "monoschema",
            "from_date": plan.start_date.isoformat(),
            "to_date": "",
            "sync": True,
            "events": [],
            "where": "",
        },
        {
            "name": "people-to-bigquery",
            "type": "bigquery",
            "status": "paused",
            "data_source": "people",
            "frequency": "hourly",
            "schema_type": "multischema",
            "from_date": plan.start_date.isoformat(),
            "to_date": plan.end_date.isoformat(),
            "sync": False,
            "events": [],
            "where": "",
        },
    ]


def build_fixtures(plan: SynthPlan, project_id: int, username: str) -> Fixtures:
    """Every fixture for a plan and the sandbox's project and service account."""
    before = plan.start_date - timedelta(days=1)
    annotations, tags = _annotations(plan)
    return Fixtures(
        organization_id=ORGANIZATION_ID,
        funnels=_funnels(),
        cohorts=_cohorts(before),
        bookmarks=_bookmarks(project_id, before),
        annotations=annotations,
        annotation_tags=tags,
        schemas=_schemas(),
        flags=_flags(project_id),
        service_accounts=_service_accounts(project_id, username, before),
        warehouse_imports=_warehouse_imports(before),
        pipelines=_pipelines(plan),
        group_keys=[{"data_group_id": 1, "property_name": "company_id", "display_name": "Company"}],
    )
