"""create / update / delete round trips on a private emulator."""

from __future__ import annotations

import json

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral.emulator.demo import DEMO_APIKEY
from pyral.exceptions import RallyAttributeNameError


def test_defect_round_trip(wrally, fresh_wire):
    proj = wrally.getProject()
    d = wrally.create(
        "Defect",
        {
            "Name": "Login button not working",
            "Severity": "Major Problem",
            "state": "Open",
            "Project": proj.ref,
        },
    )
    assert (
        d.FormattedID.startswith("DE")
        and d.Name == "Login button not working"
        and d.State == "Open"
    )
    lines = fresh_wire.lines()
    token_at = [
        i
        for i, line in enumerate(lines)
        if line.startswith("GET /slm/webservice/v2.0/security/authorize")
    ]
    put_at = [i for i, line in enumerate(lines) if line.startswith("PUT")]
    assert len(token_at) == 1 and len(put_at) == 1 and token_at[0] < put_at[0]
    put = lines[put_at[0]]
    assert "/defect/create?key=" in put
    fresh_wire.reset()
    d2 = wrally.update("Defect", {"FormattedID": d.FormattedID, "State": "Fixed"})
    assert d2.State == "Fixed" and d2.oid == d.oid
    assert not any("security/authorize" in line for line in fresh_wire.lines())  # token cached
    d3 = wrally.update("Defect", {"ObjectID": d.oid, "Priority": "High Attention"})
    assert d3.Priority == "High Attention" and d3.State == "Fixed"
    assert wrally.delete("Defect", d.FormattedID) is True
    assert (
        wrally.get(
            "Defect", query=f'FormattedID = "{d.FormattedID}"', projectScopeDown=True
        ).resultCount
        == 0
    )


def test_delete_by_oid_and_missing(wrally):
    d = wrally.create("Defect", {"Name": "temp"})
    assert wrally.delete("Defect", d.oid) is True
    assert wrally.delete("Defect", d.oid) is False  # JSON error body -> False
    with pytest.raises(RallyRESTAPIError, match="Target Defect DE9999 could not be located"):
        wrally.delete("Defect", "DE9999")


def test_story_with_tasks(wrally):
    story = wrally.create(
        "HierarchicalRequirement",
        {"Name": "As a user, I want to reset my password", "ScheduleState": "Defined"},
    )
    t1 = wrally.create("Task", {"Name": "Design", "WorkProduct": story.ref})
    t2 = wrally.create("Task", {"Name": "Build", "WorkProduct": story})  # entity as a scalar value
    again = wrally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Tasks",
        query=f'FormattedID = "{story.FormattedID}"',
        instance=True,
    )
    assert sorted(t.oid for t in again.Tasks) == sorted([t1.oid, t2.oid])


def test_feature_and_list_refs(wrally):
    tags = list(wrally.get("Tag", fetch="Name", project=None, limit=2))
    feat = wrally.create("Feature", {"Name": "New feature"})
    assert feat.FormattedID.startswith("F")
    d = wrally.create("Defect", {"Name": "tagged", "Tags": [tags[0], tags[1].ref]})
    assert sorted(t.Name for t in d.Tags) == sorted(t.Name for t in tags)
    updated = wrally.update("Feature", {"ObjectID": feat.oid, "Name": "Renamed feature"})
    assert updated.Name == "Renamed feature"


def test_create_errors(wrally):
    with pytest.raises(RallyRESTAPIError) as info:
        wrally.create("Defect", {"Severity": "Cosmetic"})
    assert str(info.value).startswith("422 ")
    with pytest.raises(RallyAttributeNameError, match="Bogus"):
        wrally.create("Defect", {"Name": "x", "Bogus": 1})
    with pytest.raises(RallyRESTAPIError, match="create operation unsupported for RecycleBinEntry"):
        wrally.create("RecycleBinEntry", {"Name": "x"})


def test_update_errors(wrally):
    with pytest.raises(RallyRESTAPIError, match="An identifying field"):
        wrally.update("Defect", {"Name": "x"})
    with pytest.raises(RallyRESTAPIError, match="Target Defect DE9999 could not be located"):
        wrally.update("Defect", {"FormattedID": "DE9999", "Name": "x"})
    d = wrally.create("Defect", {"Name": "will fail"})
    with pytest.raises(RallyRESTAPIError) as info:
        wrally.update("Defect", {"ObjectID": d.oid, "State": "NotAState"})
    assert str(info.value).startswith("Unable to update the Defect\nERRORS: ")
    with pytest.raises(RallyRESTAPIError, match="update operation unsupported for RecycleBinEntry"):
        wrally.update("RecycleBinEntry", {"ObjectID": 1})


def test_apikey_writes_need_no_token(fresh_server, fresh_wire):
    r = Rally(fresh_server.url, apikey=DEMO_APIKEY)
    d = r.create("Defect", {"Name": "apikey write"}, project=None)
    assert d.Name == "apikey write"
    assert not any("security/authorize" in line for line in fresh_wire.lines())
    put = next(line for line in fresh_wire.lines() if line.startswith("PUT"))
    assert "key=" not in put and "project=" not in put
    assert r.obtainSecurityToken() is None


def test_basic_token_obtained_once(wrally, fresh_wire):
    token = wrally.obtainSecurityToken()
    assert token and token == wrally.obtainSecurityToken()
    assert sum("security/authorize" in line for line in fresh_wire.lines()) <= 1


def test_body_shape(wrally, monkeypatch):
    sent = []
    original = wrally.transport.send

    def spy(method, url, **kw):
        if method in ("PUT", "POST"):
            sent.append(json.loads(kw["body"]))
        return original(method, url, **kw)

    monkeypatch.setattr(wrally.transport, "send", spy)
    tag = wrally.get("Tag", fetch="Name", project=None, limit=1).next()
    wrally.create("Defect", {"Name": "shape", "Tags": [tag.ref]})
    assert sent[0]["Defect"]["Tags"] == [{"_ref": tag.ref}]
    wrally.create("Feature", {"Name": "pi shape"})
    assert list(sent[1]) == ["PortfolioItem/Feature"]


def test_unreachable_writes_never_quote_the_security_token(wrally, fresh_server):
    """Every kind of write (create, batch, rank) masks ``key=`` in its connection error."""
    story = wrally.create("Story", {"Name": "about to lose the server"})
    wrally.createMultiple("Story", [{"Name": "warms the schema cache"}])
    token = wrally.obtainSecurityToken()
    assert token
    fresh_server.stop()
    attempts = [
        lambda: wrally.create("Story", {"Name": "never stored"}),
        lambda: wrally.createMultiple("Story", [{"Name": "never stored"}]),
        lambda: wrally.rankToTop(story),
    ]
    for attempt in attempts:
        with pytest.raises(RallyRESTAPIError) as info:
            attempt()
        message = str(info.value)
        assert "non-existent or unreachable" in message
        assert "key=****" in message and token not in message
