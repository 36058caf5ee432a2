"""Custom fields named without their ``c_`` prefix in query, fetch, order and write bodies,
as Rally resolves them (issue 8, item 3).  The demo workspace has Defect.c_RootCause."""

from __future__ import annotations

from conftest import Wsapi


def test_write_body_with_bare_name_sets_custom_field(wsapi: Wsapi) -> None:
    made = wsapi.put("defect/create", {"Defect": {"Name": "bare", "RootCause": "Code"}})
    result = made["CreateResult"]
    assert result["Errors"] == [] and result["Warnings"] == []
    assert result["Object"]["c_RootCause"] == "Code"
    oid = result["Object"]["ObjectID"]
    updated = wsapi.post(f"defect/{oid}", {"Defect": {"rootcause": "Requirements"}})
    assert updated["OperationResult"]["Errors"] == []
    assert updated["OperationResult"]["Object"]["c_RootCause"] == "Requirements"


def test_query_fetch_and_order_with_bare_name(wsapi: Wsapi) -> None:
    bare = wsapi.get(
        "defect",
        {
            "query": '(RootCause = "Code")',
            "fetch": "FormattedID,RootCause",
            "order": "RootCause,ObjectID",
        },
    )["QueryResult"]
    prefixed = wsapi.get(
        "defect",
        {
            "query": '(c_RootCause = "Code")',
            "fetch": "FormattedID,c_RootCause",
            "order": "c_RootCause,ObjectID",
        },
    )["QueryResult"]
    assert bare["Errors"] == [] and prefixed["Errors"] == []
    assert bare["TotalResultCount"] == prefixed["TotalResultCount"] > 0
    assert [r["FormattedID"] for r in bare["Results"]] == [
        r["FormattedID"] for r in prefixed["Results"]
    ]
    assert all(r["c_RootCause"] == "Code" for r in bare["Results"])


def test_order_by_bare_name_sorts_like_prefixed(wsapi: Wsapi) -> None:
    def ids(order: str) -> list[str]:
        got = wsapi.get("defect", {"fetch": "FormattedID", "order": order, "pagesize": 200})
        assert got["QueryResult"]["Errors"] == []
        return [r["FormattedID"] for r in got["QueryResult"]["Results"]]

    assert ids("RootCause desc,ObjectID") == ids("c_RootCause desc,ObjectID")


def test_unknown_bare_name_is_still_an_error(wsapi: Wsapi) -> None:
    got = wsapi.get("defect", {"query": '(NoSuchField = "x")'})["QueryResult"]
    assert got["Errors"]
    made = wsapi.put("defect/create", {"Defect": {"Name": "w", "NoSuchField": "x"}})
    assert any("NoSuchField" in w for w in made["CreateResult"]["Warnings"])
