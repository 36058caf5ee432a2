#!/usr/bin/env python3
"""Create a user story with its tasks, then print it back, pyral style.

python examples/story_with_tasks.py                   # embedded emulator, demo data
python examples/story_with_tasks.py --apikey=_abc "Export the sprint report" Design Build Test
"""

from __future__ import annotations

import sys

from pyral import Rally, RallyRESTAPIError, rallyWorkset
from pyral.emulator.embedded import demo_options


def main(argv: list[str]) -> int:
    options = [arg for arg in argv if arg.startswith("--")]
    words = [arg for arg in argv if not arg.startswith("--")]
    title = words[0] if words else "Export the sprint report as CSV"
    task_names = words[1:] or ["Design the columns", "Write the exporter", "Add a CI check"]
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        try:
            story = rally.create(
                "UserStory",
                {"Name": title, "Description": "Created by examples/story_with_tasks.py",
                 "PlanEstimate": len(task_names)},
            )  # fmt: skip
            for index, name in enumerate(task_names, 1):
                rally.create(
                    "Task",
                    {"Name": name, "WorkProduct": story.ref, "TaskIndex": index, "Estimate": 2},
                )
        except RallyRESTAPIError as exc:
            print(f"Rally refused the write: {exc}", file=sys.stderr)
            return 1

        story = rally.get(
            "HierarchicalRequirement",
            fetch="FormattedID,Name,ScheduleState,PlanEstimate,TaskEstimateTotal,Tasks",
            query=f'FormattedID = "{story.FormattedID}"',
            instance=True,
        )
        print(
            f"{story.FormattedID} {story.Name} [{story.ScheduleState}] estimate {story.PlanEstimate}"
        )
        for task in sorted(story.Tasks, key=lambda t: t.TaskIndex):
            print(f"  {task.FormattedID:<6} {task.State:<11} {task.Estimate:>4}h  {task.Name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
