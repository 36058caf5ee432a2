"""Revision history: one RevisionHistory per object, one Revision per change.

Descriptions follow the fragments integration tools parse (spec k): a comma-separated list
of ``NAME changed from [old] to [new]``, ``NAME added [x]``, ``NAME removed [x]`` and
``RANK moved up`` / ``RANK moved down``, with upper-cased display names.  Revision 0 reads
``Original revision``.
"""

from __future__ import annotations

from typing import Any

from pyral.emulator.schema import TypeDef
from pyral.emulator.store import Row

from .context import WriteContext

#: Bookkeeping attributes whose change is never worth a revision line.
_SILENT = frozenset(
    {
        "LastUpdateDate",
        "VersionId",
        "DragAndDropRank",
        "RevisionHistory",
        "ObjectID",
        "ObjectUUID",
        "CreationDate",
        "Recycled",
        "InProgressDate",
        "AcceptedDate",
        "ClosedDate",
        "OpenedDate",
        "StateChangedDate",
        "FlowStateChangedDate",
        "Feature",
        "TaskIndex",
    }
)


def has_history(typedef: TypeDef) -> bool:
    return "RevisionHistory" in typedef.attributes


def _new_row(ctx: WriteContext, type_name: str, workspace: int | None, data: dict[str, Any]) -> Row:
    oid = ctx.store.new_oid(ctx.conn)
    data = {
        **ctx.new_object_fields(oid),
        "Workspace": workspace,
        "Subscription": ctx.subscription_oid(),
        **data,
    }
    row = Row(oid, type_name, workspace, None, None, None, False, 1, data)
    ctx.insert(row)
    return row


def start_history(ctx: WriteContext, row: Row) -> None:
    """Create the RevisionHistory of a new object, with its "Original revision"."""
    history = _new_row(ctx, "RevisionHistory", row.workspace, {})
    row.data["RevisionHistory"] = history.oid
    _add_revision(ctx, history.oid, row.workspace, 0, "Original revision")


def _add_revision(
    ctx: WriteContext, history: int, workspace: int | None, number: int, text: str
) -> None:
    _new_row(
        ctx,
        "Revision",
        workspace,
        {
            "RevisionHistory": history,
            "RevisionNumber": number,
            "Description": text,
            "User": ctx.user.oid,
        },
    )


def record(ctx: WriteContext, row: Row, text: str) -> None:
    """Append a revision to ``row``'s history (started on the fly for seeded objects)."""
    if not text:
        return
    history = row.data.get("RevisionHistory")
    if not isinstance(history, int) or ctx.get(history) is None:
        start_history(ctx, row)
        history = row.data["RevisionHistory"]
    found = ctx.conn.execute(
        "SELECT MAX(json_extract(data, '$.RevisionNumber')) FROM objects"
        " WHERE type = 'Revision' AND json_extract(data, '$.RevisionHistory') = ?",
        [history],
    ).fetchone()
    number = (found[0] if found and found[0] is not None else -1) + 1
    _add_revision(ctx, history, row.workspace, number, text)


def display_of(ctx: WriteContext, value: Any, is_ref: bool = False) -> str:
    """How a stored value reads inside ``[...]``: names for references, text otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_ref and isinstance(value, int):
        target = ctx.get(value)
        if target is not None:
            d = target.data
            return str(
                d.get("DisplayName")
                or d.get("Name")
                or d.get("UserName")
                or d.get("FormattedID")
                or value
            )
    if isinstance(value, dict):
        return str(value.get("DisplayString") or value.get("LinkID") or "")
    return str(value)


def describe(ctx: WriteContext, typedef: TypeDef, old: dict[str, Any], new: dict[str, Any]) -> str:
    """The revision text for a change from ``old`` to ``new`` (empty when nothing shows)."""
    parts: list[str] = []
    for name, attr in typedef.attributes.items():
        if name in _SILENT or not attr.is_stored:
            continue
        before, after = old.get(name), new.get(name)
        if before == after or (before in (None, "") and after in (None, "")):
            continue
        label = attr.display_name.upper()
        ref = attr.is_reference
        if attr.is_collection:
            was = [v for v in before or [] if v not in (after or [])]
            now = [v for v in after or [] if v not in (before or [])]
            if now:
                parts.append(f"{label} added [{', '.join(display_of(ctx, v, True) for v in now)}]")
            if was:
                parts.append(
                    f"{label} removed [{', '.join(display_of(ctx, v, True) for v in was)}]"
                )
        elif attr.is_reference and before in (None, ""):
            parts.append(f"{label} added [{display_of(ctx, after, ref)}]")
        elif attr.is_reference and after in (None, ""):
            parts.append(f"{label} removed [{display_of(ctx, before, ref)}]")
        else:
            parts.append(
                f"{label} changed from [{display_of(ctx, before, ref)}] to [{display_of(ctx, after, ref)}]"
            )
    return ", ".join(parts)


def rank_note(old_rank: str | None, new_rank: str | None) -> str:
    if old_rank is None or new_rank is None or old_rank == new_rank:
        return ""
    return "RANK moved up" if new_rank < old_rank else "RANK moved down"
