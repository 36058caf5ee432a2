"""Run one snapshot query: check the request keys, compile, page, shape, build the envelope.

Authorisation follows the WSAPI rules of the emulator: the workspace must be one the user may
access, and a snapshot is readable when its project is visible to the user (the same
per-row visibility WSAPI reads use, so finer project permissions apply here too).  Snapshots
in other projects are left out; unless ``removeUnauthorizedSnapshots`` is true the response
names their projects in ``UnauthorizedProjects`` with a warning (modelled: Rally's exact
behaviour without the flag is not documented).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyral.emulator import errors
from pyral.emulator.backend import identity, reading, scoping
from pyral.emulator.errors import LookbackError
from pyral.emulator.serializer import typedef_oid
from pyral.emulator.store import Row, now_iso

from .find import FindScope, check_field, compile_find, field_sql

if TYPE_CHECKING:
    from pyral.emulator.backend import Backend

__all__ = ["MAX_PAGESIZE", "LookbackRequest", "envelope", "parse_request", "run_query"]

MAX_PAGESIZE = 20000
DEFAULT_PAGESIZE = 20000
_KNOWN_KEYS = {
    "find",
    "fields",
    "hydrate",
    "sort",
    "start",
    "pagesize",
    "compress",
    "removeUnauthorizedSnapshots",
}
#: Meta fields every snapshot carries beside the artifact's own.
_META = ("_id", "_ValidFrom", "_ValidTo", "_SnapshotNumber", "_SnapshotType")


@dataclass
class LookbackRequest:
    find: Any
    fields: list[str] | None = None  # None: every field
    hydrate: list[str] = field(default_factory=list)
    sort: list[tuple[str, int]] = field(default_factory=list)
    start: int = 0
    pagesize: int = DEFAULT_PAGESIZE
    compress: bool = False
    remove_unauthorized: bool = False
    warnings: list[str] = field(default_factory=list)


def _names(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LookbackError(errors.lookback_bad_key_type(key, "a list of field names", value))
    return [check_field(v) for v in value]


def _flag(key: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise LookbackError(errors.lookback_bad_key_type(key, "true or false", value))
    return value


def parse_request(keys: dict[str, Any]) -> LookbackRequest:
    """Check every request key (already JSON-decoded) and collect them."""
    if "find" not in keys or keys["find"] is None:
        raise LookbackError(errors.LOOKBACK_FIND_REQUIRED)
    req = LookbackRequest(find=keys["find"])
    if not isinstance(req.find, dict):
        raise LookbackError(errors.lookback_bad_key_type("find", "a JSON object", req.find))
    fields = keys.get("fields")
    if fields is not None and fields is not True:
        req.fields = _names("fields", fields)
    if keys.get("hydrate") is not None:
        req.hydrate = _names("hydrate", keys["hydrate"])
    sort = keys.get("sort")
    if sort is not None:
        if not isinstance(sort, dict):
            raise LookbackError(errors.lookback_bad_sort(sort))
        for name, direction in sort.items():
            if direction not in (1, -1) or isinstance(direction, bool):
                raise LookbackError(errors.lookback_bad_sort(sort))
            req.sort.append((check_field(name), direction))
    start = keys.get("start", 0)
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise LookbackError(errors.lookback_start(start))
    req.start = start
    size = keys.get("pagesize", DEFAULT_PAGESIZE)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGESIZE:
        raise LookbackError(errors.lookback_pagesize(size, MAX_PAGESIZE))
    req.pagesize = size
    req.compress = _flag("compress", keys.get("compress"))
    req.remove_unauthorized = _flag(
        "removeUnauthorizedSnapshots", keys.get("removeUnauthorizedSnapshots")
    )
    req.warnings = [errors.lookback_ignored_key(k) for k in keys if k not in _KNOWN_KEYS]
    return req


def envelope(
    *,
    results: list[dict[str, Any]] | None = None,
    total: int = 0,
    start: int = 0,
    pagesize: int = DEFAULT_PAGESIZE,
    errs: list[str] | None = None,
    warnings: list[str] | None = None,
    query: dict[str, Any] | None = None,
    unauthorized: list[str] | None = None,
) -> dict[str, Any]:
    """The response body: the same keys on success and on error."""
    body: dict[str, Any] = {
        "_rallyAPIMajor": "2",
        "_rallyAPIMinor": "0",
        "Errors": list(errs or []),
        "Warnings": list(warnings or []),
        "GeneratedQuery": query or {},
        "TotalResultCount": total,
        "HasMore": start + pagesize < total,
        "StartIndex": start,
        "PageSize": pagesize,
        "ETLDate": now_iso(),
        "Results": list(results or []),
    }
    if unauthorized is not None:
        body["UnauthorizedProjects"] = unauthorized
    return body


# -- scope ------------------------------------------------------------------------------


class _Scope:
    """Workspace facts a query needs: its types, projects and what the user may see."""

    def __init__(self, backend: Backend, user: Row, workspace: Row) -> None:
        self.backend = backend
        self.user = user
        self.workspace = workspace
        self.schema = backend.schema_for(workspace.oid)
        rows = backend.store.select(
            "o.type = 'TypeDefinition' AND o.workspace = ?", [workspace.oid]
        )
        self.typedef_oids = {str(r.data.get("TypePath")): r.oid for r in rows}
        self.typedef_names = {r.oid: str(r.data.get("TypePath")) for r in rows}
        for r in rows:
            self.typedef_oids.setdefault(str(r.data.get("ElementName")), r.oid)
        # WSAPI reports built-in TypeDefinitions under stable ids of their own: accept and
        # report those, so an ObjectID read from WSAPI works here.
        for td in self.schema.types():
            wsapi_oid = typedef_oid(td)
            self.typedef_names[wsapi_oid] = td.type_path
            self.typedef_oids[td.type_path] = wsapi_oid
            self.typedef_oids[td.element_name] = wsapi_oid
        self.tree = scoping.project_tree(backend.store, workspace.oid)

    def types(self, value: Any) -> list[str] | None:
        name = self.typedef_names.get(value) if isinstance(value, int) else value
        if not isinstance(name, str):
            return None
        td = self.schema.lookup(name)
        if td is None:
            return None
        return scoping.concrete_type_names(self.schema, td)

    def projects(self, oid: int) -> list[int]:
        return scoping.scoped_projects(
            self.backend.store, self.workspace.oid, oid, up=False, down=True
        )

    def visible_projects(self) -> list[int]:
        """Projects whose snapshots the user may read: the WSAPI visibility of each project."""
        rows = self.backend.store.get_many(self.tree)
        return sorted(
            oid for oid, row in rows.items() if reading.visible(self.backend, self.user, row)
        )


def resolve_workspace(backend: Backend, user: Row, text: str) -> Row:
    try:
        oid = int(text)
    except ValueError:
        oid = None
    row = backend.store.get(oid) if oid is not None else None
    if (
        row is None
        or row.type != "Workspace"
        or row.recycled
        or not identity.may_access_workspace(backend.store, user, row.oid)
    ):
        raise LookbackError(errors.lookback_unknown_workspace(text), http_status=404)
    return row


# -- running ----------------------------------------------------------------------------


def _order(req: LookbackRequest) -> str:
    parts = [f"{field_sql(name)} {'ASC' if d == 1 else 'DESC'}" for name, d in req.sort]
    return ", ".join([*parts, "s.valid_from", "s.id"])


def run_query(backend: Backend, user: Row, workspace_text: str, keys: dict[str, Any]) -> dict:
    """Answer one snapshot query; raises LookbackError for anything the caller got wrong."""
    req = parse_request(keys)
    workspace = resolve_workspace(backend, user, workspace_text)
    scope = _Scope(backend, user, workspace)
    find_sql, params = compile_find(req.find, FindScope(scope.types, scope.projects))
    for name in req.hydrate + [n for n, _ in req.sort] + (req.fields or []):
        check_field(name)
    visible = scope.visible_projects()
    marks = ",".join("?" * len(visible)) or "NULL"
    allowed = f"(s.project IS NULL OR s.project IN ({marks}))"
    base = f"s.workspace = ? AND ({find_sql})"
    args = [workspace.oid, *params]
    conn = backend.store.connection()
    order = _order(req)
    unauthorized: list[str] | None = None
    warnings = list(req.warnings)
    if not req.remove_unauthorized:
        hidden = conn.execute(
            f"SELECT DISTINCT s.project FROM snapshots s WHERE {base} AND NOT {allowed}"
            " ORDER BY s.project",
            [*args, *visible],
        ).fetchall()
        unauthorized = [f"/project/{t[0]}" for t in hidden]
        if unauthorized:
            warnings.append(errors.LOOKBACK_UNAUTHORIZED_WARNING)
    where = f"{base} AND {allowed}"
    select = f"SELECT s.id, s.oid, s.number, s.valid_from, s.valid_to, s.kind, s.data FROM snapshots s WHERE {where}"
    if req.compress:
        rows = conn.execute(f"{select} ORDER BY s.oid, s.valid_from", [*args, *visible]).fetchall()
        docs = _compress([_doc(t) for t in rows], req.fields)
        docs.sort(key=lambda d: _sort_key(d, req))
        total = len(docs)
        page = docs[req.start : req.start + req.pagesize]
    else:
        total = int(
            conn.execute(
                f"SELECT COUNT(*) FROM snapshots s WHERE {where}", [*args, *visible]
            ).fetchone()[0]
        )
        rows = conn.execute(
            f"{select} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, *visible, req.pagesize, req.start],
        ).fetchall()
        page = [_doc(t) for t in rows]
    results = [_shape(backend, scope, doc, req) for doc in page]
    query = {
        "find": req.find,
        "limit": req.pagesize,
        "skip": req.start,
        "fields": req.fields if req.fields is not None else True,
    }
    if req.sort:
        query["sort"] = dict(req.sort)
    return envelope(
        results=results,
        total=total,
        start=req.start,
        pagesize=req.pagesize,
        warnings=warnings,
        query=query,
        unauthorized=unauthorized,
    )


def _doc(t: tuple[Any, ...]) -> dict[str, Any]:
    doc = json.loads(t[6])
    doc["ObjectID"] = t[1]
    doc["_id"] = f"{t[0]:024x}"
    doc["_SnapshotNumber"] = t[2]
    doc["_ValidFrom"] = t[3]
    doc["_ValidTo"] = t[4]
    doc["_SnapshotType"] = t[5]
    return doc


def _sort_key(doc: dict[str, Any], req: LookbackRequest) -> tuple[Any, ...]:
    key: list[Any] = []
    for name, direction in req.sort:
        value = _lookup(doc, name)
        text = json.dumps(value, sort_keys=True, default=str)
        rank = (value is not None, value if isinstance(value, (int, float)) else 0, text)
        key.append(rank if direction == 1 else _Reverse(rank))
    key.extend([doc["_ValidFrom"], doc["_id"]])
    return tuple(key)


class _Reverse:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reverse) -> bool:
        return bool(self.value > other.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and self.value == other.value


def _compress(docs: list[dict[str, Any]], fields: list[str] | None) -> list[dict[str, Any]]:
    """Fold each snapshot into the one before it (same item, adjacent interval) when none of
    the requested fields changed; the survivor's ``_ValidTo`` stretches to cover both."""
    watched = [f for f in (fields or []) if not f.startswith("_")]
    out: list[dict[str, Any]] = []
    for doc in docs:
        last = out[-1] if out else None
        if (
            last is not None
            and fields is not None
            and last["ObjectID"] == doc["ObjectID"]
            and last["_ValidTo"] == doc["_ValidFrom"]
            and all(_lookup(last, f) == _lookup(doc, f) for f in watched)
        ):
            last["_ValidTo"] = doc["_ValidTo"]
            continue
        out.append(doc)
    return out


