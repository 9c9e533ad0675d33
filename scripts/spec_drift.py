"""Compare spec/mixpanel.openapi.yaml with a folder of Mixpanel's published OpenAPI documents.

    python scripts/spec_drift.py [DIR] [--json]

DIR defaults to ../shared/reference/mixpanel-openapi (beside the repository). For every operation in
Mixpanel's documents it finds ours (by the ``x-mixpanel-operation-id`` we record on each operation,
else by method and full path) and lists what is missing or differs: parameters (name, location,
type, required-ness, enum values), request-body fields and which of them are required,
success-response fields, auth schemes (HTTP scheme or API-key location of each security
requirement) and content types (request body and success answers). Differences chosen on purpose
are listed with their reason in spec/drift-allowlist.yaml and reported as "allowed".

Exit status: 1 when an operation or a parameter is missing, or an enum, a required flag, an auth
scheme or a content type differs, and the allow-list does not cover it; else 0. Run it when Mixpanel
publishes a change, then edit spec/ and `just generate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "mixpanel.openapi.yaml"
ALLOW = ROOT / "spec" / "drift-allowlist.yaml"
DEFAULT_DIR = ROOT.parent / "shared" / "reference" / "mixpanel-openapi"
METHODS = ("get", "put", "post", "delete", "patch")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when built


@dataclass
class Finding:
    kind: str  # missing-operation | missing-parameter | parameter-differs | missing-field | ...
    operation: str
    detail: str
    allowed: str | None = None  # the reason, when the allow-list covers it

    def line(self) -> str:
        tail = f"  (allowed: {self.allowed})" if self.allowed else ""
        return f"{self.kind:<20} {self.operation:<40} {self.detail}{tail}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    operations_checked: int = 0

    def failing(self) -> list[Finding]:
        hard = {
            "missing-operation",
            "missing-parameter",
            "enum-differs",
            "required-differs",
            "auth-differs",
            "content-differs",
        }
        return [f for f in self.findings if f.kind in hard and not f.allowed]


def _resolve(doc: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """Follow local ``$ref``s (a few levels deep is all Mixpanel's documents need)."""
    while isinstance(node, dict) and "$ref" in node and depth < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node, depth = target, depth + 1
    return node


def _schema_type(doc: dict[str, Any], schema: Any) -> str:
    schema = _resolve(doc, schema) or {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = [k for k in kind if k != "null"]
        kind = kind[0] if len(kind) == 1 else "|".join(sorted(kind))
    if kind is None:
        for key in ("anyOf", "oneOf"):
            if key in schema:
                kinds = {_schema_type(doc, s) for s in schema[key]} - {"null", "?"}
                return "|".join(sorted(kinds)) or "?"
    return str(kind or "?")


def _fields(doc: dict[str, Any], schema: Any, depth: int = 0) -> set[str]:
    """Top-level property names of an object schema (through allOf/anyOf/oneOf and array items)."""
    schema = _resolve(doc, schema) or {}
    if depth > 4:
        return set()
    names = set((schema.get("properties") or {}).keys())
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            names |= _fields(doc, sub, depth + 1)
    if schema.get("type") == "array" and "items" in schema:
        names |= _fields(doc, schema["items"], depth + 1)
    return names


def _operations(doc: dict[str, Any], prefix: str) -> dict[tuple[str, str], dict[str, Any]]:
    ops = {}
    for path, item in (doc.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in METHODS:
            if method in item:
                op = dict(item[method])
                op["_params"] = shared + (op.get("parameters") or [])
                ops[(method, prefix + path)] = op
    return ops


def _params(doc: dict[str, Any], op: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for raw in op["_params"]:
        param = _resolve(doc, raw)
        if param.get("in") == "header" and param.get("name", "").lower() in {
            "content-type",
            "content-encoding",
            "accept-encoding",
        }:
            continue  # the transport owns these headers (see the spec's description)
        out[(param.get("in", "?"), param.get("name", "?"))] = param
    return out


def _enum(doc: dict[str, Any], schema: Any) -> set[str] | None:
    """The enum values of a schema (through anyOf/oneOf and array items), or None when open."""
    schema = _resolve(doc, schema) or {}
    if "enum" in schema:
        return {str(v) for v in schema["enum"] if v is not None}
    if schema.get("type") == "array" and "items" in schema:
        return _enum(doc, schema["items"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [
                _enum(doc, s) for s in schema[key] if (_resolve(doc, s) or {}).get("type") != "null"
            ]
            if parts and all(p is not None for p in parts):
                return set().union(*[p for p in parts if p is not None])
    return None


def _required_body_fields(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
    body = _resolve(doc, op.get("requestBody")) or {}
    names: set[str] = set()
    for media in (body.get("content") or {}).values():
        schema = _resolve(doc, media.get("schema")) or {}
        if schema.get("type") == "array" and "items" in schema:
            schema = _resolve(doc, schema["items"]) or {}
        names |= set(schema.get("required") or [])
    return names


def _auth_schemes(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
    """Each security requirement as the kind of credential it is: ``http:basic``, ``http:bearer``,
    ``apiKey:query:token``, or ``none`` for an empty requirement."""
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    requirements = op.get("security", doc.get("security", []))
    if "security" in op and not requirements:  # `security: []`: no credentials needed
        return {"none"}
    found: set[str] = set()
    for requirement in requirements or []:
        if not requirement:
            found.add("none")
        for name in requirement:
            scheme = schemes.get(name) or {}
            if scheme.get("type") == "http":
                found.add(f"http:{str(scheme.get('scheme', '?')).lower()}")
            elif scheme.get("type") == "apiKey":
                found.add(f"apiKey:{scheme.get('in', '?')}:{scheme.get('name', '?')}")
            else:
                found.add(str(scheme.get("type", name)))
    return found


def _content_types(doc: dict[str, Any], op: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Media types of the request body, and of the success answers."""
    body = _resolve(doc, op.get("requestBody")) or {}
    request = set((body.get("content") or {}).keys())
    answers: set[str] = set()
    for status, resp in (op.get("responses") or {}).items():
        if str(status).startswith("2"):
            answers |= set(((_resolve(doc, resp) or {}).get("content") or {}).keys())
    return request, answers


def _body_fields(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
    body = _resolve(doc, op.get("requestBody")) or {}
    names: set[str] = set()
    for media in (body.get("content") or {}).values():
        names |= _fields(doc, media.get("schema"))
    return names


def _success_fields(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for status, resp in (op.get("responses") or {}).items():
        if str(status).startswith("2"):
            resp = _resolve(doc, resp) or {}
            for media in (resp.get("content") or {}).values():
                names |= _fields(doc, media.get("schema"))
    return names


def _load_allowlist() -> dict[tuple[str, str], str]:
    if not ALLOW.exists():
        return {}
    entries = yaml.safe_load(ALLOW.read_text(encoding="utf-8")) or []
    return {(e["operation"], e["item"]): e["reason"] for e in entries}


def compare(reference_dir: Path) -> Report:
    ours = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=_LOADER)
    our_ops = _operations(ours, "")
    by_upstream = {
        op.get("x-mixpanel-operation-id"): key
        for key, op in our_ops.items()
        if op.get("x-mixpanel-operation-id")
    }
    allow = _load_allowlist()
    report = Report()
    for path in sorted(reference_dir.glob("*.openapi.yaml")):
        theirs = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        servers = theirs.get("servers") or [{"url": ""}]
        prefix = urlparse(servers[0]["url"].replace("{", "").replace("}", "")).path.rstrip("/")
        for (method, full_path), op in sorted(_operations(theirs, prefix).items()):
            op_id = op.get("operationId", f"{method} {full_path}")
            report.operations_checked += 1

            def add(kind: str, detail: str, item: str, op_id: str = op_id) -> None:
                report.findings.append(Finding(kind, op_id, detail, allow.get((op_id, item))))

            key = by_upstream.get(op_id) or (
                (method, full_path) if (method, full_path) in our_ops else None
            )
            if key is None:
                add("missing-operation", f"{method.upper()} {full_path} ({path.name})", "*")
                continue
            mine = our_ops[key]
            their_params, my_params = _params(theirs, op), _params(ours, mine)
            for (where, name), param in sorted(their_params.items()):
                item = f"{where}:{name}"
                if (where, name) not in my_params:
                    add("missing-parameter", item, item)
                    continue
                mp = my_params[(where, name)]
                t1 = _schema_type(theirs, param.get("schema"))
                t2 = _schema_type(ours, mp.get("schema"))
                if t1 != t2:
                    add("parameter-differs", f"{item} type {t1} -> {t2}", item)
                if bool(param.get("required")) != bool(mp.get("required")):
                    req = f"required {bool(param.get('required'))} -> {bool(mp.get('required'))}"
                    add("parameter-differs", f"{item} {req}", item)
                e1, e2 = _enum(theirs, param.get("schema")), _enum(ours, mp.get("schema"))
                if e1 is not None and e1 != e2:
                    gone, extra = sorted(e1 - (e2 or set())), sorted((e2 or set()) - e1)
                    detail = f"{item} enum: without {gone}" if gone else f"{item} enum"
                    if e2 is None:
                        detail = f"{item} enum {sorted(e1)} -> any value"
                    elif extra:
                        detail += f", adds {extra}"
                    add("enum-differs", detail, f"{item}:enum")
            for name in sorted(_body_fields(theirs, op) - _body_fields(ours, mine)):
                add("missing-body-field", name, f"body:{name}")
            for name in sorted(_success_fields(theirs, op) - _success_fields(ours, mine)):
                add("missing-resp-field", name, f"response:{name}")
            r1, r2 = _required_body_fields(theirs, op), _required_body_fields(ours, mine)
            for name in sorted(r1 ^ r2):
                now = (
                    "required there, optional here"
                    if name in r1
                    else "optional there, required here"
                )
                add("required-differs", f"body:{name} {now}", f"body:{name}:required")
            a1, a2 = _auth_schemes(theirs, op), _auth_schemes(ours, mine)
            if a1 != a2:
                add("auth-differs", f"{sorted(a1)} -> {sorted(a2)}", "auth")
            (q1, s1), (q2, s2) = _content_types(theirs, op), _content_types(ours, mine)
            if q1 != q2:
                add("content-differs", f"request {sorted(q1)} -> {sorted(q2)}", "content:request")
            if s1 != s2:
                add("content-differs", f"answer {sorted(s1)} -> {sorted(s2)}", "content:response")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--json", action="store_true", help="print findings as JSON")
    args = parser.parse_args()
    if not args.dir.is_dir():
        print(f"spec-drift: no such folder: {args.dir}", file=sys.stderr)
        return 2
    report = compare(args.dir)
    failing = report.failing()
    if args.json:
        print(json.dumps([f.__dict__ for f in report.findings], indent=2))
    else:
        for finding in report.findings:
            print(finding.line())
        missing_ops = sum(f.kind == "missing-operation" for f in report.findings)
        allowed = sum(bool(f.allowed) for f in report.findings)
        print(
            f"\n{report.operations_checked} operations checked in {args.dir}: "
            f"{missing_ops} missing, {len(report.findings)} findings ({allowed} allowed), "
            f"{len(failing)} failing."
        )
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
