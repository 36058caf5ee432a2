"""The emulator's operations with no HTTP in them.

:class:`Backend` is the one object the HTTP layer talks to: identity, reads, queries,
writes, collections, ranking, attachments, batch and the recycle bin.  It returns
:class:`~pyral.emulator.store.Row` objects and raises :class:`~pyral.emulator.errors.WsapiError`
subclasses; envelopes and fetch shaping are the serializer's business.  Each concern lives
in its own module; this class only wires them to one store and one per-workspace schema cache.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from pyral.emulator import errors
from pyral.emulator.errors import WsapiError
from pyral.emulator.lookback import storage as lookback_storage
from pyral.emulator.schema import AttrDef, Schema, TypeDef
from pyral.emulator.seed import workspace_schema
from pyral.emulator.store import Row, Store

from . import batch as _batch
from . import collections as _collections
from . import identity, permissions, reading, recycle, values, writes
from .refs import parse_ref

__all__ = ["Backend"]


class Backend:
    """Every WSAPI operation, over one :class:`Store`."""

    def __init__(self, store: Store, schema: Schema | None = None) -> None:
        self.store = store
        with store.write() as conn:
            lookback_storage.install(conn)
        self.base_schema = schema if schema is not None else Schema.load_default()
        self._schemas: dict[int | None, Schema] = {}
        self._schema_lock = threading.Lock()

    # -- schema ----------------------------------------------------------------------

    def schema_for(self, workspace_oid: int | None) -> Schema:
        """The workspace's schema (base plus its custom fields and PI types), cached.

        Cached because building it costs a store read per request otherwise; the seed is
        the only source of schema additions, so the cache never goes stale while serving.
        """
        with self._schema_lock:
            found = self._schemas.get(workspace_oid)
            if found is None:
                found = self._build_schema(workspace_oid)
                self._schemas[workspace_oid] = found
            return found

    def _build_schema(self, workspace_oid: int | None) -> Schema:
        if workspace_oid is None:
            return self.base_schema
        return workspace_schema(self.store, self.base_schema, workspace_oid)

    def forget_schemas(self) -> None:
        """Drop cached schemas (after loading another seed into the same store)."""
        with self._schema_lock:
            self._schemas.clear()

    def lookup_type(self, name: str, workspace_oid: int | None) -> TypeDef:
        typedef = self.schema_for(workspace_oid).lookup(name or "")
        if typedef is None:
            raise WsapiError(errors.unknown_type(name))
        return typedef

    def typedef_of(self, row: Row) -> TypeDef:
        """The TypeDef of a row's concrete type, in the row's workspace (for the serializer)."""
        schema = self.schema_for(row.workspace)
        typedef = schema.lookup(row.type)
        return typedef if typedef is not None else self.base_schema.get(row.type)

    # -- identity --------------------------------------------------------------------

    def authenticate_apikey(self, key: str) -> Row | None:
        return identity.authenticate_apikey(self.store, key)

    def authenticate_password(self, username: str, password: str) -> Row | None:
        return identity.authenticate_password(self.store, username, password)

    def issue_security_token(self, user: Row) -> str:
        return identity.issue_security_token(self.store, user)

    def check_security_token(self, user: Row, token: str | None) -> bool:
        return identity.check_security_token(self.store, user, token)

    def user_workspaces(self, user: Row) -> list[Row]:
        return identity.user_workspaces(self.store, user)

    def default_workspace(self, user: Row) -> Row | None:
        return identity.default_workspace(self.store, user)

    def resolve_workspace(self, user: Row, ref: str | None) -> Row:
        return identity.resolve_workspace(self.store, user, ref)

    def resolve_project(self, user: Row, workspace: Row, ref: str | None) -> Row | None:
        return identity.resolve_project(self.store, user, workspace, ref)

    # -- reading ---------------------------------------------------------------------
    # Operations whose module function takes the backend first are bound here as methods,
    # so each signature is written once, where it is implemented.

    get_row = reading.get_row
    query = reading.run_query
    collection = reading.collection
    collection_count = reading.collection_count
    pi_state_names = reading.pi_state_names
    reference_allowed_values = reading.reference_allowed_values

    def get_rows(self, oids: Iterable[int]) -> dict[int, Row]:
        """Raw rows by oid (recycled ones included), for the serializer's shallow refs."""
        return self.store.get_many(oids)

    def rows(self, oids: Iterable[int]) -> dict[int, Row]:
        """Live rows by oid: missing or recycled ones are absent (serializer ObjectSource)."""
        return {k: r for k, r in self.store.get_many(oids).items() if not r.recycled}

    # -- writing ---------------------------------------------------------------------

    create = writes.create
    update = writes.update
    delete = recycle.delete

    def collection_add(self, user: Row, owner: Row, attr: AttrDef, refs: list[Any]) -> list[Row]:
        values.check_body(f"{owner.type}.{attr.name}", refs)
        permissions.check_change(self.store, user, owner, owner.data, owner.data, "changing a")
        return _collections.change_members(self, user, owner, attr, refs, adding=True)

    def collection_remove(self, user: Row, owner: Row, attr: AttrDef, refs: list[Any]) -> list[Row]:
        values.check_body(f"{owner.type}.{attr.name}", refs)
        permissions.check_change(self.store, user, owner, owner.data, owner.data, "changing a")
        return _collections.change_members(self, user, owner, attr, refs, adding=False)

    def batch(
        self, user: Row, entries: list[Any], *, workspace: Row, project: Row | None
    ) -> list[tuple[Row | None, list[str], list[str]]]:
        """Run batch entries in order; one (row, errors, warnings) per entry.

        Guarantee: entries are independent, each committed in its own transaction.  A
        failing entry stores nothing of its own and does not undo or stop the others.
        """
        return _batch.run_batch(self, user, entries, workspace, project)

    # -- refs ------------------------------------------------------------------------

    def ref_to_oid(self, value: Any) -> int | None:
        """The ObjectID a ref names in any spelling, or None when it is not an object ref."""
        parsed = parse_ref(value)
        if parsed is None:
            return None
        if parsed.oid is not None:
            return parsed.oid
        return self.uuid_to_oid(parsed.uuid or "")

    def uuid_to_oid(self, uuid: str) -> int | None:
        """The ObjectID of the object (recycled ones included) whose ObjectUUID is ``uuid``.

        ``uuid`` must be in the stored form (:func:`refs.canonical_uuid`).  Recycled rows
        are found too, so each operation reports its own "cannot find" text for them,
        exactly as it does for their ObjectID.
        """
        rows = self.store.select("json_extract(o.data, '$.ObjectUUID') = ?", [uuid], limit=1)
        return rows[0].oid if rows else None
