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
* test cases: ``DefectStatus`` (from the defects whose TestCase is the test case) and
  ``LastVerdict`` / ``LastRun`` / ``LastBuild`` / ``LastResult`` (from the newest result);
* work products' test cases: ``TestCaseCount``, ``PassingTestCaseCount``,
  ``TestCaseStatus`` (and a story's ``TotalDirectTestCaseCount`` /
  ``DirectPassingTestCaseCount``); defect suites: ``TotalDefectCount``, ``ClosedDefectCount``;
* portfolio items of every level: ``LeafStoryCount``, ``LeafStoryPlanEstimateTotal``,
  ``AcceptedLeafStoryCount``, ``AcceptedLeafStoryPlanEstimateTotal``,
  ``UnEstimatedLeafStoryCount``, ``PercentDoneByStoryCount``,
  ``PercentDoneByStoryPlanEstimate`` (fractions 0..1) and ``DirectChildrenCount``;
* discussion posts: ``PostNumber`` (1, 2, ... per artifact, in creation order);
* iterations and releases: ``PlanEstimate`` (the scheduled work items' estimates),
  ``TaskEstimateTotal`` / ``TaskRemainingTotal`` / ``TaskActualTotal`` (their tasks) and a
  release's ``Accepted`` (the accepted items' estimates).

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
_DEFECT_INPUTS = ("Requirement", "TestCase", "State", "DefectSuites")
_TEST_CASE_INPUTS = ("WorkProduct", "LastVerdict")
_RESULT_INPUTS = ("TestCase", "Date", "Verdict", "Build")
_PI_INPUTS = ("Parent",)
_TIMEBOXES = ("Iteration", "Release")
_TIMEBOX_TASK_INPUTS = ("Iteration", "Release", "Estimate", "ToDo", "Actuals")
_TIMEBOX_ITEM_INPUTS = ("Iteration", "Release", "PlanEstimate", "ScheduleState", "Parent")

_IN_CHUNK = 500  # owners per SQL IN list (well under SQLite's bound-parameter limit)
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
    timeboxes: set[int] = set()
    if row.type == "Task" and changed(_TIMEBOX_TASK_INPUTS):
        timeboxes |= _oids(*(v.get(t) for v in (before, after) for t in _TIMEBOXES))
    elif _is_scheduled_item(schema, row.type) and changed(_TIMEBOX_ITEM_INPUTS):
        timeboxes |= _oids(*(v.get(t) for v in (before, after) for t in _TIMEBOXES))
        if before.get("Parent") != after.get("Parent"):  # a parent's estimate may now count
            for parent in _oids(before.get("Parent"), after.get("Parent")):
                found = env.store.get(parent)
                if found is not None:
                    timeboxes |= _oids(*(found.data.get(t) for t in _TIMEBOXES))
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
        work_products |= _oids(
            *(before.get("DefectSuites") or []), *(after.get("DefectSuites") or [])
        )
    elif row.type == "TestCaseResult" and changed(_RESULT_INPUTS):
        test_cases |= _oids(before.get("TestCase"), after.get("TestCase"))
    elif row.type == "TestCase" and changed(_TEST_CASE_INPUTS):
        work_products |= _oids(before.get("WorkProduct"), after.get("WorkProduct"))
        work_products |= {r.oid for r in _SqlChildren(env).of("TestSet", "TestCases", row.oid)}
    elif schema.is_a(row.type, "PortfolioItem"):
        if not gone:
            portfolio.add(row.oid)
        if changed(_PI_INPUTS):
            portfolio |= _oids(before.get("Parent"), after.get("Parent"))
    if not gone and _has_task_totals(schema, row.type) and row.type != "Task":
        work_products.add(row.oid)
    if not gone and row.type == "TestCase":
        test_cases.add(row.oid)
    if not gone and row.type in _TIMEBOXES:
        timeboxes.add(row.oid)
    if created and row.type == "ConversationPost":
        _number_post(env, row)
    src = _SqlChildren(env)
    # Test cases first: their LastVerdict feeds their work product's test-case roll-ups.
    for oid in sorted(test_cases):
        found = _refresh_test_case(env, src, oid)
        if found is not None:
            work_products |= _oids(found.data.get("WorkProduct"))
            work_products |= {r.oid for r in src.of("TestSet", "TestCases", oid)}
    for oid in sorted(work_products | stories):
        _refresh_work_product(env, src, oid)
    _refresh_portfolio(env, portfolio)
    for oid in sorted(timeboxes):
        _refresh_timebox(env, src, oid)


