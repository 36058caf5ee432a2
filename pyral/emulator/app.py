"""The WSGI application: routing, authentication, error mapping and the request log.

Error policy (the part clients depend on): anything the caller got wrong is answered in the
envelope the client expects for that request with ``Errors`` filled in, almost always on HTTP
200 as Rally does; only authentication uses 401 (with a Basic challenge).  An exception that is
*not* a :class:`errors.WsapiError` is an emulator bug: its traceback goes to stderr and the
client gets a Rally-shaped error with HTTP 500, which tests treat as a failure.
"""

from __future__ import annotations

import gzip
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TextIO

from . import errors, routes, serializer
from .auth import CHALLENGE, authenticate, check_write_token
from .handlers.base import (
    JS_SUFFIX_WARNING,
    HandlerContext,
    Request,
    internal_error,
    method_not_allowed,
    safe_paging,
    unknown_endpoint,
)

#: bodies above this size are refused before parsing (pyral's attachment cap is 50 MB raw).
MAX_BODY_BYTES = 100 * 1024 * 1024
#: responses at least this large are gzipped for clients that accept it.
GZIP_MIN_BYTES = 1024
#: how many requests the in-memory log keeps (oldest dropped first).
REQUEST_LOG_LIMIT = 50_000


@dataclass(frozen=True)
class RequestRecord:
    """One served request, as tests inspect it (``app.request_log``)."""

    method: str
    path: str
    query: str
    status: int
    ms: float


