"""The one exception hierarchy of the client.

pyral 1.7.0 had two unrelated ``RallyRESTAPIError`` classes (one in ``restapi``, one in
``context``), so ``except pyral.RallyRESTAPIError`` missed connection errors.  Here there is a
single class; every legacy module path re-exports this very object.

Rejected credentials, an unreachable or non-Rally host and TLS failures raise exactly
``RallyRESTAPIError`` (pyral's own tests compare ``type(e).__name__``); what kind of failure
it was is on the ``reason`` attribute (see :class:`Reason`) rather than in a subclass.

No exception built here can carry a secret: the values of secret-bearing URL parameters
(the security token ``key=``, ``apikey=``, ``password=``) are masked in the message, the
``url`` and the ``errors``, and a client passes its literal secrets (``secrets=``) to be
blanked wherever they appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyral._secrets import redact


class Reason:
    """Values of ``RallyError.reason``: what kind of failure it was, for code to branch on."""

    CREDENTIALS = "credentials"  # Rally rejected the user/password or API key
    UNREACHABLE = "unreachable"  # refused, unknown host, connection dropped before sending
    MALFORMED_HOST = "malformed-host"  # the server name cannot be a host[:port]
    NOT_RALLY = "not-rally"  # the host answered, but not as Rally WSAPI (404 at connect)
    TLS = "tls"  # the certificate could not be verified
    NOT_HTTPS = "not-https"  # the server answered in plain HTTP on an https:// URL
    TIMEOUT = "timeout"
    WRITE_UNCONFIRMED = "write-unconfirmed"  # a write was sent, its answer never arrived


class RallyError(Exception):
    """Base of every error raised by pyral.

    Besides the message it carries what came back from Rally, when there was a response:
    ``status_code``, ``errors`` and ``warnings`` (lists of strings), the request ``url`` (its
    secrets masked), and ``reason`` (a :class:`Reason` value, or None for Rally's refusals).
    """

    def __init__(
        self,
        *args: Any,
        status_code: int | None = None,
        errors: list[str] | None = None,
        warnings: list[str] | None = None,
        url: str | None = None,
        reason: str | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        hidden = tuple(secrets)
        super().__init__(*(redact(a, hidden) if isinstance(a, str) else a for a in args))
        self.status_code = status_code
        self.errors = [redact(str(e), hidden) for e in errors or []]
        self.warnings = [redact(str(w), hidden) for w in warnings or []]
        self.url = redact(url, hidden) if url else url
        self.reason = reason


class RallyRESTAPIError(RallyError):
    """Rally refused an operation, or the connection/context could not be established."""


class RallyResponseError(RallyError):
    """A response body was not the JSON envelope Rally sends."""


class RallyAttributeNameError(RallyError):
    """An attribute name is not defined for the entity type (args[0] lists the bad names)."""


class InvalidRallyTypeNameError(RallyError):
    """An entity type name Rally does not know (args[0] is exactly the name given)."""


class UnreferenceableOIDError(RallyError):
    """A lazy load of an entity's reference failed."""


class UnrecognizedAllowedValuesReference(RallyError):
    """An AllowedValues reference in a type definition is not an absolute collection URL."""


class MultipleOperationError(RallyError):
    """createMultiple/updateMultiple was given unusable items."""


__all__ = [
    "Reason",
    "RallyError",
    "RallyRESTAPIError",
    "RallyResponseError",
    "RallyAttributeNameError",
    "InvalidRallyTypeNameError",
    "UnreferenceableOIDError",
    "UnrecognizedAllowedValuesReference",
    "MultipleOperationError",
]
