"""No silent ``null`` (issue 8, item 1 and "Done when"): every read-only attribute of the main
types, read over HTTP on the demo data, is either filled or listed in
:mod:`pyral.emulator.coverage` (not emulated, or null until an event); and
docs/emulator.md's "Computed fields" table names every listed field with the same status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Wsapi

from pyral.emulator import coverage
from pyral.emulator.schema import Schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
MAIN_TYPES = (
    "HierarchicalRequirement",
    "Defect",
    "Task",
    "TestCase",
    "TestCaseResult",
    "TestSet",
    "DefectSuite",
    "Iteration",
    "Release",
    "Project",
    "Milestone",
    "ConversationPost",
)


@pytest.fixture(scope="module")
def schema(emulator) -> Schema:
    from pyral.emulator import demo

    backend = emulator.backend
    user = backend.authenticate_apikey(demo.DEMO_APIKEY)
    ws = backend.store.get(user.data["UserProfile"]).data["DefaultWorkspace"]
    return backend.schema_for(ws)


def _read_only(wsapi: Wsapi, type_path: str) -> list[str]:
    found = wsapi.get(
        "typedefinition", {"query": f'(TypePath = "{type_path}")', "fetch": "Attributes"}
    )["QueryResult"]["Results"]
    assert len(found) == 1, type_path
    attrs = wsapi.get(
        found[0]["Attributes"]["_ref"],
        {"fetch": "ElementName,ReadOnly,Custom,AttributeType", "pagesize": 2000},
    )["QueryResult"]["Results"]
    return [
        a["ElementName"]
        for a in attrs
        if a["ReadOnly"] and not a["Custom"] and a["AttributeType"] != "COLLECTION"
    ]


def _type_paths(schema: Schema) -> list[tuple[str, str]]:
    levels = [(t.type_path, t.element_name) for t in schema.portfolio_item_types()]
    return [(t, t) for t in MAIN_TYPES] + levels


def test_no_read_only_field_is_silently_null_on_demo_data(wsapi: Wsapi, schema: Schema) -> None:
    silent: dict[str, set[str]] = {}
    for type_path, element in _type_paths(schema):
        read_only = _read_only(wsapi, type_path)
        assert read_only, type_path
        rows = wsapi.get(type_path.lower(), {"fetch": "true", "pagesize": 500})
        results = rows["QueryResult"]["Results"]
        assert results, f"the demo data has no {type_path}: the walk would prove nothing"
        allowed = coverage.not_emulated(schema, element) | coverage.null_until(schema, element)
        for row in results:
            for name in read_only:
                assert name in row, (type_path, name)  # fetch=true returns every attribute
                if row[name] is None and name not in allowed:
                    silent.setdefault(type_path, set()).add(name)
    assert silent == {}, f"null without being listed in pyral/emulator/coverage.py: {silent}"


def test_not_emulated_fields_really_read_null(wsapi: Wsapi, schema: Schema) -> None:
    """The list is not a blanket excuse: a field listed as not emulated is never filled."""
    for type_path, element in _type_paths(schema):
        listed = coverage.not_emulated(schema, element)
        rows = wsapi.get(type_path.lower(), {"fetch": "true", "pagesize": 500})
        for row in rows["QueryResult"]["Results"]:
            filled = {n for n in listed if row.get(n) is not None}
            assert not filled, (type_path, filled)


def test_every_listed_field_exists_on_its_type(schema: Schema) -> None:
    for key, names in coverage.NOT_EMULATED.items():
        td = schema.get(key)
        missing = [n for n in names if n not in td.attributes]
        assert not missing, (key, missing)
    for key, (names, _why) in coverage.NULL_UNTIL.items():
        td = schema.get(key)
        missing = [n for n in names if n not in td.attributes]
        assert not missing, (key, missing)


def _table_rows() -> list[tuple[set[str], str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Computed fields", 1)[1].split("\n## ", 1)[0]
    rows: list[tuple[set[str], str]] = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or set(cells[0]) <= {"-", " "}:
            continue
        rows.append(
            (set(re.findall(r"`([A-Za-z]+)`", cells[0])), cells[2].lower().replace("`", ""))
        )
    assert rows
    return rows


def _documented(name: str, status: str | None) -> bool:
    return any(
        name in names and (status is None or status in row_status)
        for names, row_status in _table_rows()
    )


@pytest.mark.parametrize(
    "name", sorted({n for names in coverage.NOT_EMULATED.values() for n in names})
)
def test_docs_table_lists_each_not_emulated_field(name: str) -> None:
    assert _documented(name, "not emulated"), name


@pytest.mark.parametrize(
    "name", sorted({n for names, _ in coverage.NULL_UNTIL.values() for n in names})
)
def test_docs_table_lists_each_null_until_field(name: str) -> None:
    assert _documented(name, "null until"), name


def test_docs_not_emulated_rows_name_only_listed_fields() -> None:
    listed = {n for names in coverage.NOT_EMULATED.values() for n in names}
    for names, status in _table_rows():
        if "not emulated" in status:
            assert names <= listed, names - listed
