"""The one exception hierarchy of the client.

pyral 1.7.0 had two unrelated ``RallyRESTAPIError`` classes (one in ``restapi``, one in
``context``), so ``except pyral.RallyRESTAPIError`` missed connection errors.  Here there is a
single class; every legacy module path re-exports this very object, and scripts that match on
``__class__.__name__`` still see the old names.
"""

from __future__ import annotations

from typing import Any


class RallyError(Exception):
    """Base of every error raised by pyral.

    Besides the message it carries what came back from Rally, when there was a response:
    ``status_code``, ``errors`` and ``warnings`` (lists of strings) and the request ``url``.
    """

    def __init__(
        self,
        *args: Any,
        status_code: int | None = None,
        errors: list[str] | None = None,
        warnings: list[str] | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(*args)
        self.status_code = status_code
        self.errors = list(errors or [])
        self.warnings = list(warnings or [])
        self.url = url


class RallyRESTAPIError(RallyError):
    """Rally refused an operation, or the connection/context could not be established."""


class RallyAuthenticationError(RallyRESTAPIError):
    """Credentials were rejected (HTTP 401)."""


class RallyConnectionError(RallyRESTAPIError):
    """The server could not be reached (refused, DNS, TLS, timeout)."""


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
    "RallyError",
    "RallyRESTAPIError",
    "RallyAuthenticationError",
    "RallyConnectionError",
    "RallyResponseError",
    "RallyAttributeNameError",
    "InvalidRallyTypeNameError",
    "UnreferenceableOIDError",
    "UnrecognizedAllowedValuesReference",
    "MultipleOperationError",
]