def recompute_workspace(env: Env, workspace: int) -> None:
    """Compute every roll-up of one workspace from scratch (after loading a seed).

    One read of the workspace's live artifacts, then the same rules as :func:`after_write`
    with children looked up in memory: a seed of 100,000 artifacts costs one scan, not a
    query per item.
    """
    schema = env.schema
    levels = schema.portfolio_item_types()
    owners = [t.element_name for t in schema.types() if _has_task_totals(schema, t.element_name)]
    wanted = sorted(
        {*owners, "Task", "Defect", "TestCase", "TestCaseResult", *(t.element_name for t in levels)}
    )
    marks = ", ".join("?" for _ in wanted)
    rows = _select(env, f"o.workspace = ? AND o.type IN ({marks})", [workspace, *wanted])
    src = _MemoryChildren(rows)
    for row in rows:
        if row.type == "TestCase":
            _refresh_test_case(env, src, row.oid, row, keep_unrun=True)
    for row in rows:
        if row.type in owners:
            _refresh_work_product(env, src, row.oid, row)
    by_level = {t.element_name: i for i, t in enumerate(levels)}
    for row in sorted(
        (r for r in rows if r.type in by_level), key=lambda r: (by_level[r.type], r.oid)
    ):
        _refresh_one_pi(env, src, row)
    highest: dict[Any, int] = {}
    for post in sorted(
        _select(env, "o.workspace = ? AND o.type = 'ConversationPost'", [workspace]),
        key=lambda r: r.oid,
    ):  # a seed's posts without a PostNumber are numbered in ObjectID order
        key = post.data.get("Artifact")
        given = post.data.get("PostNumber")
        number = int(given) if isinstance(given, int) else highest.get(key, 0) + 1
        highest[key] = max(highest.get(key, 0), number)
        _store(env, post, {"PostNumber": number})
    boxes = _select(env, "o.workspace = ? AND o.type IN ('Iteration', 'Release')", [workspace])
    if boxes:
        scheduled = _select(env, "o.workspace = ? AND (" + _TIMEBOX_SQL + ")", [workspace])
        box_src = _MemoryChildren(scheduled)
        for box in boxes:
            _refresh_timebox(env, box_src, box.oid, box)


class _Children(Protocol):
    def of(self, type_name: str | None, pointer: str, oid: int) -> list[Row]:
        """Live rows (of ``type_name``, or any type for None) whose ``pointer`` is ``oid``."""
        ...

    def of_many(self, type_name: str, pointer: str, oids: list[int]) -> dict[int, list[Row]]:
        """:meth:`of` for several owners at once, keyed by owner (OBJECT pointers only)."""
        ...


