"""Every operator and hierarchy field of the Lookback ``find`` language, and every error path."""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import Wsapi
from test_lookback_http import lookback, ok


@pytest.fixture(scope="module")
def trio(emulator: Any, demo_login: dict[str, str]) -> dict[str, Any]:
    """Three stories under one parent story, with different estimates, states and blocked flags."""
    wsapi = Wsapi(emulator, apikey=demo_login["apikey"])
    user = wsapi.get("user")["User"]
    profile = wsapi.get(user["UserProfile"]["_ref"])["UserProfile"]
    ws_ref = profile["DefaultWorkspace"]["_ref"]
    ws = int(ws_ref.rsplit("/", 1)[1])
    params = {"workspace": ws_ref}
    parent = wsapi.create("HierarchicalRequirement", {"Name": "Find parent"}, params)
    made = []
    for i, (estimate, state, blocked) in enumerate(
        [(1, "Defined", False), (3, "In-Progress", True), (8, "Accepted", False)]
    ):
        made.append(
            wsapi.create(
                "HierarchicalRequirement",
                {
                    "Name": f"Find child {i}",
                    "PlanEstimate": estimate,
                    "ScheduleState": state,
                    "Blocked": blocked,
                    "Parent": parent["_ref"],
                },
                params,
            )
        )
    time.sleep(0.01)
    yield {
        "wsapi": wsapi,
        "ws": ws,
        "parent": parent,
        "children": made,
        "oids": [m["ObjectID"] for m in made],
    }
    wsapi.close()


def names(trio: dict, find: dict) -> list[str]:
    scoped = {"$and": [{"ObjectID": {"$in": trio["oids"]}}, find], "__At": "current"}
    body = ok(
        lookback(
            trio["wsapi"], trio["ws"], {"find": scoped, "fields": ["Name"], "sort": {"Name": 1}}
        )
    )
    return [r["Name"] for r in body["Results"]]


@pytest.mark.parametrize(
    ("find", "expected"),
    [
        ({"PlanEstimate": 3}, [1]),
        ({"PlanEstimate": {"$gt": 1}}, [1, 2]),
        ({"PlanEstimate": {"$gte": 3}}, [1, 2]),
        ({"PlanEstimate": {"$lt": 8}}, [0, 1]),
        ({"PlanEstimate": {"$lte": 1}}, [0]),
        ({"PlanEstimate": {"$gt": 1, "$lt": 8}}, [1]),
        ({"ScheduleState": {"$in": ["Defined", "Accepted"]}}, [0, 2]),
        ({"ScheduleState": {"$nin": ["Defined", "Accepted"]}}, [1]),
        ({"ScheduleState": {"$ne": "Defined"}}, [1, 2]),
        ({"Blocked": True}, [1]),
        ({"AcceptedDate": {"$exists": True}}, [2]),
        ({"AcceptedDate": {"$exists": False}}, [0, 1]),
        ({"AcceptedDate": None}, [0, 1]),
        ({"AcceptedDate": {"$ne": None}}, [2]),
        ({"$or": [{"PlanEstimate": 1}, {"ScheduleState": "Accepted"}]}, [0, 2]),
        ({"$and": [{"PlanEstimate": {"$gt": 1}}, {"Blocked": False}]}, [2]),
        ({"Name": {"$gt": "Find child 0"}}, [1, 2]),
        ({"_SnapshotNumber": 0}, [0, 1, 2]),
        ({"Children": None}, [0, 1, 2]),
        ({"PlanEstimate": {"$gt": "3"}}, []),  # text never compares with numbers
    ],
)
def test_operators(trio: dict, find: dict, expected: list[int]) -> None:
    assert names(trio, find) == [f"Find child {i}" for i in expected]


