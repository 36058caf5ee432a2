"""Errors the emulator reports, with the texts real Rally uses.

Every failure a handler or the backend can hit is raised as a :class:`WsapiError`; the app turns
it into the Rally envelope the request expects (``QueryResult``, ``OperationResult``,
``CreateResult``) with ``Errors`` filled in.  Rally reports almost everything with HTTP 200 and
the text in ``Errors``; only authentication failures use 401.  Keeping every text in this one
module lets tests and docs quote them from a single place.
"""

from __future__ import annotations

import json


class WsapiError(Exception):
    """A failure to report inside a WSAPI envelope."""

    http_status = 200

    def __init__(
        self, *errors: str, warnings: list[str] | None = None, http_status: int | None = None
    ):
        super().__init__(*errors)
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return "; ".join(self.errors)


class AuthError(WsapiError):
    """Missing or wrong credentials: HTTP 401 with a ``WWW-Authenticate`` challenge."""

    http_status = 401


class NotFoundError(WsapiError):
    """The object addressed by the URL does not exist (or is in the recycle bin)."""


class QueryError(WsapiError):
    """A malformed ``query``, ``order`` or ``fetch`` parameter."""


class ValidationError(WsapiError):
    """A create or update body Rally would refuse; nothing is stored."""


# --- message texts -------------------------------------------------------------------------------
# Functions rather than constants where the text embeds a value, so callers cannot get the
# punctuation wrong.

BAD_CREDENTIALS = "Error 401 The username or password you entered is incorrect."
NO_AUTHENTICATION = "An Authentication object was not found in the SecurityContext"
INVALID_KEY = "Not authorized to perform action: Invalid key"
CANNOT_FIND_TO_READ = "Cannot find object to read"
DELETE_NULL = "Object to delete cannot be null"
NOT_JSON = "Cannot parse input stream due to I/O error as JSON document: Parse error"


def unknown_type(name: str) -> str:
    return f'Requested type name "{name}" is unknown.'


def could_not_parse(detail: str) -> str:
    return f"Could not parse: {detail}"


def unknown_operator(op: str) -> str:
    return could_not_parse(f'Unknown operator "{op}"')


def expected_but_saw(expected: str, saw: str) -> str:
    return could_not_parse(
        f'Error parsing expression -- expected "{expected}" but saw "{saw}" instead.'
    )


def unknown_attribute(attr: str, type_name: str, segment: str) -> str:
    return could_not_parse(
        f'Could not find attribute "{attr}" on type {type_name} in the query segment "{segment}"'
    )


def ignored_element(body_key: str, attr: str) -> str:
    return f"Ignored JSON element {body_key}.{attr} during processing of this request."


def bad_date(value: str) -> str:
    return could_not_parse(
        f'Cannot convert "{value}" into a date.  You must use the ISO8601 date+time format.'
    )


def not_null(type_name: str, attr: str) -> str:
    return f"Validation error: {type_name}.{attr} should not be null"


def invalid_allowed_value(type_name: str, attr: str, value: object, allowed: list[str]) -> str:
    shown = ", ".join(allowed)
    return (
        f'Validation error: {type_name}.{attr}: "{value}" is an invalid value.  '
        f"Valid values are: {shown}"
    )


def bad_reference(value: object) -> str:
    # The client sent JSON, so echo JSON (null, {}), not Python's repr (None, {}).
    shown = value if isinstance(value, str) else json.dumps(value, default=str)
    return f'Cannot parse object reference from "{shown}"'


def read_only(type_name: str, attr: str) -> str:
    return f"Validation error: {type_name}.{attr} is read only"


def bad_number(type_name: str, attr: str, value: object) -> str:
    return f'Validation error: {type_name}.{attr}: Cannot convert "{value}" to a number'


def max_length(type_name: str, attr: str, limit: int) -> str:
    return f"Validation error: {type_name}.{attr} length must not exceed {limit}"
