#!/usr/bin/env python3
"""List the defects of a project, pyral style, optionally filtered by state.

python examples/show_defects.py                       # embedded emulator, demo data
python examples/show_defects.py --rallyConfig=rally.cfg Open Submitted
"""

from __future__ import annotations

import sys

from pyral import Rally, rallyWorkset
from pyral.emulator.embedded import demo_options


def main(argv: list[str]) -> int:
    options = [arg for arg in argv if arg.startswith("--")]
    states = [arg for arg in argv if not arg.startswith("--")] or ["Submitted", "Open"]
    with demo_options(options) as options:
        server, user, password, apikey, workspace, project = rallyWorkset(options)
        rally = Rally(server, user, password, apikey=apikey, workspace=workspace, project=project)
        criteria = f"State in {','.join(states)}"
        response = rally.get(
            "Defect",
            fetch="FormattedID,Name,State,Severity,Priority,Owner,Project",
            query=criteria,
            order="Priority,Severity,FormattedID",
            projectScopeDown=True,
        )
        if response.errors:
            print(f"Rally refused the query: {response.errors[0]}", file=sys.stderr)
            return 1
        print(
            f"{response.resultCount} defects in {rally.getProject().Name!r} with State in {states}\n"
        )
        for defect in response:
            owner = defect.Owner.DisplayName if defect.Owner else "(nobody)"
            print(
                f"{defect.FormattedID:<6} {defect.State:<9} {defect.Priority:<19} "
                f"{defect.Severity:<16} {owner:<14} {defect.Project.Name:<10} {defect.Name}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
