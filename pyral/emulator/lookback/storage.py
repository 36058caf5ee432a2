"""Snapshot storage: one row per (artifact, interval) in the ``snapshots`` table.

A snapshot is the state of one artifact between ``valid_from`` (inclusive) and ``valid_to``
(exclusive); the open one ends at :data:`END_OF_TIME`.  Every write of an artifact closes the
open snapshot and opens the next one at the same instant, inside the caller's transaction, so
history and live data can never disagree.  Deleting (recycling) closes the last snapshot
without a successor, which is how deletion is modelled (an unsure fact, see docs/lookback.md).

The columns hold what queries filter and sort on (ids, type, project, interval); ``data``
holds the artifact's fields plus ``_PreviousValues`` and the hierarchy lists as JSON.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from pyral.emulator.schema import Schema
from pyral.emulator.store import Row, to_iso

__all__ = [
    "END_OF_TIME",
    "SILENT_FIELDS",
    "install",
    "record_change",
    "write_history",
]

#: ``_ValidTo`` of the current snapshot (the value Rally uses).
END_OF_TIME = "9999-01-01T00:00:00.000Z"

_DDL = """
CREATE TABLE IF NOT EXISTS snapshots (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  oid        INTEGER NOT NULL,
  workspace  INTEGER,
  project    INTEGER,
  type       TEXT NOT NULL,
  number     INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT NOT NULL,
  kind       TEXT NOT NULL,
  data       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_item ON snapshots(oid, number);
CREATE INDEX IF NOT EXISTS snapshots_at ON snapshots(workspace, valid_to, valid_from);
CREATE INDEX IF NOT EXISTS snapshots_type_at ON snapshots(workspace, type, valid_to, valid_from);
CREATE INDEX IF NOT EXISTS snapshots_project_at ON snapshots(workspace, project, valid_to);
"""

#: Bookkeeping attributes that are neither copied into snapshots nor counted as a change.
SILENT_FIELDS = frozenset(
    {
        "VersionId",
        "LastUpdateDate",
        "DragAndDropRank",
        "RevisionHistory",
        "ObjectUUID",
        "Subscription",
        "Recycled",
    }
)


def install(conn: sqlite3.Connection) -> None:
    """Create the snapshot table and its indexes when the store does not have them yet.

    Statement by statement (not ``executescript``, which would commit an open transaction),
    so it may run inside a seed load.
    """
    for statement in _DDL.split(";"):
        if statement.strip():
            conn.execute(statement)


def is_snapshotted(schema: Schema, type_name: str) -> bool:
    """Only artifacts have history (stories, defects, tasks, test cases, portfolio items...)."""
    return schema.is_a(type_name, "Artifact")


def _fields(row: Row, children: list[int] | None) -> dict[str, Any]:
    # Null attributes are left out, as Lookback stores no nulls ("F": null still finds them).
    fields = {k: v for k, v in row.data.items() if k not in SILENT_FIELDS and v is not None}
    fields["ObjectID"] = row.oid
    if row.fid_num is not None:
        fields["_UnformattedID"] = row.fid_num
    if children:
        fields["Children"] = children
    else:
        fields.pop("Children", None)
    return fields


def type_hierarchy(schema: Schema, type_name: str) -> list[str]:
    """Type names from the root type down to ``type_name`` (PI subtypes as type paths)."""
    chain: list[str] = []
    current: str | None = type_name
    while current is not None:
        td = schema.lookup(current)
        if td is None:
            break
        chain.append(td.type_path if td.is_portfolio_item() and td.parent else td.element_name)
        current = td.parent
    return chain[::-1]


Lookup = Callable[[int], "tuple[str, dict[str, Any], int | None] | None"]


def _reader(conn: sqlite3.Connection) -> Lookup:
    def read(oid: int) -> tuple[str, dict[str, Any], int | None] | None:
        found = conn.execute("SELECT type, data, project FROM objects WHERE oid = ?", (oid,))
        one = found.fetchone()
        return (one[0], json.loads(one[1]), one[2]) if one else None

    return read


#: The pointer that leads from an item to the one above it in the work-item hierarchy.
_UP_LINKS = ("Parent", "PortfolioItem", "WorkProduct")


def item_hierarchy(read: Lookup, oid: int, data: dict[str, Any]) -> list[int]:
    """ObjectIDs from the top of the item's hierarchy down to the item itself.

    Stories climb through parent stories, then their portfolio item and its parents; tasks
    start from their work product.  Defects and test cases stand alone (unsure in Rally).
    """
    chain = [oid]
    seen = {oid}
    current = data
    for _ in range(64):  # a cycle in bad data must not hang a write
        up = next(
            (current.get(k) for k in _UP_LINKS if isinstance(current.get(k), int)),
            None,
        )
        if up is None or up in seen:
            break
        found = read(up)
        if found is None:
            break
        chain.append(up)
        seen.add(up)
        current = found[1]
    return chain[::-1]


def project_hierarchy(read: Lookup, project: int | None) -> list[int]:
    """Project ObjectIDs from the root project down to ``project``."""
    chain: list[int] = []
    current = project
    while isinstance(current, int) and current not in chain and len(chain) < 64:
        chain.append(current)
        found = read(current)
        current = found[1].get("Parent") if found else None
    return chain[::-1]


def _children(conn: sqlite3.Connection, row: Row) -> list[int]:
    """Live child stories of a story (what ``"Children": null`` tests for)."""
    if row.type != "HierarchicalRequirement":
        return []
    found = conn.execute(
        "SELECT oid FROM objects WHERE type = 'HierarchicalRequirement' AND recycled = 0"
        " AND json_extract(data, '$.Parent') = ? ORDER BY oid",
        (row.oid,),
    )
    return [t[0] for t in found]


def _document(
    conn: sqlite3.Connection,
    schema: Schema,
    row: Row,
    fields: dict[str, Any],
    previous: dict[str, Any],
) -> str:
    read = _reader(conn)
    doc = dict(fields)
    doc["_PreviousValues"] = previous
    doc["_TypeHierarchy"] = type_hierarchy(schema, row.type)
    doc["_ItemHierarchy"] = item_hierarchy(read, row.oid, fields)
    doc["_ProjectHierarchy"] = project_hierarchy(read, row.project)
    return json.dumps(doc, separators=(",", ":"))


def _created(fields: dict[str, Any]) -> dict[str, Any]:
    """``_PreviousValues`` of a creation: every field that got a value, with null."""
    return {k: None for k, v in fields.items() if v is not None and not k.startswith("_")}


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Old values of every field whose value differs (absent counts as null)."""
    out: dict[str, Any] = {}
    for name in sorted(set(old) | set(new)):
        if name.startswith("_"):
            continue
        if old.get(name) != new.get(name):
            out[name] = old.get(name)
    return out


def _insert(
    conn: sqlite3.Connection,
    row: Row,
    number: int,
    valid_from: str,
    valid_to: str,
    kind: str,
    document: str,
) -> None:
    conn.execute(
        "INSERT INTO snapshots(oid, workspace, project, type, number, valid_from, valid_to,"
        " kind, data) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row.oid,
            row.workspace,
            row.project,
            row.type,
            number,
            valid_from,
            valid_to,
            kind,
            document,
        ),
    )


