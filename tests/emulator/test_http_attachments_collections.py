"""Attachments and collection endpoints over HTTP, written the way any WSAPI client sends them.

Covers spec g (two-object attachments, base64, 50 MB cap, empty content query) and spec a
(``/<Collection>/add`` and ``/remove`` with either body form, collection reads with paging,
query and order), including the refusals: unknown collection, read-only collection, wrong
element type, unknown item.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from pyral.emulator import errors

ALL_BYTES = bytes(range(256))


def _oid(ref: str) -> int:
    return int(ref.rstrip("/").rsplit("/", 1)[1])


def _first(wsapi: Any, type_name: str, query: str, fetch: str = "true") -> dict:
    page = wsapi.get(type_name, {"query": query, "fetch": fetch})["QueryResult"]
    assert page["TotalResultCount"] == 1, page
    return page["Results"][0]


@pytest.fixture
def defect(wsapi: Any) -> dict:
    return wsapi.create("Defect", {"Name": "attachment and collection target"})


def _content(wsapi: Any, data: bytes) -> dict:
    return wsapi.create("AttachmentContent", {"Content": base64.b64encode(data).decode()})


def _attach(wsapi: Any, owner_key: str, owner_ref: str, data: bytes, **extra: Any) -> dict:
    content = _content(wsapi, data)
    body = {
        "Name": "blob.bin",
        "Content": content["_ref"],
        "ContentType": "application/octet-stream",
        owner_key: owner_ref,
        **extra,
    }
    return wsapi.create("Attachment", body)


# -- attachments -------------------------------------------------------------------------------


def test_binary_content_round_trip_and_computed_size(wsapi, defect):
    attachment = _attach(wsapi, "Artifact", defect["_ref"], ALL_BYTES, Size=3)  # Size lies
    assert attachment["Size"] == 256 and attachment["ContentType"] == "application/octet-stream"
    assert _oid(attachment["Artifact"]["_ref"]) == defect["ObjectID"]
    content_ref = attachment["Content"]["_ref"]
    read = wsapi.get(f"AttachmentContent/{_oid(content_ref)}")["AttachmentContent"]
    assert read["Errors"] == [] and base64.b64decode(read["Content"]) == ALL_BYTES
    listed = wsapi.get(f"Defect/{defect['ObjectID']}/Attachments")["QueryResult"]
    assert [a["Name"] for a in listed["Results"]] == ["blob.bin"]
    summary = wsapi.get(f"defect/{defect['ObjectID']}", {"fetch": "Attachments"})["Defect"]
    assert summary["Attachments"]["Count"] == 1


def test_attachment_on_a_test_case_result(wsapi):
    tcr = wsapi.get("TestCaseResult", {"fetch": "ObjectID", "pagesize": 1})["QueryResult"]
    tcr_ref = tcr["Results"][0]["_ref"]
    attachment = _attach(wsapi, "TestCaseResult", tcr_ref, b"log line\n")
    assert _oid(attachment["TestCaseResult"]["_ref"]) == _oid(tcr_ref)
    assert attachment["Artifact"] is None
    names = wsapi.get(f"TestCaseResult/{_oid(tcr_ref)}/Attachments", {"fetch": "Name"})
    assert "blob.bin" in [a["Name"] for a in names["QueryResult"]["Results"]]


def test_content_must_be_base64_and_present(wsapi):
    bad = wsapi.put("attachmentcontent/create", {"AttachmentContent": {"Content": "not base64!"}})
    assert bad["CreateResult"]["Errors"] == [errors.ATTACHMENT_NOT_BASE64]
    empty = wsapi.put("attachmentcontent/create", {"AttachmentContent": {"Content": ""}})
    assert "should not be null" in empty["CreateResult"]["Errors"][0]


def test_content_over_50_mb_is_refused(wsapi):
    text = base64.b64encode(b"\0" * (errors.MAX_ATTACHMENT_BYTES + 1)).decode()
    result = wsapi.put("attachmentcontent/create", {"AttachmentContent": {"Content": text}})
    assert result["CreateResult"]["Errors"] == [
        errors.attachment_too_large(errors.MAX_ATTACHMENT_BYTES + 1)
    ]


def test_attachmentcontent_query_is_empty(wsapi, defect):
    _attach(wsapi, "Artifact", defect["_ref"], b"x")
    page = wsapi.get("attachmentcontent", {"pagesize": 10})["QueryResult"]
    assert page["Errors"] == [] and page["TotalResultCount"] == 0 and page["Results"] == []


@pytest.mark.parametrize(
    "owner, expected",
    [
        ("defect/999999999", 'referenced object "defect/999999999" does not exist'),
        ("project", "is a Project"),
        (None, errors.ATTACHMENT_NOT_LINKED),
    ],
)
def test_attachment_needs_a_real_artifact(wsapi, context, owner, expected):
    content = _content(wsapi, b"x")
    body = {"Name": "a.txt", "Content": content["_ref"], "ContentType": "text/plain"}
    if owner == "project":
        body["Artifact"] = context["project"]
    elif owner:
        body["Artifact"] = owner
    errors = wsapi.put("attachment/create", {"Attachment": body})["CreateResult"]["Errors"]
    assert any(expected in e for e in errors), errors


def test_attachment_required_fields(wsapi, defect):
    errors = wsapi.put("attachment/create", {"Attachment": {"Artifact": defect["_ref"]}})
    text = " ".join(errors["CreateResult"]["Errors"])
    for field in ("Content", "ContentType", "Name"):
        assert f"Attachment.{field} should not be null" in text


def test_delete_content_then_attachment_then_rewrite(wsapi, defect):
    attachment = _attach(wsapi, "Artifact", defect["_ref"], b"bye")
    content_oid = _oid(attachment["Content"]["_ref"])
    assert wsapi.delete(f"attachmentcontent/{content_oid}")["OperationResult"]["Errors"] == []
    assert wsapi.delete(f"attachment/{attachment['ObjectID']}")["OperationResult"]["Errors"] == []
    rewrite = wsapi.post(
        f"defect/{defect['ObjectID']}",
        {"Defect": {"ObjectID": defect["ObjectID"], "Attachments": []}},
    )["OperationResult"]
    assert rewrite["Errors"] == [] and rewrite["Object"]["Attachments"]["Count"] == 0
    gone = wsapi.get(f"AttachmentContent/{content_oid}")["OperationResult"]["Errors"]
    assert gone and "Cannot find object" in gone[0]


# -- collections: add / remove -----------------------------------------------------------------


def _tags(wsapi: Any, *names: str) -> list[dict]:
    return [_first(wsapi, "Tag", f'(Name = "{n}")', "ObjectID,Name") for n in names]


def _tag_names(wsapi: Any, owner: str) -> list[str]:
    page = wsapi.get(f"{owner}/Tags", {"fetch": "Name", "order": "Name"})["QueryResult"]
    return [t["Name"] for t in page["Results"]]


@pytest.mark.parametrize("add_key", ["Tags", "CollectionItems"])
@pytest.mark.parametrize("remove_key", ["CollectionItems", "Tags"])
def test_add_and_remove_accept_both_body_forms(wsapi, defect, add_key, remove_key):
    urgent, ux = _tags(wsapi, "urgent", "ux")
    owner = f"Defect/{defect['ObjectID']}"
    refs = [{"_ref": f"Tag/{urgent['ObjectID']}"}, {"_ref": ux["_ref"]}]
    added = wsapi.post(f"{owner}/Tags/add", {add_key: refs}, {"fetch": "Name"})["OperationResult"]
    assert added["Errors"] == [] and sorted(r["Name"] for r in added["Results"]) == ["urgent", "ux"]
    assert _tag_names(wsapi, owner) == ["urgent", "ux"]
    removed = wsapi.post(f"{owner}/Tags/remove", {remove_key: refs[:1]})["OperationResult"]
    assert removed["Errors"] == []
    assert _tag_names(wsapi, owner) == ["ux"]


def test_add_is_idempotent_and_removing_a_non_member_changes_nothing(wsapi, defect):
    (urgent,) = _tags(wsapi, "urgent")
    owner = f"Defect/{defect['ObjectID']}"
    ref = {"_ref": urgent["_ref"]}
    for _ in range(2):
        result = wsapi.post(f"{owner}/Tags/add", {"Tags": [ref, ref]}, {"fetch": "Name"})
        assert result["OperationResult"]["Errors"] == []
    assert _tag_names(wsapi, owner) == ["urgent"]
    (ux,) = _tags(wsapi, "ux")
    result = wsapi.post(f"{owner}/Tags/remove", {"CollectionItems": [{"_ref": ux["_ref"]}]})
    assert result["OperationResult"]["Errors"] == []
    assert _tag_names(wsapi, owner) == ["urgent"]


@pytest.mark.parametrize(
    "collection, items, expected",
    [
        ("Bogus", "tag", 'Could not find a collection attribute "Bogus"'),
        ("Owner", "tag", 'Could not find a collection attribute "Owner"'),
        ("Tasks", "task", "read only"),
        ("Tags", "defect", "but the attribute holds a Tag"),
        ("Tags", "missing", 'referenced object "tag/999999999" does not exist'),
    ],
)
def test_add_refusals(wsapi, defect, collection, items, expected):
    if items == "tag":
        ref = _tags(wsapi, "urgent")[0]["_ref"]
    elif items == "task":
        ref = wsapi.create("Task", {"Name": "t", "WorkProduct": defect["_ref"]})["_ref"]
    elif items == "defect":
        ref = defect["_ref"]
    else:
        ref = "tag/999999999"
    owner = f"Defect/{defect['ObjectID']}"
    result = wsapi.post(f"{owner}/{collection}/add", {collection: [{"_ref": ref}]})
    errors = result["OperationResult"]["Errors"]
    assert errors and expected in errors[0], errors
    assert _tag_names(wsapi, owner) == []  # nothing half-applied


def test_malformed_bodies_and_unknown_owner(wsapi, defect):
    owner = f"Defect/{defect['ObjectID']}"
    for body in ({"Tags": "urgent"}, {"Milestones": []}, [], {"Tags": [42]}):
        errors = wsapi.post(f"{owner}/Tags/add", body)["OperationResult"]["Errors"]
        assert errors, body
    missing = wsapi.post("Defect/999999999/Tags/add", {"Tags": []})["OperationResult"]
    assert missing["Errors"] == ["Cannot find object to read"]


def test_milestones_both_directions(wsapi, defect):
    milestone = wsapi.create("Milestone", {"Name": "collections milestone"})
    ms_oid = milestone["ObjectID"]
    wsapi.post(
        f"Defect/{defect['ObjectID']}/Milestones/add", {"Milestones": [{"_ref": milestone["_ref"]}]}
    )
    artifacts = wsapi.get(f"Milestone/{ms_oid}/Artifacts", {"fetch": "Name"})["QueryResult"]
    assert [a["Name"] for a in artifacts["Results"]] == [defect["Name"]]
    other = wsapi.create("HierarchicalRequirement", {"Name": "story for the milestone"})
    result = wsapi.post(
        f"Milestone/{ms_oid}/Artifacts/add",
        {"CollectionItems": [{"_ref": other["_ref"]}]},
        {"fetch": "Name"},
    )["OperationResult"]
    assert result["Errors"] == [] and [r["Name"] for r in result["Results"]] == [other["Name"]]
    on_story = wsapi.get(f"HierarchicalRequirement/{other['ObjectID']}/Milestones")
    assert [m["ObjectID"] for m in on_story["QueryResult"]["Results"]] == [ms_oid]


def test_predecessors_show_up_as_successors(wsapi):
    first = wsapi.create("HierarchicalRequirement", {"Name": "first"})
    second = wsapi.create("HierarchicalRequirement", {"Name": "second"})
    result = wsapi.post(
        f"HierarchicalRequirement/{second['ObjectID']}/Predecessors/add",
        {"Predecessors": [{"_ref": first["_ref"]}]},
    )
    assert result["OperationResult"]["Errors"] == []
    successors = wsapi.get(f"HierarchicalRequirement/{first['ObjectID']}/Successors")
    assert [s["ObjectID"] for s in successors["QueryResult"]["Results"]] == [second["ObjectID"]]


def test_test_cases_of_a_test_set(wsapi):
    test_set = wsapi.create("TestSet", {"Name": "collection test set"})
    cases = [wsapi.create("TestCase", {"Name": f"case {i}"}) for i in range(3)]
    owner = f"TestSet/{test_set['ObjectID']}"
    wsapi.post(f"{owner}/TestCases/add", {"TestCases": [{"_ref": c["_ref"]} for c in cases]})
    wsapi.post(f"{owner}/TestCases/remove", {"CollectionItems": [{"_ref": cases[1]["_ref"]}]})
    page = wsapi.get(f"{owner}/TestCases", {"fetch": "Name", "order": "Name"})["QueryResult"]
    assert [c["Name"] for c in page["Results"]] == ["case 0", "case 2"]


# -- collections: reads ------------------------------------------------------------------------


def test_read_only_collections_read_with_paging_query_and_order(wsapi):
    story = wsapi.create("HierarchicalRequirement", {"Name": "parent story"})
    owner = f"HierarchicalRequirement/{story['ObjectID']}"
    for name in ("b-task", "a-task", "c-task"):
        wsapi.create("Task", {"Name": name, "WorkProduct": story["_ref"]})
    child = wsapi.create("HierarchicalRequirement", {"Name": "child", "Parent": story["_ref"]})
    wsapi.create("Defect", {"Name": "story defect", "Requirement": story["_ref"]})

    first = wsapi.get(f"{owner}/Tasks", {"fetch": "Name", "order": "Name", "pagesize": 2})
    page1 = first["QueryResult"]
    assert page1["TotalResultCount"] == 3 and page1["PageSize"] == 2
    assert [t["Name"] for t in page1["Results"]] == ["a-task", "b-task"]
    page2 = wsapi.get(
        f"{owner}/Tasks", {"fetch": "Name", "order": "Name", "pagesize": 2, "start": 3}
    )["QueryResult"]
    assert page2["StartIndex"] == 3 and [t["Name"] for t in page2["Results"]] == ["c-task"]
    desc = wsapi.get(f"{owner}/Tasks", {"fetch": "Name", "order": "Name desc"})["QueryResult"]
    assert [t["Name"] for t in desc["Results"]] == ["c-task", "b-task", "a-task"]
    filtered = wsapi.get(f"{owner}/Tasks", {"fetch": "Name", "query": '(Name contains "b-")'})
    assert [t["Name"] for t in filtered["QueryResult"]["Results"]] == ["b-task"]

    children = wsapi.get(f"{owner}/Children")["QueryResult"]["Results"]
    assert [c["ObjectID"] for c in children] == [child["ObjectID"]]
    assert "ScheduleState" in children[0]  # no fetch -> full objects
    defects = wsapi.get(f"{owner}/Defects", {"fetch": "Name"})["QueryResult"]["Results"]
    assert [d["Name"] for d in defects] == ["story defect"]
    for collection in ("Children", "Tasks", "Defects"):
        result = wsapi.post(f"{owner}/{collection}/add", {collection: []})["OperationResult"]
        assert result["Errors"] and "read only" in result["Errors"][0]


def test_unknown_collection_read(wsapi, defect):
    result = wsapi.get(f"Defect/{defect['ObjectID']}/Nonsense")
    errors = next(iter(result.values()))["Errors"]
    assert errors and "Nonsense" in errors[0]
