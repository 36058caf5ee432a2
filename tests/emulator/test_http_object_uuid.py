"""ObjectUUIDs in the URL: Rally takes one wherever an ObjectID goes (read, update, delete,
collections), dashed or as 32 compact hex digits.  Over HTTP against the demo emulator."""

from __future__ import annotations

import pytest


def _defect(wsapi, name: str) -> dict:
    created = wsapi.create("Defect", {"Name": name})
    return wsapi.get(created["_ref"], {"fetch": "ObjectID,ObjectUUID,FormattedID,Name"})["Defect"]


def _compact(uuid: str) -> str:
    return uuid.replace("-", "").upper()


@pytest.mark.parametrize("spelling", ["dashed", "compact"])
def test_read_by_object_uuid(wsapi, spelling):
    defect = _defect(wsapi, f"uuid read {spelling}")
    uuid = defect["ObjectUUID"]
    ident = uuid if spelling == "dashed" else _compact(uuid)
    body = wsapi.get(f"defect/{ident}", {"fetch": "FormattedID,Name"})
    assert "OperationResult" not in body, body
    assert body["Defect"]["FormattedID"] == defect["FormattedID"]
    assert body["Defect"]["_ref"].endswith(f"/defect/{defect['ObjectID']}")
    assert body["Defect"]["_refObjectUUID"] == uuid


def test_read_by_uuid_checks_the_type_of_the_url(wsapi):
    defect = _defect(wsapi, "uuid wrong type")
    body = wsapi.get(f"hierarchicalrequirement/{defect['ObjectUUID']}")
    assert body["OperationResult"]["Errors"] == ["Cannot find object to read"]


def test_unknown_uuid_reads_like_an_unknown_object_id(wsapi):
    body = wsapi.get("defect/0f0f0f0f-0000-4000-8000-000000000000")
    assert body["OperationResult"]["Errors"] == ["Cannot find object to read"]
    body = wsapi.get("defect/not-a-uuid")
    assert body["OperationResult"]["Errors"] == ['Cannot parse object ID from "not-a-uuid"']


def test_update_by_uuid(wsapi):
    defect = _defect(wsapi, "uuid update")
    result = wsapi.post(
        f"defect/{_compact(defect['ObjectUUID'])}", {"Defect": {"Name": "uuid updated"}}
    )["OperationResult"]
    assert result["Errors"] == [], result
    assert result["Object"]["ObjectID"] == defect["ObjectID"]
    again = wsapi.get(f"defect/{defect['ObjectID']}", {"fetch": "Name"})["Defect"]
    assert again["Name"] == "uuid updated"


def test_collection_add_and_read_by_uuid(wsapi):
    defect = _defect(wsapi, "uuid collections")
    tag = wsapi.create("Tag", {"Name": "uuid-tag-for-collection"})
    path = f"defect/{defect['ObjectUUID']}/Tags"
    added = wsapi.post(f"{path}/add", {"CollectionItems": [{"_ref": tag["_ref"]}]})
    assert added["OperationResult"]["Errors"] == [], added
    listed = wsapi.get(path, {"fetch": "Name"})["QueryResult"]
    assert [t["Name"] for t in listed["Results"]] == ["uuid-tag-for-collection"]


def test_delete_by_uuid(wsapi):
    defect = _defect(wsapi, "uuid delete")
    result = wsapi.delete(f"defect/{defect['ObjectUUID']}")["OperationResult"]
    assert result["Errors"] == [], result
    gone = wsapi.get(f"defect/{defect['ObjectID']}")
    assert gone["OperationResult"]["Errors"] == ["Cannot find object to read"]
    # the same UUID now names an object in the recycle bin: nothing left to delete
    again = wsapi.delete(f"defect/{defect['ObjectUUID']}")["OperationResult"]
    assert again["Errors"] != []
