"""Server-side rules that go beyond "store what the body says".

Defaults Rally fills in on create, values derived from other objects (a Task's Project,
Iteration and Release come from its work product), dates stamped when a state is reached,
and the portfolio-item State check.  Each rule reads and writes the new ``data`` dict and
reports problems as error texts, so the caller can refuse the whole write at once.
"""

from __future__ import annotations

from typing import Any

from pyral.emulator import errors
from pyral.emulator.errors import ValidationError
from pyral.emulator.schema import TypeDef
from pyral.emulator.store import Row

from .context import WriteContext

#: Defaults applied on create when the body leaves the attribute out (spec e, plus the
#: obvious "Open" for containers so they can be created with a Name alone).
DEFAULTS: dict[tuple[str, str], Any] = {
    ("*", "ScheduleState"): "Defined",
    ("Defect", "State"): "Submitted",
    ("Task", "State"): "Defined",
    ("Project", "State"): "Open",
    ("Workspace", "State"): "Open",
    ("Iteration", "State"): "Planning",
    ("Release", "State"): "Planning",
}

#: Types whose Project (and sometimes more) is copied from another object, not chosen.
DERIVED_PROJECT_TYPES = frozenset(
    {"Task", "TestCaseResult", "TestCaseStep", "Attachment", "ConversationPost"}
)

_TASK_COPIED = ("Project", "Iteration", "Release")


def apply_defaults(typedef: TypeDef, data: dict[str, Any]) -> None:
    for attr in typedef.attributes:
        if data.get(attr) is not None:
            continue
        value = DEFAULTS.get((typedef.element_name, attr), DEFAULTS.get(("*", attr)))
        if value is not None:
            data[attr] = value


def derived_project(ctx: WriteContext, typedef: TypeDef, data: dict[str, Any]) -> int | None:
    """The project a DERIVED_PROJECT_TYPES object lives in: its parent object's project."""
    for link in ("WorkProduct", "TestCase", "Artifact", "TestCaseResult"):
        parent = ctx.get(data.get(link)) if link in typedef.attributes else None
        if parent is not None:
            return parent.project
    return None


def derive(ctx: WriteContext, typedef: TypeDef, data: dict[str, Any], creating: bool) -> list[str]:
    """Copy values that follow from other objects into ``data``; return error texts."""
    problems: list[str] = []
    name = typedef.element_name
    if name == "Task":
        wp = ctx.get(data.get("WorkProduct"))
        if wp is not None:
            for attr in _TASK_COPIED:
                data[attr] = wp.project if attr == "Project" else wp.data.get(attr)
            if creating and data.get("TaskIndex") is None and "TaskIndex" in typedef.attributes:
                data["TaskIndex"] = _count_tasks(ctx, wp.oid)
    elif name == "TestCaseResult":
        tc = ctx.get(data.get("TestCase"))
        if tc is not None:
            data["Project"] = tc.project
            if "WorkProduct" in typedef.attributes:
                data["WorkProduct"] = tc.data.get("WorkProduct")
    both = data.get("Parent") is not None and data.get("PortfolioItem") is not None
    if name == "HierarchicalRequirement" and both:  # Rally: one parent, a story or an item
        problems.append(errors.STORY_TWO_PARENTS)
    if "Feature" in typedef.attributes and "PortfolioItem" in typedef.attributes:
        # A story's read-only Feature mirrors its PortfolioItem link.
        data["Feature"] = data.get("PortfolioItem")
    if typedef.is_portfolio_item() and not typedef.abstract:
        problems += _check_pi_state(ctx, typedef, data)
        if creating:
            if "PortfolioItemType" in typedef.attributes:
                data["PortfolioItemType"] = ctx.typedef_row_oid(typedef)
            if "PortfolioItemTypeName" in typedef.attributes:
                data["PortfolioItemTypeName"] = typedef.name
    if name == "Milestone":
        target = data.get("TargetProject")
        projects = list(data.get("Projects") or [])
        if isinstance(target, int) and target not in projects:
            data["Projects"] = projects + [target]
    return problems


def _count_tasks(ctx: WriteContext, work_product: int) -> int:
    return len(
        ctx.select(
            "o.type = 'Task' AND o.recycled = 0 AND json_extract(o.data, '$.WorkProduct') = ?",
            [work_product],
        )
    )


