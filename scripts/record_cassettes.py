"""Record the vcrpy cassettes that replay Mixpanel answers through the generated client.

Two sets, in ``tests/cassettes/``:

- ``examples/`` (the default when no Mixpanel credentials are set, or ``--examples``): a tiny
  local HTTP handler serves Mixpanel's documented example responses (and our spec's examples for
  endpoints Mixpanel does not document); each Workspace call in
  ``tests/cassettes/cassette_calls.py`` runs against it through the real generated client and
  transport, and vcrpy records the exchange. The replay test checks the numbers a person reads
  off each example.
- ``live/`` (``--live``, the default when ``MP_USERNAME``, ``MP_SECRET`` and ``MP_PROJECT_ID``
  are set): the same kind of calls against a real project, with event names and ids found in
  it. Review these before committing: they hold the project's numbers.

Every cassette is scrubbed: no ``Authorization``/cookie header, no secret query parameter, the
project id replaced by 12345 and every host rewritten to ``https://mixpanel.com``.

Usage::

    python scripts/record_cassettes.py              # examples, or live when MP_* are set
    python scripts/record_cassettes.py --examples
    MP_USERNAME=... MP_SECRET=... MP_PROJECT_ID=... python scripts/record_cassettes.py --live
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "cassettes"))

import cassette_calls as cc  # noqa: E402
import vcr  # noqa: E402

from mixpanel_data._credentials import make_credentials  # noqa: E402
from mixpanel_data._workspace import Workspace  # noqa: E402
from mixpanel_data.exceptions import MixpanelDataError  # noqa: E402

SECRET_QUERY = ["token", "api_secret", "secret", "password", "access_token"]
DROP_RESPONSE_HEADERS = {"set-cookie", "date", "server", "x-request-id", "cf-ray"}


def make_vcr(real_project_id: str | None) -> vcr.VCR:
    """A VCR that records everything and scrubs requests and responses on the way to disk."""

    def scrub_request(request: Any) -> Any:
        parts = urlsplit(request.uri)
        path, query = parts.path, parts.query
        if real_project_id:
            path = path.replace(f"/projects/{real_project_id}/", f"/projects/{cc.PROJECT_ID}/")
            query = re.sub(
                rf"(^|&)project_id={re.escape(real_project_id)}(?=&|$)",
                rf"\1project_id={cc.PROJECT_ID}",
                query,
            )
        host = urlsplit(cc.REPLAY_HOST)
        request.uri = urlunsplit((host.scheme, host.netloc, path, query, ""))
        return request

    def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
        response["headers"] = {
            k: v for k, v in response["headers"].items() if k.lower() not in DROP_RESPONSE_HEADERS
        }
        body = response["body"]["string"]
        if real_project_id and isinstance(body, bytes):
            response["body"]["string"] = re.sub(
                rb"\b" + real_project_id.encode() + rb"\b", str(cc.PROJECT_ID).encode(), body
            )
        return response

    return vcr.VCR(
        record_mode="all",
        match_on=["method", "path", "query"],
        filter_headers=["authorization", "cookie", "host", "x-sandbox-fault"],
        filter_query_parameters=SECRET_QUERY,
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )


@contextmanager
def example_server(routes: dict[tuple[str, str], tuple[int, Any]]) -> Iterator[str]:
    """Serve ``routes`` (``(method, path) -> (status, json)``) on 127.0.0.1; yields the URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, body = routes.get(
                (self.command, urlsplit(self.path).path),
                (404, {"error": "no example for this path", "status": "error"}),
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def record_examples() -> int:
    """Record ``tests/cassettes/examples/*.yaml`` from the documented examples."""
    cc.EXAMPLES_DIR.mkdir(parents=True, exist_ok=True)
    recorder = make_vcr(None)
    for item in cc.EXAMPLE_CALLS:
        path = cc.EXAMPLES_DIR / f"{item.name}.yaml"
        path.unlink(missing_ok=True)
        with example_server(item.routes) as url:
            creds = make_credentials(
                username="recorder", secret="not-a-secret", project_id=cc.PROJECT_ID, base_url=url
            )
            with Workspace(credentials=creds) as ws, recorder.use_cassette(str(path)):
                try:
                    item.call(ws)
                    outcome = "ok"
                except MixpanelDataError as err:  # jql_error records a failing call on purpose
                    outcome = f"{type(err).__name__}"
        print(f"recorded {path.relative_to(ROOT)} ({outcome})")
    return 0


def record_live() -> int:
    """Record ``tests/cassettes/live/*.yaml`` against the project in the MP_* variables."""
    project = os.environ["MP_PROJECT_ID"]
    cc.LIVE_DIR.mkdir(parents=True, exist_ok=True)
    recorder = make_vcr(project)
    with Workspace() as ws:
        events = ws.list_events()
        if not events:
            print("the project has no events in the last 31 days; nothing to record")
            return 1
        to_date = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
        params: dict[str, Any] = {
            "event": events[0],
            "from_date": (to_date - dt.timedelta(days=6)).isoformat(),
            "to_date": to_date.isoformat(),
            "funnel_id": next((f.funnel_id for f in ws.list_funnels()), None),
            "bookmark_id": next((b.id for b in ws.list_bookmarks("insights")), None),
        }
        ws.clear_discovery_cache()
    for item in cc.live_calls(params):
        path = cc.LIVE_DIR / f"{item.name}.yaml"
        path.unlink(missing_ok=True)
        # A fresh Workspace per cassette, so cached discovery answers are recorded again.
        with Workspace() as ws, recorder.use_cassette(str(path)):
            item.call(ws)
        print(f"recorded {path.relative_to(ROOT)}")
    (cc.LIVE_DIR / "params.json").write_text(json.dumps(params, indent=1) + "\n")
    print("review tests/cassettes/live/ before committing: it holds the project's numbers")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--examples", action="store_true", help="record the documented examples")
    group.add_argument("--live", action="store_true", help="record against the MP_* project")
    args = parser.parse_args(argv)
    has_creds = all(os.environ.get(v) for v in ("MP_USERNAME", "MP_SECRET", "MP_PROJECT_ID"))
    if args.live or (has_creds and not args.examples):
        if not has_creds:
            parser.error("--live needs MP_USERNAME, MP_SECRET and MP_PROJECT_ID")
        return record_live()
    return record_examples()


if __name__ == "__main__":
    raise SystemExit(main())