def test_item_hierarchy(trio: dict) -> None:
    body = ok(
        lookback(
            trio["wsapi"],
            trio["ws"],
            {
                "find": {"_ItemHierarchy": trio["parent"]["ObjectID"], "__At": "current"},
                "fields": ["ObjectID", "_ItemHierarchy", "Children"],
            },
        )
    )
    found = {r["ObjectID"]: r for r in body["Results"]}
    assert set(found) == {trio["parent"]["ObjectID"], *trio["oids"]}
    assert found[trio["oids"][0]]["_ItemHierarchy"] == [trio["parent"]["ObjectID"], trio["oids"][0]]
    assert sorted(found[trio["parent"]["ObjectID"]]["Children"]) == sorted(trio["oids"])
    leaves = ok(
        lookback(
            trio["wsapi"],
            trio["ws"],
            {
                "find": {
                    "_ItemHierarchy": trio["parent"]["ObjectID"],
                    "Children": None,
                    "__At": "current",
                }
            },
        )
    )
    assert {r["ObjectID"] for r in leaves["Results"]} == set(trio["oids"])


def test_type_hierarchy_by_name_and_oid(trio: dict) -> None:
    wsapi, ws = trio["wsapi"], trio["ws"]
    by_name = ok(
        lookback(
            wsapi,
            ws,
            {
                "find": {"_TypeHierarchy": "HierarchicalRequirement", "__At": "current"},
                "pagesize": 1,
            },
        )
    )
    typedefs = wsapi.get(
        "typedefinition",
        {
            "workspace": f"workspace/{ws}",
            "query": '(ElementName = "HierarchicalRequirement")',
            "fetch": "ObjectID",
        },
    )
    td_oid = typedefs["QueryResult"]["Results"][0]["ObjectID"]
    by_oid = ok(
        lookback(wsapi, ws, {"find": {"_TypeHierarchy": td_oid, "__At": "current"}, "pagesize": 1})
    )
    assert by_name["TotalResultCount"] == by_oid["TotalResultCount"] > 0
    # an abstract type covers its subtypes: Artifact = stories + defects + tasks + ...
    artifacts = ok(
        lookback(
            wsapi, ws, {"find": {"_TypeHierarchy": "Artifact", "__At": "current"}, "pagesize": 1}
        )
    )
    assert artifacts["TotalResultCount"] > by_name["TotalResultCount"]
    features = ok(
        lookback(
            wsapi,
            ws,
            {
                "find": {"_TypeHierarchy": "PortfolioItem/Feature", "__At": "current"},
                "hydrate": ["_TypeHierarchy"],
                "fields": ["_TypeHierarchy"],
            },
        )
    )
    assert features["Results"] and all(
        r["_TypeHierarchy"][-2:] == ["PortfolioItem", "PortfolioItem/Feature"]
        for r in features["Results"]
    )
    plain = ok(
        lookback(wsapi, ws, {"find": {"ObjectID": trio["oids"][0]}, "fields": ["_TypeHierarchy"]})
    )
    assert td_oid in plain["Results"][0]["_TypeHierarchy"]


def test_project_hierarchy_and_hydrate(trio: dict) -> None:
    wsapi, ws = trio["wsapi"], trio["ws"]
    body = ok(
        lookback(
            wsapi,
            ws,
            {
                "find": {"ObjectID": trio["oids"][0]},
                "fields": ["Project", "_ProjectHierarchy"],
                "hydrate": ["Project"],
            },
        )
    )
    snap = body["Results"][0]
    project_oid = snap["_ProjectHierarchy"][-1]
    assert isinstance(snap["Project"], str)
    root = snap["_ProjectHierarchy"][0]
    under_root = ok(
        lookback(wsapi, ws, {"find": {"_ProjectHierarchy": root, "ObjectID": trio["oids"][0]}})
    )
    assert under_root["TotalResultCount"] == 1
    project = wsapi.get(f"project/{project_oid}")["Project"]
    assert project["Name"] == snap["Project"]


