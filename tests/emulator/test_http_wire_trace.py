"""Every URL form pyral 1.7.0 sends (spec/pyral-wire-trace.md), replayed literally over HTTP.

The query strings are copied from the trace with only the ids substituted, so any routing or
parameter-parsing gap for a real pyral request shows up here.
"""

from __future__ import annotations

import pytest


def _oid(ref: str) -> int:
    return int(ref.rstrip("/").rsplit("/", 1)[1])


def test_connect_sequence_with_apikey(wsapi, context):
    # 1. current user (no query with an API key): pyral accepts a singleton
    step1 = wsapi.get(
        "User?fetch=ObjectID,UserName,DisplayName,FirstName,LastName,Disabled,UserProfile&pagesize=1000&start=1"
    )
    user = step1["User"]
    assert user["Errors"] == [] and user["UserProfile"]["_ref"].endswith(
        f"/userprofile/{_oid(user['UserProfile']['_ref'])}"
    )
    # 2. subscription singleton with Name, _ref, Workspaces
    sub = wsapi.get("Subscription?fetch=true&pagesize=1000&start=1")["Subscription"]
    assert sub["Errors"] == [] and sub["Name"] and sub["Workspaces"]["_ref"].endswith("/Workspaces")
    # 3. user profile, read without params
    profile = wsapi.get(f"UserProfile/{_oid(user['UserProfile']['_ref'])}")["UserProfile"]
    ws_name = profile["DefaultWorkspace"]["_refObjectName"]
    # 4./5. workspaces of the subscription, via the _ref pyral got in step 2
    named = wsapi.get(
        f"{sub['_ref']}/Workspaces?fetch=true&query=((Name%20=%20%22{ws_name.replace(' ', '%20')}%22)%20AND%20(State%20=%20Open))&pagesize=200&start=1"
    )["QueryResult"]
    assert named["Errors"] == [] and named["TotalResultCount"] == 1
    assert named["Results"][0]["Name"] == ws_name and named["Results"][0]["State"] == "Open"
    everything = wsapi.get(
        f"{sub['_ref']}/Workspaces?fetch=true&query=(State%20=%20Open)&pagesize=200&start=1"
    )["QueryResult"]
    assert everything["TotalResultCount"] >= 1 and everything["PageSize"] == 200
    # 6. fetch-less workspace read exposes Projects._ref
    ws_oid = context["workspace_oid"]
    ws = wsapi.get(f"workspace/{ws_oid}")["Workspace"]
    assert ws["Projects"]["_ref"].endswith(f"/Workspace/{ws_oid}/Projects")
    # 7. projects collection with a literally quoted fetch
    projects = wsapi.get(
        f"{ws['Projects']['_ref']}?fetch=%22ObjectID,Name,State%22&pagesize=200&start=1"
    )["QueryResult"]
    assert projects["Errors"] == [] and projects["TotalResultCount"] >= 1
    assert {"Name", "ObjectID", "State", "_ref"} <= set(projects["Results"][0])
    # 8. every project of the workspace (no project parameter -> no project filter)
    all_projects = wsapi.get(
        f"Project?fetch=Name&workspace=workspace/{ws_oid}&pagesize=1000&start=1"
    )["QueryResult"]
    assert all_projects["TotalResultCount"] == projects["TotalResultCount"]
    # 9. the schema
    schema = wsapi.get(f"/slm/schema/v2.0/workspace/{ws_oid}")["QueryResult"]
    assert any(t["ElementName"] == "HierarchicalRequirement" for t in schema["Results"])


def test_user_query_by_username_and_users_plural(wsapi, demo_login):
    page = wsapi.get(
        "User?fetch=ObjectID,UserName,DisplayName,FirstName,LastName,Disabled,UserProfile&query=(UserName%20%3D%20%22"
        + demo_login["user"].replace("@", "%40")
        + "%22)&pagesize=1000&start=1"
    )["QueryResult"]
    assert page["TotalResultCount"] == 1 and page["Results"][0]["UserName"] == demo_login["user"]
    users = wsapi.get(
        "users?fetch=UserName,DisplayName,Disabled,SubscriptionAdmin,UserProfile&query=((Disabled%20=%20true)%20OR%20(Disabled%20=%20false))&pagesize=1000&start=1"
    )["QueryResult"]
    assert users["Errors"] == [] and users["TotalResultCount"] >= 1
    profiles = wsapi.get("userprofile?fetch=true&query=&pagesize=1000&start=1")["QueryResult"]
    assert profiles["Errors"] == [] and profiles["TotalResultCount"] >= 1


