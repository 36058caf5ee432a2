"""``pyral lookback``: a Lookback (snapshot history) query, written like ``pyral query``.

``--find`` is the Mongo-style filter as JSON; ``--fields`` the columns (comma-separated,
dotted names allowed, ``true`` for every field); the output formats are ``pyral query``'s.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pyral._lookback import MAX_PAGESIZE, lookback

from .errors import UsageError
from .render import FORMATS, write_rows

#: Columns when ``--fields`` is not given (a snapshot without one shows it empty).
DEFAULT_FIELDS = (
    "ObjectID",
    "FormattedID",
    "Name",
    "ScheduleState",
    "State",
    "_SnapshotNumber",
    "_ValidFrom",
    "_ValidTo",
)


def add_parser(sub: Any, formats: Any, positive: Any) -> None:
    """Declare the subcommand (``sub`` and ``formats`` are the CLI's own helpers)."""
    p = sub("lookback", "query snapshot history (Lookback API), e.g. for flow and cycle time")
    p.add_argument(
        "--find",
        required=True,
        metavar="JSON",
        help='filter, e.g. \'{"_TypeHierarchy": "Defect", "__At": "current"}\'',
    )
    p.add_argument("--fields", help="comma-separated fields (dotted names allowed); 'true' = all")
    p.add_argument("--hydrate", help="comma-separated fields to return as names (Project,Owner)")
    p.add_argument("--sort", help="field to sort by; '-Field' for descending, or a JSON object")
    p.add_argument("--start", type=int, default=0, help="first snapshot, 0-based (default 0)")
    p.add_argument("--pagesize", type=positive, help=f"snapshots per request (1-{MAX_PAGESIZE})")
    p.add_argument("--limit", type=positive, help="stop after N snapshots")
    p.add_argument("--compress", action="store_true", help="fold snapshots where no field changed")
    p.add_argument(
        "--remove-unauthorized",
        action="store_true",
        help="drop snapshots in projects you cannot see without listing them",
    )
    formats(p, FORMATS, "table")


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError("a field list needs at least one name")
    return names


def _sort(text: str | None) -> dict[str, int] | None:
    if text is None:
        return None
    if text.strip().startswith("{"):
        try:
            sort = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"--sort is not valid JSON: {exc}") from None
        if not isinstance(sort, dict):
            raise UsageError("--sort must be a field name or a JSON object")
        return sort
    out: dict[str, int] = {}
    for name in _names(text) or []:
        out[name.lstrip("-")] = -1 if name.startswith("-") else 1
    return out


def run_lookback(ns: argparse.Namespace, session: Any) -> int:
    try:
        find = json.loads(ns.find)
    except ValueError as exc:
        raise UsageError(f"--find is not valid JSON: {exc}") from None
    if not isinstance(find, dict):
        raise UsageError("--find must be a JSON object, e.g. '{\"ObjectID\": 123}'")
    if ns.start < 0:
        raise UsageError("--start is 0-based and cannot be negative")
    names = _names(ns.fields)
    every = names is not None and len(names) == 1 and names[0].lower() in ("true", "all", "*")
    columns = None if every else list(names or DEFAULT_FIELDS)
    response = lookback(
        session.rally,
        find,
        fields=True if every else columns,
        hydrate=_names(ns.hydrate),
        sort=_sort(ns.sort),
        pagesize=ns.pagesize,
        start=ns.start,
        limit=ns.limit,
        removeUnauthorizedSnapshots=True if ns.remove_unauthorized else None,
        compress=True if ns.compress else None,
    )
    for warning in response.warnings:
        session.warn(str(warning))
    rows = (snap.data for snap in response)
    count = write_rows(session.out, ns.format, columns, rows)
    if ns.format == "table":
        session.err.write(f"{count} of {response.resultCount} snapshot(s)\n")
    return 0
