"""GDPR API: data retrieval and deletion jobs for end users.

Auth is the OAuth bearer token, and every call also needs ``token``, the project token, in the
query string (missing: 400; not the project's: 401). The create paths are Mixpanel's
(``/api/app/data-retrievals/v3.0``); like every route they also answer with a trailing slash.

Job states advance on status reads, not with time (deterministic): the first ``GET`` shows
``PENDING``, each later one moves the job one step, so reads show ``PENDING``, ``STAGING``,
``STARTED``, then ``SUCCESS`` for good. A job's state between reads is the one last shown. A
deletion can be cancelled (``DELETE``, 204) while it is ``PENDING`` or ``STAGING`` and becomes
``REVOKED``; once ``STARTED`` (or finished, or revoked) cancelling is a 405.

When a deletion reaches ``SUCCESS`` the sandbox really deletes: every stored event whose
``distinct_id`` is one of the job's ids, and those users' profiles. A retrieval that reached
``SUCCESS`` points (``results``) at ``/_sandbox/gdpr/retrievals/{tracking_id}``, which serves (with
the same bearer token) the users' profiles and events as JSON.

A ``tracking_id`` that names no job answers 200 with status ``NOT_FOUND`` (the state Mixpanel's
status enum has for it); cancelling such an id is a 404.

Example:
    >>> [r.path for r in ROUTES if r.method == "POST"]
    ['/api/app/data-retrievals/v3.0', '/api/app/data-deletions/v3.0']
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mixpanel_data.sandbox._app._common import (
    bad_request,
    body_object,
    check_project_token,
    get_enum,
    not_found,
    ok,
    store,
)
from mixpanel_data.sandbox._http import Request, Response, Route, SandboxHTTPError
from mixpanel_data.sandbox._state import SandboxState

PROGRESSION = ("PENDING", "STAGING", "STARTED", "SUCCESS")
CANCELLABLE = frozenset({"PENDING", "STAGING"})
COMPLIANCE_TYPES = ("GDPR", "CCPA")
DISCLOSURE_TYPES = ("Data", "Categories", "Sources")
MAX_DISTINCT_IDS = 2000
REQUESTING_USER = "ana.ruiz@example.com"
RETRIEVAL_DOWNLOAD = "/_sandbox/gdpr/retrievals/{tracking_id}"

_RETRIEVALS = "/api/app/data-retrievals/v3.0"
_DELETIONS = "/api/app/data-deletions/v3.0"


@dataclass
class Job:
    """One retrieval or deletion job."""

    kind: str  # "retrieval" | "deletion"
    tracking_id: str
    distinct_ids: list[str]
    compliance_type: str
    disclosure_type: str | None
    requested: datetime
    status: str = "PENDING"
    reads: int = 0

    def read(self) -> bool:
        """Move one step along PENDING -> STAGING -> STARTED -> SUCCESS, except on the first read
        (which shows PENDING). True when this read is the one that reached SUCCESS."""
        self.reads += 1
        if self.reads == 1 or self.status not in PROGRESSION[:-1]:
            return False
        self.status = PROGRESSION[PROGRESSION.index(self.status) + 1]
        return self.status == "SUCCESS"


@dataclass
class GdprStore:
    """Jobs by tracking id."""

    jobs: dict[str, Job] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_id(self) -> str:
        """A numeric tracking id like Mixpanel's (time in microseconds, then a counter)."""
        return f"{time.time_ns() // 1000}{next(self.counter) % 1000:03d}"


def _build(state: SandboxState) -> GdprStore:
    return GdprStore()


def _store(req: Request) -> GdprStore:
    return store(req, "app.gdpr", _build)


def _distinct_ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("distinct_ids")
    if not isinstance(ids, list) or not ids:
        raise bad_request("distinct_ids is required and must be a non-empty list of strings")
    if any(not isinstance(i, str) or not i for i in ids):
        raise bad_request("distinct_ids must be non-empty strings")
    if len(ids) > MAX_DISTINCT_IDS:
        raise bad_request(f"at most {MAX_DISTINCT_IDS} distinct_ids per request")
    return list(dict.fromkeys(ids))


def _create(req: Request, kind: str) -> Response:
    check_project_token(req, required=True)
    body = body_object(req)
    ids = _distinct_ids(body)
    compliance = get_enum(body, "compliance_type", COMPLIANCE_TYPES) or "GDPR"
    disclosure = None
    if kind == "retrieval":
        disclosure = get_enum(body, "disclosure_type", DISCLOSURE_TYPES)
        if compliance == "CCPA":
            disclosure = disclosure or "Data"
    jobs = _store(req)
    with jobs.lock:
        tracking_id = jobs.new_id()
        jobs.jobs[tracking_id] = Job(
            kind, tracking_id, ids, compliance, disclosure, datetime.now(UTC)
        )
    return ok({"task_id": tracking_id}, status=201)