def test_project_path_queries(wsapi, context):
    ws, project = context["workspace"], context["project"]
    base = f"&workspace={ws}&project={project}&projectScopeUp=false&projectScopeDown=false&pagesize=1000&start=1"
    page = wsapi.get(
        "Project?fetch=Name,ObjectID,Parent&query=(Name%20%3D%20%22Nope%20Nope%22)" + base
    )["QueryResult"]
    assert page["Errors"] == [] and page["TotalResultCount"] == 0
    project_ref = wsapi.url(project)
    page = wsapi.get(
        "Project?fetch=Name,ObjectID,Parent&query=((Name%20%3D%20%22Dup%22)%20AND%20(Parent%20%3D%20"
        + project_ref.replace(":", "%3A")
        + "))"
        + base
    )["QueryResult"]
    assert page["Errors"] == []


@pytest.mark.parametrize(
    "tail",
    [
        "fetch=false&{scope}&pagesize=1000&start=1",
        "fetch=true&{scope}&pagesize=1000&start=1",
        "fetch=FormattedID,%20Name&{scope}&pagesize=1000&start=1",
        "fetch=FormattedID,Name,State&query=((State%20%3D%20Open)%20AND%20(Name%20contains%20%22bug%22))&order=FormattedID%20desc&{scope}&pagesize=3&start=1",
        "fetch=false&query=(Name%20=%20%22x%20y%22)&{scope}&pagesize=1000&start=1",
        "fetch=false&order=Name%2CObjectID%20desc&{scope}&pagesize=1000&start=3",
        "fetch=false&{scope}&pagesize=2001&start=1",
        "fetch=false&workspace={ws}&pagesize=1000&start=1",
        "fetch=false&pagesize=1000&start=1",
        "fetch=false&{scope_true}&pagesize=1000&start=1",
    ],
)
@pytest.mark.parametrize(
    "type_path", ["Defect", "HierarchicalRequirement", "PortfolioItem/Feature"]
)
def test_get_url_forms(wsapi, context, tail, type_path):
    ws, project = context["workspace"], context["project"]
    scope = f"workspace={ws}&project={project}&projectScopeUp=false&projectScopeDown=false"
    scope_true = f"workspace={ws}&project={project}&projectScopeUp=true&projectScopeDown=true"
    if "State" in tail and type_path != "Defect":
        tail = tail.replace("State%20%3D%20Open", "Name%20!%3D%20Open")
    page = wsapi.get(f"{type_path}?" + tail.format(scope=scope, scope_true=scope_true, ws=ws))[
        "QueryResult"
    ]
    assert page["Errors"] == [], page["Errors"]
    assert page["PageSize"] == min(int(tail.split("pagesize=")[1].split("&")[0]), 2000)


