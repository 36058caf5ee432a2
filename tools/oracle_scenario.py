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

    # --- more updates: story by FormattedID, task, feature by FormattedID --------------------------
    story = rally.create("HierarchicalRequirement", {"Name": "Oracle story 2"})
    task = rally.create("Task", {"Name": "Oracle task", "WorkProduct": story.ref})
    story = rally.update(
        "HierarchicalRequirement",
        {"FormattedID": story.FormattedID, "ScheduleState": "In-Progress"},
    )
    show("story updated", story.ScheduleState)
    task = rally.update("Task", {"ObjectID": task.oid, "State": "Completed", "Estimate": 3})
    show("task updated", (task.State, task.Estimate))
    feature = rally.create("Feature", {"Name": "Oracle feature 2"})
    feature = rally.update("Feature", {"FormattedID": feature.FormattedID, "Name": "Renamed"})
    show("feature updated by FormattedID", feature.Name)

    # --- schema and users ---------------------------------------------------------------------------
    show("allowed Severity", rally.getAllowedValues("Defect", "Severity"))
    show("allowed State", rally.getAllowedValues("Defect", "State"))
    show("typedef", (rally.typedef("Defect").ElementName, rally.typedef("Story").ElementName))
    show("states", [s.Name for s in rally.getStates("Feature")])
    show("user info", [u.UserName for u in rally.getUserInfo(username=user)])
    show("user by oid", rally.getUserInfo(oid=rally.getUserInfo(username=user)[0].oid).UserName)

    # --- collections ----------------------------------------------------------------------------
    defect = rally.create("Defect", {"Name": "Oracle tagged defect"})
    tags = list(rally.get("Tag", fetch="Name", order="Name", limit=2, project=None))
    tagged = rally.addCollectionItems(defect, "Tags", tags)
    show("tags added", sorted(t.Name for t in tagged.Tags))
    rally.dropCollectionItems(defect, "Tags", tags[:1])
    again = rally.get(
        "Defect", fetch="Tags", query=f"ObjectID = {defect.oid}", instance=True, project=None
    )
    show("tags left", sorted(t.Name for t in again.Tags))

    # --- attachments ------------------------------------------------------------------------------
    import os
    import tempfile

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "oracle.log")
    with open(path, "wb") as handle:
        handle.write(bytes(range(256)))
    attachment = rally.addAttachment(defect, path, mime_type="application/octet-stream")
    show("attached", (attachment.Name, attachment.Size, attachment.ContentType))
    # pyral 1.7.0 answers from the entity's (stale) Attachments list, so read the defect again.
    defect = rally.get(
        "Defect", fetch=True, query=f"ObjectID = {defect.oid}", instance=True, project=None
    )
    show("attachment names", rally.getAttachmentNames(defect))
    show(
        "attachment intact", rally.getAttachment(defect, "oracle.log").Content == bytes(range(256))
    )

    # --- ranking ----------------------------------------------------------------------------------
    first, second = (
        rally.create("Defect", {"Name": "Oracle rank A"}),
        rally.create("Defect", {"Name": "Oracle rank B"}),
    )
    rally.rankAbove(first, second)
    ranked = rally.get(
        "Defect", fetch="Name", query='Name contains "Oracle rank"', order="Rank", project=None
    )
    show("after rankAbove", [d.Name for d in ranked])
    rally.rankToBottom(second)
    ranked = rally.get(
        "Defect", fetch="Name", query='Name contains "Oracle rank"', order="Rank", project=None
    )
    show("after rankToBottom", [d.Name for d in ranked])

    # --- batch ---------------------------------------------------------------------------------------
    created = rally.createMultiple(
        "Defect", [{"Name": "Oracle batch 1"}, {"Name": "Oracle batch 2"}]
    )
    show(
        "batch created",
        [(r["FormattedID"], r["Name"], type(r["ObjectID"]).__name__) for r in created],
    )
    updated = rally.updateMultiple(
        "Defect",
        [{"ObjectID": int(r["ObjectID"]), "Name": r["Name"] + " (u)"} for r in created],
        fields=["Name"],
    )
    show("batch updated", [(r["FormattedID"], r["Name"]) for r in updated])

    # --- recycle bin ------------------------------------------------------------------------------
    rally.delete("Defect", first.oid)
    bin_entries = rally.get(
        "RecycleBinEntry", fetch="ID,Name", query='Name = "Oracle rank A"', project=None
    )
    show("recycle bin", [(e.ID, e.Name) for e in bin_entries])


if __name__ == "__main__":
    main()
