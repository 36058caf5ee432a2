"""Recycle bin end to end: delete -> RecycleBinEntry, reading it, pyral's guards, purging."""

from __future__ import annotations

import re

import pytest
import requests

from pyral import RallyRESTAPIError
from pyral.emulator.demo import DEMO_USER

ENTRY_FIELDS = "ObjectID,ID,Name,Type,DeletedBy,DeletionDate"


def _entries(rally, name: str) -> list:
    return list(
        rally.get("RecycleBinEntry", fetch=ENTRY_FIELDS, query=f'Name = "{name}"', limit=100)
    )


def _raw_read(rally, path: str) -> dict:
    """Read by OID without pyral in the way, to see Rally's own answer."""
    url = f"{rally.service_url}/{path}"
    return rally.session.get(url, timeout=10).json()


def test_deleted_defect_becomes_a_recycle_bin_entry(wrally):
    defect = wrally.create("Defect", {"Name": "bin me"})
    assert wrally.delete("Defect", defect.oid) is True
    entries = _entries(wrally, "bin me")
    assert len(entries) == 1
    entry = entries[0]
    assert entry._type == "RecycleBinEntry"
    assert defect.FormattedID == entry.ID and entry.Name == "bin me"
    assert entry.Type.ElementName == "Defect"
    assert entry.DeletedBy.UserName == DEMO_USER
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", entry.DeletionDate)
    by_id = list(
        wrally.get(
            "RecycleBinEntry", fetch="ObjectID,ID,Name", query=f'ID = "{defect.FormattedID}"'
        )
    )
    assert [e.oid for e in by_id] == [entry.oid]


def test_deleted_artifact_is_not_found(wrally):
    defect = wrally.create("Defect", {"Name": "gone soon"})
    wrally.delete("Defect", defect.FormattedID)
    assert wrally.get("Defect", fetch="Name", query=f"ObjectID = {defect.oid}").resultCount == 0
    body = _raw_read(wrally, f"defect/{defect.oid}")
    assert body["OperationResult"]["Errors"] == ["Cannot find object to read"]
    with pytest.raises(RallyRESTAPIError, match="Unable to update the Defect"):
        wrally.update("Defect", {"ObjectID": defect.oid, "Name": "zombie"})
    with pytest.raises(RallyRESTAPIError, match="could not be located"):
        wrally.delete("Defect", defect.FormattedID)


def test_tasks_of_a_deleted_story_go_with_it(wrally):
    story = wrally.create("Story", {"Name": "story with task"})
    task = wrally.create("Task", {"Name": "child task", "WorkProduct": story.ref})
    wrally.delete("Story", story.oid)
    assert wrally.get("Task", fetch="Name", query=f"ObjectID = {task.oid}").resultCount == 0


def test_create_and_update_of_recycle_bin_entries_are_refused(wrally, fresh_wire):
    with pytest.raises(RallyRESTAPIError) as info:
        wrally.create("RecycleBinEntry", {"Name": "x"})
    assert str(info.value) == "create operation unsupported for RecycleBinEntry"
    with pytest.raises(RallyRESTAPIError) as info:
        wrally.update("RecycleBinEntry", {"ObjectID": 1, "Name": "x"})
    assert str(info.value) == "update operation unsupported for RecycleBinEntry"
    assert not any(" /slm/webservice/v2.0/recyclebinentry" in line for line in fresh_wire.lines())


def test_deleting_an_entry_purges_it(wrally):
    defect = wrally.create("Defect", {"Name": "purge me"})
    wrally.delete("Defect", defect.oid)
    entry = _entries(wrally, "purge me")[0]
    assert wrally.delete("RecycleBinEntry", entry.oid) is True
    assert _entries(wrally, "purge me") == []
    body = _raw_read(wrally, f"defect/{defect.oid}")
    assert body["OperationResult"]["Errors"] == ["Cannot find object to read"]
    # purging twice: Rally's error, reported as False by pyral's delete
    assert wrally.delete("RecycleBinEntry", entry.oid) is False


def test_entries_are_workspace_scoped(wrally):
    defect = wrally.create("Defect", {"Name": "only here"})
    wrally.delete("Defect", defect.oid)
    sandbox = list(
        wrally.get(
            "RecycleBinEntry",
            fetch="ID,Name",
            query='Name = "only here"',
            workspace="Sandbox Workspace",
        )
    )
    assert sandbox == []
    assert len(_entries(wrally, "only here")) == 1


def test_recycle_bin_is_not_visible_without_workspace_access(fresh_server, wrally):
    defect = wrally.create("Defect", {"Name": "private"})
    wrally.delete("Defect", defect.oid)
    entry = _entries(wrally, "private")[0]
    dave = {"ZSESSIONID": "_daveapikey".ljust(42, "0")}
    url = f"{wrally.service_url}/recyclebinentry/{entry.oid}"
    body = requests.get(url, headers=dave, timeout=10).json()
    assert body["OperationResult"]["Errors"] == ["Cannot find object to read"]
