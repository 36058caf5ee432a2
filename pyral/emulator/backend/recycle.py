"""Deleting: artifacts go to the recycle bin, everything else is removed for good.

A recycled artifact keeps its row (``recycled = 1``) so the RecycleBinEntry can describe
it, and drops out of every read and query.  Deleting the RecycleBinEntry purges both.  The
tasks of a recycled story or defect go with it (spec k, GUESS).  Attachment contents and
attachments are removed directly, in either order: pyral deletes the content first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyral.emulator import errors
from pyral.emulator.errors import NotFoundError, WsapiError
from pyral.emulator.schema import TypeDef
from pyral.emulator.store import Row

from . import computed, permissions, reading
from .context import WriteContext

if TYPE_CHECKING:
    from . import Backend


def _recycle(ctx: WriteContext, row: Row) -> None:
    row.recycled = True
    row.data["Recycled"] = True
    ctx.touch(row)
    ctx.save(row)


def _bin_entry(ctx: WriteContext, typedef: TypeDef, row: Row) -> None:
    oid = ctx.store.new_oid(ctx.conn)
    data = {
        **ctx.new_object_fields(oid),
        "Workspace": row.workspace,
        "ID": row.data.get("FormattedID"),
        "Name": row.data.get("Name"),
        "Type": ctx.typedef_row_oid(typedef),
        "DeletedBy": ctx.user.oid,
        "DeletionDate": ctx.now,
        "ItemOID": row.oid,
    }
    subscription = ctx.subscription_oid()
    if subscription is not None:
        data["Subscription"] = subscription
    ctx.insert(Row(oid, "RecycleBinEntry", row.workspace, None, None, None, False, 1, data))


def delete(backend: Backend, user: Row, typedef: TypeDef, oid: int) -> None:
    with backend.store.write() as conn:
        row = backend.store.get(oid)
        if row is None or not reading.visible(backend, user, row):
            raise NotFoundError(errors.DELETE_NULL)
        schema = backend.schema_for(row.workspace)
        if not schema.is_a(row.type, typedef.element_name):
            raise NotFoundError(errors.DELETE_NULL)
        concrete = schema.get(row.type)
        if not concrete.deletable:
            raise WsapiError(errors.not_deletable(concrete.element_name))
        permissions.check_change(backend.store, user, row, dict(row.data), {}, "deleting a")
        workspace = backend.store.get(row.workspace) if row.workspace is not None else None
        ctx = WriteContext(backend.store, conn, schema, user, workspace)
        if concrete.element_name == "RecycleBinEntry":
            item = row.data.get("ItemOID")
            if isinstance(item, int):
                _purge_item(ctx, item)
            backend.store.delete(row.oid, conn)
        elif schema.is_a(concrete.element_name, "Artifact"):
            before = dict(row.data)
            _recycle(ctx, row)
            _bin_entry(ctx, concrete, row)
            for task in ctx.select(
                "o.type = 'Task' AND o.recycled = 0 AND json_extract(o.data, '$.WorkProduct') = ?",
                [row.oid],
            ):
                _recycle(ctx, task)
            computed.after_write(ctx, row, before)
        else:
            backend.store.delete(row.oid, conn)
            row.recycled = True  # gone for good: its parents' roll-ups lose it
            computed.after_write(ctx, row, dict(row.data))


def _purge_item(ctx: WriteContext, item_oid: int) -> None:
    """Remove a recycled artifact and the tasks recycled with it."""
    item = ctx.get(item_oid)
    if item is None or not item.recycled:
        return
    for task in ctx.select(
        "o.type = 'Task' AND o.recycled = 1 AND json_extract(o.data, '$.WorkProduct') = ?",
        [item_oid],
    ):
        ctx.store.delete(task.oid, ctx.conn)
    ctx.store.delete(item_oid, ctx.conn)
