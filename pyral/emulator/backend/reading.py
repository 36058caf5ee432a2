"""Reads: one object, a query page, a collection page, a collection count.

Every read goes through the same visibility rule: a row is visible when it is not in the
recycle bin and its workspace is one the user may access.  Filtering and ordering are the
query module's job; this module only adds the scope conditions and the paging.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import TYPE_CHECKING

from pyral.emulator import errors
from pyral.emulator.errors import NotFoundError, QueryError
from pyral.emulator.schema import AttrDef, Schema, TypeDef
from pyral.emulator.store import Row, json_field

from . import identity, permissions
from .scoping import Where, base_where, concrete_type_names

if TYPE_CHECKING:
    from . import Backend

#: Types whose plain query comes back empty in Rally (spec a: "a plain query comes back empty").
EMPTY_QUERY_TYPES = frozenset({"AttachmentContent"})


def visible(backend: Backend, user: Row, row: Row | None) -> bool:
    if row is None or row.recycled:
        return False
    ws = row.oid if row.type == "Workspace" else row.workspace
    if not identity.may_access_workspace(backend.store, user, ws):
        return False
    return permissions.may_read(backend.store, user, row)


def get_row(backend: Backend, user: Row, typedef: TypeDef, oid: int) -> Row:
    row = backend.store.get(oid)
    if not visible(backend, user, row):
        raise NotFoundError(errors.CANNOT_FIND_TO_READ)
    assert row is not None
    schema = backend.schema_for(row.workspace)
    if not schema.is_a(row.type, typedef.element_name):
        raise NotFoundError(errors.CANNOT_FIND_TO_READ)
    return redacted(backend, user, row)


def redacted(backend: Backend, user: Row, row: Row) -> Row:
    """``row`` as ``user`` may see it: another user's profile and User lose the references
    into workspaces and projects the reader cannot see (a copy; the stored row is untouched).
    """
    if row.type not in ("User", "UserProfile") or permissions.is_subscription_admin(user):
        return row
    own = row.oid == user.oid or row.oid == user.data.get("UserProfile")
    if own:
        return row
    data = dict(row.data)
    for name in ("DefaultWorkspace", "DefaultProject"):
        target = backend.store.get(data[name]) if isinstance(data.get(name), int) else None
        if target is not None and not visible(backend, user, target):
            data[name] = None
    if isinstance(data.get("TeamMemberships"), list):
        members = backend.store.get_many([v for v in data["TeamMemberships"] if isinstance(v, int)])
        data["TeamMemberships"] = [
            oid for oid, project in members.items() if visible(backend, user, project)
        ]
    return replace(row, data=data)


def _redact_all(backend: Backend, user: Row, rows: list[Row]) -> list[Row]:
    return [redacted(backend, user, r) for r in rows]


def _filter_and_order(
    schema: Schema, typedef: TypeDef, query: str | None, order: str | None, where: Where
) -> str:
    """Add the compiled user query to ``where``; return the ORDER BY text."""
    from pyral.emulator.query import compile_order, compile_query, parse_order, parse_query

    if query is not None and query.strip():
        sql, params = compile_query(parse_query(query), typedef, schema, alias="o")
        where.add(sql, *params)
    if order is not None and order.strip():
        return compile_order(parse_order(order, typedef, schema), typedef, schema, alias="o")
    return "o.oid"


#: SQLite's own limits a valid but huge query can hit (nesting, ORDER BY terms, expression
#: size): the caller asked for too much, so they are answered as a query error, not a 500.
_TOO_COMPLEX = (
    "parser stack overflow",
    "too many terms",
    "expression tree is too large",
    "too many sql variables",
    "too many from clause terms",
    "at most 64 tables in a join",
)


def _page(
    backend: Backend, where: Where, order_sql: str, start: int, pagesize: int
) -> tuple[int, list[Row]]:
    try:
        return _run_page(backend, where, order_sql, start, pagesize)
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if any(marker in text.lower() for marker in _TOO_COMPLEX):
            raise QueryError(errors.query_too_complex(text)) from exc
        raise


def _run_page(
    backend: Backend, where: Where, order_sql: str, start: int, pagesize: int
) -> tuple[int, list[Row]]:
    total = backend.store.count(where.sql, where.params)
    offset = max(int(start), 1) - 1
    limit = max(int(pagesize), 0)
    if limit == 0 or offset >= total:
        return total, []
    rows = backend.store.select(
        where.sql, where.params, order_sql=order_sql, limit=limit, offset=offset
    )
    return total, rows


def run_query(
    backend: Backend,
    user: Row,
    typedef: TypeDef,
    *,
    query: str | None,
    order: str | None,
    start: int,
    pagesize: int,
    workspace: Row | None,
    project: Row | None,
    scope_up: bool,
    scope_down: bool,
    workspace_named: bool = True,
) -> tuple[int, list[Row]]:
    """(TotalResultCount, the page of rows); ``start`` is 1-based.

    ``workspace_named`` is false when the request sent no ``workspace`` and ``workspace``
    is only the caller's default (it matters for User queries, see ``base_where``).
    """
    schema = backend.schema_for(workspace.oid if workspace else None)
    where = base_where(
        backend.store,
        schema,
        typedef,
        workspace=workspace,
        project=project,
        scope_up=scope_up,
        scope_down=scope_down,
        visible_workspaces=identity.granted_workspace_oids(backend.store, user),
        workspace_named=workspace_named,
    )
    _restrict_to_readable(backend, user, where, workspace.oid if workspace else None)
    order_sql = _filter_and_order(schema, typedef, query, order, where)
    if typedef.element_name in EMPTY_QUERY_TYPES:
        return 0, []
    total, rows = _page(backend, where, order_sql, start, pagesize)
    return total, _redact_all(backend, user, rows)


def _restrict_to_readable(backend: Backend, user: Row, where: Where, workspace: int | None) -> None:
    """Drop rows of projects the user has no role in (items, and Project rows themselves)."""
    if workspace is None:
        return
    readable = permissions.readable_projects(backend.store, user, workspace)
    if readable is None:
        return
    marks = ",".join("?" * len(readable)) or "NULL"
    where.add(
        f"(o.type = 'Project' AND o.oid IN ({marks}))"
        f" OR (o.type != 'Project' AND (o.project IS NULL OR o.project IN ({marks})))",
        *readable,
        *readable,
    )
    # Revision histories and revisions carry no project: they follow the object they record.
    # (``NOT IN (NULL)`` is never true, so no readable project at all needs its own text.)
    governing = "coalesce(a.project, CASE WHEN a.type = 'Project' THEN a.oid END)"
    unreadable = f"{governing} NOT IN ({marks})" if readable else "1"
    where.add(
        "o.type NOT IN ('Revision', 'RevisionHistory') OR NOT EXISTS (SELECT 1 FROM objects a"
        f" WHERE a.workspace IS o.workspace AND {governing} IS NOT NULL AND {unreadable}"
        " AND json_extract(a.data, '$.RevisionHistory') ="
        " (CASE WHEN o.type = 'Revision' THEN json_extract(o.data, '$.RevisionHistory')"
        " ELSE o.oid END))",
        *readable,
    )


def _owner_workspace(owner: Row) -> int | None:
    """The workspace whose roles govern the members of ``owner``'s collections."""
    if owner.type == "Workspace":
        return owner.oid
    if owner.type == "Project":
        return identity.project_workspace(owner)
    return owner.workspace


