"""The WHERE clause that decides which rows a query may see, before the user's own filter.

Four independent restrictions, ANDed: the concrete types a (possibly abstract) type stands
for, the workspace, the project scope, and "not in the recycle bin".  Project scope follows
spec d: no ``project`` parameter means the whole workspace (pyral's connection setup relies
on it); a project widens down to its descendants and up to its ancestors over
``Project.Parent`` as ``projectScopeDown`` / ``projectScopeUp`` ask.  Only project-scoped
types are narrowed by project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyral.emulator.schema import Schema, TypeDef
from pyral.emulator.store import Row, Store

from . import identity


@dataclass
class Where:
    """SQL conditions over ``objects o`` and their parameters, built up piece by piece."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> Where:
        self.parts.append(f"({sql})")
        self.params.extend(params)
        return self

    def add_in(self, column: str, values: list[Any]) -> Where:
        if not values:
            return self.add("0")
        marks = ",".join("?" * len(values))
        return self.add(f"{column} IN ({marks})", *values)

    @property
    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "1"


def concrete_type_names(schema: Schema, typedef: TypeDef) -> list[str]:
    """Element names whose rows a query on ``typedef`` returns (itself, or its subtypes)."""
    names = [t.element_name for t in schema.concrete_types(typedef.element_name)]
    return names or [typedef.element_name]


def project_tree(store: Store, workspace_oid: int) -> dict[int, int | None]:
    """Project oid -> parent project oid, for one workspace."""
    rows = store.select("o.type = 'Project' AND o.workspace = ?", [workspace_oid])
    tree: dict[int, int | None] = {}
    for r in rows:
        parent = r.data.get("Parent")
        tree[r.oid] = parent if isinstance(parent, int) else None
    return tree


def scoped_projects(
    store: Store, workspace_oid: int, project_oid: int, *, up: bool, down: bool
) -> list[int]:
    """The project plus, on request, its descendants and its ancestors."""
    tree = project_tree(store, workspace_oid)
    chosen = {project_oid}
    if down:
        children: dict[int, list[int]] = {}
        for oid, parent in tree.items():
            if parent is not None:
                children.setdefault(parent, []).append(oid)
        pending = [project_oid]
        while pending:
            for child in children.get(pending.pop(), []):
                if child not in chosen:
                    chosen.add(child)
                    pending.append(child)
    if up:
        current = tree.get(project_oid)
        while current is not None and current not in chosen:
            chosen.add(current)
            current = tree.get(current)
    return sorted(chosen)


def base_where(
    store: Store,
    schema: Schema,
    typedef: TypeDef,
    *,
    workspace: Row | None,
    project: Row | None,
    scope_up: bool,
    scope_down: bool,
    visible_workspaces: set[int],
    workspace_named: bool = True,
) -> Where:
    """Type, workspace, project and recycle-bin restrictions for a query on ``typedef``.

    Users belong to the subscription, not to a workspace, yet Rally answers a User query
    that names a ``workspace`` with the users who have permission in that workspace (what
    pyral's ``getAllUsers(workspace=...)`` relies on).  Without a ``workspace`` parameter
    (``workspace_named`` false: the default workspace was only filled in for the schema),
    every user of the subscription is listed: any user may see the others' names.
    """
    where = Where()
    types = concrete_type_names(schema, typedef)
    where.add_in("o.type", types)
    if workspace is not None and workspace_named and "User" in types:
        sql, params = identity.permitted_users_condition(workspace.oid)
        where.add(f"o.type != 'User' OR {sql}", *params)
    where.add("o.recycled = 0")
    if typedef.element_name == "Workspace":
        where.add_in("o.oid", sorted(visible_workspaces))
    if workspace is not None and typedef.workspace_scoped:
        if typedef.project_scoped:
            where.add("o.workspace = ?", workspace.oid)
        else:
            # Subscription-level rows (workspace NULL) are shared by every workspace.
            where.add("o.workspace = ? OR o.workspace IS NULL", workspace.oid)
    if project is not None and typedef.project_scoped and workspace is not None:
        oids = scoped_projects(store, workspace.oid, project.oid, up=scope_up, down=scope_down)
        where.add_in("o.project", oids)
    return where
