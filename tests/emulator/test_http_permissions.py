"""Issue 8 items 4, 5 and 7 over HTTP: project roles, admin-only writes, richer seeds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Wsapi

from pyral.emulator import errors
from pyral.emulator.server import EmulatorServer

KEYS = {
    "admin": "admin-key".ljust(40, "0"),
    "viewer": "viewer-key".ljust(40, "0"),
    "wsadmin": "wsadmin-key".ljust(40, "0"),
    "plain": "plain-key".ljust(40, "0"),
    "other": "other-key".ljust(40, "0"),
    "nodefault": "nodefault-key".ljust(40, "0"),
    "blind": "blind-key".ljust(40, "0"),
}
RECYCLED_OID = 777001
STORY_OID = 777002


def _user(name: str, **extra: Any) -> dict[str, Any]:
    return {"UserName": f"{name}@example.com", "ApiKey": KEYS[name], **extra}


SEED: dict[str, Any] = {
    "now": "2026-03-02T09:00:00.000Z",
    "users": [
        _user("admin", SubscriptionAdmin=True, DefaultWorkspace="WS"),
        _user(
            "viewer",
            Workspaces=[],
            ProjectPermissions={"WS": {"Root": "Viewer", "Root // Team A": "Editor"}},
        ),
        _user("wsadmin", Workspaces=["WS"], WorkspaceAdmin=["WS"]),
        _user("plain", Workspaces=["WS"]),
        _user("other", Workspaces=["Other"]),
        _user("nodefault", Workspaces=["WS"], DefaultWorkspace=None, DefaultProject=None),
        _user("blind", Workspaces=[], ProjectPermissions={"WS": {"Root": "No Access"}},
              DefaultWorkspace=None, DefaultProject=None),
    ],
    "workspaces": [
        {
            "Name": "WS",
            "projects": [{"Name": "Root", "Children": [{"Name": "Team A"}, {"Name": "Team B"}]}],
            "objects": [
                {"_type": "Defect", "Name": "root bug", "Project": "Root"},
                {"_type": "Defect", "Name": "team a bug", "Project": "Team A"},
                {"_type": "Defect", "Name": "team b bug", "Project": "Team B"},
                {"_type": "PortfolioItem/Feature", "_key": "f", "Name": "F", "Project": "Root"},
                {"_type": "HierarchicalRequirement", "Name": "a story", "Project": "Team A",
                 "PortfolioItem": {"_key": "f"}},
                {"_type": "HierarchicalRequirement", "Name": "b story", "Project": "Team B",
                 "PortfolioItem": {"_key": "f"}, "ObjectID": STORY_OID},
                {"_type": "Defect", "Name": "binned", "Project": "Root", "ObjectID": RECYCLED_OID,
                 "_recycled": True, "_deleted_by": "plain@example.com",
                 "_deletion_date": "2026-02-01"},
            ],
        },
        {
            "Name": "Other",
            "portfolio_item_order": ["Epic", "Feature", "Initiative", "Theme"],
            "projects": [{"Name": "O"}],
            "objects": [{"_type": "PortfolioItem/Epic", "_key": "e", "Name": "low epic"}],
        },
        {
            "Name": "Lean",
            "portfolio_item_order": ["Feature", "Initiative", "Theme"],
            "projects": [{"Name": "L"}],
        },
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(seed=SEED, quiet=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def clients(server: EmulatorServer) -> Iterator[dict[str, Wsapi]]:
    made = {name: Wsapi(server, apikey=key) for name, key in KEYS.items()}
    yield made
    for client in made.values():
        client.close()


def _ws(client: Wsapi, name: str) -> str:
    result = client.get("workspace", {"query": f'(Name = "{name}")', "fetch": "ObjectID"})
    return f"workspace/{result['QueryResult']['Results'][0]['ObjectID']}"


def _one(client: Wsapi, type_name: str, name: str, ws: str) -> dict:
    found = client.get(
        type_name, {"query": f'(Name = "{name}")', "workspace": ws, "fetch": "ObjectID,Name"}
    )["QueryResult"]["Results"]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def ws(clients) -> str:
    return _ws(clients["admin"], "WS")


def _names(client: Wsapi, type_name: str, ws: str, **params: Any) -> list[str]:
    result = client.get(type_name, {"workspace": ws, "fetch": "Name", "pagesize": 200, **params})
    return sorted(r["Name"] for r in result["QueryResult"]["Results"])


# --- item 4: project roles ------------------------------------------------------------------


def test_queries_and_counts_hide_projects_without_access(clients, ws):
    assert _names(clients["admin"], "defect", ws) == ["root bug", "team a bug", "team b bug"]
    assert _names(clients["plain"], "defect", ws) == ["root bug", "team a bug", "team b bug"]
    assert _names(clients["viewer"], "defect", ws) == ["root bug", "team a bug"]
    total = clients["viewer"].get("defect", {"workspace": ws, "pagesize": 1})
    assert total["QueryResult"]["TotalResultCount"] == 2
    assert _names(clients["viewer"], "project", ws) == ["Root", "Team A"]


def test_collections_and_their_counts_hide_items_without_access(clients, ws):
    feature = _one(clients["admin"], "portfolioitem/feature", "F", ws)
    ref = f"portfolioitem/feature/{feature['ObjectID']}"
    for who, expected in (("admin", ["a story", "b story"]), ("viewer", ["a story"])):
        read = clients[who].get(ref, {"fetch": "UserStories"})["Feature"]
        assert read["UserStories"]["Count"] == len(expected), who
        members = clients[who].get(ref + "/UserStories", {"fetch": "Name"})["QueryResult"]
        assert sorted(m["Name"] for m in members["Results"]) == expected


def test_by_object_id_an_unseen_item_answers_as_missing(clients, ws):
    viewer = clients["viewer"]
    answer = viewer.get(f"hierarchicalrequirement/{STORY_OID}")["OperationResult"]
    assert answer["Errors"] == [errors.CANNOT_FIND_TO_READ]
    update = viewer.post(
        f"hierarchicalrequirement/{STORY_OID}", {"HierarchicalRequirement": {"Name": "x"}}
    )["OperationResult"]
    assert update["Errors"] == [errors.CANNOT_FIND_TO_UPDATE]
    delete = viewer.delete(f"hierarchicalrequirement/{STORY_OID}")["OperationResult"]
    assert delete["Errors"] == [errors.DELETE_NULL]
    still = clients["admin"].get(f"hierarchicalrequirement/{STORY_OID}")
    assert still["HierarchicalRequirement"]["Name"] == "b story"


def test_viewers_cannot_write_editors_can(clients, ws):
    viewer, admin = clients["viewer"], clients["admin"]
    root_bug = _one(admin, "defect", "root bug", ws)
    refused = viewer.post(f"defect/{root_bug['ObjectID']}", {"Defect": {"Name": "changed"}})
    assert refused["OperationResult"]["Errors"] == [errors.no_permission("changing a", "Defect")]
    assert admin.get(f"defect/{root_bug['ObjectID']}")["Defect"]["Name"] == "root bug"
    root = _one(admin, "project", "Root", ws)
    team_a = _one(admin, "project", "Team A", ws)
    before = admin.count("defect")
    create = viewer.put(
        "defect/create", {"Defect": {"Name": "v", "Project": f"project/{root['ObjectID']}"}}
    )["CreateResult"]
    assert create["Errors"] == [errors.no_permission("creating a", "Defect")]
    assert admin.count("defect") == before
    moved = viewer.post(
        f"defect/{_one(admin, 'defect', 'team a bug', ws)['ObjectID']}",
        {"Defect": {"Project": f"project/{root['ObjectID']}"}},
    )["OperationResult"]
    assert moved["Errors"] == [errors.no_permission("changing a", "Defect")]
    made = viewer.put(
        "defect/create", {"Defect": {"Name": "v", "Project": f"project/{team_a['ObjectID']}"}}
    )["CreateResult"]
    assert made["Errors"] == []
    gone = viewer.delete(made["Object"]["_ref"])["OperationResult"]
    assert gone["Errors"] == []


def test_viewer_cannot_change_a_project_but_a_workspace_admin_can(clients, ws):
    root = _one(clients["admin"], "project", "Root", ws)
    ref = f"project/{root['ObjectID']}"
    refused = clients["plain"].post(ref, {"Project": {"Description": "plain"}})["OperationResult"]
    assert refused["Errors"] == [errors.no_permission("changing a", "Project")]
    done = clients["wsadmin"].post(ref, {"Project": {"Description": "ws admin"}})
    assert done["OperationResult"]["Errors"] == []


# --- item 7: users and settings are admin business --------------------------------------------


def _user_ref(clients, name: str) -> str:
    found = clients["admin"].get(
        "user", {"query": f'(UserName = "{name}@example.com")', "fetch": "ObjectID"}
    )["QueryResult"]["Results"]
    return f"user/{found[0]['ObjectID']}"


def test_a_non_admin_cannot_delete_or_edit_the_subscription_admin(clients):
    admin_ref = _user_ref(clients, "admin")
    for who in ("other", "plain", "wsadmin"):
        deleted = clients[who].delete(admin_ref)["OperationResult"]
        assert deleted["Errors"], who
        edited = clients[who].post(admin_ref, {"User": {"DisplayName": "pwned"}})
        assert edited["OperationResult"]["Errors"], who
    assert clients["admin"].get(admin_ref)["User"]["DisplayName"] != "pwned"


def test_creating_users_needs_an_admin(clients):
    body = {"User": {"UserName": "new1@example.com", "EmailAddress": "new1@example.com"}}
    refused = clients["plain"].put("user/create", body)["CreateResult"]
    assert refused["Errors"] == [errors.ADMIN_ONLY_USERS]
    none = clients["admin"].get("user", {"query": '(UserName = "new1@example.com")'})
    assert none["QueryResult"]["TotalResultCount"] == 0
    # SubscriptionAdmin is read-only in WSAPI: asking for it never makes an admin
    grant = {"User": {"UserName": "new2@example.com", "SubscriptionAdmin": True}}
    granted = clients["wsadmin"].put("user/create", grant, {"fetch": "SubscriptionAdmin"})
    assert granted["CreateResult"]["Object"]["SubscriptionAdmin"] is not True
    made = clients["wsadmin"].put("user/create", body)["CreateResult"]
    assert made["Errors"] == []


def test_users_edit_themselves_but_not_their_privileges(clients):
    mine = _user_ref(clients, "plain")
    ok = clients["plain"].post(mine, {"User": {"DisplayName": "Plain P."}})["OperationResult"]
    assert ok["Errors"] == []
    # SubscriptionAdmin is read-only: the request cannot make anyone an admin
    clients["plain"].post(mine, {"User": {"SubscriptionAdmin": True}})
    assert clients["admin"].get(mine)["User"]["SubscriptionAdmin"] is not True
    disabled = clients["plain"].post(mine, {"User": {"Disabled": True}})["OperationResult"]
    assert disabled["Errors"] == [errors.ADMIN_ONLY_USERS]
    other = _user_ref(clients, "nodefault")
    assert clients["plain"].delete(other)["OperationResult"]["Errors"] == [errors.ADMIN_ONLY_USERS]


def test_profiles_are_their_owners_business(clients):
    admin_user = clients["admin"].get(_user_ref(clients, "admin"))["User"]
    profile_ref = admin_user["UserProfile"]["_ref"]
    refused = clients["plain"].post(profile_ref, {"UserProfile": {"TimeZone": "Europe/Paris"}})
    assert refused["OperationResult"]["Errors"] == [errors.ADMIN_ONLY_PROFILE]
    own = clients["plain"].get("user")["User"]["UserProfile"]["_ref"]
    done = clients["plain"].post(own, {"UserProfile": {"TimeZone": "Europe/Paris"}})
    assert done["OperationResult"]["Errors"] == []


def test_reading_another_profile_hides_unseen_workspaces(clients):
    admin_user = clients["admin"].get(_user_ref(clients, "admin"))["User"]
    profile_ref = admin_user["UserProfile"]["_ref"]
    as_admin = clients["admin"].get(profile_ref)["UserProfile"]
    assert as_admin["DefaultWorkspace"] is not None
    as_other = clients["other"].get(profile_ref)["UserProfile"]
    assert as_other["DefaultWorkspace"] is None
    assert as_other["DefaultProject"] is None
    listed = clients["other"].get("userprofile", {"fetch": "DefaultWorkspace", "pagesize": 50})
    other_ws = _ws(clients["other"], "Other")
    for profile in listed["QueryResult"]["Results"]:
        seen = profile["DefaultWorkspace"]
        assert seen is None or seen["_ref"].endswith(other_ws), profile


def test_subscription_and_workspace_settings_need_admins(clients, ws):
    sub = clients["plain"].get("subscription")["Subscription"]["_ref"]
    refused = clients["plain"].post(sub, {"Subscription": {"Name": "mine"}})["OperationResult"]
    assert refused["Errors"] == [errors.ADMIN_ONLY_SUBSCRIPTION]
    assert (
        clients["admin"].post(sub, {"Subscription": {"Name": "renamed"}})["OperationResult"][
            "Errors"
        ]
        == []
    )
    refused_ws = clients["plain"].post(ws, {"Workspace": {"Description": "mine"}})
    assert refused_ws["OperationResult"]["Errors"] == [errors.ADMIN_ONLY_WORKSPACE]
    allowed = clients["wsadmin"].post(ws, {"Workspace": {"Description": "admin's"}})
    assert allowed["OperationResult"]["Errors"] == []


# --- item 5: seeds ----------------------------------------------------------------------------


def test_a_user_can_have_no_default_workspace_or_project(clients):
    user = clients["nodefault"].get("user")["User"]
    profile = clients["nodefault"].get(user["UserProfile"]["_ref"])["UserProfile"]
    assert profile["DefaultWorkspace"] is None
    assert profile["DefaultProject"] is None
    # connecting still works: the workspace list and a query without parameters
    assert clients["nodefault"].get("defect")["QueryResult"]["Errors"] == []


def test_recycled_seed_items_are_in_the_bin_only(clients, ws):
    admin = clients["admin"]
    assert "binned" not in _names(admin, "defect", ws)
    assert admin.get(f"defect/{RECYCLED_OID}")["OperationResult"]["Errors"] == [
        errors.CANNOT_FIND_TO_READ
    ]
    entries = admin.get(
        "recyclebinentry", {"workspace": ws, "fetch": "Name,ID,DeletedBy,DeletionDate"}
    )["QueryResult"]["Results"]
    binned = [e for e in entries if e["Name"] == "binned"]
    assert len(binned) == 1
    assert binned[0]["DeletionDate"].startswith("2026-02-01")
    assert binned[0]["DeletedBy"]["_ref"].endswith(_user_ref(clients, "plain"))


def test_explicit_object_ids_are_kept_and_new_ids_come_after(clients, ws):
    story = clients["admin"].get(f"hierarchicalrequirement/{STORY_OID}")
    assert story["HierarchicalRequirement"]["ObjectID"] == STORY_OID
    made = clients["admin"].create("Defect", {"Name": "after explicit"}, {"workspace": ws})
    assert made["ObjectID"] > RECYCLED_OID


def test_portfolio_item_order_is_per_workspace(clients):
    admin = clients["admin"]
    other, lean = _ws(admin, "Other"), _ws(admin, "Lean")

    def levels(ws_ref: str) -> list[str]:
        rows = admin.get(
            "typedefinition",
            {"workspace": ws_ref, "query": '(Parent.Name = "Portfolio Item")',
             "fetch": "ElementName,Ordinal", "pagesize": 50},
        )["QueryResult"]["Results"]  # fmt: skip
        return [r["ElementName"] for r in sorted(rows, key=lambda r: r["Ordinal"])]

    assert levels(other) == ["Epic", "Feature", "Initiative", "Theme"]
    assert levels(lean) == ["Feature", "Initiative", "Theme"]
    epic = _one(admin, "portfolioitem/epic", "low epic", other)
    story = admin.create(
        "HierarchicalRequirement",
        {"Name": "under the epic", "PortfolioItem": f"portfolioitem/epic/{epic['ObjectID']}"},
        {"workspace": other},
    )
    read = admin.get(story["_ref"], {"fetch": "PortfolioItem"})["HierarchicalRequirement"]
    assert read["PortfolioItem"]["_ref"].endswith(f"/portfolioitem/epic/{epic['ObjectID']}")
    missing = admin.get("portfolioitem/epic", {"workspace": lean})["QueryResult"]
    assert missing["Errors"]


def test_demo_sandbox_user_cannot_delete_the_subscription_admin(emulator, demo_login):
    """The issue's observation, on the demo data: dave (Sandbox only, no admin role)."""
    from pyral.emulator import demo

    dave = Wsapi(emulator, apikey="_daveapikey".ljust(42, "0"))
    admin = Wsapi(emulator, apikey=demo_login["apikey"])
    try:
        admin_ref = admin.get("user")["User"]["_ref"]
        answer = dave.delete(admin_ref)["OperationResult"]
        assert answer["Errors"] == [errors.ADMIN_ONLY_SUBSCRIPTION_ADMINS]
        assert admin.get(admin_ref)["User"]["UserName"] == demo.DEMO_USER
    finally:
        dave.close()
        admin.close()


