"""``EmulatorServer``: a real HTTP/1.1 server on loopback around the WSGI app.

Why not ``wsgiref``: Rally clients keep connections alive (``requests.Session``) and pyral runs
up to 12 requests in parallel, so the server must speak HTTP/1.1 with keep-alive and serve
connections on threads.  ``http.server.ThreadingHTTPServer`` gives exactly that with the
stdlib; this module only adds the WSGI bridge, TLS with the handshake done on the connection's
own thread (a stalled client never blocks ``accept``), and a clean ``stop()`` that also closes
idle keep-alive connections.  It also honours the app's request to drop a connection
unanswered, which is how an injected ``disconnect`` fault looks like a reset to the client.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from . import serializer
from .app import DISCONNECT_KEY, MAX_BODY_BYTES, EmulatorApp, make_app
from .faults import FaultRule, make_rule
from .tls import (
    CertificatePair,
    answer_plain_http,
    certificate,
    is_plain_http,
    server_context,
)

#: seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 120


class _WSGIRequestHandler(BaseHTTPRequestHandler):
    """Bridges one HTTP request to the WSGI app; keep-alive unless the client says close."""

    protocol_version = "HTTP/1.1"
    server_version = "RallyWSAPIEmulator/1.0"
    timeout = IDLE_TIMEOUT
    # Headers and body go out in separate writes; with Nagle's algorithm on, a keep-alive
    # client's delayed ACK then holds every response back ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silenced: the app writes its own one-line request log."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level refusals, in a Rally-shaped envelope instead of the stdlib HTML page.

        An unknown method (the stdlib's 501) goes to the app like any other request, which
        answers the 405 every WSAPI client expects.
        """
        if code == 501 and self.command and self.path:
            self._serve()
            return
        text = message or _status_phrase(code)
        payload = serializer.dumps(serializer.operation_result(errors=[f"{code} {text}"]))
        self.close_connection = True
        try:
            self.send_response(code, message)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Connection", "close")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            pass

    def _read_body(self) -> tuple[bytes, int]:
        """The body and its size; a body over the app's limit is left unread.

        A declared size over :data:`MAX_BODY_BYTES` is returned with no bytes (the app then
        answers 413 and the connection is closed), so a client cannot make the server allocate
        whatever ``Content-Length`` claims.
        """
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            total = 0
            while True:
                size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                if size_line and not size_line.isalnum():  # "-5" and "+5" pass int() but are bad
                    raise ValueError(size_line)
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY_BYTES:
                    self.close_connection = True
                    return b"", total
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks), total
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", length
        return (self.rfile.read(length), length) if length > 0 else (b"", 0)

    def _serve(self) -> None:
        target = self.path
        if "://" in target:  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        path, _, query = target.partition("?")
        try:
            body, length = self._read_body()
        except ValueError:
            self.send_error(400, "Bad chunked body")
            return
        server: _Server = self.server  # type: ignore[assignment]
        host, port = server.server_address[:2]
        environ = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": unquote(path, errors="replace"),
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0] if self.client_address else "",
            "CONTENT_LENGTH": str(max(len(body), length)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if server.tls else "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if self.headers.get("Content-Type"):
            environ["CONTENT_TYPE"] = self.headers["Content-Type"]
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value if key not in environ else f"{environ[key]},{value}"
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        payload = b"".join(server.app(environ, start_response))
        if environ.get(DISCONNECT_KEY):
            self._drop()
            return
        code, _, phrase = captured["status"].partition(" ")
        self.send_response(int(code), phrase)
        for name, value in captured["headers"]:
            self.send_header(name, value)
        if (self.headers.get("Connection") or "").lower() == "close":
            self.close_connection = True
        if self.close_connection:  # e.g. a refused body left unread on the socket
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _drop(self) -> None:
        """Close the connection without a byte of response: the client sees a reset."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def is_loopback(host: str) -> bool:
    """Is ``host`` (what the server binds) reachable only from this machine?

    ``localhost`` and names resolving only to loopback addresses count; the wildcard
    addresses (``0.0.0.0``, ``::``, empty) and anything unresolvable do not.
    """
    import ipaddress

    text = (host or "").strip().strip("[]")
    if not text:
        return False
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(text, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(str(a).split("%", 1)[0]).is_loopback for a in addresses
    )


def _status_phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Bad request"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: EmulatorApp, ssl_context: Any = None) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.tls = ssl_context is not None
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _WSGIRequestHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Runs on the connection's thread: TLS handshake here, then serve it."""
        if self.ssl_context is not None:
            request.settimeout(30)
            if self._plain_http(request):
                return
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (OSError, ValueError):
                with contextlib.suppress(OSError):
                    request.close()
                return
        with self._open_lock:
            self._open.add(request)
        try:
            super().finish_request(request, client_address)
        except (ConnectionError, TimeoutError, OSError):
            pass
        finally:
            with self._open_lock:
                self._open.discard(request)

    def _plain_http(self, request: socket.socket) -> bool:
        """Answer ``http://`` on the HTTPS port with a redirect to ``https://`` (see tls.py).

        Peeks at the first byte without consuming it; True when the connection was plain
        HTTP and has been answered and closed.
        """
        try:
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        if not is_plain_http(first):
            return False
        host, port = str(self.server_address[0]), int(self.server_address[1])
        fallback = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        with contextlib.suppress(OSError):
            answer_plain_http(request, fallback)
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            request.close()
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects are routine; anything else is printed by the app already."""

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class EmulatorServer:
    """A running emulator: ``start()``, ``url``, ``host_port``, ``app``, ``stop()``.

    Pass a ready ``backend``, or let the server build one: a SQLite store at ``db`` (a temp
    file when None) loaded with ``seed`` (a dict or a seed-file path) and/or ``demo`` data.
    ``latency`` (seconds) and :meth:`inject_fault` make it behave like a slow or failing
    Rally; both are off unless asked for.  The ``/_emulator/`` controls refuse when ``host`` is
    not a loopback address, unless ``allow_remote_admin``.
    """

    def __init__(
        self,
        backend: Any = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        certfile: str | None = None,
        keyfile: str | None = None,
        seed: Any = None,
        demo: bool = False,
        db: str | None = None,
        quiet: bool = False,
        log: Any = None,
        latency: float = 0.0,
        allow_remote_admin: bool = False,
    ) -> None:
        self.host = host
        #: the ``/_emulator/`` controls answer only on a loopback bind unless asked for.
        self.admin_enabled = allow_remote_admin or is_loopback(host)
        self.port = port
        self.tls = tls or bool(certfile) or bool(keyfile)
        self.certfile = certfile
        self.keyfile = keyfile
        self.seed = seed
        self.demo = demo
        self.db = db
        self.quiet = quiet
        self._log = log
        self._owns_backend = backend is None
        self.backend = (
            backend if backend is not None else build_backend(db=db, seed=seed, demo=demo)
        )
        self.app: EmulatorApp = make_app(
            self.backend,
            quiet=quiet,
            log=log,
            reset=self._reset if self._owns_backend else None,
            latency=latency,
            admin=self.admin_enabled,
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cert: CertificatePair | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        """Bind, start serving on a background thread, return once the socket listens."""
        if self._server is not None:
            return self
        context = None
        if self.tls:
            self._cert = certificate(self.certfile, self.keyfile)
            context = server_context(self._cert)
        self._server = _Server((self.host, self.port), self.app, context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="pyral-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close open connections, release the certificate and store."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._cert is not None:
            self._cert.cleanup()
            self._cert = None
        if self._owns_backend:
            store = getattr(self.backend, "store", None)
            close = getattr(store, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    def serve_forever(self) -> None:
        """Block until stopped (used by the CLI); ``start()`` first."""
        self.start()
        assert self._thread is not None
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses ------------------------------------------------------------------------------

    @property
    def host_port(self) -> str:
        """``host:port``, what pyral's ``Rally(server=...)`` takes."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host_port}"

    @property
    def service_url(self) -> str:
        return self.url + "/slm/webservice/v2.0"

    @property
    def certificate_file(self) -> str | None:
        """The PEM certificate in use (to pass as ``verify=`` instead of disabling checks)."""
        return self._cert.certfile if self._cert else None

    # --- faults and latency ------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Seconds every WSAPI request waits before its answer; settable while serving."""
        return self.app.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.app.latency = seconds

    def inject_fault(
        self,
        status: int | None = None,
        *,
        count: int = 1,
        retry_after: float | None = None,
        method: str | None = None,
        path_contains: str | None = None,
        body: str | None = None,
        disconnect: bool = False,
    ) -> FaultRule:
        """Answer the next ``count`` matching WSAPI requests with ``status`` (or drop them).

        Same fields and checks as ``POST /_emulator/faults``; a bad value raises
        ``faults.FaultRuleError`` (a ``ValueError``).
        """
        rule = make_rule(
            status=status,
            count=count,
            retry_after=retry_after,
            method=method,
            path_contains=path_contains,
            body=body,
            disconnect=disconnect,
        )
        self.app.faults.add(rule)
        return rule

    def clear_faults(self) -> int:
        """Drop every queued fault rule; returns how many were still queued."""
        return self.app.faults.clear()

    @property
    def faults(self) -> list[dict[str, Any]]:
        """Queued fault rules (with ``id`` and ``remaining``), oldest first."""
        return self.app.faults.rules()

    # --- reset ----------------------------------------------------------------------------------

    def _reset(self) -> None:
        """POST /_emulator/reset: reload the seed into a fresh store (self-built backends only)."""
        if not self._owns_backend:
            raise RuntimeError("reset is only available when the server built its own backend")
        old = self.backend
        self.backend = build_backend(db=None, seed=self.seed, demo=self.demo)
        self.app.backend = self.backend
        self.app.ctx.backend = self.backend
        store = getattr(old, "store", None)
        if store is not None and hasattr(store, "close"):
            with contextlib.suppress(Exception):
                store.close()


def build_backend(
    *,
    db: str | None = None,
    seed: Any = None,
    demo: bool = False,
    apikey: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> Any:
    """A Backend over a SQLite store at ``db`` (temp when None), loaded with demo/seed data.

    ``apikey``/``username``/``password`` replace the login of the seeded main user (the demo
    user with ``demo``, else the first user of the seed).
    """
    from .backend import Backend
    from .schema import Schema
    from .store import Store

    store = Store(db)
    schema = Schema.load_default()
    if demo:
        from .demo import demo_seed
        from .seed import load_seed

        load_seed(store, schema, demo_seed())
    if seed is not None:
        from .seed import load_seed, load_seed_file

        if isinstance(seed, (str, os.PathLike)):
            load_seed_file(store, schema, os.fspath(seed))
        else:
            load_seed(store, schema, seed)
    if apikey or username or password:
        set_main_user_login(store, demo=demo, apikey=apikey, username=username, password=password)
    return Backend(store, schema)


def set_main_user_login(
    store: Any, *, demo: bool, apikey: str | None, username: str | None, password: str | None
) -> int:
    """Point the main user's login at these credentials; returns that user's oid."""
    oid = None
    if demo:
        from .demo import DEMO_APIKEY

        oid = store.user_for_apikey(DEMO_APIKEY)
    if oid is None:
        users = store.select("o.type = ?", ["User"]) if hasattr(store, "select") else []
        oid = min((row.oid for row in users), default=None)
    if oid is None:
        raise ValueError(
            "--apikey/--user/--password need a user: use --demo or a --seed with users"
        )
    row = store.get(oid)
    name = username or row.data.get("UserName") or "user"
    if username and row.data.get("UserName") != username:
        row.data["UserName"] = username
        store.save(row)
    store.set_credentials(oid, name, password, apikey)
    return oid
