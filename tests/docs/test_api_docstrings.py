"""What ``help()`` and the API reference show: every public method says what it does.

The site's API page is generated from these docstrings (``tox -e docs``); this check keeps the
source of it complete without needing Sphinx in CI.
"""

from __future__ import annotations

import inspect
import pydoc

import pytest

from pyral import Rally
from pyral.entity import Persistable
from pyral.rallyresp import RallyRESTResponse

GET_KEYWORDS = [
    "entity",
    "fetch",
    "query",
    "order",
    "workspace",
    "project",
    "projectScopeUp",
    "projectScopeDown",
    "pagesize",
    "start",
    "limit",
    "threads",
    "instance",
]


def _public_methods(cls: type) -> list[str]:
    names = []
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if inspect.isfunction(member) or isinstance(member, property):
            names.append(name)
    return names


@pytest.mark.parametrize("cls", [Rally, RallyRESTResponse, Persistable], ids=lambda c: c.__name__)
def test_every_public_method_has_a_docstring(cls: type) -> None:
    missing = []
    for name in _public_methods(cls):
        member = inspect.getattr_static(cls, name)
        target = member.fget if isinstance(member, property) else member
        if not (getattr(target, "__doc__", None) or "").strip():
            missing.append(name)
    assert missing == []


def test_help_of_get_documents_every_keyword() -> None:
    text = pydoc.render_doc(Rally.get, renderer=pydoc.plaintext)
    for keyword in GET_KEYWORDS:
        assert f"{keyword}:" in text, keyword
