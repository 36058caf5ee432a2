"""DragAndDropRank: one ordering per workspace shared by every rankable type.

Ranks are opaque strings compared as text (``order=Rank`` sorts on them); a move computes a
string strictly between the new neighbours with ``store.rank_between``, so no other row is
ever rewritten.  New rankable items go to the bottom (spec h).
"""

from __future__ import annotations

from pyral.emulator import errors
from pyral.emulator.errors import WsapiError
from pyral.emulator.schema import TypeDef
from pyral.emulator.store import Row, rank_between

from .context import WriteContext
from .refs import parse_ref


def is_rankable(typedef: TypeDef) -> bool:
    return "DragAndDropRank" in typedef.attributes


def _scalar(ctx: WriteContext, sql: str, params: list[object]) -> str | None:
    found = ctx.conn.execute(sql, params).fetchone()
    return found[0] if found else None


def _between(before: str | None, after: str | None) -> str:
    try:
        return rank_between(before, after)
    except ValueError as exc:  # ranks from a hand-written seed may be unusable
        raise WsapiError(f"Cannot rank: {exc}") from None


# The ends of a workspace's ranking are read as "first row in rank order" so SQLite walks the
# (workspace, rank) index from one end and stops at the first row that is not ``exclude``:
# the cost does not grow with the workspace (MAX() with the extra condition scanned it).
_LAST_RANK = (
    "SELECT rank FROM objects WHERE workspace IS ? AND rank IS NOT NULL AND oid IS NOT ?"
    " ORDER BY rank DESC LIMIT 1"
)
_FIRST_RANK = (
    "SELECT rank FROM objects WHERE workspace IS ? AND rank IS NOT NULL AND oid IS NOT ?"
    " ORDER BY rank ASC LIMIT 1"
)


def bottom_rank(ctx: WriteContext, workspace_oid: int | None, exclude: int | None = None) -> str:
    return _between(_scalar(ctx, _LAST_RANK, [workspace_oid, exclude]), None)


def top_rank(ctx: WriteContext, workspace_oid: int | None, exclude: int) -> str:
    return _between(None, _scalar(ctx, _FIRST_RANK, [workspace_oid, exclude]))


def _reference_row(ctx: WriteContext, row: Row, ref: str) -> Row:
    parsed = parse_ref(ref)
    other = ctx.get(parsed.oid) if parsed and parsed.oid is not None else None
    if other is None or other.recycled or other.oid == row.oid:
        raise WsapiError(errors.rank_reference_missing(ref))
    other_type = ctx.schema.lookup(other.type)
    if other_type is None or not is_rankable(other_type):
        raise WsapiError(errors.rank_reference_missing(ref))
    if other.workspace != row.workspace:
        raise WsapiError(errors.rank_reference_elsewhere(ref))
    if other.rank is None:
        # A seeded item without a rank is first given one at the bottom.
        other.rank = bottom_rank(ctx, other.workspace, exclude=other.oid)
        other.data["DragAndDropRank"] = other.rank
        ctx.save(other)
    return other


def new_rank(
    ctx: WriteContext,
    typedef: TypeDef,
    row: Row,
    *,
    rank_above: str | None,
    rank_below: str | None,
    rank_to: str | None,
) -> str | None:
    """The rank ``row`` should take for the given move, or None when no move was asked."""
    if rank_above is None and rank_below is None and rank_to is None:
        return None
    if not is_rankable(typedef):
        raise WsapiError(errors.cannot_rank(typedef.element_name))
    ws = row.workspace
    if rank_to is not None:
        where = rank_to.strip().upper()
        if where == "TOP":
            return top_rank(ctx, ws, row.oid)
        if where == "BOTTOM":
            return bottom_rank(ctx, ws, exclude=row.oid)
        raise WsapiError(errors.bad_rank_to(rank_to))
    if rank_above is not None:
        other = _reference_row(ctx, row, rank_above)
        before = _scalar(
            ctx,
            "SELECT rank FROM objects WHERE workspace IS ? AND rank < ? AND oid != ?"
            " ORDER BY rank DESC LIMIT 1",
            [ws, other.rank, row.oid],
        )
        return _between(before, other.rank)
    assert rank_below is not None
    other = _reference_row(ctx, row, rank_below)
    after = _scalar(
        ctx,
        "SELECT MIN(rank) FROM objects WHERE workspace IS ? AND rank > ? AND oid != ?",
        [ws, other.rank, row.oid],
    )
    return _between(other.rank, after)