def test_collections_and_references_respect_roles(clients, ws):
    viewer, admin = clients["viewer"], clients["admin"]
    root_bug = _one(admin, "defect", "root bug", ws)
    team_a_bug = _one(admin, "defect", "team a bug", ws)
    tag = admin.create("Tag", {"Name": "role-tag"}, {"workspace": ws})
    add = viewer.post(
        f"defect/{root_bug['ObjectID']}/Tags/add", {"CollectionItems": [{"_ref": tag["_ref"]}]}
    )["OperationResult"]
    assert add["Errors"] == [errors.no_permission("changing a", "Defect")]
    tags = admin.get(f"defect/{root_bug['ObjectID']}/Tags")["QueryResult"]
    assert tags["TotalResultCount"] == 0
    # a reference to an item the writer cannot see is answered as a missing one
    hidden = f"/hierarchicalrequirement/{STORY_OID}"
    linked = viewer.post(f"defect/{team_a_bug['ObjectID']}", {"Defect": {"Requirement": hidden}})[
        "OperationResult"
    ]
    assert linked["Errors"] == [errors.ref_not_found("Defect", "Requirement", hidden)]
    assert admin.get(f"defect/{team_a_bug['ObjectID']}")["Defect"]["Requirement"] is None
    as_admin = admin.post(f"defect/{team_a_bug['ObjectID']}", {"Defect": {"Requirement": hidden}})
    assert as_admin["OperationResult"]["Errors"] == []
    admin.post(f"defect/{team_a_bug['ObjectID']}", {"Defect": {"Requirement": None}})


