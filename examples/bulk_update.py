#!/usr/bin/env python3
"""Bulk-update stories matching a query: one update per item, reporting every failure.

    python examples/bulk_update.py                        # embedded emulator, demo data
    python examples/bulk_update.py --rallyConfig=rally.cfg "(ScheduleState = Completed)" ScheduleState=Accepted

Each item is updated on its own, so one refusal (say, a value a workflow rule rejects) does not
stop the rest; the script exits non-zero if anything failed.
"""

from __future__ import annotations

import sys

from pyral import Rally, RallyRESTAPIError, rallyWorkset
from pyral.emulator.embedded import demo_options


def parse_changes(pairs: list[str]) -> dict[str, str]:
    changes = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field:
            raise SystemExit(f"expected Field=Value, got {pair!r}")
        changes[field] = value
    return changes


def main(argv: list[str]) -> int:
    options = [arg for arg in argv if arg.startswith("--")]
    words = [arg for arg in argv if not arg.startswith("--")]
    query = words[0] if words else "(ScheduleState = Completed)"
    changes = parse_changes(words[1:] or ["ScheduleState=Accepted", "Blocked=false"])
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        stories = rally.get(
            "HierarchicalRequirement", fetch="FormattedID,Name", query=query,
            projectScopeDown=True, pagesize=200,
        )  # fmt: skip
        if stories.errors:
            print(f"Rally refused the query: {stories.errors[0]}", file=sys.stderr)
            return 1
        print(f"Updating {stories.resultCount} stories matching {query} with {changes}")
        failed = 0
        for story in stories:
            try:
                updated = rally.update(
                    "HierarchicalRequirement", {"ObjectID": story.oid, **changes}
                )
                shown = ", ".join(f"{field}={getattr(updated, field)}" for field in changes)
                print(f"  {updated.FormattedID:<6} {shown}")
            except RallyRESTAPIError as exc:
                failed += 1
                print(f"  {story.FormattedID:<6} FAILED: {exc}".rstrip(), file=sys.stderr)
        print(f"{stories.resultCount - failed} updated, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
