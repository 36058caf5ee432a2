"""Create and update: body validation, coercion, defaults, derived values, one transaction.

The body is first turned into a :class:`Plan` (stored values per attribute, warnings,
errors) without touching the store; only a plan with no errors is applied.  Everything runs
inside one ``Store.write()`` transaction, so an error at any later step (a rank that does not
fit, a vanished reference) rolls back the whole write: nothing is stored on error.

Matching rules (spec e): body keys match attribute names exactly, then ignoring case;
unknown keys become ``Ignored JSON element`` warnings; read-only attributes (ObjectID,
FormattedID, ... which pyral sends back on every update) are ignored silently, as are
``_ref``-style meta keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyral.emulator import errors
from pyral.emulator.errors import NotFoundError, ValidationError, WsapiError
from pyral.emulator.schema import Schema, TypeDef
from pyral.emulator.store import Row

from . import (
    attachments,
    computed,
    identity,
    permissions,
    ranking,
    reading,
    revisions,
    rules,
    values,
)
from .coercion import coerce_scalar
from .collections import write_inverse
from .context import WriteContext, find_attr, resolve_reference, resolve_references

if TYPE_CHECKING:
    from . import Backend

#: Maintained by the server whatever the body says.
SERVER_OWNED = frozenset(
    {
        "ObjectID",
        "ObjectUUID",
        "FormattedID",
        "CreationDate",
        "LastUpdateDate",
        "VersionId",
        "DragAndDropRank",
        "Rank",
        "Subscription",
        "Recycled",
        "RevisionHistory",
        "Workspace",
    }
)

_MISSING = object()


@dataclass
class Plan:
    """What a body asks for, validated: stored values, inverse-collection writes, findings."""

    values: dict[str, Any] = field(default_factory=dict)
    inverse: dict[str, list[int]] = field(default_factory=dict)
    project: Any = _MISSING
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # attributes already reported as bad


def _takes_project(typedef: TypeDef) -> bool:
    """Types whose Project is chosen by the caller (not copied from another object)."""
    return typedef.element_name not in rules.DERIVED_PROJECT_TYPES and (
        typedef.project_scoped or "Project" in typedef.attributes
    )


def plan_body(ctx: WriteContext, typedef: TypeDef, body: dict[str, Any], body_key: str) -> Plan:
    plan = Plan()
    type_name = typedef.element_name
    for key, value in body.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        attr = find_attr(typedef, key)
        if attr is None:
            plan.warnings.append(errors.ignored_element(body_key, key))
            continue
        name = attr.name
        if name in SERVER_OWNED:
            continue
        if name == "Project" and _takes_project(typedef):
            plan.project = value
            continue
        if type_name == "AttachmentContent" and name == "Content":
            problems = attachments.check_content(plan.values, value, True)
            plan.errors += problems
            if problems:
                plan.failed.add(name)
            continue
        if attr.read_only or (type_name == "Attachment" and name == "Size"):
            continue
        try:
            if attr.is_collection:
                oids = [r.oid for r in resolve_references(ctx, typedef, attr, value)]
                if attr.is_stored:
                    plan.values[name] = oids
                else:
                    plan.inverse[name] = oids
            elif attr.is_reference:
                target = resolve_reference(ctx, typedef, attr, value)
                plan.values[name] = target.oid if target else None
            else:
                plan.values[name] = coerce_scalar(type_name, attr, value)
        except WsapiError as exc:
            plan.errors.extend(exc.errors)
            plan.failed.add(name)
    return plan


def _required_errors(
    typedef: TypeDef, data: dict[str, Any], names: list[str] | None, plan: Plan
) -> list[str]:
    """not-null errors for required attributes (all of them, or only ``names``)."""
    found = []
    for name, attr in typedef.attributes.items():
        if not attr.required or attr.read_only or attr.is_collection or name in SERVER_OWNED:
            continue
        if name in plan.failed:
            continue
        if names is not None and name not in names:
            continue
        if data.get(name) is None or data.get(name) == "":
            found.append(errors.not_null(typedef.element_name, name))
    return found


def _named_project(ctx: WriteContext, typedef: TypeDef, value: Any) -> tuple[int | None, list[str]]:
    """The Project oid a body names (spec e), or the errors that make it unusable."""
    attr = typedef.attributes.get("Project")
    if attr is None:
        return None, []
    try:
        row = resolve_reference(ctx, typedef, attr, value)
    except WsapiError as exc:
        return None, exc.errors
    if row is None and typedef.project_scoped:
        return None, [errors.not_null(typedef.element_name, "Project")]
    return (row.oid if row else None), []


def _default_project(
    ctx: WriteContext, typedef: TypeDef, project: Row | None
) -> tuple[int | None, list[str]]:
    """The Project of a create whose body names none: the URL's (when it is in the target
    workspace), else the user's default project there, else the workspace's first one."""
    assert ctx.workspace is not None
    chosen = project
    if chosen is not None and identity.project_workspace(chosen) != ctx.workspace.oid:
        chosen = None
    if chosen is None:
        chosen = identity.default_project(ctx.store, ctx.user, ctx.workspace)
    if chosen is None:
        chosen = identity.first_project(ctx.store, ctx.workspace)
    if chosen is None and typedef.project_scoped:
        return None, [errors.not_null(typedef.element_name, "Project")]
    return (chosen.oid if chosen else None), []


def _check_rules(
    ctx: WriteContext,
    typedef: TypeDef,
    plan: Plan,
    data: dict[str, Any],
    problems: list[str],
    *,
    creating: bool,
) -> None:
    """Derived values and cross-attribute rules, then raise if anything was found.

    An update only reports the required attributes its body touched: the others were
    valid when stored and the caller did not ask to change them.
    """
    problems += rules.derive(ctx, typedef, data, creating=creating)
    if typedef.element_name == "Attachment":
        problems += attachments.check_attachment(ctx, data)
    touched = None if creating else list(plan.values)
    problems += [p for p in _required_errors(typedef, data, touched, plan) if p not in problems]
    rules.raise_if(problems, plan.warnings)


def _apply_defaults(typedef: TypeDef, data: dict[str, Any]) -> None:
    rules.apply_defaults(typedef, data)
    computed.fill_booleans(typedef, data)
    for name, attr in typedef.attributes.items():
        default = getattr(attr, "default", None)
        if data.get(name) is None and default is not None and not attr.read_only:
            data[name] = default


def _check_creatable(typedef: TypeDef) -> None:
    if typedef.abstract:
        raise WsapiError(errors.abstract_type(typedef.element_name))
    if not typedef.creatable:
        raise WsapiError(errors.not_creatable(typedef.element_name))


def _body_workspace(
    backend: Backend, user: Row, typedef: TypeDef, body: dict[str, Any], workspace: Row
) -> Row:
    """A Workspace named in the body wins over the URL parameter (e.g. creating a Project)."""
    attr = typedef.attributes.get("Workspace")
    if attr is None:
        return workspace
    for key, value in body.items():
        if isinstance(key, str) and key.lower() == "workspace" and value:
            from .refs import ref_text

            text = ref_text(value)
            if text is None:
                raise ValidationError(errors.bad_reference(value))
            return identity.resolve_workspace(backend.store, user, text)
    return workspace


def create(
    backend: Backend,
    user: Row,
    typedef: TypeDef,
    body: dict[str, Any],
    *,
    body_key: str,
    workspace: Row,
    project: Row | None,
) -> tuple[Row, list[str]]:
    """Create one object in one transaction; returns it and the warnings."""
    if not isinstance(body, dict):
        raise ValidationError(errors.NOT_JSON)
    values.check_body(typedef.element_name, body)
    workspace = _body_workspace(backend, user, typedef, body, workspace)
    schema = backend.schema_for(workspace.oid)
    typedef = schema.lookup(typedef.type_path) or typedef
    _check_creatable(typedef)
    with backend.store.write() as conn:
        ctx = WriteContext(backend.store, conn, schema, user, workspace)
        plan = plan_body(ctx, typedef, body, body_key)
        data: dict[str, Any] = dict(plan.values)
        problems = list(plan.errors)
        if plan.project is not _MISSING:
            project_oid, project_problems = _named_project(ctx, typedef, plan.project)
        else:
            project_oid, project_problems = _default_project(ctx, typedef, project)
        problems += project_problems
        if _takes_project(typedef) and "Project" in typedef.attributes:
            data["Project"] = project_oid
        _apply_defaults(typedef, data)
        _check_rules(ctx, typedef, plan, data, problems, creating=True)

        oid = backend.store.new_oid(conn)
        row_project = data.get("Project") if typedef.project_scoped else None
        if typedef.element_name in rules.DERIVED_PROJECT_TYPES:
            row_project = rules.derived_project(ctx, typedef, data)
        ws_oid = workspace.oid if typedef.workspace_scoped else None
        permissions.check_create(
            ctx.store,
            user,
            typedef.element_name,
            ws_oid,
            data,
            row_project if typedef.project_scoped else data.get("Project"),
            project_scoped=typedef.project_scoped,
        )
        row = Row(oid, typedef.element_name, ws_oid, row_project, None, None, False, 1, {})
        _stamp_new(ctx, typedef, row, data)
        rules.stamp_dates(ctx, typedef, {}, data)
        row.data.update(data)
        if revisions.has_history(typedef):
            revisions.start_history(ctx, row)
        ctx.insert(row)
        for name, members in plan.inverse.items():
            write_inverse(ctx, row.oid, typedef.attributes[name], members)
        computed.after_write(ctx, row, None)
        stored = _as_written(backend, oid)
    return stored, plan.warnings


def _stamp_new(ctx: WriteContext, typedef: TypeDef, row: Row, data: dict[str, Any]) -> None:
    """Server-owned values of a new object: ids, dates, FormattedID, rank, creator."""
    attrs = typedef.attributes
    meta = ctx.new_object_fields(row.oid)
    if "LastUpdateDate" in attrs:
        meta["LastUpdateDate"] = ctx.now
    if "Workspace" in attrs and ctx.workspace is not None:
        meta["Workspace"] = ctx.workspace.oid
    if "Subscription" in attrs:
        meta["Subscription"] = ctx.subscription_oid()
    if "Recycled" in attrs:
        meta["Recycled"] = False
    if "FormattedID" in attrs and ctx.workspace is not None:
        prefix = typedef.id_prefix or typedef.element_name[:1].upper()
        number = ctx.store.next_fid(ctx.workspace.oid, typedef.element_name, ctx.conn)
        row.fid_num = number
        meta["FormattedID"] = f"{prefix}{number}"
    if ranking.is_rankable(typedef):
        row.rank = ranking.bottom_rank(ctx, row.workspace)
        meta["DragAndDropRank"] = row.rank
    for creator in ("CreatedBy", "SubmittedBy"):
        if creator in attrs and data.get(creator) is None:
            data[creator] = ctx.user.oid
    row.data.update(meta)


def update(
    backend: Backend,
    user: Row,
    typedef: TypeDef,
    oid: int,
    body: dict[str, Any],
    *,
    body_key: str,
    workspace: Row | None = None,
    rank_above: str | None = None,
    rank_below: str | None = None,
    rank_to: str | None = None,
) -> tuple[Row, list[str]]:
    """Update (and optionally re-rank) one object in one transaction.

    ``workspace`` is accepted for the handlers' convenience but not needed: the object's
    own workspace decides its schema and which references it may hold.
    """
    if not isinstance(body, dict):
        raise ValidationError(errors.NOT_JSON)
    values.check_body(typedef.element_name, body)
    with backend.store.write() as conn:
        current, schema, concrete = _updatable(backend, user, typedef, oid)
        ws_row = backend.store.get(current.workspace) if current.workspace is not None else None
        ctx = WriteContext(backend.store, conn, schema, user, ws_row)
        plan = plan_body(ctx, concrete, body, body_key)
        old = dict(current.data)
        data = dict(current.data)
        data.update(plan.values)
        problems = list(plan.errors)
        if plan.project is not _MISSING:
            project_oid, project_problems = _named_project(ctx, concrete, plan.project)
            problems += project_problems
            if not project_problems:
                data["Project"] = project_oid
        computed.fill_booleans(concrete, data)
        _check_rules(ctx, concrete, plan, data, problems, creating=False)
        permissions.check_change(ctx.store, user, current, old, data, "changing a")

        rules.stamp_dates(ctx, concrete, old, data)
        rank = ranking.new_rank(
            ctx, concrete, current, rank_above=rank_above, rank_below=rank_below, rank_to=rank_to
        )
        _store_update(ctx, concrete, current, old, data, rank, plan)
        stored = _as_written(backend, oid)
    return stored, plan.warnings


def _as_written(backend: Backend, oid: int) -> Row:
    """The row as this write left it, read inside its own transaction.

    Read before the commit (through the write connection), so the response shows this
    write's result even when another writer changes the object right after it.
    """
    stored = backend.store.get(oid)
    assert stored is not None
    return stored


def _updatable(
    backend: Backend, user: Row, typedef: TypeDef, oid: int
) -> tuple[Row, Schema, TypeDef]:
    """The row an update addresses, its workspace schema and its concrete type.

    An object the user cannot see is reported exactly like one that does not exist.
    """
    current = backend.store.get(oid)
    if current is None or not reading.visible(backend, user, current):
        raise NotFoundError(errors.CANNOT_FIND_TO_UPDATE)
    schema = backend.schema_for(current.workspace)
    if not schema.is_a(current.type, typedef.element_name):
        raise NotFoundError(errors.CANNOT_FIND_TO_UPDATE)
    concrete = schema.get(current.type)
    if not concrete.updatable:
        raise WsapiError(errors.not_updatable(concrete.element_name))
    return current, schema, concrete


def _store_update(
    ctx: WriteContext,
    concrete: TypeDef,
    row: Row,
    old: dict[str, Any],
    data: dict[str, Any],
    rank: str | None,
    plan: Plan,
) -> None:
    """Write a validated update: row columns, rank, revision note, inverse collections and
    the tasks that follow their work product's Project / Iteration / Release."""
    row.data = data
    if concrete.element_name in rules.DERIVED_PROJECT_TYPES:
        row.project = rules.derived_project(ctx, concrete, data) or row.project
    elif concrete.project_scoped and isinstance(data.get("Project"), int):
        row.project = data["Project"]
    note = revisions.describe(ctx, concrete, old, data)
    if rank is not None:
        note = ", ".join(p for p in (note, revisions.rank_note(row.rank, rank)) if p)
        row.rank = rank
        row.data["DragAndDropRank"] = rank
    ctx.touch(row)
    if revisions.has_history(concrete):
        revisions.record(ctx, row, note)
    ctx.save(row)
    for name, members in plan.inverse.items():
        write_inverse(ctx, row.oid, concrete.attributes[name], members)
    if any(old.get(a) != data.get(a) for a in ("Project", "Iteration", "Release")):
        rules.cascade_to_tasks(ctx, row)
    computed.after_write(ctx, row, old)
