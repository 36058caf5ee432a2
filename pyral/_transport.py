"""The only place that sends HTTP.

Why one place: every cross-cutting rule of talking to Rally lives here and nowhere else —
the header set pyral has always sent, Basic vs ZSESSIONID auth, the security token that
writes need under Basic auth, certificate verification passed *per request* (so
``REQUESTS_CA_BUNDLE`` cannot silently override ``verify_ssl_cert=False``), proxies taken from
the environment without rewriting it, a timeout on every request, retries for idempotent
GETs only, a cap of 12 requests in flight per client (Rally's per-user limit), and logging
with secrets masked.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zlib
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth

from pyral import config
from pyral._envelope import decode_body, parse_envelope
from pyral._failures import connection_failure
from pyral._log import mask
from pyral.exceptions import RallyRESTAPIError, Reason

DEFAULT_TIMEOUT = 120.0
MAX_IN_FLIGHT = 12
RETRY_STATUSES = frozenset({429, 502, 503, 504})
DEFAULT_RETRIES = 2
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 30.0
INTEGRATION_HEADER_PREFIX = "X-RallyIntegration"


def default_headers() -> dict[str, str]:
    """pyral's header set, read from ``config`` at call time (a script may have replaced it)."""
    return dict(config.RALLY_REST_HEADERS)


def merge_headers(base: dict[str, str], overrides: dict[str, Any] | None) -> dict[str, str]:
    """Apply user ``headers=`` the way pyral matches them.

    A key overrides a default header when it equals the header name, or the name without
    its ``X-RallyIntegration`` prefix, ignoring case (``name`` -> ``X-RallyIntegrationName``,
    ``user-agent`` -> ``User-Agent``).  Keys matching nothing are dropped, as in pyral.
    """
    merged = dict(base)
    if not overrides:
        return merged
    for key, value in overrides.items():
        wanted = str(key).lower()
        for name in base:
            short = (
                name[len(INTEGRATION_HEADER_PREFIX) :]
                if name.startswith(INTEGRATION_HEADER_PREFIX)
                else name
            )
            if wanted in (name.lower(), short.lower()):
                merged[name] = str(value)
                break
    return merged


def proxies_from_env(environ: dict[str, str] | None = None) -> dict[str, str] | None:
    """pyral's HTTPS proxy fix-up (scheme-less values get ``http://``), without touching env."""
    env = os.environ if environ is None else environ
    proxy = env.get("HTTPS_PROXY") or env.get("https_proxy")
    if not proxy:
        return None
    if not proxy.startswith("http"):
        proxy = "http://" + proxy
    return {"https": proxy}


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


#: where a streamed 200 response keeps the body :func:`compact_body` read for it
_COMPACT = "_pyral_compact_body"
#: body encodings :func:`expand_body` undoes itself (others are decoded by ``requests``)
_COMPACT_ENCODINGS = frozenset(("", "identity", "gzip", "x-gzip", "deflate"))


def compact_body(response: requests.Response) -> tuple[bytes, str]:
    """A streamed response's body as it came over the wire, and its ``Content-Encoding``.

    Pages fetched ahead of iteration wait in this form: a gzipped WSAPI page is about a
    tenth of its text, which keeps the pager's window small.  :func:`expand_body` turns it
    back into text on the thread that iterates.  A body that was already read (a logger
    wanted it) or that uses an encoding this module does not undo is returned decoded.
    """
    read = response.__dict__.get(_COMPACT)
    if read is not None:
        return read
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    state = response.__dict__
    raw = response.raw
    if (
        state.get("_content_consumed")
        or state.get("_content", False) is not False  # already in memory, as text
        or raw is None
        or encoding not in _COMPACT_ENCODINGS
    ):
        return response.content, ""
    try:
        body = raw.read(decode_content=False)
    finally:
        # the body is fully read, so the connection goes back to the pool for reuse
        raw.release_conn()
    return body, encoding


def expand_body(body: bytes, encoding: str) -> bytes:
    """Undo :func:`compact_body`'s ``Content-Encoding``."""
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:  # servers also send raw deflate streams under this name
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


