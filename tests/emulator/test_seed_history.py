"""Seed features of issue 8: roles, explicit ObjectIDs, recycled items, level order, bad text."""

from __future__ import annotations

import pytest

from pyral.emulator.backend import permissions
from pyral.emulator.schema import Schema
from pyral.emulator.seed import SeedError, load_seed
from pyral.emulator.store import Store


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.load_default()


@pytest.fixture()
def store():
    s = Store()
    yield s
    s.close()


def _seed(**user_extra) -> dict:
    return {
        "users": [
            {"UserName": "ann@example.com", "ApiKey": "_ann"},
            {"UserName": "bob@example.com", "ApiKey": "_bob", **user_extra},
        ],
        "workspaces": [
            {
                "Name": "Alpha",
                "projects": [{"Name": "Root", "Children": [{"Name": "A"}, {"Name": "B"}]}],
                "objects": [{"_type": "Defect", "Name": "d", "Project": "A"}],
            }
        ],
    }


def _count(store: Store) -> int:
    return store.connection().execute("SELECT count(*) FROM objects").fetchone()[0]


def test_project_permissions_are_stored_as_declared(store, schema):
    result = load_seed(
        store,
        schema,
        _seed(
            Workspaces=[], ProjectPermissions={"Alpha": {"Root": "Viewer", "Root // A": "Editor"}}
        ),
    )
    ws = result.workspaces["Alpha"]
    projects = result.projects["Alpha"]
    bob = store.get(result.users["bob@example.com"])
    assert bob is not None
    assert store.workspaces_of(bob.oid) == {ws}
    assert permissions.readable_projects(store, bob, ws) == sorted(
        [projects["Root"], projects["Root // A"]]
    )
    assert permissions.project_role(store, bob, ws, projects["Root // B"]) == permissions.NO_ACCESS


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ProjectPermissions": {"Alpha": {"Root": "Boss"}}}, "role 'Boss'"),
        ({"ProjectPermissions": {"Nope": {"Root": "Viewer"}}}, "unknown workspace 'Nope'"),
        ({"ProjectPermissions": {"Alpha": {"Nowhere": "Viewer"}}}, "unknown project"),
        ({"WorkspaceAdmin": ["Nope"]}, "unknown workspace 'Nope' in WorkspaceAdmin"),
        ({"ObjectID": 0}, "ObjectID must be a positive integer"),
        ({"ObjectID": "12"}, "ObjectID must be a positive integer"),
        ({"DisplayName": "bad \ud800"}, "cannot be stored"),
        ({"DisplayName": "nul \x00"}, "NUL"),
    ],
)
def test_bad_user_declarations_fail_the_whole_load(store, schema, extra, message):
    with pytest.raises(SeedError, match=message):
        load_seed(store, schema, _seed(**extra))
    assert _count(store) == 0


def test_explicit_object_ids_must_be_unique(store, schema):
    seed = _seed(ObjectID=500)
    seed["workspaces"][0]["objects"].append({"_type": "Defect", "Name": "x", "ObjectID": 500})
    with pytest.raises(SeedError, match="ObjectID 500 is already used"):
        load_seed(store, schema, seed)


def test_explicit_object_ids_below_the_first_allocated_id(store, schema):
    seed = _seed(ObjectID=7)
    result = load_seed(store, schema, seed)
    assert result.users["bob@example.com"] == 7
    assert store.new_oid() > max(result.users.values())


def test_recycle_directives_are_checked(store, schema):
    seed = _seed()
    seed["workspaces"][0]["objects"].append({"_type": "Tag", "Name": "t", "_recycled": True})
    with pytest.raises(SeedError, match="only artifacts"):
        load_seed(store, schema, seed)
    seed = _seed()
    seed["workspaces"][0]["objects"].append({"_type": "Defect", "Name": "t", "_deleted_by": "x"})
    with pytest.raises(SeedError, match="needs"):
        load_seed(store, schema, seed)


def test_portfolio_item_order_is_checked(store, schema):
    seed = _seed()
    seed["workspaces"][0]["portfolio_item_order"] = ["Feature", "Saga"]
    with pytest.raises(SeedError, match="portfolio item order"):
        load_seed(store, schema, seed)
