"""The Lookback endpoint at its edges: timestamp forms, ranges, bounds, hostile input.

Regressions for what an adversarial review found (each answered 500 before): integers beyond
64 bits, instants whose UTC time leaves years 1..9999, lone surrogate escapes, deeply nested or
very wide ``$and`` / ``$or``, ``$in`` lists past SQLite's variable limit, a ``start`` past
SQLite's OFFSET range.  Plus a bounded fuzzer over the whole request: whatever it sends, the
answer is a 200 or a 4xx in the Lookback envelope, never a 5xx.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import Wsapi
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_lookback_http import lookback, ok

from pyral.emulator.server import EmulatorServer

END = "9999-01-01T00:00:00.000Z"
ENVELOPE_KEYS = {
    "_rallyAPIMajor",
    "_rallyAPIMinor",
    "Errors",
    "Warnings",
    "GeneratedQuery",
    "TotalResultCount",
    "HasMore",
    "StartIndex",
    "PageSize",
    "ETLDate",
    "Results",
}


def query_url(server: EmulatorServer, ws: int) -> str:
    return f"{server.url}/analytics/v2.0/service/rally/workspace/{ws}/artifact/snapshot/query.js"


def refused(response: Any, text: str) -> dict:
    body = response.json()
    assert response.status_code == 400, (response.status_code, body)
    assert set(body) >= ENVELOPE_KEYS and body["Results"] == []
    assert any(text in e for e in body["Errors"]), body["Errors"]
    return body


@pytest.fixture(scope="module")
def story(emulator: EmulatorServer, demo_login: dict[str, str]) -> dict[str, Any]:
    """A story moved Defined -> In-Progress -> Completed, with its snapshots."""
    wsapi = Wsapi(emulator, apikey=demo_login["apikey"])
    user = wsapi.get("user")["User"]
    profile = wsapi.get(user["UserProfile"]["_ref"])["UserProfile"]
    ws = int(profile["DefaultWorkspace"]["_ref"].rsplit("/", 1)[1])
    made = wsapi.create(
        "HierarchicalRequirement",
        {"Name": "Edge story", "PlanEstimate": 5},
        {"workspace": f"workspace/{ws}"},
    )
    for state in ("In-Progress", "Completed"):
        time.sleep(0.02)
        done = wsapi.post(
            f"hierarchicalrequirement/{made['ObjectID']}",
            {"HierarchicalRequirement": {"ScheduleState": state}},
        )
        assert done["OperationResult"]["Errors"] == []
    snaps = ok(lookback(wsapi, ws, {"find": {"ObjectID": made["ObjectID"]}}))["Results"]
    yield {"wsapi": wsapi, "ws": ws, "oid": made["ObjectID"], "snaps": snaps}
    wsapi.close()


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def numbers_at(story: dict, at: Any) -> list[int]:
    find = {"ObjectID": story["oid"], "__At": at}
    body = ok(lookback(story["wsapi"], story["ws"], {"find": find}))
    return [s["_SnapshotNumber"] for s in body["Results"]]


# -- __At and the timestamp forms ----------------------------------------------------------


def test_at_accepts_every_iso_form_of_the_same_instant(story: dict) -> None:
    """Z, +hh:mm, +hhmm, a space instead of T, micro- and nanoseconds: one instant."""
    middle = stamp(story["snaps"][1]["_ValidFrom"]) + timedelta(microseconds=500)
    kolkata = middle.astimezone(timezone(timedelta(hours=5, minutes=30)))
    new_york = middle.astimezone(timezone(timedelta(hours=-5)))
    forms = [
        middle.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        middle.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        middle.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z",  # nanoseconds
        kolkata.isoformat(),
        kolkata.strftime("%Y-%m-%dT%H:%M:%S.%f+0530"),
        new_york.isoformat(),
        middle.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00:00",
        middle.strftime("%Y-%m-%dT%H:%M:%S.%f"),  # no zone: UTC
    ]
    for form in forms:
        assert numbers_at(story, form) == [1], form
    # the instant it opened belongs to it; the one just before still to snapshot 0
    assert numbers_at(story, story["snaps"][1]["_ValidFrom"]) == [1]
    before = stamp(story["snaps"][1]["_ValidFrom"]) - timedelta(milliseconds=1)
    assert numbers_at(story, before.isoformat()) == [0]


def test_at_current_date_only_and_far_instants(story: dict) -> None:
    assert numbers_at(story, "current") == [2]
    assert numbers_at(story, "9998-12-31") == [2]
    assert numbers_at(story, "1999-01-01") == []
    # years before 1000 must not sort after 2026 as text
    assert numbers_at(story, "0500-06-01T00:00:00Z") == []
    created = stamp(story["snaps"][0]["_ValidFrom"]).date()
    assert numbers_at(story, (created - timedelta(days=1)).isoformat()) == []


@pytest.mark.parametrize(
    ("at", "text"),
    [
        ("9999-12-31T23:59:59.999-05:00", "out of range"),
        ("0001-01-01T00:00:00+05:00", "out of range"),
        ("2026-13-01", "__At must be"),
        ("Current", "__At must be"),
        ("2026-02-01T25:00:00Z", "__At must be"),
        (20260201, "__At must be"),
        (None, "__At must be"),
        ({"$gt": "2026-01-01"}, "__At must be"),
        (["current"], "__At must be"),
    ],
)
def test_bad_at_is_a_400(story: dict, at: Any, text: str) -> None:
    url = query_url(story["wsapi"].server, story["ws"])
    refused(story["wsapi"].call("POST", url, body={"find": {"__At": at}}), text)


def test_valid_from_and_valid_to_ranges(story: dict) -> None:
    snaps = story["snaps"]
    wsapi, ws, oid = story["wsapi"], story["ws"], story["oid"]

    def numbers(find: dict) -> list[int]:
        body = ok(lookback(wsapi, ws, {"find": {"ObjectID": oid, **find}}))
        return [s["_SnapshotNumber"] for s in body["Results"]]

    second = snaps[1]["_ValidFrom"]
    offset = stamp(second).astimezone(timezone(timedelta(hours=-7))).isoformat()
    assert numbers({"_ValidFrom": {"$gte": second}}) == [1, 2]
    assert numbers({"_ValidFrom": {"$gte": offset}}) == [1, 2]  # same instant, -07:00
    assert numbers({"_ValidFrom": {"$gt": second}}) == [2]
    assert numbers({"_ValidFrom": {"$lt": second}}) == [0]
    assert numbers({"_ValidTo": {"$lte": second}}) == [0]
    assert numbers({"_ValidTo": END}) == [2]
    assert numbers({"_ValidTo": {"$lt": END}}) == [0, 1]
    # "what changed during the window": started inside [first, third)
    window = {"$gte": snaps[0]["_ValidFrom"], "$lt": snaps[2]["_ValidFrom"]}
    assert numbers({"_ValidFrom": window}) == [0, 1]
    day = stamp(second).date()
    assert numbers({"_ValidFrom": {"$gte": day.isoformat()}}) != []  # date-only bound
    assert numbers({"_ValidFrom": {"$gte": (day + timedelta(days=2)).isoformat()}}) == []
    # a number is not a time: it never matches a timestamp column (it used to match all)
    assert numbers({"_ValidTo": {"$gt": 5}}) == []
    assert numbers({"_ValidFrom": 0}) == []
    # and text never matches an integer column (SQLite's affinity used to convert it)
    assert numbers({"ObjectID": str(oid)}) == []
    assert numbers({"_SnapshotNumber": {"$in": ["1", 1]}}) == [1]


# -- arrays, type names, sort, projection --------------------------------------------------


def test_array_membership_tags_and_item_hierarchy(wsapi: Wsapi, context: dict) -> None:
    tags = wsapi.get("tag", {"fetch": "ObjectID,Name", "pagesize": 10})["QueryResult"]["Results"]
    assert len(tags) >= 2
    first, second = tags[0], tags[1]
    made = wsapi.create(
        "HierarchicalRequirement",
        {"Name": "Tagged", "Tags": [first["_ref"], second["_ref"]]},
        {"workspace": context["workspace"]},
    )
    ws, oid = context["workspace_oid"], made["ObjectID"]

    def hits(find: dict) -> int:
        body = ok(lookback(wsapi, ws, {"find": {"ObjectID": oid, **find}}))
        return int(body["TotalResultCount"])

    assert hits({"Tags": first["ObjectID"]}) == 1
    assert hits({"Tags": {"$in": [second["ObjectID"], 1]}}) == 1
    assert hits({"Tags": {"$nin": [first["ObjectID"]]}}) == 0
    assert hits({"Tags": {"$ne": 1}}) == 1
    assert hits({"Tags": 1}) == 0
    body = ok(
        lookback(wsapi, ws, {"find": {"ObjectID": oid}, "fields": ["Tags"], "hydrate": ["Tags"]})
    )
    assert sorted(body["Results"][0]["Tags"]) == sorted([first["Name"], second["Name"]])
    assert hits({"_ItemHierarchy": oid}) == 1
    assert hits({"_ItemHierarchy": {"$in": [oid, 5]}}) == 1
    assert hits({"_ItemHierarchy": {"$nin": [oid]}}) == 0
    assert hits({"_ItemHierarchy": 2**70}) == 0  # beyond 64 bits names nothing


def test_type_names(wsapi: Wsapi, context: dict) -> None:
    ws = context["workspace_oid"]

    def count(type_value: Any) -> int:
        find = {"_TypeHierarchy": type_value, "__At": "current"}
        return int(ok(lookback(wsapi, ws, {"find": find, "pagesize": 1}))["TotalResultCount"])

    stories = count("HierarchicalRequirement")
    assert stories == count("hierarchicalrequirement") > 0
    assert count("PortfolioItem/Feature") == count("Feature") > 0
    assert count("PortfolioItem") > count("PortfolioItem/Feature")
    assert count({"$in": ["Defect", "HierarchicalRequirement"]}) == stories + count("Defect")
    assert count({"$nin": ["Defect"]}) == count("Artifact") - count("Defect")
    typedefs = wsapi.get(
        "typedefinition",
        {
            "workspace": context["workspace"],
            "query": '(TypePath = "PortfolioItem/Feature")',
            "fetch": "ObjectID",
        },
    )["QueryResult"]["Results"]
    assert count(typedefs[0]["ObjectID"]) == count("PortfolioItem/Feature")
    url = query_url(wsapi.server, ws)
    body = refused(
        wsapi.call("POST", url, body={"find": {"_TypeHierarchy": "UserStory"}}),
        '"HierarchicalRequirement"',
    )
    assert "UserStory" in body["Errors"][0]


def test_sort_on_several_keys(wsapi: Wsapi, context: dict) -> None:
    find = {"_TypeHierarchy": "HierarchicalRequirement", "__At": "current"}
    body = ok(
        lookback(
            wsapi,
            context["workspace_oid"],
            {
                "find": find,
                "fields": ["ScheduleState", "ObjectID"],
                "sort": {"ScheduleState": -1, "ObjectID": 1},
            },
        )
    )
    rows = [(r["ScheduleState"], r["ObjectID"]) for r in body["Results"]]
    assert len({state for state, _ in rows}) >= 3
    expected = sorted(rows, key=lambda r: r[1])
    expected.sort(key=lambda r: r[0], reverse=True)
    assert rows == expected


def test_fields_true_list_and_dotted(story: dict) -> None:
    wsapi, ws, oid = story["wsapi"], story["ws"], story["oid"]
    find = {"ObjectID": oid, "__At": "current"}
    every = ok(lookback(wsapi, ws, {"find": find, "fields": True}))["Results"][0]
    for key in ("ObjectID", "_id", "_ValidFrom", "_ValidTo", "_SnapshotNumber", "Name"):
        assert key in every
    assert every["_PreviousValues"] == {"ScheduleState": "In-Progress"}
    picked = ok(
        lookback(
            wsapi,
            ws,
            {"find": find, "fields": ["Name", "_PreviousValues.ScheduleState", "NotThere"]},
        )
    )["Results"][0]
    assert picked == {"Name": "Edge story", "_PreviousValues.ScheduleState": "In-Progress"}


# -- paging bounds -------------------------------------------------------------------------


def test_start_and_pagesize_bounds(story: dict) -> None:
    wsapi, ws, oid = story["wsapi"], story["ws"], story["oid"]
    find = {"ObjectID": oid}
    last = ok(lookback(wsapi, ws, {"find": find, "start": 2, "pagesize": 20000}))
    assert [s["_SnapshotNumber"] for s in last["Results"]] == [2]
    assert last["HasMore"] is False and last["PageSize"] == 20000
    for start in (3, 10**6, 2**63, 10**30):
        past = ok(lookback(wsapi, ws, {"find": find, "start": start}))
        assert past["Results"] == [] and past["TotalResultCount"] == 3
        assert past["StartIndex"] == start and past["HasMore"] is False
    url = query_url(wsapi.server, ws)
    for bad in (0, -1, 20001, 1.5, "10", True, None, [1]):
        if bad is None:
            continue  # absent pagesize takes the default
        refused(wsapi.call("POST", url, body={"find": find, "pagesize": bad}), "pagesize")
    for bad in (-1, 0.5, "0", False, {}):
        refused(wsapi.call("POST", url, body={"find": find, "start": bad}), "start")
    got = wsapi.call("GET", url, {"find": json.dumps(find), "start": "1", "pagesize": "1"})
    assert [s["_SnapshotNumber"] for s in ok(got)["Results"]] == [1]
    refused(wsapi.call("GET", url, {"find": json.dumps(find), "pagesize": "big"}), "pagesize")


# -- hostile input -------------------------------------------------------------------------

HOSTILE: list[tuple[Any, str]] = [
    ({"find": {"ObjectID": {"$in": list(range(300000))}}}, "too large"),
    ({"find": {"Name": "\ud800"}}, "not valid Unicode"),
    ({"find": {"Name": {"$in": ["ok", "\udfff"]}}}, "not valid Unicode"),
    ({"find": {}, "sort": {f"F{n}": 1 for n in range(33)}}, "sort must be an object of at most 32"),
]


@pytest.mark.parametrize(("keys", "text"), HOSTILE)
def test_hostile_finds_are_400(wsapi: Wsapi, context: dict, keys: Any, text: str) -> None:
    refused(lookback(wsapi, context["workspace_oid"], keys), text)


def nested(op: str, depth: int) -> dict:
    find: dict = {"ObjectID": 1}
    for _ in range(depth):
        find = {op: [find]}
    return find


def test_nesting_and_width(wsapi: Wsapi, context: dict) -> None:
    ws = context["workspace_oid"]
    assert ok(lookback(wsapi, ws, {"find": nested("$or", 16)}))["TotalResultCount"] == 0
    for op in ("$or", "$and"):
        refused(lookback(wsapi, ws, {"find": nested(op, 17)}), "nested too deeply")
        refused(lookback(wsapi, ws, {"find": nested(op, 400)}), "nested too deeply")
    # width is not depth: hundreds of alternatives or keys still answer...
    wide = {"$or": [{"PlanEstimate": n} for n in range(400)]}
    assert ok(lookback(wsapi, ws, {"find": wide, "pagesize": 1}))["TotalResultCount"] > 0
    many = {f"Field{n}": {"$exists": False} for n in range(499)}
    assert ok(lookback(wsapi, ws, {"find": {**many, "ObjectID": {"$gt": 0}}}))["TotalResultCount"]
    # ... but not thousands (SQLite plans long ORs in quadratic time: 4000 took minutes)
    pairs = {"$or": [{"$and": [{"A": n}, {"B": n}]} for n in range(251)]}
    refused(lookback(wsapi, ws, {"find": pairs}), "more than 500 conditions")
    refused(lookback(wsapi, ws, {"find": {**many, "A": 1, "B": 2}}), "more than 500 conditions")
    # a long $in list is one condition
    listed = {"ObjectID": {"$in": list(range(20000))}, "__At": "current"}
    assert ok(lookback(wsapi, ws, {"find": listed, "pagesize": 1}))["TotalResultCount"] == 0


def test_huge_numbers_are_numbers(wsapi: Wsapi, context: dict) -> None:
    ws = context["workspace_oid"]
    stories = {"_TypeHierarchy": "HierarchicalRequirement", "__At": "current"}
    for find in (
        {"ObjectID": 10**30},
        {"ObjectID": -(10**30)},
        {"_ProjectHierarchy": 10**30},
        {"_ItemHierarchy": {"$in": [10**30]}},
        {"PlanEstimate": {"$gt": 10**30}},
    ):
        assert ok(lookback(wsapi, ws, {"find": find}))["TotalResultCount"] == 0, find
    below = ok(lookback(wsapi, ws, {"find": {**stories, "PlanEstimate": {"$lt": 10**30}}}))
    assert below["TotalResultCount"] > 0


def test_malformed_bodies(wsapi: Wsapi, context: dict) -> None:
    url = query_url(wsapi.server, context["workspace_oid"])
    for raw, text in [
        (b"\xff\xfe", "Cannot parse the request body"),
        (b'"' + b"[" * 100000, "Cannot parse the request body"),
        (b"[" * 100000, "Cannot parse the request body"),
        (b'{"find": {"ObjectID": 1}', "Cannot parse the request body"),
        (b"null", "must be a JSON object"),
        (b'"find"', "must be a JSON object"),
        (b'{"find": "ObjectID = 1"}', "find must be a JSON object"),
        (b'{"find": {"ObjectID": 1}, "sort": {"ObjectID": "asc"}}', "sort must be"),
        (b'{"find": {"ObjectID": 1}, "fields": [1]}', "fields must be"),
        (b'{"find": {"ObjectID": NaN}}', "NaN is not a JSON value"),
        (b'{"find": {"PlanEstimate": {"$lt": -Infinity}}}', "-Infinity is not a JSON value"),
        (b'{"find": {"PlanEstimate": 1e999}}', "too large"),
    ]:
        refused(wsapi.call("POST", url, raw=raw), text)
    deep_get = wsapi.call("GET", url, {"find": "[" * 2500})
    refused(deep_get, "Cannot parse find as JSON")
    refused(wsapi.call("GET", url, {"find": '{"ObjectID": Infinity}'}), "Infinity")


def test_auth_failures_answer_in_the_envelope(emulator: EmulatorServer, context: dict) -> None:
    url = query_url(emulator, context["workspace_oid"])
    for headers in (
        {"ZSESSIONID": "_notakey" + "0" * 34},
        {"Authorization": "Basic " + "bm9ib2R5Om5vcGU="},  # nobody:nope
        {"Authorization": "Basic !!!"},
        {},
    ):
        client = Wsapi(emulator)
        client.http.headers.update(headers)
        try:
            response = client.call("POST", url, body={"find": {}})
        finally:
            client.close()
        body = response.json()
        assert response.status_code == 401, headers
        assert set(body) >= ENVELOPE_KEYS and body["Errors"] and body["Results"] == []
        assert response.headers.get("WWW-Authenticate")


def test_envelope_keys_are_exact(wsapi: Wsapi, context: dict) -> None:
    body = ok(lookback(wsapi, context["workspace_oid"], {"find": {"ObjectID": 1}}))
    assert set(body) - {"UnauthorizedProjects"} == ENVELOPE_KEYS
    assert body["_rallyAPIMajor"] == "2" and body["_rallyAPIMinor"] == "0"
    assert isinstance(body["ETLDate"], str) and body["ETLDate"].endswith("Z")
    stamp(body["ETLDate"])
    assert body["StartIndex"] == 0 and body["PageSize"] == 20000 and body["HasMore"] is False


# -- the fuzzer ----------------------------------------------------------------------------

FIELDS = st.sampled_from(
    [
        "ObjectID",
        "Name",
        "ScheduleState",
        "PlanEstimate",
        "Tags",
        "Project",
        "_ValidFrom",
        "_ValidTo",
        "_SnapshotNumber",
        "_TypeHierarchy",
        "_ItemHierarchy",
        "_ProjectHierarchy",
        "_PreviousValues.ScheduleState",
        "__At",
        "Children",
        "bad name",
        "$where",
        "",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "current",
            "2026-02-01",
            "2026-02-01T00:00:00+05:30",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+01:00",
            "Defect",
            "HierarchicalRequirement",
            "PortfolioItem/Feature",
            "UserStory",
            "\ud800",
        ]
    ),
)
OPERATORS = st.sampled_from(
    ["$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$ne", "$exists", "$eq", "$regex", "x"]
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(OPERATORS, inner, max_size=2),
    ),
    max_leaves=6,
)
FINDS = st.recursive(
    st.dictionaries(FIELDS, VALUES, max_size=3),
    lambda inner: st.one_of(
        st.dictionaries(st.sampled_from(["$and", "$or", "$nor"]), st.lists(inner, max_size=3)),
        st.dictionaries(FIELDS, inner, max_size=2),
    ),
    max_leaves=8,
)
REQUEST = st.fixed_dictionaries(
    {"find": st.one_of(FINDS, SCALARS)},
    optional={
        "fields": st.one_of(st.just(True), st.lists(FIELDS, max_size=3), SCALARS),
        "hydrate": st.one_of(st.lists(FIELDS, max_size=2), SCALARS),
        "sort": st.one_of(
            st.dictionaries(FIELDS, st.sampled_from([1, -1, 0, "1", 1.0]), max_size=2), SCALARS
        ),
        "start": st.one_of(st.integers(min_value=-5, max_value=2**64), SCALARS),
        "pagesize": st.one_of(st.integers(min_value=-5, max_value=30000), SCALARS),
        "compress": SCALARS,
        "removeUnauthorizedSnapshots": SCALARS,
        "surprise": SCALARS,
    },
)
# A second grammar that keeps to the language, so most requests reach SQLite with wild values.
GOOD_FIELDS = st.sampled_from(
    [
        "ObjectID",
        "Name",
        "ScheduleState",
        "PlanEstimate",
        "Tags",
        "Project",
        "_ValidFrom",
        "_ValidTo",
        "_SnapshotNumber",
        "_SnapshotType",
        "_ItemHierarchy",
        "_ProjectHierarchy",
        "_PreviousValues.ScheduleState",
        "Children",
    ]
)
WILD = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 100023, 1.5]),
    st.none(),
    st.booleans(),
    st.sampled_from(
        [
            "Defined",
            "Accepted",
            "2026-02-01",
            "2026-02-01T00:00:00.5-03:00",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+01:00",
            "0500-01-01",
            "\ud800",
            "\x00",
            "",
        ]
    ),
)
GOOD_OPS = st.sampled_from(["$gt", "$gte", "$lt", "$lte", "$ne"])
GOOD_VALUE = st.one_of(
    WILD,
    st.dictionaries(GOOD_OPS, WILD, min_size=1, max_size=2),
    st.fixed_dictionaries({"$in": st.lists(WILD, max_size=4)}),
    st.fixed_dictionaries({"$nin": st.lists(WILD, max_size=4)}),
    st.fixed_dictionaries({"$exists": st.booleans()}),
)
GOOD_FINDS = st.recursive(
    st.dictionaries(GOOD_FIELDS, GOOD_VALUE, max_size=3),
    lambda inner: st.dictionaries(
        st.sampled_from(["$and", "$or"]), st.lists(inner, min_size=1, max_size=3), min_size=1
    ),
    max_leaves=8,
)


def _move_at(keys: dict) -> dict:
    """``__At`` is drawn beside the keys; it belongs inside ``find``."""
    at = keys.pop("__At", None)
    if at is not None:
        keys["find"] = {**keys["find"], "__At": at}
    return keys


GOOD_REQUEST = st.fixed_dictionaries(
    {"find": GOOD_FINDS},
    optional={
        "__At": st.sampled_from(["current", "2026-02-01", "2026-01-15T12:00:00+01:00"]),
        "fields": st.one_of(st.just(True), st.lists(GOOD_FIELDS, min_size=1, max_size=3)),
        "hydrate": st.lists(GOOD_FIELDS, max_size=2),
        "sort": st.dictionaries(GOOD_FIELDS, st.sampled_from([1, -1]), max_size=2),
        "start": st.one_of(
            st.integers(min_value=0, max_value=50), st.sampled_from([2**63, 10**30])
        ),
        "pagesize": st.integers(min_value=1, max_value=20000),
        "compress": st.booleans(),
    },
).map(_move_at)


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)


def strict_json(text: str) -> Any:
    """Parse as a strict client would (JavaScript's JSON.parse has no NaN or Infinity)."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"the answer holds {name}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def dumps(keys: dict) -> bytes:
    # allow_nan: NaN / Infinity are what a careless client sends; the server must cope
    return json.dumps(keys, allow_nan=True).encode("utf-8", "surrogatepass")


def check_answer(wsapi: Wsapi, context: dict, keys: dict) -> None:
    """200 or 400, in the exact envelope, whatever was sent."""
    url = query_url(wsapi.server, context["workspace_oid"])
    response = wsapi.call("POST", url, raw=dumps(keys))  # asserts < 500
    assert response.status_code in (200, 400), response.status_code
    body = strict_json(response.text)
    assert set(body) - {"UnauthorizedProjects"} == ENVELOPE_KEYS, sorted(body)
    assert isinstance(body["Errors"], list) and isinstance(body["Warnings"], list)
    if response.status_code == 400:
        assert body["Errors"] and body["Results"] == [] and body["TotalResultCount"] == 0
    else:
        assert body["Errors"] == []
        assert len(body["Results"]) <= body["PageSize"]
        assert body["TotalResultCount"] >= len(body["Results"])


@FUZZ
@given(keys=REQUEST)
def test_fuzzed_requests_never_5xx(wsapi: Wsapi, context: dict, keys: dict) -> None:
    check_answer(wsapi, context, keys)


@FUZZ
@given(keys=GOOD_REQUEST)
def test_fuzzed_well_formed_requests_never_5xx(wsapi: Wsapi, context: dict, keys: dict) -> None:
    check_answer(wsapi, context, keys)


@FUZZ
@given(keys=st.one_of(REQUEST, GOOD_REQUEST))
def test_fuzzed_get_answers_like_post(wsapi: Wsapi, context: dict, keys: dict) -> None:
    url = query_url(wsapi.server, context["workspace_oid"])
    posted = wsapi.call("POST", url, raw=dumps(keys))
    params = {k: json.dumps(v, allow_nan=True) for k, v in keys.items()}
    try:
        got = wsapi.call("GET", url, params)
    except UnicodeEncodeError:
        return  # a lone surrogate cannot even be put in a URL
    assert got.status_code == posted.status_code
    a, b = got.json(), posted.json()
    for body in (a, b):
        body.pop("ETLDate")
    if got.status_code == 400 and any("as JSON" in e for e in b["Errors"]):
        # unparsable JSON: the texts name where it was (one parameter, or the whole body)
        assert a.pop("Errors") and b.pop("Errors")
    assert a == b


# -- concurrent writes -------------------------------------------------------------------


def test_concurrent_updates_keep_one_gapless_chain(
    emulator: EmulatorServer, demo_login: dict[str, str], context: dict
) -> None:
    """Threads updating one story at once: every accepted change is one snapshot, the
    numbers run 0..n without a gap, each interval starts where the one before ended, only
    the last is current, and each ``_PreviousValues`` is the value the snapshot before had."""
    from concurrent.futures import ThreadPoolExecutor

    setup = Wsapi(emulator, apikey=demo_login["apikey"])
    made = setup.create(
        "HierarchicalRequirement",
        {"Name": "Contended", "PlanEstimate": 0},
        {"workspace": context["workspace"]},
    )
    oid = made["ObjectID"]

    def writer(worker: int) -> int:
        client = Wsapi(emulator, apikey=demo_login["apikey"])
        accepted = 0
        try:
            for step in range(6):
                estimate = worker * 100 + step + 1  # every write changes the value
                done = client.post(
                    f"hierarchicalrequirement/{oid}",
                    {"HierarchicalRequirement": {"PlanEstimate": estimate}},
                )
                accepted += not done["OperationResult"]["Errors"]
        finally:
            client.close()
        return accepted

    with ThreadPoolExecutor(max_workers=6) as pool:
        accepted = sum(pool.map(writer, range(6)))
    assert accepted > 0
    body = ok(
        lookback(
            setup,
            context["workspace_oid"],
            {"find": {"ObjectID": oid}, "sort": {"_SnapshotNumber": 1}},
        )
    )
    snaps = body["Results"]
    live = setup.get(f"hierarchicalrequirement/{oid}")["HierarchicalRequirement"]
    setup.close()
    assert [s["_SnapshotNumber"] for s in snaps] == list(range(accepted + 1))
    assert [s["_SnapshotType"] for s in snaps] == ["Create"] + ["Update"] * accepted
    for before, after in zip(snaps, snaps[1:], strict=False):
        assert before["_ValidTo"] == after["_ValidFrom"]
        assert before["_ValidFrom"] < after["_ValidFrom"]
        assert after["_PreviousValues"] == {"PlanEstimate": before["PlanEstimate"]}
    assert [s["_ValidTo"] == END for s in snaps] == [False] * accepted + [True]
    assert snaps[-1]["PlanEstimate"] == live["PlanEstimate"]
    ids = [s["_id"] for s in snaps]
    assert len(set(ids)) == len(ids)


def test_hydrate_never_names_what_the_user_cannot_see(
    emulator: EmulatorServer, wsapi: Wsapi, context: dict
) -> None:
    """Hydrating an integer field must not turn another workspace's ObjectID into its name."""
    secret = wsapi.create(
        "HierarchicalRequirement", {"Name": "Demo-only secret"}, {"workspace": context["workspace"]}
    )
    dave = Wsapi(emulator, apikey="_daveapikey".ljust(42, "0"))
    try:
        spaces = dave.get("workspace", {"fetch": "ObjectID"})["QueryResult"]["Results"]
        sandbox = spaces[0]["ObjectID"]
        assert sandbox != context["workspace_oid"]
        params = {"workspace": f"workspace/{sandbox}"}
        story = dave.create("HierarchicalRequirement", {"Name": "Dave's story"}, params)
        task = dave.create(
            "Task",
            {"Name": "Probe", "WorkProduct": story["_ref"], "TaskIndex": secret["ObjectID"]},
            params,
        )
        body = ok(
            lookback(
                dave,
                sandbox,
                {
                    "find": {"ObjectID": task["ObjectID"]},
                    "fields": ["TaskIndex", "WorkProduct"],
                    "hydrate": ["TaskIndex", "WorkProduct"],
                },
            )
        )
        assert body["Results"] == [{"TaskIndex": secret["ObjectID"], "WorkProduct": "Dave's story"}]
    finally:
        dave.close()


def test_rollups_are_history_too(wsapi: Wsapi, context: dict) -> None:
    """A roll-up the server recomputes (a story's task totals) is part of the story's
    history: the creation snapshot carries it, and a task added later gives the story a new
    snapshot whose ``_PreviousValues`` hold the old totals, not a stale surprise in its next
    own change."""
    ws, params = context["workspace_oid"], {"workspace": context["workspace"]}
    story = wsapi.create("HierarchicalRequirement", {"Name": "Rolled up"}, params)
    first = ok(lookback(wsapi, ws, {"find": {"ObjectID": story["ObjectID"]}}))["Results"]
    assert len(first) == 1 and first[0]["TaskEstimateTotal"] == 0
    time.sleep(0.01)
    wsapi.create("Task", {"Name": "Work", "WorkProduct": story["_ref"], "Estimate": 5}, params)
    time.sleep(0.01)
    wsapi.post(
        f"hierarchicalrequirement/{story['ObjectID']}",
        {"HierarchicalRequirement": {"Notes": "edited"}},
    )
    snaps = ok(lookback(wsapi, ws, {"find": {"ObjectID": story["ObjectID"]}}))["Results"]
    assert [s["_SnapshotNumber"] for s in snaps] == [0, 1, 2]
    assert snaps[1]["TaskEstimateTotal"] == 5
    assert snaps[1]["_PreviousValues"]["TaskEstimateTotal"] == 0
    assert snaps[2]["_PreviousValues"] == {"Notes": None}
