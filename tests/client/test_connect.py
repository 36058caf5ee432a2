"""Connecting: credentials, workspace/project selection, request budget, error texts."""

from __future__ import annotations

import socket

import pytest

import pyral
from pyral import Rally, RallyRESTAPIError
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER


def test_apikey_defaults_two_requests(server, wire):
    r = Rally(server.url, apikey=DEMO_APIKEY)
    assert wire.count() <= 2
    assert r.getWorkspace().Name == "Demo Workspace"
    assert r.getProject().Name == "Online Store"
    assert r.user is None and r.password is None
    assert r._wpCacheStatus() == "minimal"


def test_user_password_named_workspace_and_project_two_requests(server, wire):
    r = Rally(server.url, DEMO_USER, DEMO_PASSWORD, workspace="Demo Workspace", project="Web Team")
    assert wire.count() <= 2
    assert r.getWorkspace().Name == "Demo Workspace"
    assert r.getProject().Name == "Web Team"
    assert all(req.status == 200 for req in wire.requests)


def test_rallyworkset_style_defaults(server, wire):
    r = Rally(
        server.url, DEMO_USER, DEMO_PASSWORD, apikey="", workspace="default", project="default"
    )
    assert wire.count() <= 2
    assert r.getProject().Name == "Online Store"


def test_mixed_named_workspace_default_project_at_most_three(server, wire):
    r = Rally(server.url, apikey=DEMO_APIKEY, workspace="Demo Workspace")
    assert wire.count() <= 3
    assert r.getProject().Name == "Online Store"
    wire.reset()
    r = Rally(server.url, apikey=DEMO_APIKEY, project="Search")
    assert wire.count() <= 3
    assert r.getProject().Name == "Search"


def test_project_path(server, wire):
    r = Rally(
        server.url,
        apikey=DEMO_APIKEY,
        workspace="Demo Workspace",
        project="Online Store // Mobile Team // Integration",
    )
    assert wire.count() <= 3
    proj = r.getProject()
    assert proj.Name == "Online Store // Mobile Team // Integration"
    web = r.getProject("Online Store // Web Team // Integration")
    assert web.oid != proj.oid


def test_duplicate_name_resolves_to_lowest_oid(server):
    r = Rally(server.url, apikey=DEMO_APIKEY, workspace="Demo Workspace", project="Integration")
    first = r.getProject()
    web = r.getProject("Online Store // Web Team // Integration")
    mobile = r.getProject("Online Store // Mobile Team // Integration")
    assert first.oid == min(web.oid, mobile.oid)


def test_project_none_or_empty_is_default(server):
    for value in (None, ""):
        r = Rally(server.url, apikey=DEMO_APIKEY, project=value)
        assert r.getProject().Name == "Online Store"


def test_workspace_none_warns_and_uses_default(server, capsys):
    r = Rally(server.url, apikey=DEMO_APIKEY, workspace=None)
    assert r.getWorkspace().Name == "Demo Workspace"
    assert "Unable to use your workspace specification" in capsys.readouterr().err


def test_isolated_workspace(server):
    r = Rally(
        server.url,
        apikey=DEMO_APIKEY,
        workspace="Demo Workspace",
        project="Online Store",
        isolated_workspace=True,
    )
    assert [w.Name for w in r.getWorkspaces()] == ["Demo Workspace"]
    with pytest.raises(RallyRESTAPIError, match="No reset of of the Workspace is permitted"):
        r.setWorkspace("Sandbox Workspace")
    with pytest.raises(
        RallyRESTAPIError, match='Workspace specified: "Sandbox Workspace" not accessible'
    ):
        r.get("Defect", workspace="Sandbox Workspace")


def test_extra_keywords_tolerated(server):
    r = Rally(
        server.url,
        apikey=DEMO_APIKEY,
        version="v2.0",
        warn=False,
        server_ping=True,
        logger=object(),
        debug=True,
        timeout=30,
    )
    assert not r.warningsEnabled()
    r.enableWarnings()
    assert r.warningsEnabled()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user": DEMO_USER, "password": "wrong"}, "Invalid credentials"),
        ({"apikey": "_notakey"}, "Invalid credentials"),
        (
            {
                "user": DEMO_USER,
                "password": "wrong",
                "workspace": "Demo Workspace",
                "project": "Web Team",
            },
            "Invalid credentials",
        ),
    ],
)
def test_wrong_credentials(server, kwargs, message):
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(server.url, **kwargs)
    assert str(info.value) == message
    assert isinstance(info.value, pyral.context.RallyRESTAPIError)