def test_role_objects_written_through_wsapi_are_refused_clearly(clients, ws):
    """ProjectPermission / WorkspacePermission writes do not silently store a row that
    changes nobody's access: they are refused, even for the subscription admin."""
    admin, viewer = clients["admin"], clients["viewer"]
    user = admin.get("user", {"query": '(UserName = "viewer@example.com")'})["QueryResult"]
    user_ref = user["Results"][0]["_ref"]
    team_b = _one(admin, "project", "Team B", ws)["_ref"]
    before = {t: admin.count(t) for t in ("ProjectPermission", "WorkspacePermission")}
    for type_name, body in (
        ("ProjectPermission", {"User": user_ref, "Project": team_b, "Role": "Editor"}),
        ("WorkspacePermission", {"User": user_ref, "Workspace": ws, "Role": "Workspace Admin"}),
    ):
        result = admin.put(f"{type_name.lower()}/create", {type_name: body}, {"workspace": ws})
        errors_ = result["CreateResult"]["Errors"]
        assert errors_ == [errors.role_objects_not_supported(f"creating a {type_name}")]
    assert {t: admin.count(t) for t in before} == before
    # and the viewer still cannot see Team B's items
    found = viewer.call("GET", f"hierarchicalrequirement/{STORY_OID}").json()
    assert found["OperationResult"]["Errors"] == [errors.CANNOT_FIND_TO_READ]


