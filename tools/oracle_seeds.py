"""Demo-data variations that the oracle scenarios and the tests share.

The demo data stays as it is; a check that needs something the demo lacks builds a seed
here (``docs/emulator-seed-format.md``).  Run as a script it prints the named seed as JSON,
which is how an oracle scenario -- running under pyral 1.7.0, unable to import this
project -- obtains it:

    PYTHONPATH=. python tools/oracle_seeds.py workspace_only > seed.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pyral.emulator.demo import demo_seed

#: API key of the extra user of ``workspace_only_seed`` (default project "Integration").
ERIN_APIKEY = "_erinapikey".ljust(42, "0")


def workspace_only_seed() -> dict[str, Any]:
    """The demo data plus what ``workspace=`` without ``project=`` needs to be pinned.

    * Sandbox Workspace gains an "Online Store" project (the demo user's default project's
      name) with a "Web Team" child;
    * a "Third Workspace" has no project of that name (and an "Integration" one);
    * erin's default project is Mobile Team's "Integration", which shares its name with an
      older Web Team project.
    """
    seed = demo_seed()
    seed["workspaces"][1]["projects"].append(
        {"Name": "Online Store", "Children": [{"Name": "Web Team"}]}
    )
    seed["workspaces"].append(
        {
            "Name": "Third Workspace",
            "State": "Open",
            "projects": [{"Name": "Zeta"}, {"Name": "Alpha Team"}, {"Name": "Integration"}],
        }
    )
    seed["users"].append(
        {
            "UserName": "erin@example.com",
            "DisplayName": "Erin",
            "Password": "erin",
            "ApiKey": ERIN_APIKEY,
            "DefaultWorkspace": "Demo Workspace",
            "DefaultProject": "Online Store // Mobile Team // Integration",
        }
    )
    return seed


SEEDS = {"workspace_only": workspace_only_seed}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SEEDS:
        print(f"usage: oracle_seeds.py {{{','.join(SEEDS)}}}", file=sys.stderr)
        return 2
    json.dump(SEEDS[argv[0]](), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
