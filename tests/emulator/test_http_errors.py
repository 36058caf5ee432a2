"""Bad input: always a Rally-shaped error, never a 5xx or a traceback, and nothing stored."""

from __future__ import annotations

import pytest

MARK = "errors-probe"


@pytest.fixture
def defect_count(wsapi):
    def count() -> int:
        return wsapi.count("Defect", f'(Name contains "{MARK}")')

    return count


def _errors(body: dict) -> list[str]:
    root = next(iter(body.values()))
    assert isinstance(root["Errors"], list) and isinstance(root["Warnings"], list)
    return root["Errors"]


BAD_CREATES = [
    ("not json", b"{not json", "CreateResult"),
    ("empty body", b"", "CreateResult"),
    ("array body", b'[{"Defect": {}}]', "CreateResult"),
    ("scalar body", b'"Defect"', "CreateResult"),
    ("inner not object", b'{"Defect": ["Name"]}', "CreateResult"),
    ("two keys", b'{"Defect": {"Name": "errors-probe"}, "Task": {}}', "CreateResult"),
    ("wrong wrapper key", b'{"Task": {"Name": "errors-probe"}}', "CreateResult"),
    ("unknown wrapper key", b'{"Bogus": {"Name": "errors-probe"}}', "CreateResult"),
    ("bad ref", b'{"Defect": {"Name": "errors-probe", "Owner": "InfinityDrain"}}', "CreateResult"),
    (
        "unknown ref",
        b'{"Defect": {"Name": "errors-probe", "Owner": "user/987654321"}}',
        "CreateResult",
    ),
    ("bad rating", b'{"Defect": {"Name": "errors-probe", "Severity": "Whatever"}}', "CreateResult"),
    (
        "bad date",
        b'{"Defect": {"Name": "errors-probe", "TargetDate": "yesterday-ish"}}',
        "CreateResult",
    ),
    ("not utf8", b'{"Defect": {"Name": "\xff\xfe"}}', "CreateResult"),
]


@pytest.mark.parametrize(("label", "raw", "root"), BAD_CREATES, ids=[c[0] for c in BAD_CREATES])
def test_bad_create_bodies(wsapi, context, defect_count, label, raw, root):
    before = defect_count()
    response = wsapi.call("PUT", "defect/create", {"workspace": context["workspace"]}, raw=raw)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [root] and _errors(body), label
    assert "Object" not in body[root]
    assert "Traceback" not in response.text
    assert defect_count() == before


def test_bad_update_bodies_store_nothing(wsapi, context):
    obj = wsapi.create("Defect", {"Name": f"{MARK} upd"}, {"workspace": context["workspace"]})
    path = f"defect/{obj['ObjectID']}"
    for raw in (
        b"{oops",
        b"",
        b"[]",
        b'{"Task": {"Name": "x"}}',
        b'{"Defect": {"Owner": "nope"}}',
        b'{"Defect": {"Severity": "Bad"}}',
    ):
        response = wsapi.call("POST", path, raw=raw)
        assert response.status_code == 200 and _errors(response.json()), raw
    after = wsapi.get(path)["Defect"]
    assert after["Name"] == f"{MARK} upd" and after["_objectVersion"] == "1"