def member_where(backend: Backend, schema: Schema, owner: Row, attr: AttrDef) -> Where:
    """Rows that are members of ``owner``'s collection ``attr`` (live ones only)."""
    target = schema.lookup(attr.target or "")
    where = Where()
    if target is not None:
        where.add_in("o.type", concrete_type_names(schema, target))
    where.add("o.recycled = 0")
    if attr.is_stored:
        stored = owner.data.get(attr.name)
        members = stored if isinstance(stored, list) else []  # a damaged value: no members
        # Only values an ObjectID can be: a damaged member (a bool, a float, an integer past
        # SQLite's 64 bits) names no object, and must not fail the query that counts them.
        oids = [
            v for v in members if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**63
        ]
        where.add_in("o.oid", oids)
        return where
    back = target.attribute(attr.inverse_of or "") if target else None
    field = json_field("o", attr.inverse_of or "")
    if back is not None and back.is_collection:
        # json_each over a path of the row's document (the name was checked by json_field),
        # not over extracted text: a damaged non-array value then cannot fail the query.
        each = f"json_each(o.data, '$.{attr.inverse_of}')"
        where.add(f"EXISTS (SELECT 1 FROM {each} j WHERE j.value = ?)", owner.oid)
    else:
        where.add(f"{field} = ?", owner.oid)
    return where


