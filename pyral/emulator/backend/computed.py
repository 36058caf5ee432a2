"""Values Rally computes on the server: boolean defaults and roll-ups from child objects.

Roll-ups are *stored* on the parent row (in its JSON ``data``, like any attribute), so they
are read, filtered and sorted by the ordinary query machinery with no special case.  They
are refreshed by :func:`after_write`, which every write path calls inside its own
``Store.write()`` transaction right after saving a child: the parent's totals are committed
together with the child write that changed them, and writes are serialised by the store,
so concurrent child writes can never leave a stale total behind.

What is computed (see docs/emulator.md, "Computed fields"):

* every BOOLEAN attribute defaults to ``false`` (never ``null``);
* work products with tasks (stories, defects, defect suites, test sets...):
  ``TaskEstimateTotal`` / ``TaskRemainingTotal`` / ``TaskActualTotal`` (sums of the live
  tasks' Estimate / ToDo / Actuals, 0.0 when none) and ``TaskStatus``;
* stories: ``DefectStatus`` (from the defects whose Requirement is the story),
  ``DirectChildrenCount`` (child stories) and ``HasParent``;
* test cases: ``DefectStatus`` (from the defects whose TestCase is the test case);
* portfolio items of every level: ``LeafStoryCount``, ``LeafStoryPlanEstimateTotal``,
  ``AcceptedLeafStoryCount``, ``AcceptedLeafStoryPlanEstimateTotal``,
  ``UnEstimatedLeafStoryCount``, ``PercentDoneByStoryCount``,
  ``PercentDoneByStoryPlanEstimate`` (fractions 0..1) and ``DirectChildrenCount``.

A leaf story is a live story with no live child story.  The lowest level's items count the
leaves under the stories linked to them (through PortfolioItem, then down the story tree);
higher levels add up their child items' stored totals, so a change is carried up the
portfolio tree one level at a time, bottom first.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Protocol

from pyral.emulator.schema import Schema, TypeDef
from pyral.emulator.store import Row, Store, json_field

__all__ = [
    "PI_ROLLUPS",
    "StoreEnv",
    "STORY_ROLLUPS",
    "TASK_ROLLUPS",
    "after_write",
    "fill_booleans",
    "recompute_workspace",
]

#: (total attribute on the work product, attribute summed over its tasks)
TASK_ROLLUPS = (
    ("TaskEstimateTotal", "Estimate"),
    ("TaskRemainingTotal", "ToDo"),
    ("TaskActualTotal", "Actuals"),
)
STORY_ROLLUPS = ("TaskStatus", "DefectStatus", "DirectChildrenCount", "HasParent")
PI_ROLLUPS = (
    "LeafStoryCount",
    "LeafStoryPlanEstimateTotal",
    "AcceptedLeafStoryCount",
    "AcceptedLeafStoryPlanEstimateTotal",
    "UnEstimatedLeafStoryCount",
    "PercentDoneByStoryCount",
    "PercentDoneByStoryPlanEstimate",
    "DirectChildrenCount",
)

# Child attributes whose change can move a parent's roll-up (others are skipped cheaply).
_TASK_INPUTS = ("WorkProduct", "Estimate", "ToDo", "Actuals", "State", "Blocked")
_STORY_INPUTS = ("Parent", "PortfolioItem", "ScheduleState", "PlanEstimate")
_DEFECT_INPUTS = ("Requirement", "TestCase", "State")
_PI_INPUTS = ("Parent",)

_ACCEPTED = "Accepted"
_CLOSED = "Closed"


class Env(Protocol):
    """What the roll-ups need from a write: the store, its open write connection, a schema."""

    store: Store
    conn: sqlite3.Connection
    schema: Schema


@dataclass
class StoreEnv:
    """An :class:`Env` for code that holds a write connection but no WriteContext (the seed)."""

    store: Store
    conn: sqlite3.Connection
    schema: Schema


def fill_booleans(typedef: TypeDef, data: dict[str, Any]) -> None:
    """Rally's BOOLEAN attributes are never null: a missing or null one is ``false``."""
    for name, attr in typedef.attributes.items():
        if attr.attr_type == "BOOLEAN" and data.get(name) is None:
            data[name] = False


# -- entry point -----------------------------------------------------------------------


