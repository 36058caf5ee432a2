"""Allowed values of reference attributes, end to end over HTTP against the demo emulator.

* a portfolio-item level's ``State`` (an OBJECT attribute pointing at State) lists that
  level's States by OrderIndex, read live from the server;
* collection attributes keep pyral 1.7.0's answer (quirk Q16): ``[True]`` the first time for
  the standard collections pyral never resolves (Tags, Milestones...), then the values the
  AllowedValues collection holds, the same on every later call.
"""

from __future__ import annotations

import requests

from pyral import Rally
from pyral.emulator.demo import DEMO_APIKEY

FEATURE_STATES = ["Discovering", "Developing", "Measuring", "Done"]
DEMO_TAGS = ["performance", "regression", "security", "tech-debt", "urgent", "ux"]


def _state_attribute(rally: Rally, type_path: str) -> dict:
    item = next(t for t in rally.getSchemaInfo() if t["TypePath"] == type_path)
    return next(a for a in item["Attributes"] if a["ElementName"] == "State")


def test_feature_state_allowed_values_are_its_states(rally):
    assert rally.getAllowedValues("Feature", "State") == FEATURE_STATES
    assert rally.getAllowedValues("Feature", "State") == FEATURE_STATES  # cached, same answer
    assert rally.getAllowedValues("PortfolioItem/Initiative", "State") == FEATURE_STATES


def test_each_level_has_its_own_state_attribute_definition(rally):
    refs = {
        path: _state_attribute(rally, path)["AllowedValues"]["_ref"]
        for path in ("PortfolioItem/Feature", "PortfolioItem/Epic", "PortfolioItem/Initiative")
    }
    assert len(set(refs.values())) == 3
    abstract = _state_attribute(rally, "PortfolioItem")["AllowedValues"]["_ref"]
    assert abstract not in refs.values()
    http = requests.Session()
    http.headers["ZSESSIONID"] = DEMO_APIKEY
    body = http.get(refs["PortfolioItem/Feature"], params={"pagesize": "1000"}).json()
    items = body["QueryResult"]["Results"]
    assert [i["StringValue"] for i in items] == FEATURE_STATES
    assert all(i["_type"] == "AllowedAttributeValue" for i in items)
    # the abstract PortfolioItem has no States of its own
    assert http.get(abstract).json()["QueryResult"]["Results"] == []
    http.close()


def test_state_changes_show_in_the_level_they_belong_to(wrally, fresh_server):
    epic_states = list(wrally.getStates("Epic"))
    measuring = next(s for s in epic_states if s.Name == "Measuring")
    developing = next(s for s in epic_states if s.Name == "Developing")
    wrally.post("State", {"ObjectID": measuring.oid, "Name": "Validating"})
    wrally.post("State", {"ObjectID": developing.oid, "Enabled": False})
    fresh = Rally(fresh_server.url, apikey=DEMO_APIKEY)
    assert fresh.getAllowedValues("Epic", "State") == ["Discovering", "Validating", "Done"]
    assert fresh.getAllowedValues("Feature", "State") == FEATURE_STATES


def test_standard_collections_answer_true_first_then_their_values(server):
    """Q16 kept: pyral 1.7.0 answers [True] while it resolves the collection, then values."""
    fresh = Rally(server.url, apikey=DEMO_APIKEY)
    assert fresh.getAllowedValues("Defect", "Tags") == [True]
    assert fresh.getAllowedValues("Defect", "Tags") == DEMO_TAGS
    assert fresh.getAllowedValues("Defect", "Tags") == DEMO_TAGS
    # Milestones depend on the item's project: nothing fixed to list after the first answer
    assert fresh.getAllowedValues("Story", "Milestones") == [True]
    assert fresh.getAllowedValues("Story", "Milestones") == []


def test_new_and_archived_tags(wrally, fresh_server):
    wrally.create("Tag", {"Name": "a-new-tag"})
    old = wrally.get("Tag", fetch="Name", query='Name = "ux"', instance=True)
    wrally.update("Tag", {"ObjectID": old.oid, "Archived": True})
    fresh = Rally(fresh_server.url, apikey=DEMO_APIKEY)
    assert fresh.getAllowedValues("Defect", "Tags") == [True]
    expected = sorted([t for t in DEMO_TAGS if t != "ux"] + ["a-new-tag"])
    assert fresh.getAllowedValues("Defect", "Tags") == expected
