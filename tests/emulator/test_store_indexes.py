"""The store answers the usual filters and ranking from indexes (issue 9).

Speed is for ``benchmarks/emulator_scale.py``; this checks the mechanism: SQLite's own query
plan for the SQL a request really runs names an index and does not scan the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pyral.emulator import EmulatorServer
from pyral.emulator.backend import ranking
from pyral.emulator.demo import DEMO_APIKEY


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(demo=True, quiet=True) as srv:
        yield srv


def plans_of(server: EmulatorServer, attr: str, path: str, **params: Any) -> list[str]:
    """EXPLAIN QUERY PLAN of every count/select the store runs for one GET that filters on
    ``attr`` (other statements, such as the type lookup, are left out)."""
    store = server.app.backend.store
    seen: list[tuple[str, list[Any]]] = []
    select, count = store.select, store.count

    def rec_select(where: str, args: Any, **kw: Any) -> Any:
        order = kw.get("order_sql", "o.oid")
        seen.append((f"SELECT o.oid FROM objects o WHERE {where} ORDER BY {order}", list(args)))
        return select(where, args, **kw)

    def rec_count(where: str, args: Any) -> Any:
        seen.append((f"SELECT COUNT(*) FROM objects o WHERE {where}", list(args)))
        return count(where, args)

    store.select, store.count = rec_select, rec_count
    try:
        resp = requests.get(
            f"{server.service_url}/{path}", params=params, headers={"ZSESSIONID": DEMO_APIKEY}
        )
        assert resp.status_code == 200 and not next(iter(resp.json().values()))["Errors"]
    finally:
        store.select, store.count = select, count
    conn = store.connection()
    return [
        " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, args))
        for sql, args in seen
        if f"'$.{attr}'" in sql
    ]


def some_ref(server: EmulatorServer, type_name: str, attr: str) -> int:
    conn = server.app.backend.store.connection()
    found = conn.execute(
        f"SELECT json_extract(data, '$.{attr}') FROM objects WHERE type = ?"
        f" AND json_extract(data, '$.{attr}') IS NOT NULL LIMIT 1",
        (type_name,),
    ).fetchone()
    assert found, f"the demo data has no {type_name} with a {attr}"
    return int(found[0])


@pytest.mark.parametrize(
    ("type_name", "query", "index"),
    [
        ("Defect", '(State = "Open")', "objects_by_state"),
        ("HierarchicalRequirement", '(ScheduleState = "Accepted")', "objects_by_schedulestate"),
        ("Defect", '(LastUpdateDate > "2020-01-01")', "objects_by_lastupdatedate"),
    ],
)
def test_scalar_filters_use_their_index(server, type_name, query, index):
    attr = query[1:].split(" ", 1)[0]
    plans = plans_of(server, attr, type_name, query=query, fetch="Name", pagesize=5)
    assert len(plans) == 2 and all(index in plan for plan in plans), plans  # count and page
    assert not any("SCAN o" in plan for plan in plans), plans


@pytest.mark.parametrize(
    ("type_name", "attr", "index"),
    [
        ("Defect", "Owner", "objects_by_owner"),
        ("Defect", "Project", "objects_by_project"),
        ("HierarchicalRequirement", "Iteration", "objects_by_iteration"),
        ("HierarchicalRequirement", "Release", "objects_by_release"),
    ],
)
def test_reference_filters_use_their_index(server, type_name, attr, index):
    target = some_ref(server, type_name, attr)
    kind = {"Owner": "user"}.get(attr, attr.lower())
    query = f"({attr} = {server.service_url}/{kind}/{target})"
    plans = plans_of(server, attr, type_name, query=query, fetch="Name", pagesize=5, project=None)
    assert len(plans) == 2 and all(index in plan for plan in plans), plans  # count and page


def test_the_ends_of_the_ranking_are_index_seeks(server):
    conn = server.app.backend.store.connection()
    for sql in (ranking._LAST_RANK, ranking._FIRST_RANK):
        plan = " | ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, [1, 2]))
        assert "objects_ws_rank" in plan and "SCAN" not in plan, plan


def test_new_items_still_go_to_the_bottom_of_the_ranking(server):
    http = requests.Session()
    http.headers.update({"ZSESSIONID": DEMO_APIKEY, "Content-Type": "application/json"})
    made = []
    for n in range(3):
        resp = http.put(
            f"{server.service_url}/defect/create",
            params={"fetch": "DragAndDropRank"},
            json={"Defect": {"Name": f"ranked {n}"}},
        )
        made.append(resp.json()["CreateResult"]["Object"]["DragAndDropRank"])
    conn = server.app.backend.store.connection()
    highest = conn.execute("SELECT MAX(rank) FROM objects WHERE rank IS NOT NULL").fetchone()[0]
    assert made == sorted(made) and made[-1] == highest
