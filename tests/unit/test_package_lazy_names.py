"""The package's names load on first use (PEP 562); a failure inside stays visible."""

from __future__ import annotations

import pytest

import pyral


def test_an_attribute_error_inside_a_submodule_is_reported_as_the_cause(monkeypatch):
    monkeypatch.delitem(pyral.__dict__, "RallyUrlBuilder", raising=False)

    def broken(name: str) -> None:
        raise AttributeError("module 'x' has no attribute 'y' (raised inside the submodule)")

    monkeypatch.setattr(pyral.importlib, "import_module", broken)
    with pytest.raises(ImportError, match="importing pyral.query_builder failed: .*inside"):
        from pyral import RallyUrlBuilder  # noqa: F401


def test_unknown_names_stay_attribute_errors():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        pyral.Nope  # noqa: B018
