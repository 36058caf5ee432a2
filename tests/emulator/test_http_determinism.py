"""Same seed + same sequence of requests => same ObjectIDs and FormattedIDs, over HTTP.

Users rely on this to write offline tests of their scripts that assert exact identifiers.
"""

from __future__ import annotations

import requests

from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY

HEADERS = {"ZSESSIONID": DEMO_APIKEY, "Content-Type": "application/json"}


def _script(base: str) -> list[tuple[int, str | None]]:
    """Create a story, a task under it and a defect; update and delete; return the identities."""
    svc = f"{base}/slm/webservice/v2.0"
    seen: list[tuple[int, str | None]] = []
    with requests.Session() as http:
        http.headers.update(HEADERS)

        def create(type_path: str, body: dict) -> dict:
            reply = http.put(f"{svc}/{type_path}/create", json={type_path: body}).json()
            assert reply["CreateResult"]["Errors"] == []
            obj = reply["CreateResult"]["Object"]
            seen.append((obj["ObjectID"], obj.get("FormattedID")))
            return obj

        story = create("HierarchicalRequirement", {"Name": "Same every time"})
        create("Task", {"Name": "A task", "WorkProduct": story["_ref"]})
        defect = create("Defect", {"Name": "A defect", "Requirement": story["_ref"]})
        http.post(f"{svc}/defect/{defect['ObjectID']}", json={"Defect": {"State": "Open"}})
        http.delete(f"{svc}/defect/{defect['ObjectID']}")
        create("Defect", {"Name": "After the delete"})
        feature = create("PortfolioItem/Feature", {"Name": "A feature"})
        seen.append((feature["ObjectID"], feature["FormattedID"]))
    return seen


def test_two_emulators_allocate_the_same_identities() -> None:
    with (
        EmulatorServer(demo=True, quiet=True) as first,
        EmulatorServer(demo=True, quiet=True) as second,
    ):
        run_one, run_two = _script(first.url), _script(second.url)
    assert run_one == run_two
    oids = [oid for oid, _ in run_one]
    assert len(set(oids[:-1])) == len(oids) - 1  # every create got a new ObjectID
    fids = [fid for _, fid in run_one]
    assert fids[2] != fids[3], "a deleted FormattedID is never reused"