def _after(moment: str) -> str:
    """One millisecond after a stored timestamp (keeps intervals strictly ordered)."""
    from datetime import datetime, timedelta

    parsed = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%S.%fZ")
    return to_iso(parsed + timedelta(milliseconds=1))


def record_change(
    conn: sqlite3.Connection,
    schema: Schema,
    row: Row,
    now: str,
    touched: set[int],
) -> None:
    """Bring ``row``'s history up to date after a write at ``now``.

    ``touched`` holds the artifacts already snapshotted by this transaction; the open
    snapshot of one of those is amended rather than closed: one
    operation that saves an artifact twice makes one snapshot, not two.  A recycled row
    closes its open snapshot and opens none.  A write that changes no tracked field (a rank
    move, a revision bookkeeping save) adds nothing.
    """
    if not is_snapshotted(schema, row.type):
        return
    merge = row.oid in touched
    touched.add(row.oid)
    open_row = conn.execute(
        "SELECT id, number, valid_from, data FROM snapshots WHERE oid = ? AND valid_to = ?"
        " ORDER BY number DESC LIMIT 1",
        (row.oid, END_OF_TIME),
    ).fetchone()
    if row.recycled:
        if open_row is not None:
            conn.execute(
                "UPDATE snapshots SET valid_to = ? WHERE id = ?",
                (max(now, _after(open_row[2])), open_row[0]),
            )
        return
    fields = _fields(row, _children(conn, row))
    if open_row is None:
        last = conn.execute("SELECT MAX(number) FROM snapshots WHERE oid = ?", (row.oid,))
        top = last.fetchone()[0]
        number = 0 if top is None else top + 1
        previous = _created(fields) if number == 0 else {}
        document = _document(conn, schema, row, fields, previous)
        _insert(
            conn, row, number, now, END_OF_TIME, "Create" if number == 0 else "Update", document
        )
        _refresh_parents(conn, schema, row, {}, fields, now, touched)
        return
    snap_id, number, valid_from, stored = open_row
    old_doc = json.loads(stored)
    old_fields = {k: v for k, v in old_doc.items() if not k.startswith("_")}
    old_fields.update({k: v for k, v in old_doc.items() if k == "_UnformattedID"})
    changes = _changed(old_fields, fields)
    if not changes:
        return
    if merge:
        # Same operation: fold the change into the open snapshot, keeping the oldest values.
        previous = dict(old_doc.get("_PreviousValues") or {})
        for name, value in changes.items():
            previous.setdefault(name, value)
        document = _document(conn, schema, row, fields, previous)
        conn.execute(
            "UPDATE snapshots SET data = ?, project = ?, type = ? WHERE id = ?",
            (document, row.project, row.type, snap_id),
        )
    else:
        start = now if now > valid_from else _after(valid_from)
        conn.execute("UPDATE snapshots SET valid_to = ? WHERE id = ?", (start, snap_id))
        document = _document(conn, schema, row, fields, changes)
        _insert(conn, row, number + 1, start, END_OF_TIME, "Update", document)
    _refresh_parents(conn, schema, row, old_fields, fields, now, touched)


