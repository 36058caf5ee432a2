"""Workspace/project helpers, users, schema delegation, logging."""

from __future__ import annotations

import io

import pytest

from pyral import Rally
from pyral.emulator.demo import DEMO_APIKEY, DEMO_USER


def test_workspaces_and_projects(rally, wire):
    ws = rally.getWorkspace()
    assert (
        ws.Name == "Demo Workspace" and ws.ref == f"workspace/{ws.oid}" and isinstance(ws.oid, int)
    )
    assert wire.count() == 0
    names = [w.Name for w in rally.getWorkspaces()]
    assert names == ["Demo Workspace", "Sandbox Workspace"]
    assert rally._wpCacheStatus() == "wide"
    projects = [p.Name for p in rally.getProjects()]
    assert projects == sorted(set(projects))
    assert {"Online Store", "Web Team", "Mobile Team", "Checkout", "Search", "Integration"} <= set(
        projects
    )
    assert [p.Name for p in rally.getProjects(workspace="Sandbox Workspace")] == [
        "Experiments",
        "Sandbox Project",
    ]
    assert rally.getProjects(workspace="Nope") == []
    assert rally.getProject("Nope") is None


def test_set_workspace_and_project(server):
    r = Rally(server.url, apikey=DEMO_APIKEY)
    r.setProject("Search")
    assert r.getProject().Name == "Search"
    assert r.contextHelper.currentProjectRef() == f"project/{r.getProject().oid}"
    r.setProject("Online Store // Mobile Team // Integration")
    assert r.getProject().Name == "Online Store // Mobile Team // Integration"
    with pytest.raises(
        Exception, match="Specified project not valid for your current workspace or credentials"
    ):
        r.setProject("Nope")
    r.setWorkspace("Sandbox Workspace")
    assert r.getWorkspace().Name == "Sandbox Workspace"
    # no Sandbox project is called like the current one: the alphabetically first (pyral 1.7.0)
    assert r.getProject().Name == "Experiments"
    assert [
        s.Name
        for s in r.get(
            "HierarchicalRequirement", fetch="Name", projectScopeDown=True, projectScopeUp=True
        )
    ] == ["Try the emulator"]
    with pytest.raises(
        Exception,
        match="Specified workspace not valid for your credentials or is in a Closed state",
    ):
        r.setWorkspace("Nope")
    r.setWorkspace("Demo Workspace")
    assert r.getProject().Name == "Checkout"  # "Experiments" is not there: first by name


def test_context_helper_facade(rally):
    helper = rally.contextHelper
    ctx, augments = helper.identifyContext(project=None)
    assert augments == [f"workspace={helper.currentWorkspaceRef()}"]
    ctx, augments = helper.identifyContext(projectScopeDown=True)
    assert augments[-1] == "projectScopeDown=true"
    assert ctx.project == rally.getProject().Name  # names, as pyral's contexts held
    assert "****" in helper.currentContext().identity() or rally.password is None
    assert rally.serviceURL() == rally.service_url


def test_subscription_and_users(rally, wire):
    assert rally.subscriptionName() == "Emulated Subscription"
    users = rally.getUserInfo(username=DEMO_USER)
    assert [u.UserName for u in users] == [DEMO_USER]
    assert rally.getUserInfo(username="nobody@example.com") == []
    by_name = rally.getUserInfo(name="Alice Nguyen")
    assert by_name[0].UserName == "alice@example.com"
    one = rally.getUserInfo(oid=users[0].oid)
    assert one.UserName == DEMO_USER
    with pytest.raises(Exception, match="No specification provided to obtain User information"):
        rally.getUserInfo()
    everyone = {u.UserName for u in rally.getAllUsers()}
    assert {DEMO_USER, "alice@example.com", "bob@example.com"} <= everyone


def test_schema_delegation(rally, wire):
    td = rally.typedef("Defect")
    assert td.ElementName == "Defect"
    assert rally.typedef("Story").ElementName == "HierarchicalRequirement"
    assert rally.typedef("Nope") is None
    assert any(t["ElementName"] == "Defect" for t in rally.getSchemaInfo("ignored"))
    schema_gets = [r for r in wire.requests if "/slm/schema/" in r.path]
    assert len(schema_gets) == 1  # once per workspace per client
    assert rally.validateAttributeNames("Defect", {"name": 1, "Root Cause": 2}) == {
        "Name": 1,
        "c_RootCause": 2,
    }
    sev = rally.getAllowedValues("Defect", "Severity")
    assert "Major Problem" in sev and "Cosmetic" in sev
    assert rally.getAllowedValues("Defect", "Nope") is None
    assert rally.getAllowedValues("Defect", "Name") == []
    states = rally.getStates("Feature")
    assert [s.Name for s in states][:2] == ["Discovering", "Developing"]
    state = rally.getState("Feature", "Developing")
    assert state.Name == "Developing"


def test_logging_masks_and_leaves_stream_open(fresh_server):
    r = Rally(fresh_server.url, DEMO_USER, "demo")
    stream = io.StringIO()
    r.enableLogging(stream, attrget=True)
    r.get("Defect", fetch="Name", limit=1, projectScopeDown=True).next()
    item = r.get("Defect", limit=1, projectScopeDown=True).next()
    _ = item.State
    r.create("Defect", {"Name": "logged"})
    r.disableLogging()
    assert not stream.closed  # a caller's stream is never closed (Q18)
    text = stream.getvalue()
    lines = text.splitlines()
    assert "Following entries record Rally REST API interaction via" in lines[0]
    assert any(" GET Defect?fetch=Name" in line for line in lines)
    assert any(" 200 created Defect OID: " in line for line in lines)
    assert any("GET defect/" in line for line in lines)  # attrget lazy load
    token = r.obtainSecurityToken()
    assert token not in text and "demo" not in text.replace("demo@example.com", "")
    before = len(lines)
    r.get("Defect", limit=1)
    assert len(stream.getvalue().splitlines()) == before  # disabled


def test_logging_to_file_and_without_attrget(server, tmp_path):
    r = Rally(server.url, apikey=DEMO_APIKEY)
    path = tmp_path / "rally.log"
    r.enableLogging(str(path))
    item = r.get("Defect", limit=1, projectScopeDown=True).next()
    _ = item.State
    r.disableLogging()
    text = path.read_text()
    assert "GET Defect?" in text
    assert "GET defect/" not in text  # lazy loads only with attrget=True
    assert DEMO_APIKEY not in text
    r.enableLogging(12345)  # not writable -> warning, logging stays off
