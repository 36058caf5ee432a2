"""Every code example of the user guide (shared/seed/pyral-guide.md), run against the emulator.

Names are adapted to the demo data set (workspace 'Demo Workspace', projects under
'Online Store', demo users); otherwise the calls are the guide's.
"""

from __future__ import annotations

import time

import pytest

from pyral import Rally, rallyWorkset
from pyral.emulator.demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER


@pytest.fixture
def rally(fresh_server):
    return Rally(fresh_server.url, apikey=DEMO_APIKEY)


def test_auth_apikey_and_user_password(server):
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    assert rally.getWorkspace().Name == "Demo Workspace"
    rally = Rally(server.url, user=DEMO_USER, password=DEMO_PASSWORD)
    assert rally.getWorkspace().Name == "Demo Workspace"
    # "If an API Key is provided, username and password are ignored."
    rally = Rally(server.url, user=DEMO_USER, password="wrong", apikey=DEMO_APIKEY)
    assert rally.getProject().Name == "Online Store"


def test_config_file_and_rallyworkset(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in (
        "RALLY_SERVER",
        "RALLY_USER",
        "RALLY_PASSWORD",
        "APIKEY",
        "RALLY_WORKSPACE",
        "RALLY_PROJECT",
        "RALLY_CONFIG",
    ):
        monkeypatch.delenv(var, raising=False)
    cfg = tmp_path / "rally_config.cfg"
    cfg.write_text(
        f"SERVER   = {server.url}\nAPIKEY   = {DEMO_APIKEY}\nWORKSPACE = Demo Workspace\nPROJECT   = Web Team\n"
    )
    options = [arg for arg in ["script.py", f"--rallyConfig={cfg}"][1:] if arg.startswith("--")]
    server_, user, password, apikey, workspace, project = rallyWorkset(options)
    rally = Rally(server_, user, password, apikey=apikey, workspace=workspace, project=project)
    assert rally.getProject().Name == "Web Team"


def test_workspace_and_project_methods(rally):
    rally.setWorkspace("Demo Workspace")
    workspace = rally.getWorkspace()
    assert workspace.Name == "Demo Workspace"
    workspaces = rally.getWorkspaces()
    assert [(w.oid, w.Name) for w in workspaces]
    rally.setProject("Web Team")
    project = rally.getProject()
    assert project.Name == "Web Team"
    projects = rally.getProjects(workspace="Demo Workspace")
    assert all(p.oid and p.Name for p in projects)


def test_crud(rally):
    defect_data = {
        "Project": rally.getProject().ref,
        "Name": "Login button not working",
        "Severity": "Major Problem",
        "Priority": "High Attention",
        "State": "Open",
        "Description": "Users cannot click the login button on Chrome",
    }
    defect = rally.create("Defect", defect_data)
    assert defect.FormattedID.startswith("DE")
    story_data = {
        "Project": rally.getProject().ref,
        "Name": "As a user, I want to reset my password",
        "Description": "Password reset functionality",
        "ScheduleState": "Defined",
    }
    story = rally.create("HierarchicalRequirement", story_data)
    assert story.FormattedID.startswith("US")

    response = rally.get("Defect", fetch=True)
    assert any(d.FormattedID == defect.FormattedID for d in response)
    response = rally.get("Defect", fetch="FormattedID,Name,Severity,State")
    assert response.resultCount >= 1
    response = rally.get(
        "Defect", fetch="FormattedID,Name,Severity", query='(Severity = "Major Problem")'
    )
    assert all(d.Severity == "Major Problem" for d in response)
    response = rally.get("Defect", fetch=True, query=f'FormattedID = "{defect.FormattedID}"')
    assert response.next().Name == "Login button not working"

    update_data = {
        "FormattedID": defect.FormattedID,
        "State": "Fixed",
        "Notes": "Fixed in build 2.3.1",
    }
    assert rally.update("Defect", update_data).State == "Fixed"
    update_data = {"ObjectID": defect.oid, "Priority": "Resolve Immediately"}
    assert rally.update("Defect", update_data).Priority == "Resolve Immediately"

    assert rally.delete("Defect", defect.FormattedID) is True
    assert rally.delete("HierarchicalRequirement", story.oid) is True


GUIDE_QUERIES = [
    '(State = "Open")',
    '(State != "Closed")',
    '(CreationDate > "2024-01-01")',
    "(PlanEstimate <= 5)",
    "(PlanEstimate >= 3)",
    '(Name contains "login")',
    '(Name !contains "test")',
    '((State = "Open") AND (Severity = "Major Problem"))',
    '((Priority = "High Attention") OR (Priority = "Resolve Immediately"))',
    '(((State = "Open") AND (Severity = "Major Problem")) OR (Priority = "Resolve Immediately"))',
    f'(Owner.UserName = "{DEMO_USER}")',
    '(Iteration.Name = "Sprint 2")',
    '(Project.Name = "Checkout")',
    "(Owner = null)",
    "(Owner != null)",
    "CreationDate between 2024-01-01 and 2030-12-31",
]


@pytest.mark.parametrize("query", GUIDE_QUERIES)
def test_query_syntax_examples(server, query):
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    response = rally.get("Defect", fetch="FormattedID,Name", query=query, projectScopeDown=True)
    assert response.status_code == 200, response.errors
    assert response.errors == []
    list(response)


def test_sorting_examples(server):
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    names = [d.Name for d in rally.get("Defect", fetch=True, order="Name", projectScopeDown=True)]
    assert names == sorted(names)
    dates = [
        d.CreationDate
        for d in rally.get("Defect", fetch=True, order="CreationDate desc", projectScopeDown=True)
    ]
    assert dates == sorted(dates, reverse=True)
    assert (
        rally.get(
            "Defect", fetch=True, order="Priority,CreationDate desc", projectScopeDown=True
        ).resultCount
        > 0
    )


def test_portfolio_items_and_custom_fields(server):
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    features = rally.get("PortfolioItem/Feature", fetch=True, projectScopeDown=True)
    assert features.resultCount > 0
    assert rally.get("PortfolioItem/Initiative", fetch=True, projectScopeDown=True).resultCount > 0
    defect = rally.get(
        "Defect", fetch=True, query="(c_RootCause != null)", projectScopeDown=True
    ).next()
    assert defect.RootCause == defect.c_RootCause


def test_available_fields(server):
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    typedef = rally.typedef("Defect")
    assert typedef.ElementName == "Defect"
    allowed = rally.getAllowedValues("Defect", "State")
    assert [val.Name for val in allowed] == list(allowed)
    assert "Open" in allowed
    states = rally.getStates("Defect")
    assert isinstance(states, list)


def test_collections(rally):
    story = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Name,Tasks",
        query='Name = "Guest checkout"',
        projectScopeDown=True,
    ).next()
    names = [f"{task.FormattedID}: {task.Name}" for task in story.Tasks]
    assert names
    defect = rally.get(
        "Defect", fetch=True, projectScopeDown=True, query='Name contains "Typo"'
    ).next()
    tags = [rally.get("Tag", query='Name = "urgent"', project=None).next()]
    updated = rally.addCollectionItems(defect, "Tags", tags)
    assert "urgent" in [t.Name for t in updated.Tags]
    response = rally.dropCollectionItems(defect, "Tags", tags)
    assert response.status_code == 200
    again = rally.get(
        "Defect", fetch="Tags", query=f"ObjectID = {defect.oid}", project=None, instance=True
    )
    assert "urgent" not in [t.Name for t in again.Tags]