@pytest.mark.parametrize(
    ("path", "params", "root"),
    [
        ("Bogus", {}, "QueryResult"),
        ("frobnicator", {}, "QueryResult"),
        ("Defect", {"query": "(Name zobolts 9)"}, "QueryResult"),
        ("Defect", {"query": "((A = 1) AND (B = 2) AND (C = 3))"}, "QueryResult"),
        ("Defect", {"query": "Name = x"}, "QueryResult"),
        ("Defect", {"query": "(Nonexistent = 3)"}, "QueryResult"),
        ("Defect", {"order": "Bogus desc"}, "QueryResult"),
        ("Defect", {"pagesize": "0"}, "QueryResult"),
        ("Defect", {"pagesize": "-5"}, "QueryResult"),
        ("Defect", {"pagesize": "lots"}, "QueryResult"),
        ("Defect", {"start": "first"}, "QueryResult"),
        ("Defect", {"workspace": "workspace/999999999"}, "QueryResult"),
        ("Defect", {"project": "project/999999999"}, "QueryResult"),
        ("Defect", {"workspace": "not a ref"}, "QueryResult"),
        ("defect/999999999", {}, "OperationResult"),
        ("defect/abc", {}, "OperationResult"),
        ("defect/12ab", {}, "OperationResult"),
        ("Bogus/123", {}, "OperationResult"),
        ("defect/999999999/Tags", {}, "QueryResult"),
        ("subscription/999999999/Workspaces", {}, "QueryResult"),
        ("AttributeDefinition/-1/AllowedValues", {}, "QueryResult"),
    ],
)
def test_bad_reads(wsapi, path, params, root):
    response = wsapi.call("GET", path, params)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [root] and _errors(body), (path, params)
    if root == "QueryResult":
        assert body[root]["TotalResultCount"] == 0 and body[root]["Results"] == []


def test_unknown_collection_attribute(wsapi, context):
    obj = wsapi.create("Defect", {"Name": f"{MARK} coll"}, {"workspace": context["workspace"]})
    for attr in ("Bogus", "Name"):
        body = wsapi.get(f"defect/{obj['ObjectID']}/{attr}")
        assert _errors(body)
    bad_add = [
        b"{}",
        b'{"Wrong": []}',
        b'{"CollectionItems": "tag/1"}',
        b'{"CollectionItems": [42]}',
        b"nope",
    ]
    for raw in bad_add:
        response = wsapi.call("POST", f"defect/{obj['ObjectID']}/Tags/add", raw=raw)
        assert response.status_code == 200 and _errors(response.json())
    unknown = wsapi.post(
        f"defect/{obj['ObjectID']}/Tags/add", {"CollectionItems": [{"_ref": "tag/987654321"}]}
    )
    assert _errors(unknown)
    assert wsapi.get(f"defect/{obj['ObjectID']}/Tags")["QueryResult"]["TotalResultCount"] == 0


def test_unimplemented_and_unknown_endpoints_are_explicit(wsapi, emulator):
    copy = wsapi.call("POST", "defect/1/copy", body={})
    assert copy.status_code == 200 and _errors(copy.json())
    deep = wsapi.call("GET", "a/b/c/d/e/f")
    assert deep.status_code == 404 and _errors(deep.json())
    wrong_method = wsapi.call("DELETE", "Defect")
    assert wrong_method.status_code == 405 and _errors(wrong_method.json())
    outside = wsapi.call("GET", emulator.url + "/nothing/here")
    assert outside.status_code == 404 and _errors(outside.json())
    old_version = wsapi.call("GET", emulator.url + "/slm/webservice/1.43/defect")
    assert old_version.status_code == 404


def test_bad_batches(wsapi, context, defect_count):
    before = defect_count()
    for raw in (b"nope", b"[]", b'{"Batch": {}}', b'{"Other": []}'):
        response = wsapi.call("POST", "batch", {"workspace": context["workspace"]}, raw=raw)
        assert response.status_code == 200 and _errors(response.json()), raw
    entries = [
        "not an entry",
        {"Entry": {"Method": "PUT", "Body": {}}},
        {"Entry": {"Path": "/defect/create", "Method": "PATCH", "Body": {}}},
        {"Entry": {"Path": "/defect/create", "Method": "PUT", "Body": {"Task": {"Name": MARK}}}},
        {"Entry": {"Path": "/bogus/create", "Method": "PUT", "Body": {"bogus": {}}}},
        {"Entry": {"Path": "/batch", "Method": "POST", "Body": {"Batch": []}}},
    ]
    result = wsapi.post("batch", {"Batch": entries}, {"workspace": context["workspace"]})[
        "BatchResult"
    ]
    assert len(result["Results"]) == len(entries)
    assert all(r["Errors"] and "Object" not in r for r in result["Results"])
    assert defect_count() == before


def test_delete_errors(wsapi):
    for path in ("defect/999999999", "defect/notanumber"):
        body = wsapi.delete(path)
        assert _errors(body)
