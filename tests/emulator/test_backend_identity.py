"""Backend identity: credentials, security tokens, workspace and project resolution, refs."""

from __future__ import annotations

import pytest
from test_backend_support import World  # the `world` fixture is in conftest.py

from pyral.emulator.errors import WsapiError


def test_apikey_and_password_authentication(world: World) -> None:
    b = world.backend
    assert b.authenticate_apikey("_annkey").oid == world.ann.oid
    assert b.authenticate_apikey("_nope") is None
    assert b.authenticate_apikey("") is None
    assert b.authenticate_password("ANN@example.com", "ann-pw").oid == world.ann.oid
    assert b.authenticate_password("ann@example.com", "wrong") is None
    assert b.authenticate_password("", "ann-pw") is None


def test_disabled_user_cannot_authenticate(world: World) -> None:
    assert world.backend.authenticate_apikey("_diskey") is None
    assert world.backend.authenticate_password("dis@example.com", "x") is None


def test_security_token_is_stable_and_checked(world: World) -> None:
    b = world.backend
    token = b.issue_security_token(world.ann)
    assert token and b.issue_security_token(world.ann) == token
    assert b.check_security_token(world.ann, token)
    assert not b.check_security_token(world.ann, None)
    assert not b.check_security_token(world.ann, "None")
    assert not b.check_security_token(world.bob, token)


def test_user_workspaces_follow_grants_and_skip_closed(world: World) -> None:
    names = [w.data["Name"] for w in world.backend.user_workspaces(world.ann)]
    assert names == ["Alpha", "Beta"]  # Gamma is closed
    assert [w.data["Name"] for w in world.backend.user_workspaces(world.bob)] == ["Beta"]


def test_default_workspace(world: World) -> None:
    assert world.backend.default_workspace(world.ann).data["Name"] == "Alpha"
    assert world.backend.default_workspace(world.bob).data["Name"] == "Beta"


def test_default_workspace_falls_back_to_first_by_name(world: World) -> None:
    profile = world.row(world.ann.data["UserProfile"])
    profile.data["DefaultWorkspace"] = None
    world.store.save(profile)
    assert world.backend.default_workspace(world.ann).data["Name"] == "Alpha"


@pytest.mark.parametrize(
    "form",
    [
        "workspace/{oid}",
        "/workspace/{oid}",
        "https://rally1.rallydev.com/slm/webservice/v2.0/workspace/{oid}",
        "http://other:8080/slm/webservice/1.32/Workspace/{oid}.js",
    ],
)
def test_resolve_workspace_ref_forms(world: World, form: str) -> None:
    beta = world.ws("Beta")
    assert world.backend.resolve_workspace(world.ann, form.format(oid=beta.oid)).oid == beta.oid


def test_resolve_workspace_default_and_refusals(world: World) -> None:
    b = world.backend
    assert b.resolve_workspace(world.ann, None).data["Name"] == "Alpha"
    with pytest.raises(WsapiError) as err:
        b.resolve_workspace(world.bob, f"workspace/{world.ws('Alpha').oid}")
    assert "Not authorized to access workspace" in err.value.errors[0]
    with pytest.raises(WsapiError):
        b.resolve_workspace(world.ann, "workspace/1")
    with pytest.raises(WsapiError):  # a project is not a workspace
        b.resolve_workspace(world.ann, f"project/{world.project('Alpha', 'Root').oid}")


def test_resolve_project(world: World) -> None:
    b = world.backend
    alpha = world.ws("Alpha")
    team_a = world.project("Alpha", "Root // Team A")
    assert b.resolve_project(world.ann, alpha, f"/project/{team_a.oid}").oid == team_a.oid
    assert b.resolve_project(world.ann, alpha, None) is None
    assert b.resolve_project(world.ann, alpha, "null") is None
    beta_root = world.project("Beta", "Beta Root")
    with pytest.raises(WsapiError) as err:
        b.resolve_project(world.ann, alpha, f"project/{beta_root.oid}")
    assert "does not exist in workspace" in err.value.errors[0]


def test_ref_to_oid_spellings(world: World) -> None:
    b = world.backend
    assert b.ref_to_oid("https://h/slm/webservice/v2.0/defect/123") == 123
    assert b.ref_to_oid("https://h/slm/webservice/v2.x/portfolioitem/feature/77") == 77
    assert b.ref_to_oid("/defect/123") == 123
    assert b.ref_to_oid("defect/123") == 123
    assert b.ref_to_oid("feature/12") == 12
    assert b.ref_to_oid({"_ref": "Tag/456"}) == 456
    assert b.ref_to_oid("attributedefinition/-55501") == -55501
    assert b.ref_to_oid("workspacepermission/123u456w1") is None
    assert b.ref_to_oid("InfinityDrain") is None
    assert b.ref_to_oid("123") is None
    assert b.ref_to_oid(123) is None
    assert b.ref_to_oid("/Defect/123/Tasks") is None


def test_ref_to_oid_by_uuid(world: World) -> None:
    story = world.key("s1")
    uuid = story.data["ObjectUUID"]
    assert world.backend.ref_to_oid(f"hierarchicalrequirement/{uuid}") == story.oid
    assert world.backend.ref_to_oid(f"hierarchicalrequirement/{uuid.replace('-', '')}") == story.oid
