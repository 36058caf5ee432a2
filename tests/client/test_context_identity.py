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
    assert after.project == helper.currentProjectRef() != project_before
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
