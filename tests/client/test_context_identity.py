"""Issue 7 item 2: ``currentContext()`` is one object while nothing changes; contexts compare
by value; two clients still share nothing mutable."""

from __future__ import annotations

from pyral import Rally
from pyral.context import RallyContext
from pyral.emulator.demo import DEMO_APIKEY


def test_current_context_twice_is_the_same_object(rally) -> None:
    helper = rally.contextHelper
    first = helper.currentContext()
    second = helper.currentContext()
    assert first is second
    assert first == second
    # a read in the current context changes nothing either
    list(rally.get("Project", fetch="Name", project=None))
    assert helper.currentContext() is first
    # asking identifyContext about the current context hands back that very object
    ctx, _ = helper.identifyContext()
    assert ctx is first


def test_a_changed_project_gives_a_new_context_and_the_old_one_stays_put(server) -> None:
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    helper = rally.contextHelper
    before = helper.currentContext()
    project_before = before.project
    rally.setProject("Search")
    after = helper.currentContext()
    assert after is not before and after != before
    assert before.project == project_before  # a snapshot, never mutated behind the caller
    assert after.project == "Search" != project_before
    # a context about another project does not displace the current one
    other, _ = helper.identifyContext(project="Checkout")
    assert other != after
    assert helper.currentContext() is after


def test_contexts_compare_and_hash_by_value(server) -> None:
    a = Rally(server.url, apikey=DEMO_APIKEY)
    b = Rally(server.url, apikey=DEMO_APIKEY)
    ca, cb = a.contextHelper.currentContext(), b.contextHelper.currentContext()
    assert ca is not cb
    assert ca == cb and hash(ca) == hash(cb)
    assert len({ca, cb}) == 1
    assert ca != object() and ca != "a string"
    plain = RallyContext(ca.server, ca.user, None, ca.service_url, ca.subs_name, "x", "y")
    assert plain != ca


def test_clients_share_no_context_state(server) -> None:
    a = Rally(server.url, apikey=DEMO_APIKEY)
    b = Rally(server.url, apikey=DEMO_APIKEY)
    ca = a.contextHelper.currentContext()
    a.setProject("Search")
    # b's context neither moved nor became a's object
    cb = b.contextHelper.currentContext()
    assert cb == ca and cb is not ca
    assert b.getProject().Name == "Online Store"
    assert a.contextHelper.currentContext() != cb
    # each context leads back to its own client
    assert ca._agent is a and cb._agent is b


def test_contexts_hold_names_as_pyral_did(rally) -> None:
    ctx = rally.contextHelper.currentContext()
    assert (ctx.workspace, ctx.project) == ("Demo Workspace", "Online Store")
    assert ctx.subscription() == "Emulated Subscription"
    assert ctx.serviceURL() == rally.service_url
    assert ctx.asDict()["workspace"] == "Demo Workspace"


def test_same_named_projects_give_unequal_contexts(server) -> None:
    """Two projects called "Integration": equal names, different projects, unequal contexts."""
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    rally.setProject("Online Store // Web Team // Integration")
    web = rally.contextHelper.currentContext()
    rally.setProject("Online Store // Mobile Team // Integration")
    mobile = rally.contextHelper.currentContext()
    assert web.project.endswith("Integration") and mobile.project.endswith("Integration")
    assert web != mobile and web is not mobile
