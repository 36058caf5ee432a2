"""Users end to end: getUserInfo, getAllUsers (UserProfile join), workspace permissions."""

from __future__ import annotations

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral.emulator.demo import DEMO_PASSWORD, DEMO_USER
from pyral.restapi import getResourceByOID

ALICE_APIKEY = "_aliceapikey".ljust(42, "0")  # a teammate: Demo Workspace only, not an admin
DAVE_APIKEY = "_daveapikey".ljust(42, "0")  # has access to the Sandbox workspace only


def test_get_user_info_by_oid_username_and_name(rally, wire):
    found = rally.getUserInfo(username=DEMO_USER)
    assert isinstance(found, list) and len(found) == 1
    me = found[0]
    assert me.UserName == DEMO_USER and me._type == "User"
    by_oid = rally.getUserInfo(oid=me.oid)
    assert not isinstance(by_oid, list)
    assert by_oid.oid == me.oid and by_oid.DisplayName == "Demo User"
    assert f"/User/{me.oid}" in wire.lines()[-1]
    named = rally.getUserInfo(name="Alice Nguyen")
    assert [u.UserName for u in named] == ["alice@example.com"]
    assert any("query=(DisplayName%20%3D%20%22Alice%20Nguyen%22)" in x for x in wire.lines())


def test_get_user_info_no_match_and_no_argument(rally):
    assert rally.getUserInfo(username="nobody@example.com") == []
    assert rally.getUserInfo(name="Nobody At All") == []
    with pytest.raises(RallyRESTAPIError) as info:
        rally.getUserInfo()
    assert str(info.value) == "No specification provided to obtain User information"


def test_get_all_users_admin_with_apikey_joins_profiles(rally, wire):
    users = rally.getAllUsers()
    names = sorted(u.UserName for u in users)
    assert "demo@example.com" in names and "alice@example.com" in names
    assert any(u.Disabled is False for u in users)
    lines = wire.lines()
    assert lines[0].startswith("GET /slm/webservice/v2.0/users?fetch=UserName,DisplayName,")
    assert "SubscriptionAdmin" in lines[0] and "pagesize=1000" in lines[0]
    # Q27 fixed: the operator is found by OID, so an API-key admin gets the join too
    assert any(line.startswith("GET /slm/webservice/v2.0/userprofile?fetch=true") for line in lines)
    me = next(u for u in users if u.UserName == DEMO_USER)
    profile = me.UserProfile
    assert profile._type == "UserProfile"
    assert profile._hydrated and "DefaultWorkspace" in profile.attributes()  # full, not a shell
    assert profile.DefaultWorkspace.Name == "Demo Workspace"


def test_get_all_users_non_admin_skips_profile_join(server):
    alice = Rally(server.url, apikey=ALICE_APIKEY)
    server.app.clear_request_log()
    users = alice.getAllUsers()
    assert users and all(u._type == "User" for u in users)
    paths = [r.path for r in server.app.request_log]
    assert any(p.endswith("/users") for p in paths)
    assert not any(p.endswith("/userprofile") for p in paths)


def test_get_all_users_other_workspace_keeps_current(server):
    r = Rally(server.url, DEMO_USER, DEMO_PASSWORD)
    r.setProject("Search")
    server.app.clear_request_log()
    users = r.getAllUsers(workspace="Sandbox Workspace")
    assert any(u.UserName == "dave@example.com" for u in users)
    sandbox = next(w for w in r.getWorkspaces() if w.Name == "Sandbox Workspace")
    users_request = next(r for r in server.app.request_log if r.path.endswith("/users"))
    assert f"workspace=workspace/{sandbox.oid}" in users_request.query
    assert r.getWorkspace().Name == "Demo Workspace" and r.getProject().Name == "Search"
    with pytest.raises(Exception, match="Specified workspace not valid for your credentials"):
        r.getAllUsers(workspace="No Such Workspace")
    assert r.getWorkspace().Name == "Demo Workspace"


def test_user_without_access_cannot_see_workspace(server, rally):
    dave = Rally(server.url, apikey=DAVE_APIKEY)
    assert dave.getWorkspace().Name == "Sandbox Workspace"
    assert [w.Name for w in dave.getWorkspaces()] == ["Sandbox Workspace"]
    assert dave.getProjects(workspace="Demo Workspace") == []
    with pytest.raises(Exception, match="Specified workspace not valid for your credentials"):
        dave.setWorkspace("Demo Workspace")
    with pytest.raises(RallyRESTAPIError, match="not accessible with current credentials"):
        dave.get("Defect", fetch="Name", workspace="Demo Workspace")
    with pytest.raises(RallyRESTAPIError, match="does not have permission to access"):
        Rally(server.url, apikey=DAVE_APIKEY, workspace="Demo Workspace")
    with pytest.raises(Exception, match="Specified workspace not valid"):
        dave.getAllUsers(workspace="Demo Workspace")
    # an object of the Demo workspace cannot be read by reference either
    defect = rally.get("Defect", fetch="ObjectID", projectScopeDown=True, limit=1).next()
    assert getResourceByOID(dave.contextHelper.currentContext(), "Defect", defect.oid) is None
    assert getResourceByOID(rally.contextHelper.currentContext(), "Defect", defect.oid) is not None