def test_create_read_update_delete_as_pyral_sends_them(basic_wsapi, context, demo_login):
    ws, project = context["workspace"], context["project"]
    token = basic_wsapi.get("security/authorize")["OperationResult"]["SecurityToken"]
    augments = f"workspace={ws}&project={project}&projectScopeUp=false&projectScopeDown=false"
    av = basic_wsapi.get(f"/slm/schema/v2.0/workspace/{context['workspace_oid']}")["QueryResult"][
        "Results"
    ]
    defect_td = next(t for t in av if t["ElementName"] == "Defect")
    ref_attr = next(a for a in defect_td["Attributes"] if isinstance(a["AllowedValues"], dict))
    allowed = basic_wsapi.get(
        f"{ref_attr['AllowedValues']['_ref']}?pagesize=1000&start=1&workspace={ws}&project={project}"
    )
    assert allowed["QueryResult"]["Errors"] == []
    tags = basic_wsapi.get(f"Tag?fetch=Name&workspace={ws}&pagesize=1")["QueryResult"]["Results"]
    body = {"Defect": {"Name": "New bug", "Owner": f"user/{context['user_oid']}"}}
    if tags:
        body["Defect"]["Tags"] = [{"_ref": f"tag/{_oid(tags[0]['_ref'])}"}]
    created = basic_wsapi.put(f"defect/create?key={token}&{augments}", body)["CreateResult"]
    assert created["Errors"] == [], created
    oid = _oid(created["Object"]["_ref"])
    read = basic_wsapi.get(f"Defect/{oid}?{augments}")["Defect"]
    assert read["Name"] == "New bug" and read["Errors"] == [] and read["Warnings"] == []
    found = basic_wsapi.get(
        f"Defect?fetch=ObjectID&query=(FormattedID%20%3D%20%22{read['FormattedID']}%22)&{augments}&pagesize=1000&start=1"
    )
    assert found["QueryResult"]["Results"][0]["ObjectID"] == oid
    update = basic_wsapi.post(
        f"defect/{oid}?key={token}&{augments}",
        {"Defect": {"FormattedID": read["FormattedID"], "State": "Fixed", "ObjectID": oid}},
    )["OperationResult"]
    assert update["Errors"] == [] and update["Object"]["State"] == "Fixed"
    deleted = basic_wsapi.delete(f"defect/{oid}?key={token}&{augments}")["OperationResult"]
    assert deleted["Errors"] == []
    gone = basic_wsapi.get(f"Defect/{oid}?{augments}")["OperationResult"]
    assert gone["Errors"] == ["Cannot find object to read"]


def test_apikey_writes_with_key_none_and_no_project(wsapi, context):
    ws, project = context["workspace"], context["project"]
    created = wsapi.put(
        f"task/create?key=None&workspace={ws}&project={project}&projectScopeUp=false&projectScopeDown=false",
        {"HierarchicalRequirement": {"Name": "story for task"}},
    )["CreateResult"]
    assert created["Errors"] and "Object" not in created  # wrong body key for the URL type
    story = wsapi.put(
        f"hierarchicalrequirement/create?key=None&workspace={ws}",
        {"HierarchicalRequirement": {"Name": "s"}},
    )
    assert story["CreateResult"]["Errors"] == []
    story_ref = story["CreateResult"]["Object"]["_ref"]
    task = wsapi.put(
        f"task/create?key=None&workspace={ws}&project={project}&projectScopeUp=false&projectScopeDown=false",
        {"Task": {"Name": "New task", "WorkProduct": story_ref}},
    )["CreateResult"]
    assert task["Errors"] == [], task
    reread = wsapi.get(
        f"Task/{_oid(task['Object']['_ref'])}?workspace={ws}&projectScopeUp=false&projectScopeDown=false"
    )
    assert reread["Task"]["Name"] == "New task"


def test_portfolio_item_forms(wsapi, context):
    ws = context["workspace"]
    created = wsapi.put(
        f"portfolioitem/feature/create?key=None&workspace={ws}",
        {"PortfolioItem/Feature": {"Name": "New feature"}},
    )
    obj = created["CreateResult"]["Object"]
    assert obj["_type"] == "PortfolioItem/Feature" and "/portfolioitem/feature/" in obj["_ref"]
    oid = _oid(obj["_ref"])
    read = wsapi.get(f"PortfolioItem/Feature/{oid}?workspace={ws}")
    assert list(read) == ["Feature"]
    lower = wsapi.get(f"portfolioitem/feature/{oid}?workspace={ws}")
    assert list(lower) == ["Feature"]
    updated = wsapi.post(
        f"portfolioitem/feature/{oid}?key=None&workspace={ws}",
        {"PortfolioItem/Feature": {"Name": "renamed"}},
    )
    assert updated["OperationResult"]["Object"]["Name"] == "renamed"
    ranked = wsapi.post(
        f"portfolioitem/{oid}?&rankTo=TOP&workspace={ws}&key=None",
        {"portfolioitem": {"_ref": f"feature/{oid}"}},
    )
    assert ranked["OperationResult"]["Errors"] == [], ranked
    mixed = wsapi.get(f"portfolioitem?fetch=Name&workspace={ws}&pagesize=200")["QueryResult"]
    assert any(r["_type"] == "PortfolioItem/Feature" for r in mixed["Results"])


