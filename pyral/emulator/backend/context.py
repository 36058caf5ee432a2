"""The state one write transaction carries around, and the lookups every write needs.

Each write operation opens exactly one ``Store.write()`` transaction and passes a
:class:`WriteContext` to the helpers of the other modules, so they all read through the
write connection (seeing earlier, still uncommitted steps) and stamp the same time.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from pyral.emulator import errors
from pyral.emulator.errors import ValidationError
from pyral.emulator.lookback.storage import record_change
from pyral.emulator.schema import AttrDef, Schema, TypeDef
from pyral.emulator.store import Row, Store, make_uuid, now_iso

from .refs import parse_ref, ref_text


@dataclass
class WriteContext:
    store: Store
    conn: sqlite3.Connection
    schema: Schema
    user: Row
    workspace: Row | None
    now: str = field(default_factory=now_iso)
    #: artifacts whose Lookback snapshot this transaction already wrote (amended, not closed)
    snapshotted: set[int] = field(default_factory=set)

    def get(self, oid: int | None) -> Row | None:
        return self.store.get(oid) if isinstance(oid, int) else None

    def save(self, row: Row) -> None:
        self.store.save(row, self.conn)
        self._snapshot(row)

    def insert(self, row: Row) -> None:
        self.store.insert(row, self.conn)
        self._snapshot(row)

    def _snapshot(self, row: Row) -> None:
        """Lookback history follows every artifact write, in the same transaction."""
        record_change(self.conn, self.schema, row, self.now, self.snapshotted)

    def select(self, where: str, params: list[Any], **kw: Any) -> list[Row]:
        return self.store.select(where, params, **kw)

    def oid_for_uuid(self, uuid: str) -> int | None:
        rows = self.store.select("json_extract(o.data, '$.ObjectUUID') = ?", [uuid], limit=1)
        return rows[0].oid if rows else None

    def new_object_fields(self, oid: int) -> dict[str, Any]:
        """The identity and creation stamp every new object starts with, whatever its type."""
        return {
            "ObjectID": oid,
            "ObjectUUID": make_uuid(oid),
            "CreationDate": self.now,
            "VersionId": "1",
        }

    def touch(self, row: Row) -> None:
        """Record a change to ``row``: new version, VersionId and LastUpdateDate."""
        row.version += 1
        row.data["VersionId"] = str(row.version)
        row.data["LastUpdateDate"] = self.now

    def typedef_row_oid(self, typedef: TypeDef) -> int | None:
        """ObjectID of the TypeDefinition row describing ``typedef`` in this workspace."""
        ws = self.workspace.oid if self.workspace else None
        rows = self.store.select(
            "o.type = 'TypeDefinition' AND (json_extract(o.data, '$.ElementName') = ?"
            " OR json_extract(o.data, '$.TypePath') = ?) AND (o.workspace = ? OR o.workspace IS NULL)",
            [typedef.element_name, typedef.type_path, ws],
            order_sql="o.workspace IS NULL, o.oid",
            limit=1,
        )
        return rows[0].oid if rows else None

    def subscription_oid(self) -> int | None:
        if self.workspace is not None and isinstance(self.workspace.data.get("Subscription"), int):
            return self.workspace.data["Subscription"]
        rows = self.store.select("o.type = 'Subscription'", [], limit=1)
        return rows[0].oid if rows else None


def find_attr(typedef: TypeDef, key: str) -> AttrDef | None:
    """Body keys match attribute names exactly first, then ignoring case; a custom field may
    be named without its ``c_`` prefix (see :meth:`TypeDef.attribute`)."""
    return typedef.attribute_any_case(key)


def resolve_reference(ctx: WriteContext, typedef: TypeDef, attr: AttrDef, value: Any) -> Row | None:
    """The row a reference value names, checked against the attribute; None for a blank value.

    Checks, in order: it parses as a ref, the object exists and is live, it is of the
    attribute's target type, and it lives in the same workspace (subscription-level objects
    such as Users are shared by all workspaces).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    type_name = typedef.element_name
    parsed = parse_ref(value)
    shown = ref_text(value) if ref_text(value) is not None else value
    if parsed is None:
        raise ValidationError(_bad_ref(value))
    oid = parsed.oid if parsed.oid is not None else ctx.oid_for_uuid(parsed.uuid or "")
    row = ctx.get(oid)
    if row is None or row.recycled or not _may_see(ctx, row):
        raise ValidationError(errors.ref_not_found(type_name, attr.name, shown))
    target = ctx.schema.lookup(attr.target) if attr.target else None
    if target is not None and not ctx.schema.is_a(row.type, target.element_name):
        raise ValidationError(
            errors.ref_wrong_type(type_name, attr.name, shown, row.type, target.element_name)
        )
    if (
        ctx.workspace is not None
        and row.type != "Workspace"
        and row.workspace is not None
        and row.workspace != ctx.workspace.oid
    ):
        raise ValidationError(errors.ref_other_workspace(type_name, attr.name, shown))
    return row


def _may_see(ctx: WriteContext, row: Row) -> bool:
    """A reference to an object the writer may not see is answered as a missing one."""
    from . import identity, permissions

    ws = row.oid if row.type == "Workspace" else row.workspace
    if not identity.may_access_workspace(ctx.store, ctx.user, ws):
        return False
    return permissions.may_read(ctx.store, ctx.user, row)


def _bad_ref(value: Any) -> str:
    from pyral.emulator.errors import bad_reference

    text = ref_text(value)
    return bad_reference(text if text is not None else value)


def resolve_references(ctx: WriteContext, typedef: TypeDef, attr: AttrDef, value: Any) -> list[Row]:
    """Rows for a collection value (a list of refs or ``{_ref}`` dicts), duplicates dropped."""
    if value is None:
        return []
    if isinstance(value, dict) and isinstance(value.get("CollectionItems"), list):
        value = value["CollectionItems"]
    if not isinstance(value, list):
        raise ValidationError(errors.not_a_collection(typedef.element_name, attr.name))
    rows: dict[int, Row] = {}
    problems: list[str] = []
    for item in value:
        try:
            row = resolve_reference(ctx, typedef, attr, item)
        except ValidationError as exc:
            problems.extend(exc.errors)
            continue
        if row is not None:
            rows.setdefault(row.oid, row)
    if problems:
        raise ValidationError(*problems)
    return list(rows.values())
