"""Writing collections: replace on create/update, and the ``/add`` and ``/remove`` endpoints.

A stored collection is an oid list on the owner.  An inverse collection has no list: its
members are the objects whose back-pointer names the owner, so writing it means updating
each member (an OBJECT back-pointer is set or cleared; a stored COLLECTION back-pointer, as
Artifact.Milestones behind Milestone.Artifacts, gains or loses the owner's oid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyral.emulator import errors
from pyral.emulator.errors import ValidationError, WsapiError
from pyral.emulator.schema import AttrDef, TypeDef
from pyral.emulator.store import Row, json_field

from . import computed, revisions
from .context import WriteContext, resolve_references

if TYPE_CHECKING:
    from . import Backend


def _back_attr(ctx: WriteContext, attr: AttrDef) -> tuple[str, bool]:
    """Name of the member-side attribute behind an inverse collection, and whether it is a list."""
    target = ctx.schema.lookup(attr.target or "")
    back = target.attribute(attr.inverse_of or "") if target else None
    return attr.inverse_of or "", bool(back is not None and back.is_collection)


def current_members(ctx: WriteContext, owner_oid: int, attr: AttrDef) -> list[Row]:
    name, is_list = _back_attr(ctx, attr)
    field = json_field("o", name)
    if is_list:
        # a path of the row's document (name checked by json_field): damaged values match nothing
        each = f"json_each(o.data, '$.{name}')"
        return ctx.select(f"EXISTS (SELECT 1 FROM {each} j WHERE j.value = ?)", [owner_oid])
    return ctx.select(f"{field} = ?", [owner_oid])


def _link(ctx: WriteContext, member: Row, owner_oid: int, attr: AttrDef, linked: bool) -> None:
    """Point ``member`` at the owner (or stop pointing); a no-op when already so."""
    name, is_list = _back_attr(ctx, attr)
    before = dict(member.data)
    if is_list:
        current = list(member.data.get(name) or [])
        if (owner_oid in current) == linked:
            return
        values = [v for v in current if v != owner_oid]
        if linked:
            values.append(owner_oid)
        member.data[name] = values
    else:
        if linked == (member.data.get(name) == owner_oid):
            return
        member.data[name] = owner_oid if linked else None
    ctx.touch(member)
    ctx.save(member)
    computed.after_write(ctx, member, before)


def write_inverse(ctx: WriteContext, owner_oid: int, attr: AttrDef, members: list[int]) -> None:
    """Make ``members`` exactly the inverse collection ``attr`` of the owner."""
    wanted = set(members)
    present = {m.oid: m for m in current_members(ctx, owner_oid, attr)}
    for oid, member in present.items():
        if oid not in wanted:
            _link(ctx, member, owner_oid, attr, False)
    for oid in members:
        if oid not in present:
            joining = ctx.get(oid)
            if joining is not None:
                _link(ctx, joining, owner_oid, attr, True)


def _check_writable(typedef: TypeDef, attr: AttrDef) -> None:
    if not attr.is_collection:
        raise WsapiError(errors.not_a_collection(typedef.element_name, attr.name))
    if attr.read_only:
        raise WsapiError(errors.collection_read_only(typedef.element_name, attr.name))


def change_members(
    backend: Backend, user: Row, owner: Row, attr: AttrDef, refs: list[Any], *, adding: bool
) -> list[Row]:
    """Add (idempotently) or remove the referenced items; return them, freshly read."""
    workspace = backend.store.get(owner.workspace) if owner.workspace is not None else None
    schema = backend.schema_for(owner.workspace)
    typedef = schema.get(owner.type)
    _check_writable(typedef, attr)
    with backend.store.write() as conn:
        ctx = WriteContext(backend.store, conn, schema, user, workspace)
        fresh = ctx.get(owner.oid)
        if fresh is None or fresh.recycled:
            raise WsapiError(errors.CANNOT_FIND_TO_UPDATE)
        if not isinstance(refs, list):
            raise ValidationError(errors.not_a_collection(typedef.element_name, attr.name))
        items = resolve_references(ctx, typedef, attr, refs)
        old_data = dict(fresh.data)
        if attr.is_stored:
            current = [v for v in fresh.data.get(attr.name) or [] if isinstance(v, int)]
            if adding:
                current += [r.oid for r in items if r.oid not in current]
            else:
                gone = {r.oid for r in items}
                current = [v for v in current if v not in gone]
            fresh.data[attr.name] = current
        else:
            for item in items:
                _link(ctx, item, fresh.oid, attr, adding)
        note = _note(ctx, typedef, attr, old_data, fresh.data, items, adding)
        ctx.touch(fresh)
        if revisions.has_history(typedef):
            revisions.record(ctx, fresh, note)
        ctx.save(fresh)
        computed.after_write(ctx, fresh, old_data)
        oids = [r.oid for r in items]
    found = backend.store.get_many(oids)
    return [found[o] for o in oids if o in found]


def _note(
    ctx: WriteContext,
    typedef: TypeDef,
    attr: AttrDef,
    old: dict[str, Any],
    new: dict[str, Any],
    items: list[Row],
    adding: bool,
) -> str:
    if attr.is_stored:
        return revisions.describe(ctx, typedef, old, new)
    if not items:
        return ""
    names = ", ".join(revisions.display_of(ctx, r.oid, True) for r in items)
    return f"{attr.display_name.upper()} {'added' if adding else 'removed'} [{names}]"
