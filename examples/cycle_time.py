#!/usr/bin/env python3
"""Print the cycle time of each story of a project (In-Progress -> Accepted) from Lookback data.

python examples/cycle_time.py                               # embedded emulator, demo history
python examples/cycle_time.py --rallyConfig=rally.cfg

Cycle time is measured from the first snapshot in which a story is In-Progress (or later) to
the first in which it is Accepted.  Stories not yet accepted are listed as "in progress".
"""

from __future__ import annotations

import statistics
import sys
from datetime import datetime

from pyral import Rally, rallyWorkset
from pyral.emulator.embedded import demo_options

STARTED = {"In-Progress", "Completed", "Accepted"}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main(argv: list[str]) -> int:
    with demo_options(argv) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        project = rally.getProject()
        response = rally.lookback(
            {"_TypeHierarchy": "HierarchicalRequirement", "_ProjectHierarchy": int(project.oid)},
            fields=["ObjectID", "FormattedID", "Name", "ScheduleState", "_ValidFrom"],
            sort={"_ValidFrom": 1},
        )
        started: dict[int, datetime] = {}
        accepted: dict[int, datetime] = {}
        names: dict[int, str] = {}
        for snap in response:
            oid = snap.ObjectID
            names[oid] = f"{snap.FormattedID or oid} {snap.Name}"
            when = parse_time(snap._ValidFrom)
            if snap.ScheduleState in STARTED:
                started.setdefault(oid, when)
            if snap.ScheduleState == "Accepted":
                accepted.setdefault(oid, when)
    print(f"Cycle time of the stories in {project.Name!r} ({len(names)} stories with history)\n")
    days = []
    for oid in sorted(started, key=lambda o: started[o]):
        begin = started[oid]
        if oid in accepted:
            span = (accepted[oid] - begin).total_seconds() / 86400
            days.append(span)
            shown = f"{span:5.1f} days"
        else:
            shown = "in progress"
        print(f"{names[oid][:48]:<48} started {begin:%Y-%m-%d}  {shown}")
    if days:
        print(f"\n{len(days)} accepted; median cycle time {statistics.median(days):.1f} days")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
