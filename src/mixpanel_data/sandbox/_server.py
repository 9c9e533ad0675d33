"""The HTTP server: stdlib ``ThreadingHTTPServer`` on loopback, HTTP/1.1 keep-alive.

One thread per connection. For every request: read the body, log it, apply ``status``/``slow``
faults, rate limits, find the route, check auth (a gzip body is inflated first only when the
credentials travel in it), inflate the body up to the route's limit, run the handler, then send the
answer, compressed when the client accepts gzip, streamed with chunked encoding when the handler
returned an iterable, with the ``cut``/``truncate_gzip``/``malformed``/``drop`` faults applied on
the way.

To add endpoints, write a module with ``ROUTES`` (see :mod:`mixpanel_data.sandbox._http`) and list
it in :data:`ROUTE_MODULES`.

Example:
    >>> "mixpanel_data.sandbox._export" in ROUTE_MODULES
    True
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from mixpanel_data.sandbox._credentials import check_auth, check_control
from mixpanel_data.sandbox._faults import AFTER_HANDLER, BEFORE_HANDLER, Fault
from mixpanel_data.sandbox._gzip import gzip_bytes, gzip_stream
from mixpanel_data.sandbox._http import (
    JSON_TYPE,
    Headers,
    Request,
    Response,
    Route,
    Router,
    SandboxHTTPError,
    dumps,
    error_body,
)
from mixpanel_data.sandbox._state import SandboxState

# Every module that serves endpoints (each has ROUTES). Earlier modules win when two serve the same
# method and path.
ROUTE_MODULES: list[str] = [
    # /_sandbox/...: faults, request log, health
    "mixpanel_data.sandbox._control",
    # GET /api/2.0/export
    "mixpanel_data.sandbox._export",
    # POST /api/query/engage
    "mixpanel_data.sandbox._profiles",
    # events/names|top, events/properties/top|values, funnels/list, cohorts/list, bookmarks
    "mixpanel_data.sandbox._discovery",
    # /track, /import, /engage, /groups
    "mixpanel_data.sandbox._ingestion",
    # /lookup-tables
    "mixpanel_data.sandbox._lookup",
    # segmentation, funnels, retention, frequency, event/property counts, insights, flows, stream
    "mixpanel_data.sandbox._analytics_routes",
    # lexicon, annotations, GDPR, flags, service accounts, warehouse connectors, pipelines
    "mixpanel_data.sandbox._app",
    # POST /api/query/jql
    "mixpanel_data.sandbox._jql",
]

MAX_BODY_BYTES = 64 * 1024 * 1024
MIN_WRITE = 64 * 1024
GZIP_MIN_BYTES = 1400  # Mixpanel compresses bodies above this size when asked
FAULT_HEADER = "X-Sandbox-Fault"
_INGESTION_PATHS = frozenset({"/track", "/import", "/engage", "/groups"})


def load_routes(modules: Iterable[str] = ROUTE_MODULES) -> list[Route]:
    """Import the route modules and collect their ``ROUTES``."""
    routes: list[Route] = []
    for name in modules:
        routes.extend(importlib.import_module(name).ROUTES)
    return routes


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip."""
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        q = params.strip()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def _retry_after_text(seconds: float) -> str:
    return f"{seconds:g}"


def status_response(path: str, status: int, message: str, retry_after: float | None) -> Response:
    """An error answer as Mixpanel gives it on ``path`` (ingestion adds ``code``)."""
    headers = {"Retry-After": _retry_after_text(retry_after)} if retry_after is not None else {}
    body: dict[str, Any] = error_body(message)
    if path in _INGESTION_PATHS:
        body = {"code": status, **body}
    return Response.json(body, status=status, headers=headers)


MALFORMED_LINE = b'{"event":"<malformed by a sandbox fault>","properties":{"time":'


def _corrupt_line(chunks: Iterable[bytes], line: int) -> Iterator[bytes]:
    """Replace 1-based line ``line`` of a JSON-lines stream with text that is not JSON."""
    seen = 0  # newlines before the current chunk
    done = False
    for chunk in chunks:
        if not done:
            lines = chunk.split(b"\n")
            index = line - 1 - seen
            if 0 <= index < len(lines) and lines[index]:
                lines[index] = MALFORMED_LINE
                chunk = b"\n".join(lines)
                done = True
            seen += chunk.count(b"\n")
        yield chunk


