"""The benchmarks' big-data path, kept honest at a small size (2,000 artifacts, no timings).

``benchmarks/bigseed.py`` writes generated artifacts with ``executemany`` instead of the seed
loader.  These tests hold it to the loader: the same document loaded both ways must give the
same rows, identifiers and counters; and an emulator over the bulk-loaded store must answer
the scale check's queries correctly over HTTP.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from pyral.emulator.backend import Backend
from pyral.emulator.demo import DEMO_APIKEY, DEMO_WORKSPACE
from pyral.emulator.schema import Schema
from pyral.emulator.server import EmulatorServer
from pyral.emulator.store import Store

ARTIFACTS = 2000
_BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _bigseed() -> Any:
    spec = importlib.util.spec_from_file_location("bench_bigseed", _BENCH / "bigseed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bigseed = _bigseed()


def _dump(store: Store) -> dict[str, Any]:
    conn = store.connection()
    rows = conn.execute(
        "SELECT oid, type, workspace, project, fid_num, rank, recycled, version, data"
        " FROM objects ORDER BY oid"
    ).fetchall()
    return {
        "rows": [(*r[:-1], json.loads(r[-1])) for r in rows],
        "counters": conn.execute("SELECT name, value FROM counters ORDER BY name").fetchall(),
        "meta": conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall(),
        "access": conn.execute("SELECT * FROM workspace_access ORDER BY 1, 2").fetchall(),
    }


@pytest.fixture(scope="module")
def loaded() -> Any:
    schema = Schema.load_default()
    slow, fast = Store(None), Store(None)
    try:
        slow_data = bigseed.load_big(slow, schema, bigseed.big_seed(ARTIFACTS), bulk=False)
        fast_data = bigseed.load_big(fast, schema, bigseed.big_seed(ARTIFACTS), bulk=True)
        yield slow, fast, slow_data, fast_data
    finally:
        slow.close()
        fast.close()


def test_generator_makes_exactly_the_requested_mix() -> None:
    objects = list(bigseed.generated_objects(ARTIFACTS))
    assert len(objects) == ARTIFACTS
    kinds = [o["_type"] for o in objects]
    assert kinds.count("HierarchicalRequirement") == 600
    assert kinds.count("Task") == 800
    assert kinds.count("Defect") == 600
    assert list(bigseed.generated_objects(37, defects_only=True)) == list(
        bigseed.generated_objects(37, defects_only=True)
    )
    assert {o["_type"] for o in bigseed.generated_objects(50, defects_only=True)} == {"Defect"}
    assert any("checkout" in o["Name"] for o in objects)
    with pytest.raises(ValueError):
        list(bigseed.generated_objects(-1))


def test_bulk_path_writes_what_the_seed_loader_writes(loaded: Any) -> None:
    slow, fast, slow_data, fast_data = loaded
    assert fast_data.artifacts == ARTIFACTS and slow_data.artifacts == 0
    a, b = _dump(slow), _dump(fast)
    assert len(a["rows"]) == len(b["rows"])
    for left, right in zip(a["rows"], b["rows"], strict=True):
        assert left == right
    assert a["counters"] == b["counters"]
    assert a["meta"] == b["meta"] and a["access"] == b["access"]
    assert slow_data.result.keys == fast_data.result.keys


def test_bulk_path_refuses_what_it_cannot_reproduce() -> None:
    seed = bigseed.big_seed(3)
    seed["workspaces"][-1]["objects"].append(
        {"_type": "Defect", "Name": "x", "Owner": "nobody@example.com"}
    )
    with Store(None) as store, pytest.raises(ValueError, match="nobody@example.com"):
        bigseed.load_big(store, Schema.load_default(), seed)


@pytest.fixture(scope="module")
def served(loaded: Any) -> Any:
    _, fast, _, data = loaded
    with EmulatorServer(Backend(fast), quiet=True) as server:
        http = requests.Session()
        http.headers["ZSESSIONID"] = DEMO_APIKEY
        yield server, http, data


def _query(served: Any, type_name: str, **params: Any) -> dict[str, Any]:
    server, http, data = served
    params["workspace"] = f"{server.service_url}/workspace/{data.workspace}"
    resp = http.get(f"{server.service_url}/{type_name}", params=params)
    assert resp.status_code == 200, resp.text
    result = resp.json()["QueryResult"]
    assert result["Errors"] == []
    return result


def _expected(loaded: Any, where: str, *params: Any) -> int:
    store = loaded[1]
    sql = f"SELECT COUNT(*) FROM objects WHERE workspace = ? AND recycled = 0 AND {where}"
    return store.connection().execute(sql, (loaded[3].workspace, *params)).fetchone()[0]


def test_scale_queries_over_http_on_bulk_data(served: Any, loaded: Any) -> None:
    open_defects = _query(served, "Defect", query="(State = Open)", pagesize=200)
    assert open_defects["TotalResultCount"] == _expected(
        loaded, "type = 'Defect' AND json_extract(data, '$.State') = 'Open'"
    )
    assert open_defects["TotalResultCount"] > 100

    alice = loaded[3].result.users["alice@example.com"]
    owned = _query(
        served, "HierarchicalRequirement", query='(Owner.UserName = "alice@example.com")'
    )
    assert owned["TotalResultCount"] == _expected(
        loaded, "type = 'HierarchicalRequirement' AND json_extract(data, '$.Owner') = ?", alice
    )

    urgent = loaded[3].result.keys["tag-urgent"]
    tagged = _query(served, "HierarchicalRequirement", query='(Tags.Name = "urgent")')
    assert tagged["TotalResultCount"] == _expected(
        loaded,
        "type = 'HierarchicalRequirement' AND EXISTS (SELECT 1 FROM json_each(data, '$.Tags')"
        " j WHERE j.value = ?)",
        urgent,
    )
    assert tagged["TotalResultCount"] > 0

    found = _query(served, "HierarchicalRequirement", query='(FormattedID = "US300")', fetch="true")
    assert [r["FormattedID"] for r in found["Results"]] == ["US300"]
    story = found["Results"][0]
    assert story["Tasks"]["Count"] == _expected(
        loaded, "type = 'Task' AND json_extract(data, '$.WorkProduct') = ?", story["ObjectID"]
    )


def test_rank_order_and_deep_pages_on_bulk_data(served: Any) -> None:
    ranked = _query(served, "HierarchicalRequirement", order="Rank", fetch="DragAndDropRank")
    ranks = [r["DragAndDropRank"] for r in ranked["Results"]]
    assert ranks == sorted(ranks) and len(ranks) == ranked["PageSize"]
    total = _query(served, "Artifact", pagesize=1)["TotalResultCount"]
    assert total >= ARTIFACTS
    last = _query(served, "Artifact", pagesize=200, start=total - 9, fetch="FormattedID")
    assert len(last["Results"]) == 10
    assert last["StartIndex"] == total - 9


def test_writes_on_bulk_data_continue_the_counters(served: Any, loaded: Any) -> None:
    server, http, data = served
    project = data.result.projects[DEMO_WORKSPACE]["Online Store"]
    resp = http.post(
        f"{server.service_url}/Defect/create",
        params={"workspace": f"{server.service_url}/workspace/{data.workspace}"},
        json={"Defect": {"Name": "after bulk", "Project": f"/project/{project}"}},
    )
    assert resp.status_code == 200, resp.text
    created = resp.json()["CreateResult"]["Object"]
    defects = _expected(loaded, "type = 'Defect'")
    assert created["FormattedID"] == f"DE{defects}"  # demo 15 + 600 generated + this one
    assert created["ObjectID"] > max(data.result.keys.values())