def after_write(env: Env, row: Row, old: dict[str, Any] | None) -> None:
    """Refresh the roll-ups a write of ``row`` may have changed.

    ``old`` is the row's data before the write (None for a create).  A recycled ``row``
    counts as gone.  Both the old and the new parents are refreshed, so re-parenting a story
    or moving a task to another work product fixes the totals on both sides.
    """
    before = old or {}
    after = {} if row.recycled else row.data
    created = old is None
    gone = row.recycled

    def changed(names: tuple[str, ...]) -> bool:
        return created or gone or any(before.get(n) != after.get(n) for n in names)

    schema = env.schema
    work_products: set[int] = set()
    stories: set[int] = set()
    test_cases: set[int] = set()
    portfolio: set[int] = set()
    if row.type == "Task" and changed(_TASK_INPUTS):
        work_products |= _oids(before.get("WorkProduct"), after.get("WorkProduct"))
    elif row.type == "HierarchicalRequirement":
        if not gone:
            stories.add(row.oid)
        if changed(_STORY_INPUTS):
            parents = _oids(before.get("Parent"), after.get("Parent"))
            stories |= parents
            portfolio |= _oids(before.get("PortfolioItem"), after.get("PortfolioItem"))
            for parent in parents:
                feature = _story_feature(env, parent)
                if feature is not None:
                    portfolio.add(feature)
    elif row.type == "Defect" and changed(_DEFECT_INPUTS):
        stories |= _oids(before.get("Requirement"), after.get("Requirement"))
        test_cases |= _oids(before.get("TestCase"), after.get("TestCase"))
    elif schema.is_a(row.type, "PortfolioItem"):
        if not gone:
            portfolio.add(row.oid)
        if changed(_PI_INPUTS):
            portfolio |= _oids(before.get("Parent"), after.get("Parent"))
    if not gone and _has_task_totals(schema, row.type) and row.type != "Task":
        work_products.add(row.oid)
    if not gone and row.type == "TestCase":
        test_cases.add(row.oid)
    for oid in sorted(work_products | stories):
        _refresh_work_product(env, oid)
    for oid in sorted(test_cases):
        _refresh_test_case(env, oid)
    _refresh_portfolio(env, portfolio)


def recompute_workspace(env: Env, workspace: int) -> None:
    """Compute every roll-up of one workspace from scratch (after loading a seed)."""
    schema = env.schema
    owners = [t.element_name for t in schema.types() if _has_task_totals(schema, t.element_name)]
    for type_name in owners:
        for row in _select(env, "o.type = ? AND o.workspace = ?", [type_name, workspace]):
            _refresh_work_product(env, row.oid, row)
    for row in _select(env, "o.type = 'TestCase' AND o.workspace = ?", [workspace]):
        _refresh_test_case(env, row.oid, row)
    for level in schema.portfolio_item_types():
        for row in _select(env, "o.type = ? AND o.workspace = ?", [level.element_name, workspace]):
            _refresh_one_pi(env, row)


# -- work products and test cases -----------------------------------------------------------


def _refresh_work_product(env: Env, oid: int, row: Row | None = None) -> None:
    row = row or env.store.get(oid)
    if row is None or row.recycled:
        return
    attrs = _attributes(env, row)
    values: dict[str, Any] = {}
    if "TaskEstimateTotal" in attrs:
        tasks = _children(env, "Task", "WorkProduct", oid)
        for total, source in TASK_ROLLUPS:
            if total in attrs:
                values[total] = float(sum(_number(t.data.get(source)) for t in tasks))
        if "TaskStatus" in attrs:
            values["TaskStatus"] = task_status(tasks)
    if row.type == "HierarchicalRequirement":
        defects = _children(env, "Defect", "Requirement", oid)
        values["DefectStatus"] = defect_status(defects)
        values["DirectChildrenCount"] = len(_children(env, row.type, "Parent", oid))
        values["HasParent"] = row.data.get("Parent") is not None
    _store(env, row, values)


def _refresh_test_case(env: Env, oid: int, row: Row | None = None) -> None:
    row = row or env.store.get(oid)
    if row is None or row.recycled or "DefectStatus" not in _attributes(env, row):
        return
    _store(env, row, {"DefectStatus": defect_status(_children(env, "Defect", "TestCase", oid))})


def task_status(tasks: list[Row]) -> str:
    """NONE / DEFINED / IN_PROGRESS / COMPLETED from the tasks' States (``_BLOCKED`` when a
    started task is blocked), as Rally summarises a work product's tasks."""
    if not tasks:
        return "NONE"
    states = [t.data.get("State") for t in tasks]
    if all(s == "Completed" for s in states):
        status = "COMPLETED"
    elif all(s in (None, "Defined") for s in states):
        return "DEFINED"
    else:
        status = "IN_PROGRESS"
    if any(t.data.get("Blocked") for t in tasks):
        status += "_BLOCKED"
    return status


def defect_status(defects: list[Row]) -> str:
    """NONE / NONE_CLOSED / SOME_CLOSED / ALL_CLOSED from the defects' States."""
    if not defects:
        return "NONE"
    closed = sum(1 for d in defects if d.data.get("State") == _CLOSED)
    if closed == 0:
        return "NONE_CLOSED"
    return "ALL_CLOSED" if closed == len(defects) else "SOME_CLOSED"


# -- portfolio items ---------------------------------------------------------------------------


def _refresh_portfolio(env: Env, oids: set[int]) -> None:
    """Refresh these items, then their parents up the tree (each level after the one below)."""
    pending = set(oids)
    seen: set[int] = set()
    while pending:
        rows = [r for r in (env.store.get(o) for o in pending) if r is not None]
        pending = set()
        # Lowest level first, so a parent sums children that are already up to date.
        rows.sort(key=lambda r: (_ordinal(env, r), r.oid))
        for row in rows:
            if row.oid in seen:
                continue
            seen.add(row.oid)
            if not row.recycled:
                _refresh_one_pi(env, row)
            parent = row.data.get("Parent")
            if isinstance(parent, int) and parent not in seen:
                pending.add(parent)


