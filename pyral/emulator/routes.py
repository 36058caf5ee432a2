"""The route table: which handler serves which WSAPI URL, as data.

Paths are matched after the service prefix (``/slm/webservice/v2.0/``) has been removed and a
trailing ``.js`` stripped.  Order matters: the first pattern that matches the path wins, so the
fixed words (``create``, ``add``, ``remove``, ``copy``) come before the generic shapes, and the
two-segment ``portfolioitem/<subtype>`` query comes before ``<type>/<oid>``.  A path that
matches a pattern but not its methods gets an explicit "method not supported" error, and a path
matching nothing gets an explicit "no such endpoint" error: never an empty success.

Each method maps to ``(handler, kind)``; ``kind`` picks the envelope errors are reported in
(``query`` -> QueryResult, ``create`` -> CreateResult, ``batch`` -> BatchResult, otherwise
OperationResult), because clients look for ``Errors`` under the root they expect.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .handlers import objects, service, typedefs

#: a type name in a path: ``portfolioitem/<subtype>`` or one word.
TYPE = r"(?P<type>portfolioitem/(?!create$)[A-Za-z_]\w*|[A-Za-z_]\w*)"
#: an object id segment; validated by the handler (numbers, negative built-ins, UUIDs...).
OID = r"(?P<oid>[^/]+)"
ATTR = r"(?P<attr>[A-Za-z_]\w*)"

SERVICE_PREFIX = re.compile(r"^/slm/webservice/v2\.(?:0|x)(?:/|$)", re.IGNORECASE)
SCHEMA_PREFIX = re.compile(r"^/slm/schema/v2\.(?:0|x)(?:/|$)", re.IGNORECASE)
ADMIN_PREFIX = "/_emulator/"


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: dict[str, tuple[Callable[..., Any], str]]
    name: str


def _route(name: str, regex: str, **methods: tuple[Callable[..., Any], str]) -> Route:
    return Route(re.compile(f"^{regex}$", re.IGNORECASE), methods, name)


def _is_word(value: str, word: str) -> bool:
    return value.lower() == word


SERVICE_ROUTES: tuple[Route, ...] = (
    _route("security", r"security/authorize", GET=(service.security_token, "operation")),
    _route("batch", r"batch", POST=(service.batch, "batch"), PUT=(service.batch, "batch")),
    _route(
        "allowed-values",
        r"attributedefinition/(?P<oid>-?\d+)/allowedvalues",
        GET=(service.allowed_values, "query"),
    ),
    _route("typedefs", r"typedefinitions?", GET=(typedefs.query, "query")),
    _route("typedef", r"typedefinitions?/(?P<oid>-?\d+)", GET=(typedefs.read, "operation")),
    _route(
        "typedef-attributes",
        r"typedefinitions?/(?P<oid>-?\d+)/attributes",
        GET=(typedefs.attributes, "query"),
    ),
    _route(
        "attrdef", r"attributedefinitions?/(?P<oid>-?\d+)", GET=(typedefs.attribute, "operation")
    ),
    _route(
        "create",
        TYPE + r"/create",
        PUT=(objects.create, "create"),
        POST=(objects.create, "create"),
    ),
    _route(
        "collection-add",
        TYPE + "/" + OID + "/" + ATTR + r"/add",
        POST=(objects.collection_add, "operation"),
    ),
    _route(
        "collection-remove",
        TYPE + "/" + OID + "/" + ATTR + r"/remove",
        POST=(objects.collection_remove, "operation"),
    ),
    _route("copy", TYPE + "/" + OID + r"/copy", POST=(objects.copy, "operation")),
    _route("collection", TYPE + "/" + OID + "/" + ATTR, GET=(objects.collection, "query")),
    _route("query", TYPE, GET=(objects.query, "query")),
    _route(
        "object",
        TYPE + "/" + OID,
        GET=(objects.read, "operation"),
        POST=(objects.update, "operation"),
        PUT=(objects.update, "operation"),
        DELETE=(objects.delete, "operation"),
    ),
)

SCHEMA_ROUTES: tuple[Route, ...] = (
    _route(
        "schema",
        r"(?P<scope>workspace|project)/(?P<oid>[^/]+)(?:/(?P<hash>[^/]+))?",
        GET=(service.schema, "query"),
    ),
)

#: ``GET /<type>`` for these names is not an ordinary query (singletons, empty contents).
SPECIAL_QUERIES: dict[str, Callable[..., Any]] = {
    "subscription": service.subscription,
    "user": service.current_user,
    "attachmentcontent": objects.empty_query,
}


@dataclass(frozen=True)
class Match:
    """A routing decision: the handler, its error-envelope kind and the URL groups."""

    handler: Callable[..., Any] | None
    kind: str
    groups: dict[str, str]
    area: str
    error: str | None = None
    status: int = 200


def split_service_path(path: str) -> tuple[str, str] | None:
    """``(area, rest)`` for a WSAPI path, area being 'service', 'schema' or 'admin'."""
    for area, prefix in (("service", SERVICE_PREFIX), ("schema", SCHEMA_PREFIX)):
        found = prefix.match(path)
        if found:
            return area, path[found.end() :].strip("/")
    if path.startswith(ADMIN_PREFIX):
        return "admin", path[len(ADMIN_PREFIX) :].strip("/")
    return None


def resolve(method: str, area: str, rest: str, *, has_query: bool = False) -> Match:
    """Pick the handler for ``method`` on ``rest`` (a path inside ``area``).

    ``has_query`` tells whether a ``query`` parameter was sent: ``/subscription`` and ``/user``
    answer with a singleton without one and a QueryResult with one.
    """
    table = SCHEMA_ROUTES if area == "schema" else SERVICE_ROUTES
    default_kind = "query" if method == "GET" else "operation"
    for route in table:
        found = route.pattern.match(rest)
        if not found:
            continue
        groups = {k: v for k, v in found.groupdict().items() if v is not None}
        entry = route.methods.get(method)
        if entry is None:
            kind = next(iter(route.methods.values()))[1]
            return Match(None, kind, groups, area, error="method", status=405)
        handler, kind = entry
        if route.name == "query":
            special = SPECIAL_QUERIES.get(groups["type"].lower())
            if special is not None:
                handler = special
                singleton = groups["type"].lower() in {"subscription", "user"}
                kind = "operation" if singleton and not has_query else kind
        return Match(handler, kind, groups, area)
    return Match(None, default_kind, {}, area, error="unknown", status=404)