class _SqlChildren:
    """Children read through the write connection (one indexed query per look-up)."""

    def __init__(self, env: Env) -> None:
        self.env = env

    def of(self, type_name: str | None, pointer: str, oid: int) -> list[Row]:
        if pointer in _MemoryChildren._LISTS:
            where = (
                f"EXISTS (SELECT 1 FROM json_each({json_field('o', pointer)}) j WHERE j.value = ?)"
            )
        else:
            where = f"{json_field('o', pointer)} = ?"
        found = _select(self.env, where, [oid])
        return [r for r in found if type_name is None or r.type == type_name]

    def of_many(self, type_name: str, pointer: str, oids: list[int]) -> dict[int, list[Row]]:
        out: dict[int, list[Row]] = {}
        field = json_field("o", pointer)
        for at in range(0, len(oids), _IN_CHUNK):
            chunk = oids[at : at + _IN_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for row in _select(
                self.env, f"{field} IN ({marks}) AND o.type = ?", [*chunk, type_name]
            ):
                out.setdefault(row.data[pointer], []).append(row)
        return out


class _MemoryChildren:
    """Children indexed once from a list of rows (the whole-workspace pass)."""

    _POINTERS = (
        "WorkProduct",
        "Requirement",
        "TestCase",
        "Parent",
        "PortfolioItem",
        "Iteration",
        "Release",
    )
    _LISTS = ("DefectSuites", "TestCases")

    def __init__(self, rows: list[Row]) -> None:
        self.index: dict[tuple[str, int], list[Row]] = {}
        for row in rows:
            for pointer in self._POINTERS:
                target = row.data.get(pointer)
                if isinstance(target, int):
                    self.index.setdefault((pointer, target), []).append(row)
            for name in self._LISTS:
                for target in _oids(*(row.data.get(name) or [])):
                    self.index.setdefault((name, target), []).append(row)

    def of(self, type_name: str | None, pointer: str, oid: int) -> list[Row]:
        found = self.index.get((pointer, oid), [])
        return [r for r in found if type_name is None or r.type == type_name]

    def of_many(self, type_name: str, pointer: str, oids: list[int]) -> dict[int, list[Row]]:
        out = {oid: self.of(type_name, pointer, oid) for oid in oids}
        return {oid: rows for oid, rows in out.items() if rows}


# -- work products and test cases -----------------------------------------------------------


def _refresh_work_product(env: Env, src: _Children, oid: int, row: Row | None = None) -> None:
    row = row or env.store.get(oid)
    if row is None or row.recycled:
        return
    attrs = _attributes(env, row)
    values: dict[str, Any] = {}
    if "TaskEstimateTotal" in attrs:
        tasks = src.of("Task", "WorkProduct", oid)
        for total, source in TASK_ROLLUPS:
            if total in attrs:
                values[total] = float(sum(_number(t.data.get(source)) for t in tasks))
        if "TaskStatus" in attrs:
            values["TaskStatus"] = task_status(tasks)
    if "TestCaseCount" in attrs:
        if row.type == "TestSet":  # a test set's test cases are its stored TestCases list
            members = env.store.get_many(_oids(*(row.data.get("TestCases") or [])))
            cases = [r for r in members.values() if not r.recycled]
        else:
            cases = src.of("TestCase", "WorkProduct", oid)
        values.update(case_rollups(cases, attrs))
    if "TotalDefectCount" in attrs:
        defects = src.of("Defect", "DefectSuites", oid)
        values["TotalDefectCount"] = len(defects)
        values["ClosedDefectCount"] = sum(1 for d in defects if d.data.get("State") == _CLOSED)
    if row.type == "HierarchicalRequirement":
        defects = src.of("Defect", "Requirement", oid)
        values["DefectStatus"] = defect_status(defects)
        values["DirectChildrenCount"] = len(src.of(row.type, "Parent", oid))
        values["HasParent"] = row.data.get("Parent") is not None
    _store(env, row, values)


def _refresh_test_case(
    env: Env, src: _Children, oid: int, row: Row | None = None, *, keep_unrun: bool = False
) -> Row | None:
    """DefectStatus, and LastVerdict / LastRun / LastBuild / LastResult from the newest
    result (by Date).  ``keep_unrun``: a test case without results keeps the Last* values
    it was given (a seed may set them); otherwise they are cleared."""
    row = row or env.store.get(oid)
    if row is None or row.recycled or row.type != "TestCase":
        return None
    values: dict[str, Any] = {"DefectStatus": defect_status(src.of("Defect", "TestCase", oid))}
    results = src.of("TestCaseResult", "TestCase", oid)
    if results:
        newest = max(results, key=lambda r: (str(r.data.get("Date") or ""), r.oid))
        values.update(
            LastVerdict=newest.data.get("Verdict"),
            LastRun=newest.data.get("Date"),
            LastBuild=newest.data.get("Build"),
            LastResult=newest.oid,
        )
    elif not keep_unrun:
        values.update(LastVerdict=None, LastRun=None, LastBuild=None, LastResult=None)
    attrs = _attributes(env, row)
    _store(env, row, {k: v for k, v in values.items() if k in attrs})
    return row


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


def case_rollups(test_cases: list[Row], attrs: dict[str, Any]) -> dict[str, Any]:
    """A work product's test-case roll-ups from its test cases' LastVerdicts."""
    run = [t for t in test_cases if t.data.get("LastVerdict")]
    passing = sum(1 for t in run if t.data.get("LastVerdict") == "Pass")
    if not test_cases:
        status = "NONE"
    elif not run:
        status = "NONE_RUN"
    else:
        scope = "ALL_RUN" if len(run) == len(test_cases) else "SOME_RUN"
        if passing == 0:
            outcome = "NONE_PASSING"
        elif passing == len(run):
            outcome = "ALL_PASSING"
        else:
            outcome = "SOME_NOT_PASSING"
        status = f"{scope}_{outcome}"
    values = {
        "TestCaseCount": len(test_cases),
        "PassingTestCaseCount": passing,
        "TestCaseStatus": status,
        "TotalDirectTestCaseCount": len(test_cases),
        "DirectPassingTestCaseCount": passing,
    }
    return {k: v for k, v in values.items() if k in attrs}


def defect_status(defects: list[Row]) -> str:
    """NONE / NONE_CLOSED / SOME_CLOSED / ALL_CLOSED from the defects' States."""
    if not defects:
        return "NONE"
    closed = sum(1 for d in defects if d.data.get("State") == _CLOSED)
    if closed == 0:
        return "NONE_CLOSED"
    return "ALL_CLOSED" if closed == len(defects) else "SOME_CLOSED"


def _number_post(env: Env, row: Row) -> None:
    """A new discussion post's ``PostNumber``: 1 + the highest of its artifact's posts."""
    artifact = row.data.get("Artifact")
    if not isinstance(artifact, int) or "PostNumber" not in _attributes(env, row):
        return
    posts = _SqlChildren(env).of("ConversationPost", "Artifact", artifact)
    highest = max(
        (int(_number(p.data.get("PostNumber"))) for p in posts if p.oid != row.oid), default=0
    )
    _store(env, row, {"PostNumber": highest + 1})


# -- iterations and releases -------------------------------------------------------------------

_TIMEBOX_SQL = " OR ".join(f"json_extract(o.data, '$.{t}') IS NOT NULL" for t in _TIMEBOXES)


def _refresh_timebox(env: Env, src: _Children, oid: int, row: Row | None = None) -> None:
    """An iteration's or release's totals over what is scheduled in it.

    ``PlanEstimate`` adds up the scheduled work items' estimates, leaving out a story with
    child stories (its estimate is already its children's sum, which would count twice);
    the task totals add up the tasks whose (server-maintained) Iteration / Release it is;
    a release's ``Accepted`` adds up the accepted items' estimates.  On a live write the
    sums are taken by SQL (an iteration may hold thousands of items); the whole-workspace
    pass adds up the rows it already holds.
    """
    row = row or env.store.get(oid)
    if row is None or row.recycled or row.type not in _TIMEBOXES:
        return
    attrs = _attributes(env, row)
    if isinstance(src, _MemoryChildren):
        members = src.of(None, row.type, oid)
        tasks = {
            total: sum(_number(m.data.get(source)) for m in members if m.type == "Task")
            for total, source in TASK_ROLLUPS
        }
        by_state: dict[tuple[str, Any], float] = {}
        for m in members:
            if m.type == "HierarchicalRequirement" and m.data.get("DirectChildrenCount"):
                continue
            key = (m.type, m.data.get("ScheduleState"))
            by_state[key] = by_state.get(key, 0.0) + _number(m.data.get("PlanEstimate"))
    else:
        tasks, by_state = _timebox_sums(env, row.type, oid)
    plan = accepted = 0.0
    for (type_name, state), points in by_state.items():
        if not _is_scheduled_item(env.schema, type_name):
            continue
        plan += points
        if _state_accepted(env, type_name, state):
            accepted += points
    values: dict[str, Any] = {"PlanEstimate": float(plan), "Accepted": float(accepted)}
    values.update({total: float(v) for total, v in tasks.items()})
    _store(env, row, {k: v for k, v in values.items() if k in attrs})


def _timebox_sums(
    env: Env, pointer: str, oid: int
) -> tuple[dict[str, float], dict[tuple[str, Any], float]]:
    """(task totals, PlanEstimate summed per (type, ScheduleState)) of one timebox's members."""

    def num(name: str) -> str:
        field = json_field("o", name)
        return f"CASE WHEN json_type(o.data, '$.{name}') IN ('integer', 'real') THEN {field} ELSE 0 END"

    link = f"{json_field('o', pointer)} = ? AND o.recycled = 0"
    sums = ", ".join(f"coalesce(sum({num(source)}), 0)" for _, source in TASK_ROLLUPS)
    found = env.conn.execute(
        f"SELECT {sums} FROM objects o WHERE {link} AND o.type = 'Task'", [oid]
    ).fetchone()
    tasks = {total: float(found[i] or 0) for i, (total, _) in enumerate(TASK_ROLLUPS)}
    state = json_field("o", "ScheduleState")
    children = json_field("o", "DirectChildrenCount")
    rows = env.conn.execute(
        f"SELECT o.type, {state}, coalesce(sum({num('PlanEstimate')}), 0) FROM objects o"
        f" WHERE {link} AND o.type != 'Task'"
        f" AND NOT (o.type = 'HierarchicalRequirement' AND coalesce({children}, 0) > 0)"
        f" GROUP BY o.type, {state}",
        [oid],
    ).fetchall()
    return tasks, {(r[0], r[1]): float(r[2] or 0) for r in rows}


def _state_accepted(env: Env, type_name: str, state: Any) -> bool:
    """Is ``state`` Accepted or a later schedule state of ``type_name``?"""
    td = env.schema.lookup(type_name)
    attr = td.attribute("ScheduleState") if td else None
    values = list(attr.allowed_values or ()) if attr else []
    if _ACCEPTED in values and state in values:
        return values.index(state) >= values.index(_ACCEPTED)
    return state == _ACCEPTED


def _is_scheduled_item(schema: Schema, type_name: str) -> bool:
    """A work item an iteration or release counts (stories, defects, suites, test sets)."""
    td = schema.lookup(type_name)
    return (
        td is not None
        and type_name != "Task"
        and "PlanEstimate" in td.attributes
        and "Iteration" in td.attributes
        and schema.is_a(type_name, "Artifact")
    )


# -- portfolio items ---------------------------------------------------------------------------


def _refresh_portfolio(env: Env, oids: set[int]) -> None:
    """Refresh these items, then their parents up the tree (each level after the one below)."""
    src = _SqlChildren(env)
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
                _refresh_one_pi(env, src, row)
            parent = row.data.get("Parent")
            if isinstance(parent, int) and parent not in seen:
                pending.add(parent)


def _refresh_one_pi(env: Env, src: _Children, row: Row) -> None:
    attrs = _attributes(env, row)
    if "LeafStoryCount" not in attrs:
        return
    count = accepted = unestimated = 0
    estimate = accepted_estimate = 0.0
    stories = src.of("HierarchicalRequirement", "PortfolioItem", row.oid)
    for leaf in _leaves(src, stories):
        points = leaf.data.get("PlanEstimate")
        count += 1
        estimate += _number(points)
        if points is None:
            unestimated += 1
        if _is_accepted(env, leaf):
            accepted += 1
            accepted_estimate += _number(points)
    children = [
        r for r in src.of(None, "Parent", row.oid) if env.schema.is_a(r.type, "PortfolioItem")
    ]
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


def _leaves(src: _Children, stories: list[Row]) -> list[Row]:
    """Leaf stories at or below ``stories`` (each visited once, even in a bad cycle).

    Walked one tree level at a time, with one look-up per level rather than per story, so a
    feature with thousands of stories costs a handful of queries per write.
    """
    out: list[Row] = []
    seen: set[int] = set()
    level = list(stories)
    while level:
        level = [s for s in {s.oid: s for s in level}.values() if s.oid not in seen]
        seen.update(s.oid for s in level)
        kids = src.of_many("HierarchicalRequirement", "Parent", [s.oid for s in level])
        following: list[Row] = []
        for story in level:
            found = kids.get(story.oid, [])
            if found:
                following.extend(found)
            else:
                out.append(story)
        level = following
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
    return _state_accepted(env, story.type, story.data.get("ScheduleState"))


# -- helpers -------------------------------------------------------------------------------


def _has_task_totals(schema: Schema, type_name: str) -> bool:
    """Work products that own tasks (artifacts); iterations and releases sum theirs
    differently, and the cumulative-flow snapshot types keep what they were given."""
    td = schema.lookup(type_name)
    return (
        td is not None
        and not td.abstract
        and "TaskEstimateTotal" in td.attributes
        and schema.is_a(type_name, "Artifact")
    )


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


def _store(env: Env, row: Row, values: dict[str, Any]) -> None:
    """Save only what changed; roll-ups are not edits, so no new version or revision."""
    if all(row.data.get(k) == v and k in row.data for k, v in values.items()):
        return
    row.data.update(values)
    env.store.save(row, env.conn)