def test_dotted_fields_and_previous_values(trio: dict) -> None:
    wsapi, ws = trio["wsapi"], trio["ws"]
    oid = trio["oids"][1]
    wsapi.post(
        f"hierarchicalrequirement/{oid}",
        {"HierarchicalRequirement": {"ScheduleState": "Completed"}},
    )
    body = ok(
        lookback(
            wsapi,
            ws,
            {
                "find": {"ObjectID": oid, "_PreviousValues.ScheduleState": "In-Progress"},
                "fields": ["ScheduleState", "_PreviousValues.ScheduleState"],
            },
        )
    )
    assert body["Results"] == [
        {"ScheduleState": "Completed", "_PreviousValues.ScheduleState": "In-Progress"}
    ]


def test_sort_descending(trio: dict) -> None:
    body = ok(
        lookback(
            trio["wsapi"],
            trio["ws"],
            {
                "find": {"ObjectID": {"$in": trio["oids"]}, "__At": "current"},
                "fields": ["PlanEstimate"],
                "sort": {"PlanEstimate": -1},
            },
        )
    )
    assert [r["PlanEstimate"] for r in body["Results"]] == [8, 3, 1]


def test_deleted_item_has_closed_history(trio: dict, wsapi: Wsapi, context: dict) -> None:
    story = wsapi.create(
        "HierarchicalRequirement", {"Name": "To be deleted"}, {"workspace": context["workspace"]}
    )
    time.sleep(0.01)
    wsapi.delete(f"hierarchicalrequirement/{story['ObjectID']}")
    body = ok(lookback(wsapi, context["workspace_oid"], {"find": {"ObjectID": story["ObjectID"]}}))
    assert (
        len(body["Results"]) == 1 and body["Results"][0]["_ValidTo"] != "9999-01-01T00:00:00.000Z"
    )
    current = ok(
        lookback(
            wsapi,
            context["workspace_oid"],
            {"find": {"ObjectID": story["ObjectID"], "__At": "current"}},
        )
    )
    assert current["TotalResultCount"] == 0


BAD_KEYS: list[tuple[Any, str]] = [
    ({"find": {"ObjectID": {"$regex": "x"}}}, "Unsupported operator $regex"),
    ({"find": {"$nor": [{"ObjectID": 1}]}}, "Unsupported operator $nor"),
    ({"find": {"ObjectID": {"$in": 5}}}, "$in needs a list"),
    ({"find": {"ObjectID": {"$exists": "yes"}}}, "$exists needs true or false"),
    ({"find": {"$and": {"ObjectID": 1}}}, "$and needs a non-empty list"),
    ({"find": {"$or": []}}, "$or needs a non-empty list"),
    ({"find": {"PlanEstimate": {"$gt": [1]}}}, "Unsupported value"),
    ({"find": {"PlanEstimate": {"nested": 1}}}, "Unsupported value"),
    ({"find": {"__At": "yesterday"}}, "__At must be"),
    ({"find": {"_TypeHierarchy": "NoSuchType"}}, "_TypeHierarchy"),
    ({"find": {"_ItemHierarchy": "abc"}}, "_ItemHierarchy"),
    ({"find": {"_ProjectHierarchy": {"$gt": 1}}}, "$gt needs"),
    ({"find": {"bad name!": 1}}, "Invalid field name"),
    ({"find": [1, 2]}, "find must be a JSON object"),
    ({"fields": ["Name"]}, "find is required"),
    ({"find": {}, "fields": "Name"}, "fields must be a list"),
    ({"find": {}, "hydrate": [1]}, "hydrate must be a list"),
    ({"find": {}, "sort": {"Name": 2}}, "sort must be"),
    ({"find": {}, "sort": ["Name"]}, "sort must be"),
    ({"find": {}, "pagesize": 20001}, "pagesize must be an integer from 1 to 20000"),
    ({"find": {}, "pagesize": 0}, "pagesize must be"),
    ({"find": {}, "start": -1}, "start must be an integer >= 0"),
    ({"find": {}, "start": "1"}, "start must be"),
    (
        {"find": {}, "removeUnauthorizedSnapshots": "yes"},
        "removeUnauthorizedSnapshots must be true or false",
    ),
    ({"find": {}, "compress": 1}, "compress must be true or false"),
]


