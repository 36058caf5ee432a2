"""Issue 7 "failure modes and secrets": no password, API key or security token in any
exception's ``str`` / ``repr`` / ``args`` / ``.url`` / ``.errors``, nor in any object's repr.

The security token travels as ``key=`` on every write URL under Basic auth, so every failed
write is a chance to leak it; each kind of failure is provoked here over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral.emulator.demo import DEMO_APIKEY, DEMO_PASSWORD, DEMO_USER
from pyral.exceptions import RallyError


def _exposed(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), *(str(a) for a in error.args)]
    if isinstance(error, RallyError):
        texts += [str(error.url), *error.errors, *error.warnings]
    return texts


def _assert_hidden(texts: list[str], secrets: list[str]) -> None:
    for secret in secrets:
        assert len(secret) >= 8
        leaks = [t for t in texts if secret in t]
        assert not leaks, f"secret found in {leaks}"


def _failures(fresh_server) -> list[tuple[str, Callable[[Rally, Any], Any]]]:
    def update_502(rally: Rally, defect: Any) -> Any:
        fresh_server.inject_fault(502, method="POST", path_contains="/defect/")
        return rally.update("Defect", {"ObjectID": defect.oid, "Name": "x"})

    def update_500(rally: Rally, defect: Any) -> Any:
        fresh_server.inject_fault(500, method="POST", path_contains="/defect/")
        return rally.update("Defect", {"ObjectID": defect.oid, "Name": "x"})

    def update_lost(rally: Rally, defect: Any) -> Any:
        fresh_server.inject_fault(disconnect=True, method="POST", path_contains="/defect/")
        return rally.update("Defect", {"ObjectID": defect.oid, "Name": "x"})

    def create_multiple_500(rally: Rally, defect: Any) -> Any:
        fresh_server.inject_fault(500, method="POST", path_contains="/batch")
        return rally.createMultiple("Defect", [{"Name": "a"}, {"Name": "b"}])

    def create_multiple_lost(rally: Rally, defect: Any) -> Any:
        fresh_server.inject_fault(disconnect=True, method="POST", path_contains="/batch")
        return rally.createMultiple("Defect", [{"Name": "a"}])

    def rank_lost(rally: Rally, defect: Any) -> Any:
        other = rally.create("Defect", {"Name": "rank me"})
        fresh_server.inject_fault(disconnect=True, method="POST")
        return rally.rankAbove(defect, other)

    def delete_lost(rally: Rally, defect: Any) -> Any:
        fresh_server.inject_fault(disconnect=True, method="DELETE")
        return rally.delete("Defect", defect.oid)

    return [
        ("update 502", update_502),
        ("update 500", update_500),
        ("update lost", update_lost),
        ("createMultiple 500", create_multiple_500),
        ("createMultiple lost", create_multiple_lost),
        ("rank lost", rank_lost),
        ("delete lost", delete_lost),
    ]


@pytest.mark.parametrize("index", range(7))
def test_failed_writes_never_show_a_secret(fresh_server, index: int) -> None:
    rally = Rally(fresh_server.url, DEMO_USER, DEMO_PASSWORD)
    defect = rally.create("Defect", {"Name": "secret keeper"})
    token = rally.obtainSecurityToken()
    assert token
    label, provoke = _failures(fresh_server)[index]
    with pytest.raises(RallyRESTAPIError) as info:
        provoke(rally, defect)
    fresh_server.clear_faults()
    texts = _exposed(info.value)
    assert any(texts), label
    _assert_hidden(texts, [token])


def test_apikey_never_shown_in_errors_or_reprs(fresh_server) -> None:
    rally = Rally(fresh_server.url, apikey=DEMO_APIKEY)
    fresh_server.inject_fault(500, method="PUT")
    with pytest.raises(RallyRESTAPIError) as info:
        rally.create("Defect", {"Name": "x"})
    ctx = rally.contextHelper.currentContext()
    texts = _exposed(info.value) + [
        repr(rally),
        repr(ctx),
        str(ctx),
        ctx.identity(),
        str(ctx.asDict()),
        repr(rally.contextHelper.identifyContext()),
        repr(rally.transport),
    ]
    _assert_hidden(texts, [DEMO_APIKEY])
    with pytest.raises(RallyRESTAPIError) as wrong:
        Rally(fresh_server.url, apikey=DEMO_APIKEY[:-1] + "x")
    _assert_hidden(_exposed(wrong.value), [DEMO_APIKEY[:-1] + "x"])


def test_password_never_shown_in_errors_or_reprs(fresh_server) -> None:
    password = "a-long-password-123"
    with pytest.raises(RallyRESTAPIError) as info:
        Rally(fresh_server.url, DEMO_USER, password)
    texts = _exposed(info.value)
    rally = Rally(fresh_server.url, DEMO_USER, DEMO_PASSWORD)
    rally.password = password  # what a repr would show if it showed the password
    rally.contextHelper.password = password
    ctx = rally.contextHelper.currentContext()
    texts += [repr(rally), repr(ctx), ctx.identity(), str(ctx.asDict())]
    _assert_hidden(texts, [password])
