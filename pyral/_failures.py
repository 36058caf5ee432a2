"""What a request that got no usable answer means, in pyral's words.

One place decides, for every transport exception, which of pyral 1.7.0's messages applies
(observed with pyral 1.7.0 against the emulator; tools/oracle_scenario_errors.py replays
them) and which :class:`~pyral.exceptions.Reason` it is.  Every error is exactly a
``RallyRESTAPIError``.  Two cases say more than pyral did, after pyral's own text:

* an ``https://`` URL answered in plain HTTP (pyral: "non-existent or unreachable"): a
  second line says so and suggests ``http://``;
* a write sent but never answered (pyral: "non-existent or unreachable"): the write may have
  been applied, so a blind retry could duplicate it.
"""

from __future__ import annotations

from collections.abc import Iterable

import requests
import urllib3.exceptions

from pyral.exceptions import RallyRESTAPIError, Reason

#: what OpenSSL reports when the other side answered a TLS hello in plain text
_PLAIN_HTTP_MARKERS = (
    "wrong_version_number",
    "wrong version number",
    "record layer failure",
    "packet length too long",
    "http_request",
    "unknown protocol",
)


def unreachable_text(server: str) -> str:
    return f"Target Rally host: '{server}' non-existent or unreachable"


def not_rally_text(server: str) -> str:
    return f"404 Target host: '{server}' is either not reachable or doesn't support the Rally WSAPI"


def is_malformed_host(exc: BaseException) -> bool:
    """The server text cannot be a host[:port] (spaces, bad port, empty label ...)."""
    return isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
            urllib3.exceptions.LocationValueError,
        ),
    )


def _answered_in_plain_http(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _PLAIN_HTTP_MARKERS)


def _certificate_rejected(exc: BaseException) -> bool:
    return "certificate_verify_failed" in str(exc).lower() or "certificate verify failed" in (
        str(exc).lower()
    )


def connection_failure(
    exc: BaseException,
    server: str,
    url: str,
    timeout: object,
    secrets: Iterable[str | None] = (),
) -> RallyRESTAPIError:
    """The error for a read (connect, lazy load, schema) that got no HTTP answer."""
    hidden = tuple(secrets)
    if is_malformed_host(exc):
        return RallyRESTAPIError(
            not_rally_text(server), url=url, reason=Reason.MALFORMED_HOST, secrets=hidden
        )
    if isinstance(exc, requests.exceptions.SSLError) and _certificate_rejected(exc):
        return RallyRESTAPIError(
            "SSL certificate verification failed", url=url, reason=Reason.TLS, secrets=hidden
        )
    if isinstance(exc, requests.exceptions.SSLError) and _answered_in_plain_http(exc):
        return RallyRESTAPIError(
            f"{unreachable_text(server)}\n"
            f"The server did not answer HTTPS; if it speaks plain HTTP, connect with "
            f"server='http://{server}'",
            url=url,
            reason=Reason.NOT_HTTPS,
            secrets=hidden,
        )
    if isinstance(exc, requests.Timeout):
        return RallyRESTAPIError(
            f"Request timed out on attempt to reach {server} ({timeout} secs)",
            url=url,
            reason=Reason.TIMEOUT,
            secrets=hidden,
        )
    return RallyRESTAPIError(
        unreachable_text(server), url=url, reason=Reason.UNREACHABLE, secrets=hidden
    )


def request_was_sent(exc: BaseException) -> bool:
    """Whether the request may have reached the server before the failure.

    Only failures that certainly happened before sending (no connection, TLS handshake,
    connect timeout, bad URL) count as "not sent"; anything else may have been applied.
    """
    if is_malformed_host(exc):
        return False
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return False
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    if isinstance(reason, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
        return False
    text = str(exc)
    return not ("Failed to establish a new connection" in text or "Name or service" in text)


def write_failure(
    exc: BaseException,
    server: str,
    method: str,
    url: str | None,
    timeout: object = None,
    secrets: Iterable[str | None] = (),
) -> RallyRESTAPIError:
    """The error for a write (PUT/POST/DELETE) that got no HTTP answer."""
    hidden = tuple(secrets)
    detail = str(exc)
    if request_was_sent(exc):
        return RallyRESTAPIError(
            f"The {method} request reached Rally host '{server}' but its answer was lost "
            f"({detail}); the write may have been applied: look before retrying it",
            url=url,
            reason=Reason.WRITE_UNCONFIRMED,
            secrets=hidden,
        )
    failure = connection_failure(exc, server, url or "", timeout, hidden)
    if failure.reason != Reason.UNREACHABLE:
        return failure
    return RallyRESTAPIError(
        f"{unreachable_text(server)} ({detail})",
        url=url,
        reason=Reason.UNREACHABLE,
        secrets=hidden,
    )