def collection(
    backend: Backend,
    user: Row,
    owner: Row,
    attr: AttrDef,
    *,
    query: str | None,
    order: str | None,
    start: int,
    pagesize: int,
) -> tuple[int, list[Row]]:
    schema = backend.schema_for(owner.workspace)
    target = schema.lookup(attr.target or "")
    if target is None:
        raise NotFoundError(errors.unknown_type(attr.target or attr.name))
    where = member_where(backend, schema, owner, attr)
    if target.element_name == "Workspace":
        granted = identity.granted_workspace_oids(backend.store, user)
        where.add_in("o.oid", sorted(granted))
    if not (order and order.strip()) and target.element_name == "Revision":
        # Revision histories read newest first (spec k).
        order = "RevisionNumber desc"
    _restrict_to_readable(backend, user, where, _owner_workspace(owner))
    order_sql = _filter_and_order(schema, target, query, order, where)
    total, rows = _page(backend, where, order_sql, start, pagesize)
    return total, _redact_all(backend, user, rows)


def collection_count(backend: Backend, owner: Row, attr: AttrDef, user: Row | None = None) -> int:
    """Members of ``owner``'s collection; with ``user``, only those he may see."""
    schema = backend.schema_for(owner.workspace)
    if attr.is_stored and not owner.data.get(attr.name):
        return 0
    where = member_where(backend, schema, owner, attr)
    if user is not None:
        _restrict_to_readable(backend, user, where, _owner_workspace(owner))
    return backend.store.count(where.sql, where.params)


def pi_state_names(backend: Backend, workspace: Row, typedef: TypeDef) -> list[str]:
    """Names of a portfolio-item level's enabled States in one workspace, by OrderIndex.

    Read from the State rows on every call (States can be renamed, reordered or disabled
    while serving); a level is matched through its TypeDefinition row, as ``State.TypeDef``
    points at it.  A disabled State cannot be chosen, so it is not listed.
    """
    rows = backend.store.select(
        "o.type = 'State' AND o.recycled = 0 AND o.workspace = ?"
        " AND coalesce(json_extract(o.data, '$.Enabled'), 1) != 0"
        " AND json_extract(o.data, '$.TypeDef') IN (SELECT t.oid FROM objects t"
        " WHERE t.type = 'TypeDefinition' AND (t.workspace = ? OR t.workspace IS NULL)"
        " AND (json_extract(t.data, '$.TypePath') = ? OR json_extract(t.data, '$.ElementName') = ?))",
        [workspace.oid, workspace.oid, typedef.type_path, typedef.element_name],
        order_sql="json_extract(o.data, '$.OrderIndex'), o.oid",
    )
    return [str(r.data.get("Name") or "") for r in rows]


def reference_allowed_values(
    backend: Backend, workspace: Row, typedef: TypeDef, attr: AttrDef
) -> list[str]:
    """What ``AllowedValues`` lists for an OBJECT or COLLECTION attribute, by name.

    Only targets whose choices are the same for every item of the workspace are listed:
    a portfolio-item level's States and the workspace's (unarchived) Tags.  Everything
    else (Owner, Project, Iteration, Milestones, other artifacts...) depends on the item
    or its project, so the list is empty, and clients treat the attribute as free.
    """
    if attr.target == "State" and attr.is_reference:
        concrete = not typedef.abstract and typedef.is_portfolio_item()
        return pi_state_names(backend, workspace, typedef) if concrete else []
    if attr.target == "Tag":
        rows = backend.store.select(
            "o.type = 'Tag' AND o.recycled = 0 AND o.workspace = ?"
            " AND coalesce(json_extract(o.data, '$.Archived'), 0) = 0",
            [workspace.oid],
            order_sql="lower(json_extract(o.data, '$.Name')), o.oid",
        )
        return [str(r.data.get("Name") or "") for r in rows]
    return []