def test_attachments(wrally, tmp_path):
    artifact = wrally.get("Defect", fetch=True, projectScopeDown=True).next()
    path = tmp_path / "file.pdf"
    path.write_bytes(b"%PDF-1.4 tiny")
    wrally.addAttachment(artifact, str(path), mime_type="application/pdf")

    second = tmp_path / "file2.pdf"
    second.write_bytes(b"%PDF-1.4 second")
    attachments = [
        {"name": "file1.txt", "content": "text content"},
        {"name": "file2.pdf", "path": str(second)},
    ]
    assert wrally.addAttachments(artifact, attachments) is True

    names = wrally.getAttachmentNames(artifact)
    assert {"file.pdf", "file1.txt", "file2.pdf"} <= set(names)
    assert wrally.getAttachment(artifact, "file.pdf").Content == b"%PDF-1.4 tiny"
    assert wrally.getAttachment(artifact, "file1.txt").Content == b"text content"
    contents = {a.Name: a.Content for a in wrally.getAttachments(artifact)}
    assert contents["file2.pdf"] == b"%PDF-1.4 second"


def test_error_handling(server):
    from pyral.context import RallyRESTAPIError

    with pytest.raises(RallyRESTAPIError, match="Invalid credentials"):
        Rally(server.url, apikey="invalid_key")
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    response = rally.get("Defect", fetch=True, query='(InvalidField = "x")')
    assert response.errors
    assert all(isinstance(e, str) for e in response.errors)
    assert response.warnings == []


def test_best_practices(server):
    rally = Rally(server.url, apikey=DEMO_APIKEY, isolated_workspace=True)
    assert rally.get("Defect", fetch="FormattedID,Name,State").status_code == 200
    assert rally.get("Defect", fetch=True, threads=4, projectScopeDown=True).resultCount > 0
    assert len(list(rally.get("Defect", fetch=True, limit=100, projectScopeDown=True))) <= 100

    def get_with_retry(rally, entity, max_retries=3, **kwargs):
        for attempt in range(max_retries):
            try:
                return rally.get(entity, **kwargs)
            except Exception:
                if attempt < max_retries - 1:
                    time.sleep(2**attempt)
                else:
                    raise

    response = get_with_retry(rally, "Defect", fetch=True)
    if response.errors:
        raise AssertionError(f"Rally errors: {response.errors}")
    allowed_states = [s.Name for s in rally.getAllowedValues("Defect", "State")]
    assert "Fixed" in allowed_states


def test_complete_working_script(server, monkeypatch, capsys):
    monkeypatch.setenv("RALLY_SERVER", server.url)
    monkeypatch.setenv("APIKEY", DEMO_APIKEY)
    monkeypatch.setenv("RALLY_WORKSPACE", "Demo Workspace")
    monkeypatch.setenv("RALLY_PROJECT", "Checkout")
    server_, user, password, apikey, workspace, project = rallyWorkset([])
    rally = Rally(server_, apikey=apikey, workspace=workspace, project=project)
    response = rally.get(
        "Defect",
        fetch="FormattedID,Name,State,Severity,Owner",
        query='(State = "Open")',
        order="Severity",
    )
    print(f"Found {response.resultCount} open defects:\n")
    for defect in response:
        owner = defect.Owner.Name if defect.Owner else "Unassigned"
        print(f"{defect.FormattedID}: {defect.Name}")
        print(f"  Severity: {defect.Severity}, Owner: {owner}\n")
    out = capsys.readouterr().out
    assert "open defects" in out