def test_unknown_workspace(server):
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(server.url, apikey=DEMO_APIKEY, workspace="Nope", project="Web Team")
    assert str(info.value) == (
        "Specified workspace of 'Nope' either does not exist or the user does not have permission to access that workspace"
    )


def test_unknown_project(server):
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(server.url, apikey=DEMO_APIKEY, workspace="Demo Workspace", project="Nope")
    assert (
        str(info.value)
        == "The current Workspace 'Demo Workspace' does not contain an accessible Project with the name of 'Nope'"
    )


def test_workspace_whose_default_project_is_elsewhere(server):
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(server.url, apikey=DEMO_APIKEY, workspace="Sandbox Workspace")
    assert (
        str(info.value)
        == "The current Workspace 'Sandbox Workspace' does not contain a Project with the name of 'None'"
    )


def test_bad_path_elements(server):
    # pyral 1.7.0's words for a path whose first element names no project: that element and
    # the workspace, as for a single project name given per call
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(server.url, apikey=DEMO_APIKEY, project="Nope // Web Team")
    assert str(info.value) == (
        'Project specified: "Nope" (in workspace: "Demo Workspace") '
        "not accessible with current credentials"
    )
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(
            server.url,
            apikey=DEMO_APIKEY,
            workspace="Sandbox Workspace",
            project="Online Store // Web Team",
        )
    assert str(info.value) == (
        'Project specified: "Online Store" (in workspace: "Sandbox Workspace") '
        "not accessible with current credentials"
    )
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    with pytest.raises(RallyRESTAPIError, match='Project specified: "Nope"'):
        rally.setProject("Nope // Web Team")
    with pytest.raises(RallyRESTAPIError, match='Project specified: "Nope"'):
        rally.get("Defect", fetch="Name", project="Nope // Web Team")
    assert rally.getProject().Name == "Online Store"
    with pytest.raises(
        RallyRESTAPIError, match="No such accessible Project found: 'Online Store // Nope'"
    ):
        Rally(server.url, apikey=DEMO_APIKEY, project="Online Store // Nope // Checkout")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_host():
    host = f"127.0.0.1:{_free_port()}"
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(f"http://{host}", apikey=DEMO_APIKEY, retries=0)
    assert str(info.value) == f"Target Rally host: '{host}' non-existent or unreachable"


def test_tls_verification_failure_and_ca_bundle():
    srv = EmulatorServer(demo=True, quiet=True, tls=True).start()
    try:
        with pytest.raises(RallyRESTAPIError) as info:
            Rally(srv.host_port, apikey=DEMO_APIKEY, retries=0)  # https by default
        assert str(info.value) == "SSL certificate verification failed"
        r = Rally(srv.host_port, apikey=DEMO_APIKEY, verify_ssl_cert=False)
        assert r.getWorkspace().Name == "Demo Workspace"
        r = Rally(srv.host_port, apikey=DEMO_APIKEY, verify_ssl_cert=srv.certificate_file)
        assert r.service_url.startswith("https://")
    finally:
        srv.stop()


def test_verify_false_wins_over_ca_bundle_env(monkeypatch):
    srv = EmulatorServer(demo=True, quiet=True, tls=True).start()
    try:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
        r = Rally(srv.host_port, apikey=DEMO_APIKEY, verify_ssl_cert=False)
        assert len(list(r.get("Project", fetch="Name", project=None))) > 0
    finally:
        srv.stop()


def test_two_clients_are_independent(server):
    a = Rally(server.url, apikey=DEMO_APIKEY)
    b = Rally(server.url, "dave@example.com", "dave")
    assert a.getWorkspace().Name == "Demo Workspace"
    assert b.getWorkspace().Name == "Sandbox Workspace"
    a.setProject("Search")
    assert b.getProject().Name == "Sandbox Project"
    assert a.getProject().Name == "Search"
    assert a.typedef("Defect") is not b.typedef("Defect")
