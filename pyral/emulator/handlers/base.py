"""What every handler shares: the request model, parameter parsing, body unwrapping, texts.

Handlers are deliberately thin: they turn URL parameters and bodies into backend arguments and
hand the results to the serializer.  All the leniency real clients rely on (pyral's quoted
``fetch``, ``?&rankAbove``, ``key=None``, ``project`` absent vs. ``null``) is decided here, in
one place, so that the backend never sees raw HTTP strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .. import errors
from ..backend.refs import canonical_uuid, typed_body
from ..query import parse_fetch
from ..serializer import FetchSpec, Serializer

MAX_PAGESIZE = errors.MAX_PAGESIZE
DEFAULT_PAGESIZE = 20

# --- request / response -------------------------------------------------------------------------


@dataclass
class Request:
    """One HTTP request, already split from WSGI; ``params`` keys are lower-cased."""

    method: str
    path: str
    query_string: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    base: str = "http://127.0.0.1"
    params: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    auth: Any = None

    def __post_init__(self) -> None:
        if not self.params and self.query_string:
            self.params = parse_params(self.query_string)

    @property
    def user(self) -> Any:
        return self.auth.user if self.auth is not None else None

    def param(self, name: str) -> str | None:
        return self.params.get(name.lower())


def parse_params(query_string: str) -> dict[str, str]:
    """Query parameters with lower-cased names; empty names (pyral's ``?&``) are dropped.

    When a name repeats, the first value wins: clients only repeat by accident.
    """
    out: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True, errors="replace"):
        key = name.strip().lower()
        if key and key not in out:
            out[key] = value
    return out


# --- parameters ---------------------------------------------------------------------------------


def paging(req: Request) -> tuple[int, int]:
    """``(start, pagesize)``: start defaults to 1; pagesize 20, clamped to 2000 (and echoed)."""
    raw_start = (req.param("start") or "").strip()
    raw_size = (req.param("pagesize") or "").strip()
    start = 1
    if raw_start:
        try:
            start = int(raw_start)
        except ValueError:
            raise errors.QueryError(errors.bad_start(raw_start)) from None
        start = max(start, 1)
    pagesize = DEFAULT_PAGESIZE
    if raw_size:
        try:
            pagesize = int(raw_size)
        except ValueError:
            raise errors.QueryError(errors.bad_pagesize(raw_size)) from None
        if pagesize < 1:
            raise errors.QueryError(errors.bad_pagesize(raw_size))
        pagesize = min(pagesize, MAX_PAGESIZE)
    return start, pagesize


def safe_paging(req: Request) -> tuple[int, int]:
    """Paging for an error envelope: never raises."""
    try:
        return paging(req)
    except errors.WsapiError:
        return 1, DEFAULT_PAGESIZE


def flag(req: Request, name: str, default: bool) -> bool:
    raw = (req.param(name) or "").strip().lower()
    if raw in {"true", "1", "yes"}:
        return True
    if raw in {"false", "0", "no"}:
        return False
    return default


def fetch_spec(req: Request) -> FetchSpec | None:
    """``None`` when no ``fetch`` was sent; otherwise none/all/list (quotes stripped)."""
    raw = req.param("fetch")
    if raw is None:
        return None
    text = raw.strip().strip('"').strip("'").strip()
    return FetchSpec.coerce(parse_fetch(text))


def narrowing(fetch: FetchSpec | None) -> FetchSpec | None:
    """For single objects: only an explicit field list narrows; otherwise the full object."""
    return fetch if fetch is not None and fetch.mode == "list" else None


def ref_param(req: Request, name: str) -> str | None:
    """A ref-valued parameter, with ``None``/empty meaning absent (pyral formats None in)."""
    raw = req.param(name)
    if raw is None:
        return None
    raw = raw.strip()
    return None if raw in {"", "None"} else raw


# --- bodies -------------------------------------------------------------------------------------


def json_body(req: Request, *, allow_empty: bool = False) -> Any:
    """The parsed body, or Rally's parse error; empty bodies only when ``allow_empty``."""
    if not req.body.strip():
        if allow_empty:
            return None
        raise errors.ValidationError(errors.NOT_JSON)
    try:
        return json.loads(req.body.decode("utf-8"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: nesting deeper than Python's parser can follow ("[[[[...").
        raise errors.ValidationError(errors.NOT_JSON) from None


def _not_json(constant: str) -> Any:
    """NaN and Infinity are Python's extensions, not JSON: Rally's parser refuses them."""
    raise ValueError(f"{constant} is not JSON")


def unwrap_typed_body(ctx: Any, body: Any, td: Any, ws_oid: int | None) -> tuple[str, dict]:
    """``{"<Type>": {...}}`` -> (key as sent, attributes); the key must name ``td``.

    Accepts ElementName, TypePath, URL segment in any case, and an abstract parent or child of
    ``td`` (pyral ranks a Feature through ``{"portfolioitem": ...}``).
    """
    found = typed_body(body)
    if found is None:
        raise errors.ValidationError(errors.body_shape(f'{{"{td.element_name}": {{...}}}}'))
    key, attrs = found
    sent = ctx.backend.lookup_type(key, ws_oid)
    if not ctx.schema(ws_oid).related(sent.element_name, td.element_name):
        raise errors.ValidationError(errors.body_type_mismatch(key, td.type_path))
    return key, attrs


#: What a well-formed ObjectUUID naming no object stands for: an ObjectID no object has
#: (ids start at 100000, built-ins are negative), so each operation answers with its own
#: "cannot find" text, exactly as for an unknown ObjectID.
NO_SUCH_OID = 0


def parse_oid(ctx: Any, text: str) -> int:
    """An ObjectID from a URL segment: digits (negative for built-ins) or an ObjectUUID.

    Rally accepts an ObjectUUID, dashed or as 32 compact hex digits, wherever an ObjectID
    goes in a URL (read, update, delete, collections).  Anything else cannot name an object.
    """
    raw = text.strip()
    try:
        return int(raw)
    except ValueError:
        pass
    uuid = canonical_uuid(raw)
    if uuid is None:
        raise errors.NotFoundError(errors.bad_oid(raw))
    oid = ctx.backend.uuid_to_oid(uuid)
    return NO_SUCH_OID if oid is None else int(oid)


# --- handler context ----------------------------------------------------------------------------


class BackendSource:
    """:class:`serializer.ObjectSource` over the backend (type lookups cached per request)."""

    def __init__(self, backend: Any, user: Any = None) -> None:
        self.backend = backend
        self.user = user  # counts are of what this user may see
        self._types: dict[tuple[str, Any], Any] = {}

    def typedef_of(self, row: Any) -> Any:
        key = (row.type, row.workspace)
        td = self._types.get(key)
        if td is None:
            td = self.backend.typedef_of(row)
            self._types[key] = td
        return td

    def rows(self, oids: Any) -> dict[int, Any]:
        return self.backend.rows(list(oids))

    def collection_count(self, row: Any, attr: Any) -> int:
        if self.user is None:
            return int(self.backend.collection_count(row, attr))
        return int(self.backend.collection_count(row, attr, self.user))


class HandlerContext:
    """Long-lived state handlers share: the backend and the per-schema JSON cache."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.schema_cache: dict[tuple[int, str, int], list] = {}

    def serializer(self, req: Request) -> Serializer:
        return Serializer(req.base, BackendSource(self.backend, getattr(req, "user", None)))

    def schema(self, ws_oid: int | None) -> Any:
        return self.backend.schema_for(ws_oid)

    def workspace(self, req: Request) -> Any:
        """The ``workspace`` parameter resolved (absent -> the user's default)."""
        return self.backend.resolve_workspace(req.user, ref_param(req, "workspace"))

    def project(self, req: Request, ws: Any) -> Any:
        """``project`` absent or ``null`` -> None (no project filter), else the resolved row."""
        raw = ref_param(req, "project")
        if raw is None or raw.lower() == "null":
            return None
        return self.backend.resolve_project(req.user, ws, raw)