def test_viewers_cannot_rank_or_attach(clients, ws):
    viewer, admin = clients["viewer"], clients["admin"]
    root_bug = _one(admin, "defect", "root bug", ws)
    team_a_bug = _one(admin, "defect", "team a bug", ws)
    ref = f"defect/{root_bug['ObjectID']}"
    ranked = viewer.post(ref, {"Defect": {}}, {"rankAbove": f"/defect/{team_a_bug['ObjectID']}"})
    assert ranked["OperationResult"]["Errors"] == [errors.no_permission("changing a", "Defect")]
    content = admin.create("AttachmentContent", {"Content": "YWJj"}, {"workspace": ws})
    attach = viewer.put(
        "attachment/create",
        {
            "Attachment": {
                "Name": "a.txt",
                "Artifact": ref,
                "Content": content["_ref"],
                "ContentType": "text/plain",
                "Size": 3,
            }
        },
        {"workspace": ws},
    )["CreateResult"]
    assert attach["Errors"] == [errors.no_permission("creating a", "Attachment")]
    assert admin.get(f"{ref}/Attachments")["QueryResult"]["TotalResultCount"] == 0


def test_project_children_and_schema_hide_projects_without_access(clients, ws):
    viewer, admin = clients["viewer"], clients["admin"]
    root = _one(admin, "project", "Root", ws)["ObjectID"]
    team_b = _one(admin, "project", "Team B", ws)["ObjectID"]
    as_admin = admin.get(f"project/{root}/Children", {"fetch": "Name"})["QueryResult"]
    assert sorted(r["Name"] for r in as_admin["Results"]) == ["Team A", "Team B"]
    as_viewer = viewer.get(f"project/{root}/Children", {"fetch": "Name"})["QueryResult"]
    assert [r["Name"] for r in as_viewer["Results"]] == ["Team A"]
    assert as_viewer["TotalResultCount"] == 1
    summary = viewer.get(f"project/{root}", {"fetch": "Children"})["Project"]["Children"]
    assert summary["Count"] == 1
    schema = viewer.get(f"/slm/schema/v2.0/project/{team_b}")["QueryResult"]
    assert schema["Errors"] == [errors.CANNOT_FIND_TO_READ] and schema["Results"] == []
    assert admin.get(f"/slm/schema/v2.0/project/{team_b}")["QueryResult"]["Results"]


