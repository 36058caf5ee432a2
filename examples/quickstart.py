#!/usr/bin/env python3
"""The README's main job: a pyral script that connects, queries, creates, updates and deletes.

Run it with no arguments and it starts the embedded WSAPI emulator with demo data and talks to
it over real HTTP; give it Rally settings (``--rallyConfig=rally.cfg``, ``--server=...``,
``--apikey=...``, ``RALLY_*`` variables) and the very same code talks to that server instead.

    python examples/quickstart.py
    python examples/quickstart.py --rallyConfig=rally.cfg
"""

from __future__ import annotations

import sys
from collections import Counter

from pyral import Rally, rallyWorkset
from pyral.emulator.embedded import demo_options


def main(argv: list[str]) -> int:
    options = [arg for arg in argv if arg.startswith("--")]
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        print(
            f"Connected: workspace {rally.getWorkspace().Name!r}, project {rally.getProject().Name!r}"
        )

        # Query: unclosed defects with a severity, across the whole project tree, most severe first.
        defects = rally.get(
            "Defect",
            fetch="FormattedID,Name,State,Severity,Owner",
            query=["State != Closed", "Severity != None"],
            order="Severity,FormattedID",
            projectScopeDown=True,
            limit=5,
        )
        print(f"\n{defects.resultCount} unclosed defects have a severity; the five most severe:")
        for defect in defects:
            owner = defect.Owner.Name if defect.Owner else "Unassigned"
            print(
                f"  {defect.FormattedID:<6} {defect.State:<9} {defect.Severity:<16} {owner:<14} {defect.Name}"
            )

        stories = rally.get(
            "HierarchicalRequirement", fetch="ScheduleState", projectScopeDown=True, pagesize=200
        )
        states = Counter(story.ScheduleState for story in stories)
        print(f"\nStories by schedule state: {dict(sorted(states.items()))}")

        # Create a story and two tasks under it.
        story = rally.create(
            "HierarchicalRequirement",
            {"Name": "Quickstart: export the sprint report", "ScheduleState": "Defined"},
        )
        print(f"\nCreated story {story.FormattedID}: {story.Name}")
        for name in ("Write the exporter", "Add a CI check"):
            task = rally.create("Task", {"Name": name, "WorkProduct": story.ref})
            print(f"  with task {task.FormattedID}: {task.Name} ({task.State})")

        # Update it by FormattedID, then read it back with its tasks.
        rally.update(
            "HierarchicalRequirement",
            {"FormattedID": story.FormattedID, "ScheduleState": "In-Progress"},
        )
        story = rally.get(
            "HierarchicalRequirement",
            fetch="FormattedID,Name,ScheduleState,Tasks",
            query=f'FormattedID = "{story.FormattedID}"',
            instance=True,
        )
        print(
            f"Updated {story.FormattedID} to {story.ScheduleState}; tasks: {[t.Name for t in story.Tasks]}"
        )

        # Delete it again (it moves to the recycle bin, as in Rally).
        for task in story.Tasks:
            rally.delete("Task", task.oid)
        deleted = rally.delete("HierarchicalRequirement", story.FormattedID)
        print(f"Deleted {story.FormattedID} and its tasks: {deleted}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