def _lookup(doc: dict[str, Any], name: str) -> Any:
    current: Any = doc
    for part in name.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _shape(backend: Backend, scope: _Scope, doc: dict[str, Any], req: LookbackRequest) -> dict:
    """Project the requested fields and hydrate the requested references."""
    hierarchy = doc.get("_TypeHierarchy") or []
    hydrated = set(req.hydrate)
    if "_TypeHierarchy" not in hydrated:
        doc["_TypeHierarchy"] = [scope.typedef_oids.get(name, name) for name in hierarchy]
    if req.fields is None:
        shaped = doc
    else:
        shaped = {name: _lookup(doc, name) for name in req.fields if _has(doc, name)}
    for name in req.hydrate:
        if name == "_TypeHierarchy":
            continue
        if name in shaped:
            shaped[name] = _hydrate(backend, shaped[name])
        elif "." in name and _has(shaped, name):  # every field sent: hydrate inside objects
            *path, last = name.split(".")
            holder = shaped
            for part in path:
                holder = holder[part]
            holder[last] = _hydrate(backend, holder[last])
    return shaped


def _has(doc: dict[str, Any], name: str) -> bool:
    parts = name.split(".")
    current: Any = doc
    for part in parts:
        if not isinstance(current, dict) or part not in current:
            return False
        current = current[part]
    return True


def _hydrate(backend: Backend, value: Any) -> Any:
    """An ObjectID (or a list of them) as the name of what it points to."""
    if isinstance(value, list):
        return [_hydrate(backend, v) for v in value]
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    row = backend.store.get(value)
    if row is None:
        return value
    d = row.data
    return (
        d.get("Name")
        or d.get("DisplayName")
        or d.get("UserName")
        or d.get("_refObjectName")
        or value
    )
