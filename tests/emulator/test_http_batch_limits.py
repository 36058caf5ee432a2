"""Issue 8 item 8: the batch size cap, and an update's answer showing its own result."""

from __future__ import annotations

import threading

from conftest import Wsapi

from pyral.emulator import errors


def test_batch_over_the_cap_is_refused_whole(wsapi: Wsapi):
    before = wsapi.count("defect")
    entry = {
        "Entry": {"Path": "/defect/create", "Method": "PUT", "Body": {"Defect": {"Name": "x"}}}
    }
    count = errors.MAX_BATCH_ENTRIES + 1
    root = wsapi.post("batch", {"Batch": [entry] * count})["BatchResult"]
    assert root["Errors"] == [errors.batch_too_large(count, errors.MAX_BATCH_ENTRIES)]
    assert wsapi.count("defect") == before


def test_batch_at_the_cap_runs(wsapi: Wsapi):
    read = {"Entry": {"Path": "/subscription", "Method": "GET"}}
    user_ref = wsapi.get("user")["User"]["_ref"]
    read = {"Entry": {"Path": user_ref, "Method": "GET"}}
    root = wsapi.post("batch", {"Batch": [read] * errors.MAX_BATCH_ENTRIES})["BatchResult"]
    assert root["Errors"] == []
    assert len(root["Results"]) == errors.MAX_BATCH_ENTRIES


def test_update_answer_is_the_state_right_after_that_update(emulator, demo_login):
    """Concurrent writers on one object: each answer carries the Name its request set."""
    setup = Wsapi(emulator, apikey=demo_login["apikey"])
    ref = setup.create("Defect", {"Name": "race"})["_ref"]
    mismatches: list[tuple[str, str]] = []
    failures: list[object] = []

    def writer(n: int) -> None:
        client = Wsapi(emulator, apikey=demo_login["apikey"])
        try:
            for k in range(15):
                name = f"w{n}-{k}"
                answer = client.post(ref, {"Defect": {"Name": name}}, {"fetch": "Name"})
                result = answer["OperationResult"]
                if result["Errors"]:
                    failures.append(result["Errors"])
                elif result["Object"]["Name"] != name:
                    mismatches.append((name, result["Object"]["Name"]))
        finally:
            client.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    setup.close()
    assert failures == []
    assert mismatches == []


def test_update_answer_ignores_a_writer_landing_right_after_its_commit(
    emulator, demo_login, monkeypatch
):
    """Deterministic form of the race: another writer commits the moment this one does."""
    from contextlib import contextmanager

    client = Wsapi(emulator, apikey=demo_login["apikey"])
    created = client.create("Defect", {"Name": "before"})
    store = emulator.backend.store
    original = store.write
    armed = {"on": True}

    @contextmanager
    def write_then_interfere():
        with original() as conn:
            yield conn
        if armed["on"] and store._write_depth == 0:
            armed["on"] = False
            row = store.get(created["ObjectID"])
            row.data["Name"] = "the other writer"
            row.version += 1
            store.save(row)

    monkeypatch.setattr(store, "write", write_then_interfere)
    answer = client.post(created["_ref"], {"Defect": {"Name": "mine"}}, {"fetch": "Name"})
    monkeypatch.undo()
    assert answer["OperationResult"]["Object"]["Name"] == "mine"
    assert client.get(created["_ref"])["Defect"]["Name"] == "the other writer"
    client.close()