def _read(req: Request, kind: str) -> Job | None:
    """The job after this read moved it on (see the module docstring), or None."""
    check_project_token(req, required=True)
    tracking_id = req.path_params["tracking_id"]
    jobs = _store(req)
    with jobs.lock:
        job = jobs.jobs.get(tracking_id)
        if job is None or job.kind != kind:
            return None
        finished = job.read()
        if finished and kind == "deletion":
            _delete_user_data(req, job.distinct_ids)
        return Job(**job.__dict__)


def create_retrieval(req: Request) -> Response:
    """Start a retrieval job."""
    return _create(req, "retrieval")


def create_deletion(req: Request) -> Response:
    """Start a deletion job."""
    return _create(req, "deletion")


def get_retrieval(req: Request) -> Response:
    """A retrieval job's state (each read after the first moves it one step)."""
    job = _read(req, "retrieval")
    if job is None:
        return ok({"status": "NOT_FOUND", "results": "", "distinct_ids": []})
    link = ""
    if job.status == "SUCCESS":
        link = req.state.credentials.base_url + RETRIEVAL_DOWNLOAD.format(
            tracking_id=job.tracking_id
        )
    return ok({"status": job.status, "results": link, "distinct_ids": job.distinct_ids})


def get_deletion(req: Request) -> Response:
    """A deletion job's state and details (each read after the first moves it one step)."""
    job = _read(req, "deletion")
    if job is None:
        return ok({"tracking_id": req.path_params["tracking_id"], "status": "NOT_FOUND"})
    return ok(
        {
            "tracking_id": job.tracking_id,
            "status": job.status,
            "requesting_user": REQUESTING_USER,
            "compliance_type": job.compliance_type,
            "project_id": req.state.data.project_id,
            "date_requested": job.requested.replace(tzinfo=None).isoformat(),
            "distinct_ids": job.distinct_ids,
        }
    )


def cancel_deletion(req: Request) -> Response:
    """Cancel a deletion that has not started (204), else 405."""
    check_project_token(req, required=True)
    tracking_id = req.path_params["tracking_id"]
    jobs = _store(req)
    with jobs.lock:
        job = jobs.jobs.get(tracking_id)
        if job is None or job.kind != "deletion":
            raise not_found(f"no deletion job {tracking_id!r}")
        if job.status not in CANCELLABLE:
            raise SandboxHTTPError(
                405, f"deletion job {tracking_id} is {job.status} and can no longer be cancelled"
            )
        job.status = "REVOKED"
    return Response(status=204, body=b"")


def _delete_user_data(req: Request, ids: list[str]) -> None:
    data = req.state.data
    with data.write() as cur:
        rows = cur.execute(
            "SELECT DISTINCT time FROM events WHERE list_contains($1, distinct_id)", [ids]
        ).fetchall()
        cur.execute("DELETE FROM events WHERE list_contains($1, distinct_id)", [ids])
        cur.execute("DELETE FROM profiles WHERE list_contains($1, distinct_id)", [ids])
        days = {datetime.fromtimestamp(int(r[0]), UTC).date() for r in rows}
        if days:
            data.events_changed(days)


def download_retrieval(req: Request) -> Response:
    """What a finished retrieval found: the users' profiles and events (sandbox only)."""
    tracking_id = req.path_params["tracking_id"]
    jobs = _store(req)
    with jobs.lock:
        job = jobs.jobs.get(tracking_id)
        if job is None or job.kind != "retrieval" or job.status != "SUCCESS":
            raise not_found(f"no finished retrieval {tracking_id!r}")
        ids = list(job.distinct_ids)
    data = req.state.data
    with data.cursor() as cur:
        events = cur.execute(
            """SELECT event, properties FROM events WHERE list_contains($1, distinct_id)
               ORDER BY time_ms, seq""",
            [ids],
        ).fetchall()
    found = data.get_profiles(ids)
    return Response.json(
        {
            "distinct_ids": ids,
            "profiles": [{"distinct_id": i, "properties": found[i]} for i in ids if i in found],
            "events": [{"event": e, "properties": json.loads(p)} for e, p in events],
        }
    )


ROUTES = [
    Route("POST", _RETRIEVALS, "oauth", create_retrieval),
    Route("GET", _RETRIEVALS + "/{tracking_id}", "oauth", get_retrieval),
    Route("POST", _DELETIONS, "oauth", create_deletion),
    Route("GET", _DELETIONS + "/{tracking_id}", "oauth", get_deletion),
    Route("DELETE", _DELETIONS + "/{tracking_id}", "oauth", cancel_deletion),
    Route("GET", RETRIEVAL_DOWNLOAD, "oauth", download_retrieval),
]