@pytest.mark.parametrize(("keys", "text"), BAD_KEYS)
def test_bad_requests_get_400(wsapi: Wsapi, context: dict, keys: Any, text: str) -> None:
    response = lookback(wsapi, context["workspace_oid"], keys)
    body = response.json()
    assert response.status_code == 400
    assert body["Results"] == [] and any(text in e for e in body["Errors"]), body["Errors"]


def test_malformed_json(wsapi: Wsapi, context: dict) -> None:
    url = f"{wsapi.server.url}/analytics/v2.0/service/rally/workspace/{context['workspace_oid']}/artifact/snapshot/query.js"
    posted = wsapi.call("POST", url, raw=b'{"find": {"ObjectID": ')
    assert (
        posted.status_code == 400
        and "Cannot parse the request body as JSON" in posted.json()["Errors"][0]
    )
    got = wsapi.call("GET", url, {"find": "{oops"})
    assert got.status_code == 400 and "Cannot parse find as JSON" in got.json()["Errors"][0]
    not_object = wsapi.call("POST", url, raw=b"[1]")
    assert not_object.status_code == 400


def test_auth_workspace_and_method(anon: Wsapi, wsapi: Wsapi, context: dict) -> None:
    url = f"{wsapi.server.url}/analytics/v2.0/service/rally/workspace/{context['workspace_oid']}/artifact/snapshot/query.js"
    assert anon.call("POST", url, body={"find": {}}).status_code == 401
    assert wsapi.call("DELETE", url).status_code == 405
    other = url.replace(str(context["workspace_oid"]), "1")
    assert wsapi.call("POST", other, body={"find": {}}).status_code == 404
    assert (
        wsapi.call("POST", f"{wsapi.server.url}/analytics/v2.0/nothing", body={}).status_code == 404
    )


def test_other_users_workspace_is_not_found(emulator: Any, context: dict) -> None:
    from pyral.emulator import demo

    dave = Wsapi(emulator, apikey="_daveapikey".ljust(42, "0"))
    try:
        url = f"{emulator.url}/analytics/v2.0/service/rally/workspace/{context['workspace_oid']}/artifact/snapshot/query.js"
        assert dave.call("POST", url, body={"find": {}}).status_code == 404
        assert demo.SANDBOX_WORKSPACE
    finally:
        dave.close()


def test_basic_auth(basic_wsapi: Wsapi, context: dict) -> None:
    body = ok(
        lookback(
            basic_wsapi,
            context["workspace_oid"],
            {"find": {"_TypeHierarchy": "Defect"}, "pagesize": 1},
        )
    )
    assert body["TotalResultCount"] > 0


def test_compress_folds_unchanged_fields(trio: dict) -> None:
    wsapi, ws = trio["wsapi"], trio["ws"]
    oid = trio["oids"][0]
    time.sleep(0.01)
    wsapi.post(
        f"hierarchicalrequirement/{oid}", {"HierarchicalRequirement": {"Notes": "only notes"}}
    )
    full = ok(lookback(wsapi, ws, {"find": {"ObjectID": oid}, "fields": ["ScheduleState"]}))
    folded = ok(
        lookback(
            wsapi,
            ws,
            {"find": {"ObjectID": oid}, "fields": ["ScheduleState", "_ValidTo"], "compress": True},
        )
    )
    assert full["TotalResultCount"] >= 2
    assert (
        folded["TotalResultCount"] == 1
        and folded["Results"][0]["_ValidTo"] == "9999-01-01T00:00:00.000Z"
    )
