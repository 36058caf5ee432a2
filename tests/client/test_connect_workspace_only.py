"""Issue 7 item 3: ``Rally(..., workspace='Other WS')`` without ``project=``, as pyral 1.7.0.

Rule pinned with pyral 1.7.0 against the same seed (tools/oracle_scenario_errors.py replays
it): the current project becomes the project of that workspace whose *name* equals the user's
default project's name; with no such project (or no default project) the constructor raises
pyral's "does not contain a Project with the name of 'None'".  ``isolated_workspace=True``
changes nothing here.  ``setWorkspace`` keeps the current project's name when the new
workspace has a project of that name, else takes its alphabetically first project.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY


def _load_seeds() -> Any:
    """tools/oracle_seeds.py, which the oracle scenario uses too (one seed, not two)."""
    path = Path(__file__).resolve().parents[2] / "tools" / "oracle_seeds.py"
    spec = importlib.util.spec_from_file_location("oracle_seeds", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEEDS = _load_seeds()
ERIN_KEY = SEEDS.ERIN_APIKEY


@pytest.fixture(scope="module")
def seeded():
    srv = EmulatorServer(seed=SEEDS.workspace_only_seed(), quiet=True).start()
    yield srv
    srv.stop()


def _project_oid(rally: Rally, workspace: str, path: str) -> int:
    """ObjectID of a project by path, read independently of the code under test."""
    *parents, name = path.split(" // ")
    query = [f'Name = "{name}"']
    if parents:
        query.append(f'Parent.Name = "{parents[-1]}"')
    found = list(
        rally.get("Project", fetch="ObjectID", query=query, workspace=workspace, project=None)
    )
    assert len(found) == 1
    return found[0].oid


def test_named_workspace_takes_the_project_named_like_the_default(seeded) -> None:
    seeded.app.clear_request_log()
    rally = Rally(seeded.url, apikey=DEMO_APIKEY, workspace="Sandbox Workspace")
    assert len(seeded.app.request_log) <= 3  # the connect budget holds
    assert rally.getWorkspace().Name == "Sandbox Workspace"
    project = rally.getProject()
    assert project.Name == "Online Store"
    assert project.oid == _project_oid(rally, "Sandbox Workspace", "Online Store")
    demo_root = _project_oid(rally, "Demo Workspace", "Online Store")
    assert project.oid != demo_root


def test_isolated_workspace_follows_the_same_rule(seeded) -> None:
    seeded.app.clear_request_log()
    rally = Rally(
        seeded.url, apikey=DEMO_APIKEY, workspace="Sandbox Workspace", isolated_workspace=True
    )
    assert len(seeded.app.request_log) <= 3
    assert (rally.getWorkspace().Name, rally.getProject().Name) == (
        "Sandbox Workspace",
        "Online Store",
    )
    assert [w.Name for w in rally.getWorkspaces()] == ["Sandbox Workspace"]


@pytest.mark.parametrize("isolated", [False, True])
def test_no_project_of_that_name_is_pyrals_none_error(seeded, isolated) -> None:
    seeded.app.clear_request_log()
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(
            seeded.url,
            apikey=DEMO_APIKEY,
            workspace="Third Workspace",
            isolated_workspace=isolated,
        )
    assert type(info.value).__name__ == "RallyRESTAPIError"
    assert str(info.value) == (
        "The current Workspace 'Third Workspace' does not contain a Project with the name of 'None'"
    )
    assert len(seeded.app.request_log) <= 3


def test_same_named_projects_prefer_the_users_own_default(seeded) -> None:
    """erin's default is Mobile Team's "Integration"; Web Team has an older one of that name.
    pyral 1.7.0 took the older one (a name lookup); we keep the user's real default."""
    rally = Rally(seeded.url, apikey=ERIN_KEY, workspace="Demo Workspace")
    own = _project_oid(rally, "Demo Workspace", "Online Store // Mobile Team // Integration")
    assert rally.getProject().oid == own
    elsewhere = Rally(seeded.url, apikey=ERIN_KEY, workspace="Third Workspace")
    assert elsewhere.getProject().Name == "Integration"
    assert elsewhere.getProject().oid == _project_oid(rally, "Third Workspace", "Integration")


def _switch(rally: Rally, *names: str) -> list[tuple[str, str]]:
    seen = []
    for name in names:
        rally.setWorkspace(name)
        seen.append((rally.getWorkspace().Name, rally.getProject().Name))
    return seen


def test_set_workspace_keeps_the_current_project_name(seeded) -> None:
    rally = Rally(seeded.url, apikey=DEMO_APIKEY)
    rally.setProject("Web Team")
    assert _switch(rally, "Sandbox Workspace") == [("Sandbox Workspace", "Web Team")]
    assert rally.getProject().oid == _project_oid(
        rally, "Sandbox Workspace", "Online Store // Web Team"
    )


def test_set_workspace_without_that_name_takes_the_first_project_by_name(seeded) -> None:
    rally = Rally(seeded.url, apikey=DEMO_APIKEY)
    assert _switch(rally, "Third Workspace", "Sandbox Workspace", "Demo Workspace") == [
        ("Third Workspace", "Alpha Team"),
        ("Sandbox Workspace", "Experiments"),
        ("Demo Workspace", "Checkout"),
    ]
    named = Rally(seeded.url, apikey=DEMO_APIKEY, workspace="Sandbox Workspace")
    assert _switch(named, "Demo Workspace", "Third Workspace") == [
        ("Demo Workspace", "Online Store"),
        ("Third Workspace", "Alpha Team"),
    ]


def test_isolated_set_workspace(seeded) -> None:
    rally = Rally(
        seeded.url, apikey=DEMO_APIKEY, workspace="Sandbox Workspace", isolated_workspace=True
    )
    assert _switch(rally, "Sandbox Workspace") == [("Sandbox Workspace", "Online Store")]
    with pytest.raises(RallyRESTAPIError, match="No reset of of the Workspace is permitted"):
        rally.setWorkspace("Demo Workspace")