def _refresh_one_pi(env: Env, row: Row) -> None:
    attrs = _attributes(env, row)
    if "LeafStoryCount" not in attrs:
        return
    count = accepted = unestimated = 0
    estimate = accepted_estimate = 0.0
    stories = _children(env, "HierarchicalRequirement", "PortfolioItem", row.oid)
    for leaf in _leaves(env, stories):
        points = leaf.data.get("PlanEstimate")
        count += 1
        estimate += _number(points)
        if points is None:
            unestimated += 1
        if _is_accepted(env, leaf):
            accepted += 1
            accepted_estimate += _number(points)
    children = _child_items(env, row)
    for child in children:
        count += int(_number(child.data.get("LeafStoryCount")))
        estimate += _number(child.data.get("LeafStoryPlanEstimateTotal"))
        accepted += int(_number(child.data.get("AcceptedLeafStoryCount")))
        accepted_estimate += _number(child.data.get("AcceptedLeafStoryPlanEstimateTotal"))
        unestimated += int(_number(child.data.get("UnEstimatedLeafStoryCount")))
    values: dict[str, Any] = {
        "LeafStoryCount": count,
        "LeafStoryPlanEstimateTotal": estimate,
        "AcceptedLeafStoryCount": accepted,
        "AcceptedLeafStoryPlanEstimateTotal": accepted_estimate,
        "UnEstimatedLeafStoryCount": unestimated,
        "PercentDoneByStoryCount": accepted / count if count else 0.0,
        "PercentDoneByStoryPlanEstimate": accepted_estimate / estimate if estimate else 0.0,
        "DirectChildrenCount": len(stories) + len(children),
    }
    _store(env, row, {k: v for k, v in values.items() if k in attrs})


def _child_items(env: Env, row: Row) -> list[Row]:
    return [
        r for r in _by_pointer(env, "Parent", row.oid) if env.schema.is_a(r.type, "PortfolioItem")
    ]


def _leaves(env: Env, stories: list[Row]) -> list[Row]:
    """Leaf stories at or below ``stories`` (each visited once, even in a bad cycle)."""
    out: list[Row] = []
    seen: set[int] = set()
    stack = list(stories)
    while stack:
        story = stack.pop()
        if story.oid in seen:
            continue
        seen.add(story.oid)
        kids = _children(env, "HierarchicalRequirement", "Parent", story.oid)
        if kids:
            stack.extend(kids)
        else:
            out.append(story)
    return out


def _story_feature(env: Env, oid: int) -> int | None:
    """The portfolio item a story rolls up to: its own, or its top-most parent story's."""
    seen: set[int] = set()
    current = env.store.get(oid)
    while current is not None and current.oid not in seen:
        seen.add(current.oid)
        feature = current.data.get("PortfolioItem")
        if isinstance(feature, int):
            return feature
        parent = current.data.get("Parent")
        current = env.store.get(parent) if isinstance(parent, int) else None
    return None


def _is_accepted(env: Env, story: Row) -> bool:
    """Accepted or any later schedule state (a workspace may add states after Accepted)."""
    td = env.schema.lookup(story.type)
    attr = td.attribute("ScheduleState") if td else None
    values = list(attr.allowed_values or ()) if attr else []
    state = story.data.get("ScheduleState")
    if _ACCEPTED in values and state in values:
        return values.index(state) >= values.index(_ACCEPTED)
    return state == _ACCEPTED


# -- helpers -------------------------------------------------------------------------------


def _has_task_totals(schema: Schema, type_name: str) -> bool:
    td = schema.lookup(type_name)
    return td is not None and not td.abstract and "TaskEstimateTotal" in td.attributes


def _attributes(env: Env, row: Row) -> dict[str, Any]:
    td = env.schema.lookup(row.type)
    return dict(td.attributes) if td is not None else {}


def _ordinal(env: Env, row: Row) -> int:
    td = env.schema.lookup(row.type)
    return td.ordinal if td is not None and td.ordinal is not None else 1 << 30


def _oids(*values: Any) -> set[int]:
    return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value)


def _select(env: Env, where: str, params: list[Any]) -> list[Row]:
    return env.store.select(f"{where} AND o.recycled = 0", params)


def _by_pointer(env: Env, pointer: str, oid: int) -> list[Row]:
    return _select(env, f"{json_field('o', pointer)} = ?", [oid])


def _children(env: Env, type_name: str, pointer: str, oid: int) -> list[Row]:
    return [r for r in _by_pointer(env, pointer, oid) if r.type == type_name]


def _store(env: Env, row: Row, values: dict[str, Any]) -> None:
    """Save only what changed; roll-ups are not edits, so no new version or revision."""
    if all(row.data.get(k) == v and k in row.data for k, v in values.items()):
        return
    row.data.update(values)
    env.store.save(row, env.conn)
