"""Envelope and object shapes over HTTP, compared with the golden Rally captures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
VERSION = {"_rallyAPIMajor": "2", "_rallyAPIMinor": "0"}


def _golden(name: str):
    path = GOLDEN / name
    if not path.exists():
        pytest.skip(f"golden file {name} not available")
    return json.loads(path.read_text())


def _oid(ref: str) -> int:
    return int(ref.rsplit("/", 1)[1])


def test_query_result_keys_match_golden(wsapi):
    golden = _golden("query_project_iterations_fetch_true.json")["QueryResult"]
    ours = wsapi.get("Project", {"fetch": "true", "pagesize": 200})["QueryResult"]
    assert list(ours) == list(golden)
    assert ours["PageSize"] == 200 and ours["StartIndex"] == 1
    item = ours["Results"][0]
    for key in (
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "_ref",
        "_objectVersion",
        "_refObjectName",
        "CreationDate",
        "_CreatedAt",
        "ObjectID",
        "_type",
    ):
        assert key in item
    assert item["_type"] == "Project" and isinstance(item["_objectVersion"], str)


def test_shallow_items_match_golden(wsapi):
    golden_keys = set(_golden("query_tags_result_items_shallow.json")[0])
    for fetch in (None, "false"):
        params = {"fetch": fetch} if fetch else {}
        page = wsapi.get("Project", params)["QueryResult"]
        assert page["PageSize"] == 20  # the WSAPI default
        assert all(set(item) == golden_keys for item in page["Results"])


def test_read_wrapper_matches_golden(wsapi):
    golden = _golden("subscription_read.json")
    ours = wsapi.get("subscription")
    assert list(ours) == list(golden) == ["Subscription"]
    body = ours["Subscription"]
    assert list(body)[:2] == ["_rallyAPIMajor", "_rallyAPIMinor"]
    assert list(body)[-2:] == ["Errors", "Warnings"] and body["Errors"] == []
    assert body["Workspaces"]["_ref"].endswith(f"/Subscription/{body['ObjectID']}/Workspaces")
    assert set(body["Workspaces"]) == set(golden["Subscription"]["Workspaces"])


def test_create_result_matches_golden(wsapi, context):
    golden = _golden("milestone_create_result.json")["CreateResult"]
    ours = wsapi.put(
        "milestone/create",
        {"Milestone": {"Name": "MS", "TargetDate": "2017-04-29T08:00:00.000Z"}},
        {"workspace": context["workspace"]},
    )
    body = ours["CreateResult"]
    assert list(body) == list(golden)
    obj = body["Object"]
    assert (
        obj["_CreatedAt"] == "just now" and obj["_objectVersion"] == "1" and obj["VersionId"] == "1"
    )
    assert obj["FormattedID"].startswith("MI") and obj["_type"] == "Milestone"
    assert obj["_refObjectUUID"] == obj["ObjectUUID"]
    for key in ("Subscription", "Workspace"):
        assert set(obj[key]) == set(golden["Object"][key])


def test_create_errors_match_golden(wsapi, context):
    golden = _golden("create_result_errors_date_parse_and_ignored_element.json")["CreateResult"]
    before = wsapi.count("Milestone")
    ours = wsapi.put(
        "milestone/create",
        {"Milestone": {"Name": "x", "TargetDate": "2017-04-29 20:23:51.188960", "Nane": "y"}},
        {"workspace": context["workspace"]},
    )["CreateResult"]
    assert list(ours) == list(golden)
    assert ours["Errors"] == golden["Errors"]
    assert wsapi.count("Milestone") == before


def test_update_returns_operation_result_with_object(wsapi, context):
    obj = wsapi.create("Defect", {"Name": "v1"}, {"workspace": context["workspace"]})
    oid = _oid(obj["_ref"])
    result = wsapi.post(f"defect/{oid}", {"defect": {"Name": "v2", "Bogus": 1}})["OperationResult"]
    assert result["Errors"] == [] and result["Object"]["Name"] == "v2"
    assert result["Object"]["_objectVersion"] == "2"
    assert any("Bogus" in w for w in result["Warnings"])
    again = wsapi.call(
        "PUT", f"defect/{oid}", body={"Defect": {"Name": "v3"}}
    ).json()  # rally-node verb
    assert again["OperationResult"]["Object"]["_objectVersion"] == "3"


def test_delete_and_token_envelopes(wsapi, context):
    obj = wsapi.create("Defect", {"Name": "doomed"}, {"workspace": context["workspace"]})
    deleted = wsapi.delete(obj["_ref"])
    assert deleted == {"OperationResult": {**VERSION, "Errors": [], "Warnings": []}}
    token = wsapi.get("security/authorize")["OperationResult"]
    assert list(token) == [
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "Errors",
        "Warnings",
        "SecurityToken",
    ]
    missing = wsapi.call("DELETE", obj["_ref"]).json()["OperationResult"]
    assert missing["Errors"] and missing["Errors"][0]


def test_batch_result_matches_golden(wsapi, context):
    golden = _golden("batch_result_update_portfolioitems.json")["BatchResult"]
    ours = wsapi.post(
        "batch",
        {
            "Batch": [
                {
                    "Entry": {
                        "Path": "/defect/create",
                        "Method": "PUT",
                        "Body": {"defect": {"Name": "b"}},
                    }
                }
            ]
        },
        {"workspace": context["workspace"]},
    )
    body = ours["BatchResult"]
    assert set(body) == set(golden)
    entry = body["Results"][0]
    assert list(entry) == list(golden["Results"][0])


def test_collection_endpoint_without_fetch_returns_full_objects(wsapi):
    sub = wsapi.get("subscription")["Subscription"]
    page = wsapi.get(sub["Workspaces"]["_ref"])["QueryResult"]
    golden = _golden("query_subscription_workspaces_fetch_true.json")["QueryResult"]["Results"][0]
    item = page["Results"][0]
    for key in (
        "_objectVersion",
        "CreationDate",
        "_CreatedAt",
        "ObjectID",
        "Name",
        "Projects",
        "State",
        "_type",
    ):
        assert key in item and key in golden
    assert item["Projects"]["_ref"].endswith(f"/Workspace/{item['ObjectID']}/Projects")


def test_user_singleton_vs_query(wsapi, demo_login):
    single = wsapi.get("user")
    assert list(single) == ["User"] and single["User"]["UserName"] == demo_login["user"]
    page = wsapi.get("user", {"query": f'(UserName = "{demo_login["user"]}")', "fetch": "UserName"})
    assert page["QueryResult"]["TotalResultCount"] == 1
    narrowed = wsapi.get("user", {"fetch": "UserName"})["User"]
    assert "UserName" in narrowed and "FirstName" not in narrowed
    assert wsapi.get("subscription", {"query": '(Name != "")'})["QueryResult"]["Errors"] == []


def test_paging_echo_and_clamp(wsapi, context):
    ws = context["workspace"]
    for i in range(5):
        wsapi.create("Defect", {"Name": f"page-{i}"}, {"workspace": ws})
    q = '(Name contains "page-")'
    total = wsapi.get("Defect", {"query": q, "workspace": ws, "pagesize": 1})["QueryResult"][
        "TotalResultCount"
    ]
    assert total >= 5
    page = wsapi.get(
        "Defect", {"query": q, "workspace": ws, "pagesize": 2, "start": 3, "fetch": "Name"}
    )["QueryResult"]
    assert (page["StartIndex"], page["PageSize"], len(page["Results"])) == (3, 2, 2)
    everything = [
        r["Name"]
        for r in wsapi.get(
            "Defect", {"query": q, "workspace": ws, "pagesize": 200, "fetch": "Name"}
        )["QueryResult"]["Results"]
    ]
    assert [r["Name"] for r in page["Results"]] == everything[2:4]
    clamped = wsapi.get("Defect", {"query": q, "workspace": ws, "pagesize": 5000})["QueryResult"]
    assert clamped["PageSize"] == 2000 and clamped["Errors"] == []
    beyond = wsapi.get("Defect", {"query": q, "workspace": ws, "start": total + 10})["QueryResult"]
    assert beyond["Results"] == [] and beyond["TotalResultCount"] == total


def test_js_suffix_gives_rally_warning(wsapi):
    body = wsapi.get("Project.js")["QueryResult"]
    assert body["Errors"] == []
    assert body["Warnings"] == ['It is no longer necessary to append ".js" to WSAPI resources.']
    token = wsapi.get("security/authorize.js")["OperationResult"]
    assert token["SecurityToken"] and token["Warnings"]


def test_type_names_are_case_insensitive(wsapi):
    totals = {
        wsapi.get(name, {"pagesize": 1})["QueryResult"]["TotalResultCount"]
        for name in ("Project", "project", "PROJECT", "projects")
    }
    assert len(totals) == 1


def test_schema_endpoint(wsapi, context):
    ws_oid = context["workspace_oid"]
    plain = wsapi.get(f"/slm/schema/v2.0/workspace/{ws_oid}")["QueryResult"]
    hashed = wsapi.get(f"/slm/schema/v2.0/workspace/{ws_oid}/0123456789abcdef0123456789abcdef")[
        "QueryResult"
    ]
    assert plain["TotalResultCount"] == len(plain["Results"]) == len(hashed["Results"])
    types = {t["ElementName"]: t for t in plain["Results"]}
    story = types["HierarchicalRequirement"]
    assert (
        story["Name"] == "Hierarchical Requirement"
        and story["TypePath"] == "HierarchicalRequirement"
    )
    assert types["Feature"]["TypePath"] == "PortfolioItem/Feature"
    attrs = {a["ElementName"]: a for a in types["Defect"]["Attributes"]}
    severity = attrs["Severity"]
    assert severity["AttributeType"] == "RATING" and all(
        "StringValue" in v for v in severity["AllowedValues"]
    )
    tags_ref = attrs["Tags"]["AllowedValues"]["_ref"]
    assert tags_ref.startswith("http") and tags_ref.endswith("/AllowedValues")
    rating_ref = severity["_ref"] + "/AllowedValues"
    values = wsapi.get(
        rating_ref, {"pagesize": 1000, "start": 1, "workspace": context["workspace"]}
    )["QueryResult"]
    assert [v["StringValue"] for v in values["Results"]] == [
        v["StringValue"] for v in severity["AllowedValues"]
    ]
    assert all(v["_type"] == "AllowedAttributeValue" for v in values["Results"])
    project = wsapi.get(f"/slm/schema/v2.0/project/{context['project_oid']}")["QueryResult"]
    assert len(project["Results"]) == len(plain["Results"])
    assert not {"Password", "ApiKey"} & {a["ElementName"] for a in types["User"]["Attributes"]}


def test_jsonp_and_pretty(wsapi):
    response = wsapi.call("GET", "security/authorize", {"jsonp": "cb"})
    assert response.text.startswith("cb(") and response.text.endswith(")")
    pretty = wsapi.call("GET", "security/authorize", {"pretty": "true"})
    assert "\n" in pretty.text and pretty.json()["OperationResult"]["Errors"] == []


def test_ignored_optional_params(wsapi):
    page = wsapi.get(
        "Project",
        {
            "compact": "false",
            "includePermissions": "true",
            "shallowFetch": "Name",
            "types": "defect",
        },
    )
    assert page["QueryResult"]["Errors"] == []


def test_typedefinition_endpoints(wsapi):
    page = wsapi.get("typedefinition", {"query": '(TypePath = "defect")', "fetch": "true"})[
        "QueryResult"
    ]
    assert page["Errors"] == [] and page["TotalResultCount"] == 0  # TypePath is case-sensitive
    page = wsapi.get("typedefinition", {"query": '(TypePath = "Defect")', "fetch": "true"})[
        "QueryResult"
    ]
    assert page["TotalResultCount"] == 1
    td = page["Results"][0]
    assert td["ElementName"] == "Defect" and td["Attributes"]["Count"] > 10
    attrs = wsapi.get(td["Attributes"]["_ref"], {"pagesize": 1000})["QueryResult"]
    assert attrs["TotalResultCount"] == td["Attributes"]["Count"]
    assert any(a["ElementName"] == "Severity" for a in attrs["Results"])
    read = wsapi.get(td["_ref"])
    assert list(read) == ["TypeDefinition"] and read["TypeDefinition"]["TypePath"] == "Defect"
    severity = next(a for a in attrs["Results"] if a["ElementName"] == "Severity")
    assert wsapi.get(severity["_ref"])["AttributeDefinition"]["AttributeType"] == "RATING"
    pis = wsapi.get(
        "TypeDefinition", {"query": '(Parent.Name = "Portfolio Item")', "fetch": "ElementName"}
    )["QueryResult"]
    assert "Feature" in {t["ElementName"] for t in pis["Results"]}
    shallow = wsapi.get("typedefinition", {"pagesize": 2})["QueryResult"]["Results"]
    assert set(shallow[0]) == {
        "_rallyAPIMajor",
        "_rallyAPIMinor",
        "_ref",
        "_refObjectName",
        "_type",
    }
    bad = wsapi.get("typedefinition", {"query": "(Attributes.Name = x)"})["QueryResult"]
    assert bad["Errors"]