class Transport:
    """A configured ``requests.Session`` plus the rules above."""

    def __init__(
        self,
        *,
        apikey: str | None,
        user: str | None,
        password: str | None,
        headers: dict[str, Any] | None = None,
        verify: bool | str = True,
        timeout: float | tuple[float, float] | None = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        logger: logging.Logger | None = None,
        auth_endpoint: str | None = None,
    ) -> None:
        self.session = requests.Session()
        # requests keeps 10 connections per host by default: with 12 requests in flight the
        # extra two would be opened and thrown away again on every burst (a new TCP and TLS
        # handshake each, and a urllib3 "pool is full" warning).
        adapter = HTTPAdapter(pool_maxsize=MAX_IN_FLIGHT)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers = merge_headers(default_headers(), headers)  # type: ignore[assignment]
        self.apikey = apikey or None
        if self.apikey:
            self.session.headers["ZSESSIONID"] = self.apikey
        elif user:
            self.session.auth = HTTPBasicAuth(user, password or "")
        self.verify = verify
        self.timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
        self.retries = max(0, int(retries))
        self.proxies = proxies_from_env()
        self.logger = logger or logging.getLogger("pyral.transport")
        self.auth_endpoint = auth_endpoint
        self._in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self.request_count = 0
        self._count_lock = threading.Lock()

    # -- sending ------------------------------------------------------------------------
    def send(
        self,
        method: str,
        url: str,
        *,
        body: str | None = None,
        timeout: float | tuple[float, float] | None = None,
        log_as: str | None = None,
        attrget: bool = False,
        stream: bool = False,
    ) -> requests.Response:
        """Send one request; GETs are retried on transient failures, writes never are.

        Transport exceptions (``requests.RequestException``) propagate; callers translate
        them into pyral's messages because the right text depends on the operation.
        ``stream=True``: a 200 answer's body is read as it came over the wire (see
        :func:`compact_body`) before the request leaves the in-flight count, so the cap of
        12 covers the whole transfer; other answers are left to be read as usual.
        """
        method = method.upper()
        label = log_as or url
        extra = {"attrget": attrget}
        self.logger.info("%s %s", method, mask(label), extra=extra)
        if body is not None and method in ("PUT", "POST"):
            self.logger.info("%s%s", " " * 28, body, extra=extra)
        attempts = 1 + (self.retries if method == "GET" else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send_once(method, url, body, timeout, stream)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last or isinstance(exc, requests.exceptions.SSLError):
                    self.logger.info(
                        "%s %s failed: %s", method, mask(label), mask(str(exc)), extra=extra
                    )
                    raise
                self._sleep(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES and not last:
                response.close()
                self._sleep(attempt, _retry_after(response))
                continue
            self.logger.info("%s %s", response.status_code, mask(label), extra=extra)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(
        self, method: str, url: str, body: str | None, timeout: Any, stream: bool = False
    ) -> requests.Response:
        with self._in_flight:
            with self._count_lock:
                self.request_count += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    data=body.encode("utf-8") if isinstance(body, str) else body,
                    timeout=timeout if timeout is not None else self.timeout,
                    verify=self.verify,
                    proxies=self.proxies,
                    stream=stream,
                )
            except urllib3.exceptions.LocationValueError as exc:
                # urllib3 rejects some host names ('a..b') only when connecting, outside
                # requests' own exception tree: make it the requests error callers handle
                raise requests.exceptions.InvalidURL(str(exc)) from exc
            if stream and response.status_code == 200:
                response.__dict__[_COMPACT] = compact_body(response)
            return response

    @staticmethod
    def _sleep(attempt: int, retry_after: float | None) -> None:
        if retry_after is not None:
            delay = min(retry_after, RETRY_AFTER_CAP)
        else:
            delay = min(BACKOFF_BASE * (2**attempt), BACKOFF_CAP)
        time.sleep(delay)

    # -- security token -----------------------------------------------------------------
    def security_token(self) -> str | None:
        """Token for writes under Basic auth, fetched once per client; None with an apikey."""
        if self.apikey or self.auth_endpoint is None:
            return None
        with self._token_lock:
            if self._token is None:
                self._token = self._fetch_token()
            return self._token

    def _fetch_token(self) -> str:
        assert self.auth_endpoint is not None
        try:
            response = self.send("GET", self.auth_endpoint, log_as="security/authorize")
        except requests.RequestException as exc:
            server = urlsplit(self.auth_endpoint).netloc
            raise connection_failure(exc, server, self.auth_endpoint, self.timeout) from exc
        if response.status_code == 401:
            raise RallyRESTAPIError(
                "Invalid credentials", status_code=401, reason=Reason.CREDENTIALS
            )
        env = parse_envelope(decode_body(response.content, self.auth_endpoint))
        token = env.data.get("SecurityToken")
        if response.status_code != 200 or env.errors or not token:
            raise RallyRESTAPIError(
                f"{response.status_code} Unable to obtain a security token: "
                f"{env.errors[0] if env.errors else 'no SecurityToken in response'}",
                status_code=response.status_code,
                errors=env.errors,
            )
        return str(token)

    def close(self) -> None:
        self.session.close()
