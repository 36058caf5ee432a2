#!/usr/bin/env python3
"""Bulk-create the tasks of a story in one request with ``createMultiple``, then update them.

Run it with no arguments and it starts the embedded WSAPI emulator with demo data; give it
Rally settings (``--rallyConfig=rally.cfg``, ``--server=...``, ``--apikey=...``) and it works
against that server instead.  ``--story=US12`` picks the story (default: a new one is made).

    python examples/bulk_create.py
    python examples/bulk_create.py --rallyConfig=rally.cfg --story=US12

One item is deliberately invalid (an unknown State) to show that a refused item does not
stop the others, and that the script learns exactly which item failed and why.
"""

from __future__ import annotations

import sys

from pyral import Rally, rallyWorkset
from pyral.emulator.embedded import demo_options

TASKS = [
    {"Name": "Design the export format", "Estimate": 3},
    {"Name": "Implement the exporter", "Estimate": "5", "TaskIndex": 2},
    {"Name": "Review with the team", "State": "Pondering"},  # not an allowed State
    {"Name": "Add a CI check", "Estimate": 1, "Blocked": "false"},
]


def main(argv: list[str]) -> int:
    story_id = next((a.split("=", 1)[1] for a in argv if a.startswith("--story=")), None)
    options = [a for a in argv if a.startswith("--") and not a.startswith("--story=")]
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        if story_id:
            story = rally.get(
                "Story",
                fetch="FormattedID,Name",
                query=f'FormattedID = "{story_id}"',
                project=None,  # FormattedIDs are unique in a workspace: search all of it
                instance=True,
            )
            if not getattr(story, "FormattedID", None):
                print(f"Story {story_id} not found")
                return 1
        else:
            story = rally.create("Story", {"Name": "Bulk-create example: sprint report export"})
        print(f"Adding {len(TASKS)} tasks to {story.FormattedID}: {story.Name}")

        items = [{**task, "WorkProduct": story.ref} for task in TASKS]
        created = rally.createMultiple("Task", items)
        for result in created:
            print(
                f"  created {result['FormattedID']:<6} (ObjectID {result['ObjectID']}) {result['Name']}"
            )
        for failure in created.failures:
            print(f"  item {failure.index} ({failure.item['Name']!r}) refused: {failure.errors[0]}")

        # Mark every created task In-Progress in a second batch (only State is sent).
        updates = [{"ObjectID": r["ObjectID"], "State": "In-Progress"} for r in created]
        updated = rally.updateMultiple("Task", updates, fields=["State"])
        print(f"Moved {len(updated)} tasks to In-Progress; failures: {updated.errors or 'none'}")
        return 0 if updated.ok else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
