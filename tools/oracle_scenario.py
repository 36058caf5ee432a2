"""One Rally script, run unchanged under pyral 1.7.0 and under this project's pyral.

``oracle_check.py`` runs it twice against two fresh emulators loaded with the same demo data
and diffs the output.  It only prints things both libraries should agree on: values that come
from the server, and the shape of what the library hands back.  Usage:

    python oracle_scenario.py HOST:PORT APIKEY USER PASSWORD
"""

from __future__ import annotations

import sys
import warnings

warnings.filterwarnings("ignore")  # urllib3's InsecureRequestWarning for the self-signed cert

from pyral import Rally  # noqa: E402


def show(label: str, value: object) -> None:
    print(f"{label}: {value}")


def main() -> None:
    server, apikey, user, password = sys.argv[1:5]

    # --- connect, both ways ---------------------------------------------------------------------
    rally = Rally(server, apikey=apikey, verify_ssl_cert=False)
    show("apikey workspace", rally.getWorkspace().Name)
    show("apikey project", rally.getProject().Name)
    basic = Rally(
        server,
        user,
        password,
        workspace="Demo Workspace",
        project="Online Store",
        verify_ssl_cert=False,
    )
    show("basic workspace", basic.getWorkspace().Name)
    show("basic project", basic.getProject().Name)
    show("workspaces", sorted(w.Name for w in rally.getWorkspaces()))
    show("projects", sorted(p.Name for p in rally.getProjects()))

    # --- queries ----------------------------------------------------------------------------------
    resp = rally.get(
        "Defect",
        fetch="FormattedID,Name,State,Severity",
        query="State != Closed",
        order="FormattedID",
        pagesize=7,
        limit=25,
        project=None,
    )
    show("defect count", resp.resultCount)
    for d in resp:
        print(" ", d.FormattedID, d.Name, d.State, d.Severity)
    stories = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Name,ScheduleState,PlanEstimate",
        query=["ScheduleState = Defined", "PlanEstimate >= 1"],
        order="FormattedID desc",
        pagesize=3,
        project=None,
    )
    show("story count", stories.resultCount)
    show("stories", [(s.FormattedID, s.ScheduleState) for s in stories])
    features = rally.get("Feature", fetch="FormattedID,Name", order="FormattedID", project=None)
    show("features", [f.FormattedID for f in features])
    bad = rally.get("Defect", fetch="Name", query="(Bogus = 1)", project=None)
    show("bad query status", bad.status_code)
    show("bad query truthy", bool(bad))

    # --- hydration --------------------------------------------------------------------------------
    shell = rally.get("Defect", fetch=False, order="FormattedID", project=None).next()
    show("shell type", type(shell).__name__)
    show("shell lazy FormattedID", shell.FormattedID)
    show("shell lazy State", shell.State)

    # --- create / update / read back / delete -----------------------------------------------------
    defect = rally.create("Defect", {"Name": "Oracle defect", "Severity": "Major Problem"})
    show("created defect", (defect.Name, defect.State, defect.Severity))
    fid = defect.FormattedID
    updated = rally.update("Defect", {"FormattedID": fid, "State": "Open"})
    show("updated by FormattedID", updated.State)
    updated = rally.update("Defect", {"ObjectID": defect.oid, "Name": "Oracle defect v2"})
    show("updated by ObjectID", updated.Name)
    again = rally.get("Defect", fetch="Name,State", query=f'FormattedID = "{fid}"', project=None)
    show("read back", [(d.Name, d.State) for d in again])
    show("deleted", rally.delete("Defect", fid))

    story = rally.create("HierarchicalRequirement", {"Name": "Oracle story"})
    for i in range(2):
        rally.create("Task", {"Name": f"Oracle task {i}", "WorkProduct": story.ref})
    story = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Name,Tasks",
        query=f'FormattedID = "{story.FormattedID}"',
        project=None,
        instance=True,
    )
    show("story tasks", sorted(t.Name for t in story.Tasks))
    show("story deleted", rally.delete("HierarchicalRequirement", story.oid))

    feature = rally.create("Feature", {"Name": "Oracle feature"})
    show("feature", (feature.Name, feature.FormattedID[:1]))
    feature = rally.update("Feature", {"ObjectID": feature.oid, "Name": "Oracle feature v2"})
    show("feature updated", feature.Name)
    show("feature deleted", rally.delete("Feature", feature.oid))


if __name__ == "__main__":
    main()