def _check_pi_state(ctx: WriteContext, typedef: TypeDef, data: dict[str, Any]) -> list[str]:
    """A portfolio item's State must be one of the State rows of its own PI type."""
    state = ctx.get(data.get("State"))
    if state is None:
        return []
    expected = ctx.typedef_row_oid(typedef)
    owner = state.data.get("TypeDef")
    if expected is not None and owner is not None and owner != expected:
        return [errors.wrong_pi_state(typedef.element_name, f"state/{state.oid}")]
    return []


def _state_index(typedef: TypeDef, attr: str, value: Any) -> int | None:
    values = list(typedef.attributes[attr].allowed_values or ())
    return values.index(value) if value in values else None


def stamp_dates(
    ctx: WriteContext, typedef: TypeDef, old: dict[str, Any], data: dict[str, Any]
) -> None:
    """Dates Rally records when a state is reached (and forgets when it is left)."""
    attrs = typedef.attributes
    if "ScheduleState" in attrs and data.get("ScheduleState") != old.get("ScheduleState"):
        now_at = _state_index(typedef, "ScheduleState", data.get("ScheduleState"))
        for marker, date_attr in (("In-Progress", "InProgressDate"), ("Accepted", "AcceptedDate")):
            if date_attr not in attrs or now_at is None:
                continue
            at = _state_index(typedef, "ScheduleState", marker)
            if at is None:
                continue
            if now_at >= at and not data.get(date_attr):
                data[date_attr] = ctx.now
            elif now_at < at:
                data[date_attr] = None
    if typedef.element_name == "Defect" and data.get("State") != old.get("State"):
        if data.get("State") == "Closed" and "ClosedDate" in attrs:
            data["ClosedDate"] = ctx.now
        elif "ClosedDate" in attrs and old.get("State") == "Closed":
            data["ClosedDate"] = None
        if data.get("State") == "Open" and "OpenedDate" in attrs and not data.get("OpenedDate"):
            data["OpenedDate"] = ctx.now
    if old and "StateChangedDate" in attrs and data.get("State") != old.get("State"):
        data["StateChangedDate"] = ctx.now
    if old and "FlowStateChangedDate" in attrs and data.get("FlowState") != old.get("FlowState"):
        data["FlowStateChangedDate"] = ctx.now


def cascade_to_tasks(ctx: WriteContext, work_product: Row) -> None:
    """Keep the copied Project/Iteration/Release of a work product's tasks in step, and the
    project of what else lives in its project (attachments, discussion posts, test results)."""
    _cascade_project(ctx, work_product, set())
    tasks = ctx.select(
        "o.type = 'Task' AND json_extract(o.data, '$.WorkProduct') = ?", [work_product.oid]
    )
    for task in tasks:
        changed = False
        for attr in _TASK_COPIED:
            value = work_product.project if attr == "Project" else work_product.data.get(attr)
            if task.data.get(attr) != value:
                task.data[attr] = value
                changed = True
        if changed:
            task.project = work_product.project
            ctx.touch(task)
            ctx.save(task)
        _cascade_project(ctx, task, set())  # a task's attachments and posts


_DERIVED_LINKS = ("Artifact", "TestCase", "TestCaseResult")


def _cascade_project(ctx: WriteContext, owner: Row, seen: set[int]) -> None:
    """Move the derived-project rows hanging off ``owner`` (not tasks: see below) to its
    project, so they stay visible exactly when their owner is."""
    if owner.oid in seen:
        return
    seen.add(owner.oid)
    for link in _DERIVED_LINKS:
        rows = ctx.select(f"o.type != 'Task' AND json_extract(o.data, '$.{link}') = ?", [owner.oid])
        for row in rows:
            if row.type not in DERIVED_PROJECT_TYPES:
                continue
            if row.project != owner.project:
                row.project = owner.project
                if "Project" in row.data:  # a test result copies its project into its data
                    row.data["Project"] = owner.project
                ctx.save(row)
            _cascade_project(ctx, row, seen)


def raise_if(problems: list[str], warnings: list[str]) -> None:
    if problems:
        raise ValidationError(*problems, warnings=warnings)
