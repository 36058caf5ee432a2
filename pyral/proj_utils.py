"""Walking a project hierarchy that is already in memory.

Rally projects point up with ``Parent`` (and down with ``Children``), but a ``Parent`` value is
often only a reference (a shell entity, a ref dict or a ref string) rather than the full object,
and ``Children`` may not have been fetched at all.  These helpers therefore look relatives up in
a *pool* of projects the caller already holds (for instance the result of
``rally.get('Project', fetch='Name,ObjectID,Parent')``) and match them by ObjectID when both
sides have one, by name otherwise.  No requests are made.

A project may be an entity (attributes ``Name``, ``Parent``, ``ObjectID``, ``_ref``,
``Children``), a mapping with the same keys, or a plain ``(name, parent_name)`` pair; a project
given as a string is looked up in the pool by name or ref.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["projectAncestors", "projectDescendants", "projeny", "flatten"]

_MAX_DEPTH_WITHOUT_POOL = 500
_TRAILING_OID = re.compile(r"/(\d+)(?:\.js)?/?$")


def _field(project: Any, name: str) -> Any:
    if isinstance(project, tuple):
        return {"Name": project[0], "Parent": project[1] if len(project) > 1 else None}.get(name)
    if isinstance(project, Mapping):
        return project.get(name)
    return getattr(project, name, None)


def _oid(project: Any) -> str | None:
    if isinstance(project, str):
        match = _TRAILING_OID.search(project)
        return match.group(1) if match else None
    oid = _field(project, "ObjectID") or _field(project, "oid")
    if oid:
        return str(oid)
    ref = _field(project, "_ref") or _field(project, "ref")
    return _oid(ref) if isinstance(ref, str) else None


def _name(project: Any) -> str | None:
    if isinstance(project, str):
        return None if _TRAILING_OID.search(project) else project
    name = _field(project, "Name") or _field(project, "_refObjectName")
    return str(name) if name is not None else None


def _same(a: Any, b: Any) -> bool:
    """One project, possibly seen through different partial views of it."""
    if a is b:
        return True
    oid_a, oid_b = _oid(a), _oid(b)
    if oid_a and oid_b:
        return oid_a == oid_b
    name_a, name_b = _name(a), _name(b)
    return name_a is not None and name_a == name_b


def _resolve(project: Any, pool: Iterable[Any]) -> Any:
    """The pool's full view of ``project`` when it has one, else ``project`` itself."""
    for candidate in pool:
        if _same(candidate, project):
            return candidate
    return project


def _children(project: Any, pool: list[Any]) -> list[Any]:
    """Children found through the pool's Parent links; ``Children`` when there is no pool."""
    if pool:
        return [
            p
            for p in pool
            if _field(p, "Parent") is not None and _same(_field(p, "Parent"), project)
        ]
    return list(_field(project, "Children") or [])


def projectAncestors(
    target_project: Any, project_pool: Iterable[Any], ancestors: list[Any] | None = None
) -> list[Any]:
    """The chain of parents of ``target_project``: its parent first, the root project last.

    ``ancestors`` is appended to (and returned) so callers can accumulate; a parent missing from
    the pool ends the chain with whatever ``Parent`` held.  A cycle raises ``ValueError``.
    """
    pool = list(project_pool or [])
    chain: list[Any] = [] if ancestors is None else ancestors
    seen: list[Any] = [_resolve(target_project, pool)]
    current = seen[0]
    while True:
        parent = _field(current, "Parent")
        if parent is None or parent == "":
            return chain
        parent = _resolve(parent, pool)
        if any(_same(parent, earlier) for earlier in seen):
            raise ValueError(
                f"project Parent links form a cycle at {_name(parent) or _oid(parent)!r}"
            )
        chain.append(parent)
        seen.append(parent)
        current = parent


def projectDescendants(target_project: Any, project_pool: Iterable[Any]) -> list[Any]:
    """Every project below ``target_project``, depth first (a child before its own children)."""
    flat: list[Any] = []
    flatten(projeny(target_project, project_pool), None, flat)
    return flat[1:]  # the first entry is the target itself


def projeny(
    target_project: Any,
    project_pool: Iterable[Any],
    lineage: dict[Any, Any] | None = None,
    level: int = 0,
) -> dict[Any, Any]:
    """The progeny of ``target_project`` as a nested dict: ``{target: {child: {grandchild: {}}}}``.

    Keys are the pool's project objects (entities and tuples are hashable; plain dicts are not,
    so a pool of mappings must be converted first).  ``lineage`` receives the tree when given.
    ``level`` is the generation being built (0 for the caller); the recursion passes it down so
    that a hierarchy deeper than the pool is large -- only possible with a Parent cycle -- raises
    ``ValueError`` instead of recursing forever.  With an empty pool the entities' ``Children``
    are followed instead.
    """
    pool = list(project_pool or [])
    tree: dict[Any, Any] = {} if lineage is None else lineage
    # Without a pool the walk follows Children, and only an absurd depth can mean a cycle.
    limit = len(pool) + 1 if pool else _MAX_DEPTH_WITHOUT_POOL
    if level > limit:
        raise ValueError(f"project Parent links form a cycle below {_name(target_project)!r}")
    project = _resolve(target_project, pool)
    subtree: dict[Any, Any] = {}
    for child in _children(project, pool):
        projeny(child, pool, subtree, level + 1)
    tree[project] = subtree
    return tree


def _sort_key(project: Any, sort_attr: str) -> tuple[int, str]:
    value = _field(project, sort_attr)
    return (value is None, "" if value is None else str(value))


def flatten(
    target_dict: Mapping[Any, Any], sort_attr: str | None, list_o_things: list[Any] | None = None
) -> list[Any]:
    """The keys of a nested dict (such as :func:`projeny` returns) in depth-first order.

    Siblings are ordered by their ``sort_attr`` value (``'Name'`` for an alphabetical outline),
    or kept in the dict's order when ``sort_attr`` is None; ``list_o_things`` is appended to.
    """
    out: list[Any] = [] if list_o_things is None else list_o_things
    keys = list(target_dict)
    if sort_attr:
        keys.sort(key=lambda project: _sort_key(project, sort_attr))
    for key in keys:
        out.append(key)
        subtree = target_dict[key]
        if isinstance(subtree, Mapping) and subtree:
            flatten(subtree, sort_attr, out)
    return out
