"""Small things a porting user's script sees, each observed side by side with pyral 1.7.0
(tools/oracle_scenario_porting.py replays the scripts under both clients)."""

from __future__ import annotations

import socket

from pyral import Rally
from pyral.emulator.demo import DEMO_APIKEY


def test_context_objects_carry_ref_and_short_ref_as_pyral(rally) -> None:
    """getWorkspace / getProject / getWorkspaces / getProjects objects: ``ref`` is an instance
    attribute (scripts read ``obj.__dict__['ref']``) and ``_ref`` is the short form."""
    objects = [rally.getWorkspace(), rally.getProject(), *rally.getWorkspaces()]
    objects += rally.getProjects()
    for obj in objects:
        kind = obj._type.lower()
        assert obj.__dict__["ref"] == f"{kind}/{obj.oid}"
        assert obj._ref == obj.ref
        assert not obj._hydrated
    assert sorted(k for k in vars(rally.getProject()) if not k.startswith("_")) == [
        "Name",
        "ObjectID",
        "oid",
        "ref",
        "typePath",
    ]
    # the shells still load the rest of the object on demand
    assert rally.getProject().State == "Open"


def test_after_set_project_the_context_objects_follow(server) -> None:
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    rally.setProject("Checkout")
    project = rally.getProject()
    assert project.Name == "Checkout" and project.__dict__["ref"] == f"project/{project.oid}"


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_get_collection_of_another_host_names_that_host(rally) -> None:
    """A ref copied from elsewhere that names an unreachable host: an error response (pyral
    1.7.0 crashed with AttributeError) whose text names the host that was tried."""
    elsewhere = f"127.0.0.1:{_unused_port()}"
    ref = f"http://{elsewhere}/slm/webservice/v2.0/HierarchicalRequirement/1/Tasks"
    response = rally.getCollection(ref)
    assert not response and response.status_code == 404
    assert list(response) == []
    assert response.errors == [f"Target Rally host: '{elsewhere}' non-existent or unreachable"]


def test_allowed_values_of_standard_references_answer_true_first_as_pyral(server) -> None:
    """Observed with pyral 1.7.0 on 551 attributes of 12 types: a standard OBJECT reference
    (Owner, Parent, FlowState, Workspace ...) answers ``[True]`` on the first call, as the
    skipped collections do, then its values; drop-downs answer values at once."""
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    for entity, attribute in (
        ("HierarchicalRequirement", "FlowState"),
        ("HierarchicalRequirement", "Parent"),
        ("Defect", "Workspace"),
        ("Task", "WorkProduct"),
    ):
        assert rally.getAllowedValues(entity, attribute) == [True], attribute
        assert rally.getAllowedValues(entity, attribute) != [True], attribute
    assert rally.getAllowedValues("Defect", "Priority")[:2] == ["None", "Resolve Immediately"]
    assert "Code" in rally.getAllowedValues("Defect", "RootCause")  # custom: values at once
    # the deliberate change: a portfolio item's State answers its names the first time
    assert rally.getAllowedValues("Feature", "State")[0] == "Discovering"


def test_per_call_project_and_get_project_leave_the_context_alone(server) -> None:
    """pyral 1.7.0 wrote each call's ``project=`` (and getProject(path)'s ref) into the shared
    context; here the context keeps describing the current project."""
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    helper = rally.contextHelper
    for project in (None, "Checkout", "Web Team // Search"):
        assert rally.get("Defect", fetch="Name", project=project).status_code == 200
        assert helper.currentContext().project == "Online Store"
    assert rally.getProject("Online Store // Web Team").Name == "Online Store // Web Team"
    assert helper.currentContext().project == "Online Store"
    assert rally.getProject().Name == "Online Store"


def test_printed_batch_results_are_the_list_pyral_printed(fresh_server, capsys) -> None:
    rally = Rally(fresh_server.url, apikey=DEMO_APIKEY)
    created = rally.createMultiple("Defect", [{"Name": "printed 1"}, {"Name": "printed 2"}])
    print(created)
    assert capsys.readouterr().out == f"{list(created)!r}\n"
    assert repr(rally.createMultiple("Defect", [])) == "[]"
    assert created.ok and created.failures == []  # the additions stay on attributes


def test_set_workspace_without_a_name_is_pyrals_error(server) -> None:
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    for name in (None, ""):
        try:
            rally.setWorkspace(name)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - pyral 1.7.0 raises a bare Exception here
            assert str(exc) == (
                "Specified workspace not valid for your credentials or is in a Closed state"
            )
        else:
            raise AssertionError(f"setWorkspace({name!r}) raised nothing")
    assert rally.getWorkspace().Name == "Demo Workspace"