def test_rollups_follow_a_seeded_level_order(clients):
    """Workspace "Other" puts Epic below Feature: stories link to epics, features add up."""
    admin = clients["admin"]
    where = {"workspace": _ws(admin, "Other")}
    epic = admin.create("PortfolioItem/Epic", {"Name": "fresh low epic"}, where)
    feature = admin.create("PortfolioItem/Feature", {"Name": "upper"}, where)
    assert (
        admin.post(epic["_ref"], {"Epic": {"Parent": feature["_ref"]}}, where)["OperationResult"][
            "Errors"
        ]
        == []
    )
    story = admin.create(
        "HierarchicalRequirement",
        {
            "Name": "s",
            "PortfolioItem": epic["_ref"],
            "PlanEstimate": 3,
            "ScheduleState": "Accepted",
        },
        where,
    )
    assert story["Feature"]["_ref"] == epic["_ref"]
    admin.create("HierarchicalRequirement", {"Name": "t", "PortfolioItem": epic["_ref"]}, where)
    fields = {"fetch": "LeafStoryCount,PercentDoneByStoryCount,DirectChildrenCount"}
    low = admin.get(epic["_ref"], fields)["Epic"]
    high = admin.get(feature["_ref"], fields)["Feature"]
    assert (low["LeafStoryCount"], low["PercentDoneByStoryCount"], low["DirectChildrenCount"]) == (
        2,
        0.5,
        2,
    )
    assert (
        high["LeafStoryCount"],
        high["PercentDoneByStoryCount"],
        high["DirectChildrenCount"],
    ) == (2, 0.5, 1)


