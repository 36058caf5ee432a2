"""User lists follow workspace permissions, over HTTP against the demo emulator.

Demo data: demo@example.com (subscription admin) may use both workspaces; alice, bob and
carol only the Demo Workspace; dave only the Sandbox Workspace.
"""

from __future__ import annotations

import requests

from pyral import Rally
from pyral.emulator.demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER

DEMO_WS_USERS = ["alice@example.com", "bob@example.com", "carol@example.com", DEMO_USER]
SANDBOX_USERS = ["dave@example.com", DEMO_USER]
EVERYONE = sorted(DEMO_WS_USERS + ["dave@example.com"])
DAVE_APIKEY = "_daveapikey".ljust(42, "0")


def _names(users) -> list[str]:
    return sorted(u.UserName for u in users)


def test_get_all_users_lists_the_users_of_the_named_workspace(server):
    r = Rally(server.url, DEMO_USER, DEMO_PASSWORD)
    assert _names(r.getAllUsers(workspace="Sandbox Workspace")) == SANDBOX_USERS
    assert _names(r.getAllUsers(workspace="Demo Workspace")) == DEMO_WS_USERS


def test_get_all_users_defaults_to_the_current_workspace(rally):
    assert rally.getWorkspace().Name == "Demo Workspace"
    assert _names(rally.getAllUsers()) == DEMO_WS_USERS


def test_a_sandbox_only_user_sees_the_sandbox_users(server):
    dave = Rally(server.url, apikey=DAVE_APIKEY)
    assert _names(dave.getAllUsers()) == SANDBOX_USERS


def test_user_query_with_and_without_a_workspace_parameter(server, rally):
    sandbox = next(w for w in rally.getWorkspaces() if w.Name == "Sandbox Workspace")
    http = requests.Session()
    http.headers["ZSESSIONID"] = DEMO_APIKEY
    url = f"{server.url}/slm/webservice/v2.0/users"

    def names(**params: str) -> list[str]:
        body = http.get(url, params={"fetch": "UserName", "pagesize": "100", **params}).json()
        result = body["QueryResult"]
        assert result["Errors"] == []
        assert result["TotalResultCount"] == len(result["Results"])
        return sorted(u["UserName"] for u in result["Results"])

    assert names(workspace=f"workspace/{sandbox.oid}") == SANDBOX_USERS
    # no workspace parameter: every user of the subscription
    assert names() == EVERYONE
    # the filter composes with the caller's own query
    assert names(workspace=f"workspace/{sandbox.oid}", query='(UserName contains "dave")') == [
        "dave@example.com"
    ]
    http.close()


def test_get_user_info_in_the_current_workspace(rally):
    """getUserInfo sends the current workspace, so a user without permission there is absent."""
    assert rally.getUserInfo(username="alice@example.com")[0].UserName == "alice@example.com"
    assert rally.getUserInfo(username="dave@example.com") == []