def test_ranking_forms(wsapi, context):
    ws = context["workspace"]
    a = wsapi.create("Defect", {"Name": "rank a"}, {"workspace": ws})
    b = wsapi.create("Defect", {"Name": "rank b"}, {"workspace": ws})
    a_oid, b_oid = _oid(a["_ref"]), _oid(b["_ref"])
    above = wsapi.post(
        f"defect/{b_oid}?&rankAbove=defect/{a_oid}&workspace={ws}&key=None",
        {"defect": {"_ref": f"defect/{b_oid}"}},
    )
    assert above["OperationResult"]["Errors"] == [], above
    order = wsapi.get(
        f"Defect?fetch=Name&query=(Name%20contains%20%22rank%20%22)&order=Rank%20ASC&workspace={ws}&pagesize=200"
    )
    names = [
        r["Name"] for r in order["QueryResult"]["Results"] if r["Name"] in {"rank a", "rank b"}
    ]
    assert names == ["rank b", "rank a"]
    for form in (f"rankBelow=defect/{a_oid}", "rankTo=BOTTOM", "rankTo=TOP"):
        moved = wsapi.post(
            f"defect/{b_oid}?&{form}&workspace={ws}&key=None",
            {"defect": {"_ref": f"defect/{b_oid}"}},
        )
        assert moved["OperationResult"]["Errors"] == [], (form, moved)


def test_collection_add_and_remove_bodies(wsapi, context):
    ws = context["workspace"]
    defect = wsapi.create("Defect", {"Name": "tagged"}, {"workspace": ws})
    oid = _oid(defect["_ref"])
    tag = wsapi.create("Tag", {"Name": f"wire-tag-{oid}"}, {"workspace": ws})
    tag_oid = _oid(tag["_ref"])
    added = wsapi.post(
        f"Defect/{oid}/Tags/add?fetch=Name&key=None", {"Tags": [{"_ref": f"Tag/{tag_oid}"}]}
    )
    assert added["OperationResult"]["Errors"] == []
    assert [r["Name"] for r in added["OperationResult"]["Results"]] == [f"wire-tag-{oid}"]
    check = wsapi.get(
        f"Defect?fetch=ObjectID,Name,FormattedID,Tags&query=(ObjectID%20%3D%20{oid})&workspace={ws}&projectScopeUp=false&projectScopeDown=false&pagesize=1000&start=1"
    )["QueryResult"]["Results"][0]
    assert (
        check["Tags"]["Count"] == 1
        and check["Tags"]["_tagsNameArray"][0]["Name"] == f"wire-tag-{oid}"
    )
    listed = wsapi.get(f"Defect/{oid}/Tags?pagesize=1000&start=1&workspace={ws}")["QueryResult"]
    assert listed["TotalResultCount"] == 1 and listed["Results"][0]["Name"] == f"wire-tag-{oid}"
    removed = wsapi.post(
        f"Defect/{oid}/Tags/remove?key=None", {"CollectionItems": [{"_ref": f"Tag/{tag_oid}"}]}
    )
    assert removed["OperationResult"]["Errors"] == []
    assert wsapi.get(f"Defect/{oid}/Tags")["QueryResult"]["TotalResultCount"] == 0


def test_attachments_as_pyral_sends_them(wsapi, context):
    ws = context["workspace"]
    defect = wsapi.create("Defect", {"Name": "with attachment"}, {"workspace": ws})
    oid = _oid(defect["_ref"])
    assert (
        wsapi.get(f"Defect/{oid}/Attachments?pagesize=1000&start=1&workspace={ws}")["QueryResult"][
            "TotalResultCount"
        ]
        == 0
    )
    content = wsapi.put(
        f"attachmentcontent/create?key=None&workspace={ws}",
        {"AttachmentContent": {"Content": "aGVsbG8="}},
    )
    content_oid = _oid(content["CreateResult"]["Object"]["_ref"])
    assert (
        wsapi.get(f"AttachmentContent/{content_oid}?workspace={ws}")["AttachmentContent"]["Content"]
        == "aGVsbG8="
    )
    att = wsapi.put(
        f"attachment/create?key=None&workspace={ws}",
        {
            "Attachment": {
                "Name": "note.txt",
                "Content": f"attachmentcontent/{content_oid}",
                "ContentType": "text/plain",
                "Size": 5,
                "User": f"user/{context['user_oid']}",
                "Artifact": f"defect/{oid}",
            }
        },
    )
    assert att["CreateResult"]["Errors"] == [], att
    assert wsapi.get("attachmentcontent?pagesize=10")["QueryResult"]["TotalResultCount"] == 0