class EmulatorApp:
    """WSGI callable over a backend; ``request_log`` lists what was served, oldest first."""

    def __init__(
        self,
        backend: Any,
        *,
        log: Callable[[str], None] | TextIO | None = None,
        quiet: bool = False,
        reset: Callable[[], None] | None = None,
    ) -> None:
        self.backend = backend
        self.ctx = HandlerContext(backend)
        self.quiet = quiet
        self.reset_hook = reset
        self._log_target = log
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    # --- request log --------------------------------------------------------------------------

    @property
    def request_log(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear_request_log(self) -> None:
        with self._lock:
            self._records.clear()

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            if len(self._records) > REQUEST_LOG_LIMIT:
                del self._records[: len(self._records) - REQUEST_LOG_LIMIT]
        if self.quiet:
            return
        target = record.path + (f"?{record.query}" if record.query else "")
        line = f"{record.method} {target} {record.status} {record.ms:.1f}"
        sink = self._log_target
        if callable(sink):
            sink(line)
        else:
            stream = sink or sys.stderr
            stream.write(line + "\n")
            stream.flush()

    # --- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        began = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = environ.get("PATH_INFO", "") or "/"
        query_string = environ.get("QUERY_STRING", "")
        try:
            status, headers, payload = self._serve(environ, method, path, query_string)
        except Exception:  # last line of defence: never let the server thread die
            traceback.print_exc(file=sys.stderr)
            status, headers, payload = self._render(
                500, serializer.operation_result(errors=[internal_error("unhandled exception")]), {}
            )
        if method == "HEAD":
            payload = b""
        ms = (time.perf_counter() - began) * 1000.0
        self._record(RequestRecord(method, path, query_string, status, ms))
        start_response(f"{status} {_reason_phrase(status)}", headers)
        return [payload]

    def _serve(
        self, environ: dict, method: str, path: str, query_string: str
    ) -> tuple[int, list, bytes]:
        headers = _headers(environ)
        length = _content_length(environ)
        if length > MAX_BODY_BYTES:
            body = serializer.operation_result(errors=[f"Request body too large ({length} bytes)"])
            return self._render(413, body, headers)
        raw = environ["wsgi.input"].read(length) if length else b""
        req = Request(
            method="GET" if method == "HEAD" else method,
            path=path,
            query_string=query_string,
            headers=headers,
            body=raw,
            base=_base_url(environ, headers),
        )
        split = routes.split_service_path(path)
        if split is None:
            body = serializer.operation_result(errors=[unknown_endpoint(path)])
            return self._render(404, body, headers)
        if split[0] == "admin":
            return self._render(*self._admin(req, split[1]), headers)
        try:
            req.auth = authenticate(self.backend, headers)
        except errors.AuthError as exc:
            body = serializer.operation_result(errors=exc.errors)
            return self._render(401, body, headers, extra=[("WWW-Authenticate", CHALLENGE)])
        status, body = self.dispatch(req)
        return self._render(
            status, body, headers, jsonp=req.param("jsonp"), pretty=req.param("pretty")
        )

    # --- dispatch ------------------------------------------------------------------------------

    def dispatch(self, req: Request) -> tuple[int, dict]:
        """Route and run one request whose ``auth`` is set; always returns an envelope."""
        split = routes.split_service_path(req.path)
        assert split is not None
        area, rest = split
        if rest.lower().endswith(".js"):
            rest = rest[:-3]
            req.warnings.append(JS_SUFFIX_WARNING)
        match = routes.resolve(req.method, area, rest, has_query=req.param("query") is not None)
        start, pagesize = safe_paging(req)
        if match.handler is None:
            text = (
                method_not_allowed(req.method, req.path)
                if match.error == "method"
                else unknown_endpoint(req.path)
            )
            status = match.status
            body = serializer.error_body(
                match.kind, [text], req.warnings, start=start, pagesize=pagesize
            )
            return status, body
        try:
            if req.auth is not None:
                check_write_token(self.backend, req.auth, req.method, req.param("key"))
            status, body = match.handler(self.ctx, req, **match.groups)
        except errors.WsapiError as exc:
            status = exc.http_status
            body = serializer.error_body(
                match.kind, exc.errors, exc.warnings, start=start, pagesize=pagesize
            )
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            status = 500
            detail = f"{type(exc).__name__}: {exc}"
            body = serializer.error_body(
                match.kind, [internal_error(detail)], start=start, pagesize=pagesize
            )
        _add_warnings(body, req.warnings)
        return status, body

    # --- admin ----------------------------------------------------------------------------------

    def _admin(self, req: Request, rest: str) -> tuple[int, dict]:
        if rest == "health" and req.method == "GET":
            return 200, {"Emulator": {"Errors": [], "Warnings": [], "Status": "ok"}}
        if rest == "reset" and req.method == "POST" and self.reset_hook is not None:
            self.reset_hook()
            self.ctx.schema_cache.clear()
            return 200, serializer.operation_result()
        return 404, serializer.operation_result(errors=[unknown_endpoint(req.path)])

    # --- rendering ------------------------------------------------------------------------------

    def _render(
        self,
        status: int,
        body: dict,
        headers: dict[str, str],
        *,
        extra: list[tuple[str, str]] | None = None,
        jsonp: str | None = None,
        pretty: str | None = None,
    ) -> tuple[int, list, bytes]:
        payload = serializer.dumps(body, pretty=(pretty or "").lower() == "true")
        content_type = "application/json; charset=utf-8"
        if jsonp and jsonp.replace("_", "").replace(".", "").isalnum():
            payload = jsonp.encode("ascii") + b"(" + payload + b")"
            content_type = "application/javascript; charset=utf-8"
        out = [("Content-Type", content_type), *(extra or [])]
        accept = _header(headers, "Accept-Encoding") or ""
        if "gzip" in accept.lower() and len(payload) >= GZIP_MIN_BYTES:
            payload = gzip.compress(payload, compresslevel=5)
            out.append(("Content-Encoding", "gzip"))
            out.append(("Vary", "Accept-Encoding"))
        out.append(("Content-Length", str(len(payload))))
        return status, out, payload


def make_app(backend: Any, **options: Any) -> EmulatorApp:
    """The WSGI application for ``backend`` (options: ``log``, ``quiet``, ``reset``)."""
    return EmulatorApp(backend, **options)


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _add_warnings(body: dict, warnings: list[str]) -> None:
    if not warnings or not body:
        return
    root = next(iter(body.values()))
    if isinstance(root, dict) and isinstance(root.get("Warnings"), list):
        root["Warnings"] = [*warnings, *[w for w in root["Warnings"] if w not in warnings]]


def _headers(environ: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").title()] = value
    if environ.get("CONTENT_TYPE"):
        out["Content-Type"] = environ["CONTENT_TYPE"]
    return out


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _content_length(environ: dict) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _base_url(environ: dict, headers: dict[str, str]) -> str:
    scheme = environ.get("wsgi.url_scheme", "http")
    host = _header(headers, "Host")
    if not host:
        host = f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
    return f"{scheme}://{host}"
