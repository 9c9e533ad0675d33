"""Compare spec/mixpanel.openapi.yaml with a folder of Mixpanel's published OpenAPI documents.

    python scripts/spec_drift.py [DIR] [--json]

DIR defaults to ../shared/reference/mixpanel-openapi (beside the repository). For every operation in
Mixpanel's documents it finds ours (by the ``x-mixpanel-operation-id`` we record on each operation,
else by
method and full path) and lists what is missing or differs: parameters (name, location, type,
required-ness), request-body fields and success-response fields. Differences chosen on purpose are
listed with their reason in spec/drift-allowlist.yaml and reported as "allowed".

Exit status: 1 when an operation or a not-allowed parameter is missing, else 0. Run it when Mixpanel
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
        hard = {"missing-operation", "missing-parameter"}
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
    ours = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    our_ops = _operations(ours, "")
    by_upstream = {
        op.get("x-mixpanel-operation-id"): key
        for key, op in our_ops.items()
        if op.get("x-mixpanel-operation-id")
    }
    allow = _load_allowlist()
    report = Report()
    for path in sorted(reference_dir.glob("*.openapi.yaml")):
        theirs = yaml.safe_load(path.read_text(encoding="utf-8"))
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
            for name in sorted(_body_fields(theirs, op) - _body_fields(ours, mine)):
                add("missing-body-field", name, f"body:{name}")
            for name in sorted(_success_fields(theirs, op) - _success_fields(ours, mine)):
                add("missing-resp-field", name, f"response:{name}")
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