def test_workspace_projects_collection_hides_projects_without_access(clients, ws):
    viewer, admin = clients["viewer"], clients["admin"]
    oid = ws.rsplit("/", 1)[1]
    assert (
        admin.get(f"workspace/{oid}", {"fetch": "Projects"})["Workspace"]["Projects"]["Count"] == 3
    )
    summary = viewer.get(f"workspace/{oid}", {"fetch": "Projects"})["Workspace"]["Projects"]
    assert summary["Count"] == 2
    listed = viewer.get(f"workspace/{oid}/Projects", {"fetch": "Name"})["QueryResult"]
    assert sorted(r["Name"] for r in listed["Results"]) == ["Root", "Team A"]


def test_revisions_of_unseen_items_are_unseen_too(clients, ws):
    viewer, admin = clients["viewer"], clients["admin"]
    story = admin.get(f"hierarchicalrequirement/{STORY_OID}", {"fetch": "RevisionHistory"})
    history = story["HierarchicalRequirement"]["RevisionHistory"]["_ref"]
    read = viewer.call("GET", history).json()
    assert read["OperationResult"]["Errors"] == [errors.CANNOT_FIND_TO_READ]
    revisions = admin.get(f"{history}/Revisions", {"fetch": "ObjectID"})["QueryResult"]["Results"]
    assert revisions
    hidden = {r["ObjectID"] for r in revisions}
    one = viewer.call("GET", f"revision/{next(iter(hidden))}").json()
    assert one["OperationResult"]["Errors"] == [errors.CANNOT_FIND_TO_READ]
    seen = viewer.get("revision", {"workspace": ws, "fetch": "ObjectID", "pagesize": 2000})
    assert not hidden & {r["ObjectID"] for r in seen["QueryResult"]["Results"]}
    everything = admin.get("revision", {"workspace": ws, "fetch": "ObjectID", "pagesize": 2000})
    assert hidden <= {r["ObjectID"] for r in everything["QueryResult"]["Results"]}
    # the viewer's own project's history stays readable
    bug = _one(admin, "defect", "root bug", ws)
    mine = admin.get(f"defect/{bug['ObjectID']}", {"fetch": "RevisionHistory"})["Defect"]
    assert viewer.get(mine["RevisionHistory"]["_ref"])["RevisionHistory"]["ObjectID"]


