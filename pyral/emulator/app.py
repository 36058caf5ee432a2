"""The WSGI application: routing, authentication, error mapping and the request log.

Error policy (the part clients depend on): anything the caller got wrong is answered in the
envelope the client expects for that request with ``Errors`` filled in, almost always on HTTP
200 as Rally does; only authentication uses 401 (with a Basic challenge).  An exception that is
*not* a :class:`errors.WsapiError` is an emulator bug: its traceback goes to stderr and the
client gets a Rally-shaped error with HTTP 500, which tests treat as a failure.

Test aids, all off by default: ``latency`` (seconds every WSAPI request waits before it is
answered, to look like a remote Rally), injected faults (:mod:`faults`: the next matching
requests get a 429/5xx or a dropped connection without reaching the backend) and concurrency
statistics (``in_flight`` / ``peak_in_flight``), which is how a test proves that a client
keeps to Rally's limit of 12 simultaneous requests.  The ``/_emulator/`` admin requests are
exempt from all three, so controlling a slow or failing emulator stays quick and reliable.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TextIO

from . import errors, faults, routes, serializer
from .auth import CHALLENGE, authenticate, check_write_token
from .handlers.base import (
    HandlerContext,
    Request,
    safe_paging,
)
from .lookback import handler as lookback_handler

#: bodies above this size are refused before parsing (pyral's attachment cap is 50 MB raw).
MAX_BODY_BYTES = 100 * 1024 * 1024
#: responses at least this large are gzipped for clients that accept it.
GZIP_MIN_BYTES = 1024
#: how many requests the in-memory log keeps (oldest dropped first).
REQUEST_LOG_LIMIT = 50_000
#: WSGI environ key the app sets to ask the HTTP server to drop the connection unanswered
#: (a ``disconnect`` fault).  Servers that do not know it send the 502 fallback instead.
DISCONNECT_KEY = "pyral.emulator.disconnect"
#: the message of ``POST /_emulator/reset`` on a server that did not build its own store.
RESET_UNAVAILABLE = (
    "reset is only available when the emulator built its own store "
    "(this one serves a backend it was given)"
)


@dataclass(frozen=True)
class RequestRecord:
    """One served request, as tests inspect it (``app.request_log``)."""

    method: str
    path: str
    query: str
    status: int  # 0: the connection was dropped unanswered (a ``disconnect`` fault)
    ms: float
    #: ``time.monotonic()`` when the request reached the app and when its answer was ready.
    started: float = 0.0
    ended: float = 0.0
    #: True when an injected fault answered instead of the backend.
    injected: bool = False


class EmulatorApp:
    """WSGI callable over a backend; ``request_log`` lists what was served, oldest first."""

    def __init__(
        self,
        backend: Any,
        *,
        log: Callable[[str], None] | TextIO | None = None,
        quiet: bool = False,
        reset: Callable[[], None] | None = None,
        latency: float = 0.0,
        admin: bool = True,
    ) -> None:
        self.backend = backend
        #: False when the ``/_emulator/`` controls must refuse (a non-loopback bind without
        #: ``allow_remote_admin``): anyone on the network could otherwise reset the store.
        self.admin_enabled = admin
        self.ctx = HandlerContext(backend)
        self.quiet = quiet
        self.reset_hook = reset
        self.latency = latency
        self.faults = faults.FaultInjector()
        self._log_target = log
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._in_flight = 0
        self._peak_in_flight = 0

    # --- latency and concurrency ------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Seconds each WSAPI request waits before being answered (may change while serving)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if (
            not isinstance(seconds, (int, float))
            or isinstance(seconds, bool)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise ValueError(f"latency must be a number of seconds >= 0, not {seconds!r}")
        self._latency = float(seconds)

    @property
    def in_flight(self) -> int:
        """WSAPI requests being served right now (admin requests are not counted)."""
        with self._lock:
            return self._in_flight

    @property
    def peak_in_flight(self) -> int:
        """The most WSAPI requests served at once since the last :meth:`reset_stats`."""
        with self._lock:
            return self._peak_in_flight

    def reset_stats(self) -> None:
        """Start a new measurement: the peak restarts from what is in flight now."""
        with self._lock:
            self._peak_in_flight = self._in_flight

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    # --- request log --------------------------------------------------------------------------

    @property
    def request_log(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear_request_log(self) -> None:
        """Forget served requests and restart the concurrency statistics (one measurement)."""
        with self._lock:
            self._records.clear()
            self._peak_in_flight = self._in_flight

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            if len(self._records) > REQUEST_LOG_LIMIT:
                del self._records[: len(self._records) - REQUEST_LOG_LIMIT]
        if self.quiet:
            return
        target = record.path + (f"?{record.query}" if record.query else "")
        line = f"{record.method} {target} {record.status} {record.ms:.1f}"
        if record.injected:
            line += " (injected fault)"
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
        started = time.monotonic()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = environ.get("PATH_INFO", "") or "/"
        query_string = environ.get("QUERY_STRING", "")
        admin = path.startswith(routes.ADMIN_PREFIX)
        fault: faults.FaultRule | None = None
        if not admin:
            self._enter()
        try:
            if not admin:
                if self._latency > 0:
                    time.sleep(self._latency)
                fault = self.faults.take(method, path)
            if fault is not None:
                status, headers, payload = self._fault(environ, fault)
            else:
                status, headers, payload = self._serve(environ, method, path, query_string)
        except Exception:  # last line of defence: never let the server thread die
            traceback.print_exc(file=sys.stderr)
            status, headers, payload = self._render(
                500,
                serializer.operation_result(errors=[errors.internal_error("unhandled exception")]),
                {},
            )
        finally:
            if not admin:
                self._leave()
        if method == "HEAD":
            payload = b""
        ms = (time.perf_counter() - began) * 1000.0
        logged = 0 if fault is not None and fault.disconnect else status
        self._record(
            RequestRecord(
                method,
                path,
                query_string,
                logged,
                ms,
                started=started,
                ended=time.monotonic(),
                injected=fault is not None,
            )
        )
        start_response(f"{status} {_reason_phrase(status)}", headers)
        return [payload]

    @staticmethod
    def _fault(environ: dict, rule: faults.FaultRule) -> tuple[int, list, bytes]:
        """The injected answer; a disconnect asks the server to drop the connection and
        carries a gateway 502 for WSGI servers that cannot."""
        if rule.disconnect:
            environ[DISCONNECT_KEY] = True
            return faults.fault_response(faults.FaultRule(status=502))
        return faults.fault_response(rule)

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
        if path.lower().startswith(lookback_handler.ANALYTICS_PREFIX):
            status, body, extra = lookback_handler.serve(
                self.backend, req.method, path, query_string, headers, raw
            )
            return self._render(status, body, headers, extra=extra)
        split = routes.split_service_path(path)
        if split is None:
            body = serializer.operation_result(errors=[errors.unknown_endpoint(path)])
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
            req.warnings.append(errors.JS_SUFFIX_WARNING)
        match = routes.resolve(req.method, area, rest, has_query=req.param("query") is not None)
        start, pagesize = safe_paging(req)
        if match.handler is None:
            text = (
                errors.method_not_allowed(req.method, req.path)
                if match.error == "method"
                else errors.unknown_endpoint(req.path)
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
                match.kind, [errors.internal_error(detail)], start=start, pagesize=pagesize
            )
        _add_warnings(body, req.warnings)
        return status, body

    # --- admin ----------------------------------------------------------------------------------

    #: admin endpoint -> methods it answers (anything else there is a 405).
    ADMIN_METHODS = {
        "health": ("GET",),
        "reset": ("POST",),
        "faults": ("GET", "POST", "DELETE"),
        "stats": ("GET", "DELETE"),
    }

    def _admin(self, req: Request, rest: str) -> tuple[int, dict]:
        """The ``/_emulator/`` endpoints: no Rally credentials, never under ``/slm/``."""
        allowed = self.ADMIN_METHODS.get(rest)
        if allowed is None:
            return 404, serializer.operation_result(errors=[errors.unknown_endpoint(req.path)])
        if req.method not in allowed:
            return 405, serializer.operation_result(
                errors=[errors.method_not_allowed(req.method, req.path)]
            )
        if not self.admin_enabled and rest != "health":
            return 403, serializer.operation_result(errors=[errors.ADMIN_REMOTE_REFUSED])
        if rest == "health":
            return 200, _emulator_body(Status="ok")
        if rest == "reset":
            return self._admin_reset()
        if rest == "stats":
            if req.method == "DELETE":
                self.reset_stats()
            return 200, _emulator_body(
                InFlight=self.in_flight,
                PeakInFlight=self.peak_in_flight,
                Requests=len(self.request_log),
                Latency=self.latency,
            )
        return self._admin_faults(req)

    def _admin_reset(self) -> tuple[int, dict]:
        if self.reset_hook is None:
            return 409, serializer.operation_result(errors=[RESET_UNAVAILABLE])
        self.reset_hook()
        self.ctx.schema_cache.clear()
        self.faults.clear()
        return 200, serializer.operation_result()

    def _admin_faults(self, req: Request) -> tuple[int, dict]:
        if req.method == "DELETE":
            cleared = self.faults.clear()
            return 200, _emulator_body(Cleared=cleared, Faults=[])
        if req.method == "POST":
            try:
                data = json.loads(req.body.decode("utf-8") or "null")
                rule = faults.parse_rule(data)
            except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # FaultRuleError too
                text = exc if isinstance(exc, faults.FaultRuleError) else f"invalid JSON: {exc}"
                return 400, serializer.operation_result(errors=[f"Cannot parse fault rule: {text}"])
            rule_id = self.faults.add(rule)
            return 200, _emulator_body(Id=rule_id, Faults=self.faults.rules())
        return 200, _emulator_body(Faults=self.faults.rules())

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
        if jsonp and _JSONP_CALLBACK.fullmatch(jsonp):
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


# A JavaScript identifier path in ASCII only: str.isalnum() also accepts letters such as
# "日本", which cannot be written into the ASCII callback prefix (and the write is done by then).
_JSONP_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")


def make_app(backend: Any, **options: Any) -> EmulatorApp:
    """The WSGI application for ``backend`` (options: ``log``, ``quiet``, ``reset``,
    ``latency``, ``admin``)."""
    return EmulatorApp(backend, **options)


def _emulator_body(**fields: Any) -> dict:
    """The envelope of admin answers: Rally-like ``Errors``/``Warnings`` plus the data."""
    return {"Emulator": {"Errors": [], "Warnings": [], **fields}}


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
