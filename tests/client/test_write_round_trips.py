"""One round trip per write: create and update build their entity from the write's answer.

The emulator's request log proves the count; the entity is compared with what a separate
read of the same object gives, so "one request" cannot mean "a thinner entity".
"""

from __future__ import annotations

from typing import Any

import pytest

from pyral import Rally
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY


@pytest.fixture
def srv():
    with EmulatorServer(demo=True, quiet=True) as server:
        yield server


@pytest.fixture
def rally(srv) -> Rally:
    client = Rally(srv.url, apikey=DEMO_APIKEY)
    client.get("Defect", fetch=["Name"], pagesize=1, limit=1)  # loads the workspace schema
    return client


def _wsapi(srv: EmulatorServer) -> list[Any]:
    return [r for r in srv.app.request_log if not r.path.startswith("/_emulator")]


def _public_state(entity: Any) -> dict[str, Any]:
    """Attribute values as a script sees them (references by their ref)."""
    out = {}
    for name in entity.attributes():
        value = getattr(entity, name)
        out[name] = getattr(value, "_ref", value) if hasattr(value, "_ref") else value
    return out


def _read(rally: Rally, official: str, oid: int) -> Any:
    return rally.get(official, fetch=True, query=f"ObjectID = {oid}", projectScopeDown=True).next()


def test_create_is_one_request_and_returns_the_stored_entity(srv, rally):
    srv.app.clear_request_log()
    made = rally.create(
        "Defect", {"Name": "one trip", "State": "Submitted", "Severity": "Minor Problem"}
    )
    log = _wsapi(srv)
    assert [(r.method, r.path.rsplit("/", 2)[-2:]) for r in log] == [("PUT", ["defect", "create"])]
    assert "fetch=true" in log[0].query
    assert made._hydrated is True
    assert made.FormattedID.startswith("DE") and made.Name == "one trip"
    assert made.Owner is None or made.Owner.oid
    assert made.Project.Name  # a reference, usable as an entity
    srv.app.clear_request_log()
    fresh = _read(rally, "Defect", made.oid)
    assert {k: v for k, v in _public_state(made).items() if k != "_CreatedAt"} == {
        k: v for k, v in _public_state(fresh).items() if k != "_CreatedAt"
    }


def test_update_is_one_request_and_returns_the_updated_entity(srv, rally):
    made = rally.create("Defect", {"Name": "to update"})
    srv.app.clear_request_log()
    changed = rally.update("Defect", {"ObjectID": made.oid, "State": "Open", "Priority": "Low"})
    log = _wsapi(srv)
    assert [r.method for r in log] == ["POST"]
    assert log[0].path.lower().endswith(f"/defect/{made.oid}")
    assert changed.State == "Open" and changed.Priority == "Low" and changed.oid == made.oid
    assert changed.FormattedID == made.FormattedID
    assert int(changed.VersionId) > int(made.VersionId)


def test_update_by_formatted_id_adds_only_the_lookup(srv, rally):
    made = rally.create("Defect", {"Name": "by fid"})
    srv.app.clear_request_log()
    changed = rally.update("Defect", {"FormattedID": made.FormattedID, "State": "Fixed"})
    assert [r.method for r in _wsapi(srv)] == ["GET", "POST"]  # the FormattedID query, the write
    assert changed.State == "Fixed"


def test_a_write_answer_without_the_object_falls_back_to_reading_it(srv, rally, monkeypatch):
    """A server that ignores fetch and answers with a bare reference still works."""
    from pyral import _writes

    monkeypatch.setattr(_writes, "WRITE_FETCH", "fetch=_ref")
    srv.app.clear_request_log()
    made = rally.create("Defect", {"Name": "thin answer"})
    methods = [r.method for r in _wsapi(srv)]
    assert methods == ["PUT", "GET"]
    assert made.Name == "thin answer" and made.FormattedID.startswith("DE")


def test_create_multiple_needs_only_the_batch_once_the_schema_is_known(srv, rally):
    rally.createMultiple("Defect", [{"Name": "warm up"}])  # completes the type's schema
    srv.app.clear_request_log()
    results = rally.createMultiple("Defect", [{"Name": f"batch {n}"} for n in range(3)])
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in _wsapi(srv)] == [("POST", "batch")]
    assert len(results) == 3