def _refresh_parents(
    conn: sqlite3.Connection,
    schema: Schema,
    row: Row,
    old: dict[str, Any],
    new: dict[str, Any],
    now: str,
    touched: set[int],
) -> None:
    """A story that gains or loses its parent changes the parent's ``Children``."""
    if row.type != "HierarchicalRequirement" or old.get("Parent") == new.get("Parent"):
        return
    for parent in (old.get("Parent"), new.get("Parent")):
        if not isinstance(parent, int):
            continue
        found = conn.execute(
            "SELECT oid, type, workspace, project, fid_num, rank, recycled, version, data"
            " FROM objects WHERE oid = ?",
            (parent,),
        ).fetchone()
        if found is None:
            continue
        parent_row = Row(
            found[0], found[1], found[2], found[3], found[4], found[5], bool(found[6]), found[7],
            json.loads(found[8]),
        )  # fmt: skip
        record_change(conn, schema, parent_row, now, touched)


def write_history(
    conn: sqlite3.Connection,
    schema: Schema,
    row: Row,
    states: Iterable[tuple[str, dict[str, Any]]],
) -> None:
    """Write a seeded artifact's whole history: ``states`` are (time, attribute values) in
    time order, the last one being the row's stored (current) state."""
    children = _children(conn, row)
    previous_fields: dict[str, Any] | None = None
    pending: tuple[int, str, str, dict[str, Any], dict[str, Any]] | None = None
    items = list(states)
    for number, (moment, values) in enumerate(items):
        state_row = Row(
            row.oid, row.type, row.workspace, values.get("Project", row.project), row.fid_num,
            row.rank, False, row.version, values,
        )  # fmt: skip
        if not isinstance(state_row.project, int):
            state_row.project = row.project
        fields = _fields(state_row, children)
        if previous_fields is None:
            previous = _created(fields)
        else:
            previous = _changed(previous_fields, fields)
        if pending is not None:
            p_number, p_from, _, p_fields, p_prev = pending
            _flush(conn, schema, row, p_number, p_from, moment, p_fields, p_prev)
        pending = (number, moment, END_OF_TIME, fields, previous)
        previous_fields = fields
    if pending is not None:
        p_number, p_from, _, p_fields, p_prev = pending
        _flush(conn, schema, row, p_number, p_from, END_OF_TIME, p_fields, p_prev)
    if row.recycled:
        record_change(conn, schema, row, items[-1][0] if items else END_OF_TIME, set())


def _flush(
    conn: sqlite3.Connection,
    schema: Schema,
    row: Row,
    number: int,
    valid_from: str,
    valid_to: str,
    fields: dict[str, Any],
    previous: dict[str, Any],
) -> None:
    project = fields.get("Project") if isinstance(fields.get("Project"), int) else row.project
    state_row = Row(row.oid, row.type, row.workspace, project, row.fid_num, None, False, 1, fields)
    document = _document(conn, schema, state_row, fields, previous)
    _insert(
        conn,
        state_row,
        number,
        valid_from,
        valid_to,
        "Create" if number == 0 else "Update",
        document,
    )
