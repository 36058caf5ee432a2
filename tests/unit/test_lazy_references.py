"""Top-level results leave references pending until they are asked for (issue 9).

``tests/unit/test_hydrate_fastpath.py`` holds the settled result equal to the eager path on
generated items; these tests pin what a script can observe before and after settling.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from pyral._entity_base import _raw_state, settle, settled_state
from pyral.entity import CustomField, Persistable
from pyral.hydrate import EntityHydrator

SVC = "https://rally1.rallydev.com/slm/webservice/v2.0"


def ref(kind: str, oid: int, name: str) -> dict[str, Any]:
    return {
        "_rallyAPIMajor": "2",
        "_ref": f"{SVC}/{kind.lower()}/{oid}",
        "_refObjectName": name,
        "_type": kind,
    }


def defect(**extra: Any) -> dict[str, Any]:
    item = {
        "_rallyAPIMajor": "2",
        "_rallyAPIMinor": "0",
        "_ref": f"{SVC}/defect/11",
        "_refObjectName": "Broken login",
        "_objectVersion": "3",
        "_type": "Defect",
        "FormattedID": "DE11",
        "Name": "Broken login",
        "State": "Open",
        "Owner": {**ref("User", 5, "Ann"), "UserName": "ann", "DisplayName": "Ann"},
        "Project": ref("Project", 7, "Web"),
        "Tags": {"_ref": f"{SVC}/Defect/11/Tags", "_type": "Tag", "Count": 0},
        "Tasks": {"_ref": f"{SVC}/Defect/11/Tasks", "_type": "Task", "Count": 2},
        "c_Link": {"LinkID": "x", "DisplayString": "doc"},
        "Blocked": None,
    }
    item.update(extra)
    return item


class Loader:
    """A stand-in client: records collection loads, serves two tasks."""

    def __init__(self) -> None:
        self.loads: list[str] = []

    def _load_collection(self, url: str) -> list[Any]:
        self.loads.append(url)
        return ["t1", "t2"]

    def _schema_for(self, workspace_ref: Any = None) -> None:
        return None


def test_references_wait_until_read():
    entity = EntityHydrator(None).hydrateInstance(defect())
    state = _raw_state(entity)  # the stored dict: the public __dict__ settles everything
    assert {"FormattedID", "State", "Blocked"} <= set(state)
    assert not {"Owner", "Project", "Tags", "Tasks", "c_Link"} & set(state)
    assert entity.FormattedID == "DE11" and entity._hydrated is True
    owner = entity.Owner
    assert isinstance(owner, Persistable) and owner.Name == "Ann" and owner.oid == 5
    assert entity.Owner is owner  # built once, then an ordinary attribute
    assert "Owner" in state and "Project" not in state


def test_collections_settle_like_the_eager_path():
    client = Loader()
    entity = EntityHydrator(client).hydrateInstance(defect())
    assert entity.Tags == []
    assert client.loads == []
    assert entity.Tasks == ["t1", "t2"]
    assert client.loads == [f"{SVC}/Defect/11/Tasks"]


def test_custom_field_aliases_settle_by_either_name():
    entity = EntityHydrator(None).hydrateInstance(defect())
    link = entity.Link  # the c_ prefix may be left out, as for scalar custom fields
    assert isinstance(link, CustomField) and link.DisplayString == "doc"
    assert entity.c_Link is link


def test_attribute_outside_the_fetch_is_still_an_error():
    entity = EntityHydrator(None).hydrateInstance(defect())
    with pytest.raises(AttributeError, match="Defect instance has no attribute: 'Severity'"):
        _ = entity.Severity
    assert not hasattr(entity, "Severity")
    assert hasattr(entity, "Project")


@pytest.mark.parametrize(
    "view",
    [
        lambda e: e.attributes(),
        lambda e: e.details(),
        lambda e: copy.copy(e),
        lambda e: copy.deepcopy(e),
        lambda e: pickle.loads(pickle.dumps(e)),
    ],
)
def test_whole_entity_views_settle_first(view):
    entity = EntityHydrator(None).hydrateInstance(defect())
    result = view(entity)
    assert "_pending" not in _raw_state(entity)
    if isinstance(result, list):
        assert {"Owner", "Project", "Tags", "c_Link"} <= set(result)
        assert "_pending" not in result
    elif isinstance(result, str):
        assert "Owner" in result and "Ann" in result
    else:
        assert result.Owner.Name == "Ann" and "_pending" not in _raw_state(result)


def test_an_assigned_value_is_not_overwritten_by_settling():
    entity = EntityHydrator(None).hydrateInstance(defect())
    entity.Owner = "someone else"
    assert settled_state(entity)["Owner"] == "someone else"


def test_a_pending_value_can_be_deleted():
    entity = EntityHydrator(None).hydrateInstance(defect())
    del entity.Owner
    assert "Owner" not in entity.attributes()
    with pytest.raises(AttributeError):
        _ = entity.Owner


def test_settle_is_a_no_op_for_anything_else():
    assert settle(object()) is False
    assert settle(CustomField({"a": 1})) is False
    entity = EntityHydrator(None).hydrateInstance(defect(Owner=None, Project=None))
    settle(entity)
    assert settle(entity) is False
    assert entity.Owner is None


def test_a_lazy_load_settles_before_refilling():
    class Client(Loader):
        def _load_object(self, url: str) -> dict[str, Any]:
            return defect(Severity="Minor Problem", Owner=ref("User", 6, "Bo"))

    client = Client()
    shell = EntityHydrator(client, "shell").hydrateInstance(defect())
    assert shell._hydrated is False
    assert shell.Severity == "Minor Problem"  # not in the shell: one load
    assert shell.Owner.Name == "Bo"  # the load's value, not the shell's pending one
    assert "_pending" not in _raw_state(shell)


def test_dir_lists_pending_attributes():
    entity = EntityHydrator(None).hydrateInstance(defect())
    assert {"Owner", "Project", "FormattedID"} <= set(dir(entity))


def test_concurrent_first_reads_see_the_same_entity():
    import threading

    entity = EntityHydrator(None).hydrateInstance(defect())
    seen: list[Any] = []
    gate = threading.Barrier(8)

    def read() -> None:
        gate.wait(timeout=10)
        seen.append(entity.Owner)

    workers = [threading.Thread(target=read) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    assert len(seen) == 8 and all(owner is seen[0] for owner in seen)
