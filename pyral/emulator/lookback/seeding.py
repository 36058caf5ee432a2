"""Snapshots for seeded artifacts, including a dated ``_history`` the seed may give them.

The seed format (docs/emulator-seed-format.md): an object may carry ``_history``, a list of
entries oldest first, each ``{"at": <date>, <Attribute>: <value>, ...}``.  The first entry is
the creation; the state it opens is the object's own attributes overlaid with the entry's
values, and each later entry changes the attributes it names from its ``at`` on.  After the
last entry every attribute must have the object's own value: the object describes the
present, the history only how it got there.  An object without ``_history`` gets a single
snapshot from its CreationDate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyral.emulator.schema import Schema, TypeDef
from pyral.emulator.store import Row

from . import storage

if TYPE_CHECKING:
    from pyral.emulator.seed import _Loader

__all__ = ["Pending", "finish", "note_object"]

#: Dates derived from a state; cleared in earlier states where that state was not reached.
_STARTED = ("In-Progress", "Completed", "Accepted")


@dataclass
class Pending:
    """Seeded artifacts whose snapshots are written once the whole seed is loaded."""

    items: list[tuple[Schema, int, list[tuple[str, dict[str, Any]]]]] = field(default_factory=list)


def _pending(loader: _Loader) -> Pending:
    found = getattr(loader, "_lookback_pending", None)
    if found is None:
        found = Pending()
        loader._lookback_pending = found  # type: ignore[attr-defined]
    return found


def note_object(
    loader: _Loader,
    schema: Schema,
    ws: int,
    td: TypeDef,
    row: Row,
    history: Any,
    where: str,
) -> None:
    """Remember a seeded object for :func:`finish`; parse and check its ``_history``."""
    from pyral.emulator.seed import SeedError

    if not storage.is_snapshotted(schema, td.element_name):
        if history is not None:
            raise SeedError(f"{where}: only artifacts have a _history")
        return
    entries: list[tuple[str, dict[str, Any]]] = []
    if history is not None:
        if not isinstance(history, list) or not history:
            raise SeedError(f"{where}: _history must be a non-empty list of entries")
        for i, entry in enumerate(history):
            label = f"{where}: _history[{i}]"
            if not isinstance(entry, dict) or "at" not in entry:
                raise SeedError(f"{label} must be an object with an 'at' date")
            moment = loader._date(entry["at"], "at")
            if entries and moment <= entries[-1][0]:
                raise SeedError(f"{label}: 'at' must be later than the entry before")
            values = {
                name: _value(loader, schema, ws, td, name, value, label)
                for name, value in entry.items()
                if name != "at"
            }
            entries.append((moment, values))
    _pending(loader).items.append((schema, row.oid, entries))


def _value(
    loader: _Loader, schema: Schema, ws: int, td: TypeDef, name: str, value: Any, where: str
) -> Any:
    from pyral.emulator.seed import SeedError

    attr = td.attribute(name)
    if attr is None:
        raise SeedError(f"{where}: {td.element_name} has no attribute {name!r}")
    if attr.attr_type == "COLLECTION":
        if not isinstance(value, list):
            raise SeedError(f"{where}: {name} must be a list")
        return [loader._ref(schema, ws, attr, v, f"{where}: {name}", td) for v in value]
    if attr.attr_type == "OBJECT":
        return None if value is None else loader._ref(schema, ws, attr, value, where, td)
    return loader._scalar(attr, value, where)


def _load_row(loader: _Loader, oid: int) -> Row | None:
    rows = loader.store.get_many([oid])  # through the seed's write connection
    return rows.get(oid)


def finish(loader: _Loader) -> None:
    """Write every seeded artifact's snapshots (after derived values have settled)."""
    from pyral.emulator.seed import SeedError

    pending = getattr(loader, "_lookback_pending", None)
    if pending is None:
        return
    conn = loader.conn
    for schema, oid, entries in pending.items:
        row = _load_row(loader, oid)
        if row is None:
            continue
        if not entries:
            created = row.data.get("CreationDate") or loader.now
            storage.write_history(conn, schema, row, [(created, row.data)])
            continue
        states = _states(row, entries)
        final = states[-1][1]
        for name, value in final.items():
            if row.data.get(name) != value:
                shown = row.data.get("Name") or row.data.get("FormattedID") or oid
                raise SeedError(
                    f"_history of {shown!r} ends with {name} = {value!r}, "
                    f"but the object says {row.data.get(name)!r}"
                )
        _stamp_dates(row, states)
        loader.store.save(row, conn)
        states = _states(row, entries)
        states[-1] = (states[-1][0], row.data)
        storage.write_history(conn, schema, row, states)


def _states(
    row: Row, entries: list[tuple[str, dict[str, Any]]]
) -> list[tuple[str, dict[str, Any]]]:
    states: list[tuple[str, dict[str, Any]]] = []
    current = dict(row.data)
    for moment, values in entries:
        current = {**current, **values}
        states.append((moment, _clear_unreached(current)))
    return states


def _clear_unreached(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "ScheduleState" in out:
        if out.get("ScheduleState") not in _STARTED:
            out.pop("InProgressDate", None)
        if out.get("ScheduleState") != "Accepted":
            out.pop("AcceptedDate", None)
    if out.get("State") != "Closed" and "ClosedDate" in out:
        out.pop("ClosedDate", None)
    return out


def _stamp_dates(row: Row, states: list[tuple[str, dict[str, Any]]]) -> None:
    """Creation, last-update and state dates that agree with the history."""
    data = row.data
    data["CreationDate"] = states[0][0]
    if "LastUpdateDate" in data:
        data["LastUpdateDate"] = states[-1][0]

    def first(test: Any) -> str | None:
        return next((moment for moment, values in states if test(values)), None)

    if data.get("InProgressDate") is not None:
        data["InProgressDate"] = (
            first(lambda v: v.get("ScheduleState") in _STARTED) or data["InProgressDate"]
        )
    if data.get("AcceptedDate") is not None:
        data["AcceptedDate"] = (
            first(lambda v: v.get("ScheduleState") == "Accepted") or data["AcceptedDate"]
        )
    if data.get("ClosedDate") is not None:
        data["ClosedDate"] = first(lambda v: v.get("State") == "Closed") or data["ClosedDate"]