def test_attachments_posts_and_results_follow_their_artifact_across_projects(clients, ws):
    """Moving an item into a project the viewer cannot see takes its discussion, its
    attachments and its test results along (they were left visible in the old project)."""
    viewer, admin = clients["viewer"], clients["admin"]
    team_a = _one(admin, "project", "Team A", ws)["_ref"]
    team_b = _one(admin, "project", "Team B", ws)["_ref"]
    where = {"workspace": ws}
    case = admin.create("TestCase", {"Name": "moving case", "Project": team_a}, where)
    post = admin.create(
        "ConversationPost", {"Artifact": case["_ref"], "Text": "moving talk"}, where
    )
    result = admin.create(
        "TestCaseResult",
        {
            "TestCase": case["_ref"],
            "Verdict": "Pass",
            "Build": "1",
            "Date": "2026-03-01T00:00:00.000Z",
        },
        where,
    )
    content = admin.create("AttachmentContent", {"Content": "YWJj"}, where)
    attachment = admin.create(
        "Attachment",
        {"Name": "r.txt", "Artifact": case["_ref"], "Content": content["_ref"],
         "ContentType": "text/plain", "Size": 3},
        where,
    )  # fmt: skip
    refs = [post["_ref"], result["_ref"], attachment["_ref"]]
    for ref in refs:
        key = next(iter(admin.get(ref)))
        assert viewer.get(ref)[key]["ObjectID"], ref
    assert (
        admin.post(case["_ref"], {"TestCase": {"Project": team_b}}, where)["OperationResult"][
            "Errors"
        ]
        == []
    )
    for ref in refs:
        found = viewer.call("GET", ref).json()
        assert found.get("OperationResult", {}).get("Errors") == [errors.CANNOT_FIND_TO_READ], ref
    count = viewer.get("conversationpost", {"workspace": ws, "query": '(Text = "moving talk")'})
    assert count["QueryResult"]["TotalResultCount"] == 0


def test_a_user_without_any_readable_project_sees_no_revision_of_them(clients, ws):
    blind, admin = clients["blind"], clients["admin"]
    root = _one(admin, "project", "Root", ws)
    bug = _one(admin, "defect", "root bug", ws)
    hidden = set()
    for ref in (f"project/{root['ObjectID']}", f"defect/{bug['ObjectID']}"):
        history = next(iter(admin.get(ref, {"fetch": "RevisionHistory"}).values()))
        history_ref = history["RevisionHistory"]["_ref"]
        assert blind.call("GET", history_ref).json()["OperationResult"]["Errors"]
        revisions = admin.get(f"{history_ref}/Revisions", {"fetch": "ObjectID"})
        hidden |= {r["ObjectID"] for r in revisions["QueryResult"]["Results"]}
    assert hidden
    seen = blind.get("revision", {"workspace": ws, "fetch": "ObjectID", "pagesize": 2000})
    assert seen["QueryResult"]["Errors"] == []
    assert not hidden & {r["ObjectID"] for r in seen["QueryResult"]["Results"]}
    assert (
        blind.get("defect", {"workspace": ws, "pagesize": 1})["QueryResult"]["TotalResultCount"]
        == 0
    )
