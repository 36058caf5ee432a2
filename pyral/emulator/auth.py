"""Request credentials -> the acting user, the way Rally's front door decides it.

Two credential families reach WSAPI: an API key (``ZSESSIONID`` header in any case, or
``Authorization: Bearer``) and HTTP Basic user/password.  They differ in one important way:
under Basic auth every write must also carry ``key=<security token>`` from
``/security/authorize`` (Rally's CSRF defence), while API-key clients never need one.  pyral
nevertheless sends the literal ``key=None`` with an API key, so ``key`` is only looked at for
Basic sessions.

Decisions recorded here because real Rally's exact behaviour is unverified:

* A missing or wrong security token on a Basic-auth write is answered with HTTP **200** and the
  request's usual envelope carrying ``errors.INVALID_KEY`` (Rally reports nearly everything on
  200; a 401 would make pyral report "Invalid credentials" for what is really a token problem).
* .NET's "ZSessionID" mode sends Basic with an empty user name and the session id as password;
  that is treated as an API key.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from . import errors

#: ``WWW-Authenticate`` value on every 401 (rally-node waits for this challenge).
CHALLENGE = 'Basic realm="Rally ALM"'

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


@dataclass(frozen=True)
class Credentials:
    """What the request presented: ``kind`` is 'apikey', 'basic' or 'none'."""

    kind: str
    apikey: str | None = None
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class AuthContext:
    """The authenticated user row and how they authenticated."""

    user: Any
    kind: str

    @property
    def needs_token(self) -> bool:
        return self.kind == "basic"


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def parse_credentials(headers: dict[str, str]) -> Credentials:
    """Read credentials from request headers (names compared case-insensitively)."""
    key = _header(headers, "ZSESSIONID")
    if key and key.strip():
        return Credentials("apikey", apikey=key.strip())
    authorization = (_header(headers, "Authorization") or "").strip()
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return Credentials("apikey", apikey=value)
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):  # ValueError: non-ASCII header text (and bad UTF-8)
            return Credentials("basic", username="", password=None)
        username, sep, password = decoded.partition(":")
        if not sep:
            return Credentials("basic", username=username, password=None)
        if not username and password:
            return Credentials("apikey", apikey=password)
        return Credentials("basic", username=username, password=password)
    return Credentials("none")


def authenticate(backend: Any, headers: dict[str, str]) -> AuthContext:
    """The acting user, or :class:`errors.AuthError` (HTTP 401) with Rally's text."""
    creds = parse_credentials(headers)
    if creds.kind == "apikey":
        user = backend.authenticate_apikey(creds.apikey)
        if user is None:
            raise errors.AuthError(errors.INVALID_KEY)
        return AuthContext(user, "apikey")
    if creds.kind == "basic":
        user = None
        if creds.username and creds.password is not None:
            user = backend.authenticate_password(creds.username, creds.password)
        if user is None:
            raise errors.AuthError(errors.BAD_CREDENTIALS)
        return AuthContext(user, "basic")
    raise errors.AuthError(errors.NO_AUTHENTICATION)


def check_write_token(backend: Any, ctx: AuthContext, method: str, key: str | None) -> None:
    """Refuse a Basic-auth write without a valid security token (HTTP 200, INVALID_KEY).

    API-key sessions skip the check entirely, which is what makes pyral's ``key=None`` harmless.
    """
    if method.upper() not in WRITE_METHODS or not ctx.needs_token:
        return
    if not key or not backend.check_security_token(ctx.user, key):
        raise errors.WsapiError(errors.INVALID_KEY)