def _without_tail(chunks: Iterable[bytes], tail: int) -> Iterator[bytes]:
    """Everything except the last ``tail`` bytes."""
    held = b""
    for chunk in chunks:
        held += chunk
        if len(held) > tail:
            yield held[:-tail]
            held = held[-tail:]


def _first_bytes(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """At most ``limit`` bytes."""
    left = limit
    for chunk in chunks:
        if left <= 0:
            break
        yield chunk[:left]
        left -= len(chunk)


def _coalesce(chunks: Iterable[bytes], minimum: int = MIN_WRITE) -> Iterator[bytes]:
    """Join small chunks so each write is at least ``minimum`` bytes (except the last)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        if not chunk:
            continue
        if not parts and len(chunk) >= minimum:
            yield chunk
            continue
        parts.append(chunk)
        size += len(chunk)
        if size >= minimum:
            yield b"".join(parts)
            parts, size = [], 0
    if parts:
        yield b"".join(parts)


def _close(iterable: object) -> None:
    close = getattr(iterable, "close", None)
    if callable(close):
        close()


class _Aborted(Exception):
    """The connection was cut on purpose or lost; stop writing."""


class SandboxHTTPServer(ThreadingHTTPServer):
    """The threaded server with the sandbox state, its router and the live connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SandboxState, router: Router) -> None:
        self.state = state
        self.router = router
        self._live_lock = threading.Lock()
        self._live_sockets: set[socket.socket] = set()
        self._live_threads: set[threading.Thread] = set()
        self.stopping = threading.Event()  # set first when stopping: ends slow-fault waits
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, tracked so that :meth:`close_connections` can end it."""
        with self._live_lock:
            self._live_sockets.add(request)
            self._live_threads.add(threading.current_thread())
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._live_lock:
                self._live_sockets.discard(request)
                self._live_threads.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection-level errors: quiet unless verbose (clients go away all the time)."""
        if self.state.settings.verbose:
            super().handle_error(request, client_address)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Shut every open connection down and wait (up to ``timeout``) for their threads."""
        with self._live_lock:
            sockets = list(self._live_sockets)
            threads = list(self._live_threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mixpanel-sandbox"
    sys_version = ""
    timeout = 600
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.state.settings.verbose:
            sys.stderr.write(f"sandbox: {format % args}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.state.settings.verbose:
            path = self.path.split("?", 1)[0]
            sys.stderr.write(f"sandbox: {self.command} {path} {code}\n")

    def _handle_counted(self) -> None:
        with self.server.state.in_flight():
            self._dispatch()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle_counted

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the standard library finds in the request itself (bad request line, headers
        too long, ...): Mixpanel's JSON error with an HTTP/1.1 status line (never the library's
        HTML page, never a bare HTTP/0.9 body), then close."""
        self.close_connection = True
        self.request_version = "HTTP/1.1"
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        body = dumps(error_body(message or phrase))
        self.send_response(code, message or phrase)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            with contextlib.suppress(OSError):
                self.wfile.write(body)

    def __getattr__(self, name: str) -> Any:
        """Any other method (``HEAD``, ``OPTIONS``, ``TRACE``, ...) goes through the router too,
        so it gets Mixpanel's JSON error (405 on a known path, 404 elsewhere) rather than the
        standard library's 501 HTML page."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    # -- request --------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(1024)
                try:
                    size = int(size_line.split(b";")[0].strip() or b"0", 16)
                except ValueError as exc:
                    self.close_connection = True
                    raise SandboxHTTPError(400, "bad chunk size in the request body") from exc
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY_BYTES:
                    self.close_connection = True
                    raise SandboxHTTPError(413, f"request exceeds {MAX_BODY_BYTES} bytes")
                parts.append(self.rfile.read(size))
                self.rfile.readline(8)
            return b"".join(parts)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as exc:
            self.close_connection = True
            raise SandboxHTTPError(400, "Content-Length is not a number") from exc
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise SandboxHTTPError(413, f"request exceeds {MAX_BODY_BYTES} bytes")
        return self.rfile.read(length) if length > 0 else b""

    def _build_request(self) -> Request:
        body = self._read_body()
        headers = Headers(self.headers.items())
        split = urlsplit(self.path)
        multi = parse_qs(split.query, keep_blank_values=True)
        return Request(
            method=self.command,
            path=unquote(split.path) or "/",
            query={k: v[-1] for k, v in multi.items()},
            query_multi=multi,
            headers=headers,
            body=body,
            state=self.server.state,
            client=str(self.client_address[0]) if self.client_address else "",
            gzipped="gzip" in headers.get("Content-Encoding", "").lower(),
        )

    # -- dispatch -------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        state = self.server.state
        try:
            req = self._build_request()
        except SandboxHTTPError as exc:
            self._send(exc.to_response(), [], gzip_ok=False)
            return
        gzip_ok = accepts_gzip(req.headers.get("Accept-Encoding", ""))
        if req.path.startswith("/_sandbox/"):
            self._send(self._route(req), [], gzip_ok=gzip_ok)
            return
        record = state.record(req)
        try:
            faults = [Fault.from_header(v) for v in _header_values(req, FAULT_HEADER)]
            refused = check_control(req) if faults else None
        except (ValueError, TypeError) as exc:
            response = Response.json(error_body(f"bad {FAULT_HEADER} header: {exc}"), status=400)
            record.status = response.status
            self._send(response, [], gzip_ok=gzip_ok)
            return
        if refused is not None:
            message = f"{FAULT_HEADER} needs the sandbox's control token: {refused}"
            response = Response.json(error_body(message), status=401)
            record.status = response.status
            self._send(response, [], gzip_ok=gzip_ok)
            return
        before = _pick(faults, BEFORE_HANDLER) or state.faults.take(
            BEFORE_HANDLER, req.method, req.path
        )
        for fault in before:
            if fault.kind == "slow":
                delay = fault.delay if fault.delay is not None else 1.0
                if self.server.stopping.wait(delay):  # the sandbox is stopping: no answer
                    self.close_connection = True
                    return
        status_fault = next((f for f in before if f.kind == "status"), None)
        if status_fault is not None:
            message = status_fault.error or f"sandbox fault: HTTP {status_fault.status_code}"
            response = status_response(
                req.path, status_fault.status_code, message, status_fault.retry_after
            )
            record.status = response.status
            self._send(response, [], gzip_ok=gzip_ok)
            return
        wait = state.rate_limits.acquire(req.path)
        if wait is not None:
            response = status_response(
                req.path, 429, "Rate limit exceeded, please retry later.", wait
            )
            record.status = response.status
            self._send(response, [], gzip_ok=gzip_ok)
            return
        try:
            response = self._route(req)
        finally:
            # The query is done once its answer is computed: the slot is free before the first
            # byte goes out, so a client that reads the answer and asks again is never refused.
            state.rate_limits.release(req.path)
        record.status = response.status
        after: list[Fault] = []
        if 200 <= response.status < 300:
            kinds = AFTER_HANDLER if response.jsonl else AFTER_HANDLER - {"malformed"}
            after = _pick(faults, kinds) or state.faults.take(kinds, req.method, req.path)
        self._send(response, after, gzip_ok=gzip_ok)

    def _route(self, req: Request) -> Response:
        state = self.server.state
        try:
            found = self.server.router.find(req.method, req.path)
            if found is None:
                raise SandboxHTTPError(404, f"Unknown path: {req.path}")
            route, params = found
            req.path_params = params
            if "token" in route.auth_kinds:  # the project token may be inside the body
                req.inflate(route.max_body)
            check_auth(req, route.auth_kinds, state.credentials)
            req.inflate(route.max_body)
            return route.handler(req)
        except SandboxHTTPError as exc:
            return exc.to_response()
        except Exception as exc:  # a bug in a handler: answer 500, keep serving
            if state.settings.verbose:
                traceback.print_exc()
            return Response.json(
                error_body(f"sandbox internal error: {type(exc).__name__}"), status=500
            )

    # -- response -------------------------------------------------------------------------------

    def _send(self, response: Response, faults: list[Fault], *, gzip_ok: bool) -> None:
        if self.command == "HEAD":  # headers only: a HEAD answer has no body
            _close(response.body)
            response = Response(
                status=response.status,
                body=b"",
                content_type=response.content_type,
                headers=response.headers,
            )
            gzip_ok, faults = False, []
        by_kind = {f.kind: f for f in faults}
        cut, truncate, malformed = (
            by_kind.get("cut"),
            by_kind.get("truncate_gzip"),
            by_kind.get("malformed"),
        )
        try:
            if "drop" in by_kind:  # processed, and no answer at all
                self._abort()
            if response.is_stream:
                self._send_stream(response, gzip_ok, cut, truncate, malformed)
            else:
                self._send_whole(response, gzip_ok, cut, truncate, malformed)
        except _Aborted:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True
        except Exception:  # failed mid-stream (headers are out): end the connection short
            self.close_connection = True
            if self.server.state.settings.verbose:
                traceback.print_exc()
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        finally:
            response.close()

    def _start(self, response: Response, headers: dict[str, str]) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in {**response.headers, **headers}.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_whole(
        self,
        response: Response,
        gzip_ok: bool,
        cut: Fault | None,
        truncate: Fault | None,
        malformed: Fault | None,
    ) -> None:
        body = bytes(cast(bytes, response.body))
        if malformed is not None:
            body = b"".join(_corrupt_line([body], malformed.line or 1))
        headers: dict[str, str] = {}
        if truncate is not None or (gzip_ok and len(body) > GZIP_MIN_BYTES):
            body = gzip_bytes(body)
            headers["Content-Encoding"] = "gzip"
            if truncate is not None:
                keep = truncate.after_bytes if truncate.after_bytes is not None else len(body) - 16
                body = body[: max(0, keep)]
        headers["Content-Length"] = str(len(body))
        self._start(response, headers)
        if cut is not None:
            keep = min(cut.after_bytes or 0, max(0, len(body) - 1))
            self._write(body[:keep])
            self._abort()
        self._write(body)

    def _send_stream(
        self,
        response: Response,
        gzip_ok: bool,
        cut: Fault | None,
        truncate: Fault | None,
        malformed: Fault | None,
    ) -> None:
        chunks: Iterable[bytes] = cast(Iterable[bytes], response.body)
        if malformed is not None:
            chunks = _corrupt_line(chunks, malformed.line or 1)
        headers = {"Transfer-Encoding": "chunked"}
        if gzip_ok or truncate is not None:
            headers["Content-Encoding"] = "gzip"
            if response.gzip_body is not None and malformed is None:
                _close(response.body)
                chunks = response.gzip_body()
            else:
                chunks = gzip_stream(chunks)
            if truncate is not None:
                chunks = (
                    _first_bytes(chunks, truncate.after_bytes)
                    if truncate.after_bytes is not None
                    else _without_tail(chunks, 16)
                )
        self._start(response, headers)
        left = (cut.after_bytes or 0) if cut is not None else None
        stream = _coalesce(chunks)
        try:
            for data in stream:
                if left is not None and len(data) >= left:
                    self._write_parts(b"%x\r\n" % len(data), data[:left])
                    self._abort()
                self._write_parts(b"%x\r\n" % len(data), data, b"\r\n")
                if left is not None:
                    left -= len(data)
            if left is not None:
                self._abort()
            self._write(b"0\r\n\r\n")
        finally:
            _close(stream)
            _close(chunks)

    def _write(self, data: bytes) -> None:
        if data:
            self.wfile.write(data)

    def _write_parts(self, *parts: bytes) -> None:
        """Send several buffers with one system call where possible (no copy into one buffer)."""
        views = [memoryview(p) for p in parts if p]
        while views:
            sent = self.connection.sendmsg(views)
            while sent and views:
                if sent >= len(views[0]):
                    sent -= len(views[0])
                    views.pop(0)
                else:
                    views[0] = views[0][sent:]
                    sent = 0

    def _abort(self) -> None:
        """Close the connection mid-answer (the client sees a body that stops short)."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise _Aborted


def _header_values(req: Request, name: str) -> list[str]:
    value = req.headers.get(name)
    if not value:
        return []
    return [part for part in value.split(",") if part.strip()]


def _pick(faults: list[Fault], kinds: frozenset[str]) -> list[Fault]:
    return [f for f in faults if f.kind in kinds]
