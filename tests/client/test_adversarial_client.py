"""Odd but valid inputs that real pyral scripts pass, each compared with what pyral 1.7.0 did.

Every case here was found by porting scripts against the emulator: pyral 1.7.0 either handled
the input (and this client must too) or crashed with a stray traceback (and this client must
do the sensible thing or raise an error that says what is wrong).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest

from pyral import Rally
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY

CHECKOUT = "Online Store // Web Team // Checkout"


def _last_query(wire) -> str:
    return unquote(wire.requests[-1].query)


# -- blank workspace / project in get, create --------------------------------------------------


def test_blank_project_in_get_means_no_project(rally, wire):
    # pyral 1.7.0 read project='' as "no project": the whole workspace, like project=None.
    whole = rally.get("Defect", fetch="FormattedID", project=None).resultCount
    resp = rally.get("Defect", fetch="FormattedID", project="")
    assert resp.resultCount == whole > 0
    assert "project=" not in _last_query(wire)
    resp = rally.get("Defect", fetch="FormattedID", project="  ", projectScopeDown=True)
    assert resp.resultCount == whole


def test_blank_workspace_in_get_means_current(rally, wire):
    # pyral 1.7.0 read workspace='' as the current workspace (and its current project).
    resp = rally.get("Defect", fetch="FormattedID", workspace="")
    assert resp.errors == []
    query = _last_query(wire)
    assert f"workspace={rally.contextHelper.currentWorkspaceRef()}" in query
    assert f"project={rally.contextHelper.currentProjectRef()}" in query


def test_blank_project_in_create_uses_the_default_project(wrally, fresh_wire):
    created = wrally.create("Defect", {"Name": "blank project"}, project="")
    assert created.Project.Name == "Online Store"
    put = [r for r in fresh_wire.requests if r.method == "PUT"][-1]
    assert "project=" not in unquote(put.query)


# -- order given as a list ---------------------------------------------------------------------


def test_order_list_is_joined_with_commas(rally, wire):
    resp = rally.get(
        "Defect",
        fetch="FormattedID,Name",
        order=["Name", "FormattedID desc"],
        projectScopeDown=True,
        limit=3,
    )
    assert resp.errors == []
    assert "order=Name,FormattedID desc" in _last_query(wire)
    assert len(list(resp)) == 3
    rally.get("Defect", fetch="Name", order=("ObjectID",))
    assert "order=ObjectID&" in _last_query(wire)


# -- values json cannot encode ---------------------------------------------------------------


def test_tuple_of_entities_is_a_collection(wrally):
    ux = wrally.get("Tag", fetch="Name", query='Name = "ux"', instance=True)
    defect = wrally.create("Defect", {"Name": "tuple tags", "Tags": (ux,)})
    assert [t.Name for t in defect.Tags] == ["ux"]
    updated = wrally.update("Defect", {"ObjectID": defect.oid, "Tags": (ux.ref,)})
    assert [t.Name for t in updated.Tags] == ["ux"]


def test_dates_are_sent_as_iso_text(wrally):
    defect = wrally.create("Defect", {"Name": "dated", "TargetDate": datetime.date(2026, 1, 2)})
    assert defect.TargetDate.startswith("2026-01-02")
    when = datetime.datetime(2026, 3, 4, 5, 6, 7)
    updated = wrally.update("Defect", {"ObjectID": defect.oid, "TargetDate": when})
    assert updated.TargetDate.startswith("2026-03-04T05:06:07")


def test_unencodable_value_names_the_attribute(wrally, fresh_wire):
    defect = wrally.create("Defect", {"Name": "decimal"})
    fresh_wire.reset()
    with pytest.raises(TypeError, match=r"Defect\.PlanEstimate: .*Decimal"):
        wrally.update("Defect", {"ObjectID": defect.oid, "PlanEstimate": Decimal("2.5")})
    assert not [r for r in fresh_wire.requests if r.method == "POST"]


def test_update_with_an_entity_instead_of_a_dict_says_so(wrally, fresh_wire):
    defect = wrally.create("Defect", {"Name": "not a dict"})
    fresh_wire.reset()
    with pytest.raises(TypeError, match="update of Defect needs a dict of attribute values"):
        wrally.update("Defect", defect)
    assert fresh_wire.count() == 0


def test_blank_project_at_connect_still_default(server):
    r = Rally(server.url, apikey=DEMO_APIKEY, project="", workspace="")
    assert (r.getWorkspace().Name, r.getProject().Name) == ("Demo Workspace", "Online Store")
    assert r.get("Defect", fetch="Name", project=CHECKOUT).resultCount > 0


# -- pre-parenthesised conditions --------------------------------------------------------------


def test_list_of_parenthesised_conditions_is_one_valid_query(rally):
    # pyral 1.7.0 sent (A) AND (B) at the top level: Rally answered "Could not parse".
    both = rally.get(
        "Defect",
        fetch="FormattedID",
        query=['(State = "Open")', '(Priority = "Normal")'],
        projectScopeDown=True,
    )
    assert both.errors == []
    plain = rally.get(
        "Defect",
        fetch="FormattedID",
        query=['State = "Open"', 'Priority = "Normal"'],
        projectScopeDown=True,
    )
    assert sorted(d.FormattedID for d in both) == sorted(d.FormattedID for d in plain)
    assert plain.resultCount > 0


def test_or_group_in_a_list_keeps_its_grouping(rally):
    grouped = rally.get(
        "Defect",
        fetch="FormattedID,State,Priority",
        query=['((State = "Open") OR (State = "Fixed"))', 'Priority = "Normal"'],
        projectScopeDown=True,
    )
    assert grouped.errors == []
    rows = [(d.State, d.Priority) for d in grouped]
    assert rows and all(s in ("Open", "Fixed") and p == "Normal" for s, p in rows)


def test_two_top_level_groups_in_a_string(rally):
    # The documented "current iteration" query: two groups side by side.
    resp = rally.get(
        "Iteration",
        fetch="Name",
        query="(StartDate <= today) AND (EndDate >= today)",
        projectScopeDown=True,
    )
    assert resp.errors == []
    same = rally.get(
        "Iteration",
        fetch="Name",
        query=["StartDate <= today", "EndDate >= today"],
        projectScopeDown=True,
    )
    assert [i.Name for i in resp] == [i.Name for i in same]


# -- verify_ssl_cert spellings ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server():
    srv = EmulatorServer(demo=True, quiet=True, tls=True).start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("value", [0, "False", "false"])
def test_verify_off_spellings(tls_server, value):
    # pyral 1.7.0 honoured 0 (== False); a config file or env var gives the word "False".
    r = Rally(tls_server.url, apikey=DEMO_APIKEY, verify_ssl_cert=value)
    assert r.getWorkspace().Name == "Demo Workspace"


@pytest.mark.parametrize("value", [1, "True"])
def test_verify_on_spellings_still_verify(tls_server, value):
    with pytest.raises(Exception, match="SSL certificate verification failed"):
        Rally(tls_server.url, apikey=DEMO_APIKEY, verify_ssl_cert=value)


def test_list_item_with_or_is_grouped_not_spread_over_the_next_items(rally) -> None:
    """['A OR B', 'C'] means (A OR B) AND C; pyral 1.7.0 sent A OR (B AND C)."""
    from urllib.parse import unquote

    from pyral._query import format_query

    criteria = ["State = Open OR State = Submitted", "Severity = Cosmetic"]
    assert unquote(format_query(criteria)) == (
        "((State = Open) OR (State = Submitted)) AND (Severity = Cosmetic)"
    )
    found = rally.get("Defect", fetch="State,Severity", query=criteria, project=None)
    got = [(d.State, d.Severity) for d in found]
    assert got, "the demo data has cosmetic defects that are open or submitted"
    assert all(state in ("Open", "Submitted") and sev == "Cosmetic" for state, sev in got)