def test_batch_as_pyral_sends_it(wsapi, context):
    ws, project = context["workspace"], context["project"]
    created = wsapi.post(
        f"batch?key=None&workspace=/{ws}&project=/{project}&fetch=FormattedID,Name",
        {
            "Batch": [
                {
                    "Entry": {
                        "Path": "/defect/create",
                        "Method": "PUT",
                        "Body": {"defect": {"Name": "a"}},
                    }
                },
                {
                    "Entry": {
                        "Path": "/defect/create",
                        "Method": "PUT",
                        "Body": {"defect": {"Name": "b"}},
                    }
                },
            ]
        },
    )["BatchResult"]
    assert created["Errors"] == [] and len(created["Results"]) == 2
    first = created["Results"][0]
    assert first["Errors"] == [] and first["_rallyAPIMajor"] == "2"
    assert {"_ref", "FormattedID", "_refObjectName", "Name"} <= set(first["Object"])
    assert "Description" not in first["Object"]  # URL fetch applies to each Object
    oids = [_oid(r["Object"]["_ref"]) for r in created["Results"]]
    updated = wsapi.post(
        f"batch?key=None&workspace=/{ws}&project=/{project}&fetch=FormattedID,Name",
        {
            "Batch": [
                {
                    "Entry": {
                        "Path": f"/defect/{oids[0]}",
                        "Method": "POST",
                        "Body": {"defect": {"Name": "u1"}},
                    }
                },
                {"Path": f"/defect/{oids[1]}", "Method": "PUT", "Body": {"defect": {"Name": "u2"}}},
                {"Entry": {"Path": f"/defect/{oids[0]}", "Method": "GET"}},
                {
                    "Entry": {
                        "Path": "/defect/999999999",
                        "Method": "POST",
                        "Body": {"defect": {"Name": "x"}},
                    }
                },
                {"Entry": {"Path": f"/defect/{oids[1]}", "Method": "DELETE"}},
            ]
        },
    )["BatchResult"]["Results"]
    assert [r["Errors"] == [] for r in updated] == [True, True, True, False, True]
    assert updated[0]["Object"]["Name"] == "u1" and updated[1]["Object"]["Name"] == "u2"
    assert updated[2]["Object"]["Name"] == "u1" and "Object" not in updated[3]
    assert wsapi.get(f"defect/{oids[1]}")["OperationResult"]["Errors"] == [
        "Cannot find object to read"
    ]


def test_states_and_recycle_bin_queries(wsapi, context):
    ws = context["workspace"]
    states = wsapi.get(
        f"State?fetch=true&query=(TypeDef.Name%20%3D%20%22Feature%22)&order=OrderIndex%2CObjectID&workspace={ws}&pagesize=1000&start=1"
    )
    assert states["QueryResult"]["Errors"] == []
    bin_page = wsapi.get(
        f"RecycleBinEntry?fetch=ObjectID,ID,Name&workspace={ws}&pagesize=1000&start=1"
    )
    assert bin_page["QueryResult"]["Errors"] == []


def test_lazy_load_forms(wsapi, context):
    ws, project = context["workspace"], context["project"]
    wsapi.create("Defect", {"Name": "lazy"}, {"workspace": ws, "project": project})
    page = wsapi.get(
        f"Defect?fetch=false&workspace={ws}&project={project}&projectScopeUp=false&projectScopeDown=false&pagesize=1000&start=1"
    )
    item = page["QueryResult"]["Results"][0]
    assert set(item) == {
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "_ref",
        "_refObjectUUID",
        "_refObjectName",
        "_type",
    }
    tail = item["_ref"].split("/slm/webservice/v2.0/")[1]
    assert tail.startswith("defect/")
    full = wsapi.get(f"{tail}?workspace={ws}&projectScopeUp=false&projectScopeDown=false")
    assert list(full) == ["Defect"] and full["Defect"]["_type"] == "Defect"
