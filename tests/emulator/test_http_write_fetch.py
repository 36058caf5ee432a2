"""Create and update answer with the stored object, shaped by ``fetch`` as a read would be.

This is what lets a client build its entity from the write's own answer (one round trip):
``fetch=true`` (or no fetch) gives the whole object, a field list narrows it, exactly as a
read of the same object would.
"""

from __future__ import annotations

import pytest

#: what a read adds (its envelope lives inside the object) or words differently
READ_ONLY_CHANGES = ("Errors", "Warnings", "_CreatedAt")


def _without(obj: dict, names: tuple[str, ...]) -> dict:
    return {k: v for k, v in obj.items() if k not in names}


@pytest.mark.parametrize("fetch", [None, "true"])
def test_create_answers_with_the_object_a_read_returns(wsapi, fetch):
    params = {"fetch": fetch} if fetch else None
    created = wsapi.create("Defect", {"Name": "answered in full", "State": "Open"}, params)
    read = wsapi.get(created["_ref"])["Defect"]
    assert _without(created, READ_ONLY_CHANGES) == _without(read, READ_ONLY_CHANGES)
    assert created["FormattedID"].startswith("DE") and created["State"] == "Open"


def test_create_with_a_field_list_answers_with_those_fields(wsapi):
    created = wsapi.create("Defect", {"Name": "narrow"}, {"fetch": "FormattedID,Name"})
    fields = {k for k in created if not k.startswith("_")}
    assert fields == {"FormattedID", "Name"}
    assert created["_ref"] and created["Name"] == "narrow"


@pytest.mark.parametrize("fetch", [None, "true"])
def test_update_answers_with_the_updated_object(wsapi, fetch):
    created = wsapi.create("Defect", {"Name": "to change"})
    params = {"fetch": fetch} if fetch else None
    answer = wsapi.post(created["_ref"], {"Defect": {"State": "Fixed"}}, params)
    result = answer["OperationResult"]
    assert result["Errors"] == []
    updated = result["Object"]
    read = wsapi.get(created["_ref"])["Defect"]
    assert updated["State"] == "Fixed"
    assert _without(updated, READ_ONLY_CHANGES) == _without(read, READ_ONLY_CHANGES)


def test_update_with_a_field_list_answers_with_those_fields(wsapi):
    created = wsapi.create("Defect", {"Name": "narrow update"})
    answer = wsapi.post(created["_ref"], {"Defect": {"State": "Open"}}, {"fetch": "State"})
    updated = answer["OperationResult"]["Object"]
    assert {k for k in updated if not k.startswith("_")} == {"State"}
    assert updated["State"] == "Open"
