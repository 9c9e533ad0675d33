"""``/_sandbox/...``: control endpoints for tests and the CLI (never faulted or logged).

Every one but ``health`` needs the sandbox's control token in the ``X-Sandbox-Control`` header
(``Sandbox.control_headers()``; ``mp sandbox serve`` prints it), so that whoever else reaches the
port cannot arm faults or read the request log.

- ``GET /_sandbox/health``: ``{"status": "ok", "project_id": ...}`` (no token needed)
- ``GET /_sandbox/faults``: armed faults with the uses they have left.
- ``POST /_sandbox/faults``: arm a fault (a JSON object with :class:`Fault` fields, or a list).
- ``DELETE /_sandbox/faults``: disarm every fault.
- ``GET /_sandbox/requests`` / ``DELETE /_sandbox/requests``: the request log / forget it.

Example:
    >>> sorted({r.path for r in ROUTES})
    ['/_sandbox/faults', '/_sandbox/health', '/_sandbox/requests']
"""

from __future__ import annotations

from dataclasses import asdict

from mixpanel_data.sandbox._faults import Fault
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError


def health(req: Request) -> Response:
    """The sandbox is up."""
    return Response.json({"status": "ok", "project_id": req.state.credentials.project_id})


def list_faults(req: Request) -> Response:
    """Armed faults."""
    armed = [{**f.to_dict(), "remaining": left} for f, left in req.state.faults.armed()]
    return Response.json({"status": "ok", "faults": armed})


def add_fault(req: Request) -> Response:
    """Arm one fault or a list of faults."""
    payload = req.json()
    items = payload if isinstance(payload, list) else [payload]
    try:
        faults = [Fault.from_dict(item) for item in items if isinstance(item, dict)]
    except (ValueError, TypeError) as exc:
        raise SandboxHTTPError(400, f"bad fault: {exc}") from exc
    if len(faults) != len(items) or not faults:
        raise SandboxHTTPError(400, "send a fault object or a list of fault objects")
    for fault in faults:
        req.state.faults.add(fault)
    return Response.json({"status": "ok", "faults": [f.to_dict() for f in faults]})


def clear_faults(req: Request) -> Response:
    """Disarm every fault."""
    req.state.faults.clear()
    return Response.json({"status": "ok"})


def list_requests(req: Request) -> Response:
    """The request log (no secrets in it)."""
    return Response.json({"status": "ok", "requests": [asdict(r) for r in req.state.requests]})


def clear_requests(req: Request) -> Response:
    """Forget the request log."""
    req.state.clear_requests()
    return Response.json({"status": "ok"})


ROUTES = [
    Route("GET", "/_sandbox/health", "none", health),
    Route("GET", "/_sandbox/faults", "control", list_faults),
    Route("POST", "/_sandbox/faults", "control", add_fault, max_body=1024 * 1024),
    Route("DELETE", "/_sandbox/faults", "control", clear_faults),
    Route("GET", "/_sandbox/requests", "control", list_requests),
    Route("DELETE", "/_sandbox/requests", "control", clear_requests),
]
