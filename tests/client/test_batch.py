"""createMultiple / updateMultiple end to end over HTTP, plus the pure helpers of pyral.multiop."""

from __future__ import annotations

import dataclasses
import json
import types
from datetime import date, datetime, timedelta, timezone

import pytest

from pyral import RallyRESTAPIError
from pyral.exceptions import MultipleOperationError
from pyral.multiop import (
    ITEM_TYPE_INCONSISTENCY_ERROR,
    BatchFailure,
    BatchResults,
    batchPacker,
    looksLikeDataInstance,
    transformToRallyValue,
)


class Spy:
    """Records (method, url, body) of every request a client sends."""

    def __init__(self, rally, monkeypatch) -> None:
        self.sent: list[tuple[str, str, object]] = []
        real = rally.transport.send

        def send(method, url, body=None, **kw):
            self.sent.append((method, url, json.loads(body) if body else None))
            return real(method, url, body=body, **kw)

        monkeypatch.setattr(rally.transport, "send", send)

    def batches(self) -> list[tuple[str, str, object]]:
        return [s for s in self.sent if "/batch?" in s[1]]


@pytest.fixture
def spy(wrally, monkeypatch):
    return Spy(wrally, monkeypatch)


@pytest.fixture
def story(wrally):
    return wrally.create("Story", {"Name": "batch parent"})


def _names(rally, entity: str, query: str, **kw) -> list[str]:
    return sorted(x.Name for x in rally.get(entity, fetch="Name", query=query, project=None, **kw))


# -- create -----------------------------------------------------------------------------------------


def test_create_multiple_wire_shape_and_return_shape(wrally, spy):
    results = wrally.createMultiple("Defect", [{"Name": "bulk a"}, {"Name": "bulk b"}])
    ((method, url, body),) = spy.batches()
    ws = wrally._resolver.workspace.oid
    proj = wrally._resolver.project.oid
    assert method == "POST"
    assert url.endswith(
        f"/slm/webservice/v2.0/batch?key={wrally.transport.security_token()}"
        f"&workspace=/workspace/{ws}&project=/project/{proj}&fetch=FormattedID,Name"
    )
    assert body == {
        "Batch": [
            {"Entry": {"Path": "/defect/create", "Method": "PUT", "Body": {"defect": {"Name": n}}}}
            for n in ("bulk a", "bulk b")
        ]
    }
    assert isinstance(results, BatchResults) and isinstance(results, list)
    assert [set(r) for r in results] == [{"_ref", "ObjectID", "FormattedID", "Name"}] * 2
    assert [r["Name"] for r in results] == ["bulk a", "bulk b"]
    assert all(
        isinstance(r["ObjectID"], str) and r["_ref"].endswith(r["ObjectID"]) for r in results
    )
    assert results.ok and results.failures == [] and results.indexes == [0, 1]
    got = wrally.get("Defect", fetch="FormattedID", query=f"ObjectID = {results[1]['ObjectID']}")
    assert next(got).FormattedID == results[1]["FormattedID"]


def test_bulk_tasks_with_one_bad_item(wrally, story):
    """The bad item is reported by position; the others are created; nothing half-applied."""
    items = [
        {"Name": "t1", "WorkProduct": story.ref, "Estimate": 2},
        {"Name": "t2", "WorkProduct": story.ref, "State": "Exploded"},
        {"Name": "t3", "WorkProduct": story, "TaskIndex": "3", "Blocked": "true"},
    ]
    results = wrally.createMultiple("Task", items)
    assert [r["Name"] for r in results] == ["t1", "t3"] and results.indexes == [0, 2]
    assert not results.ok
    (failure,) = results.failures
    assert isinstance(failure, BatchFailure)
    assert failure.index == 1 and failure.item is items[1]
    assert '"Exploded" is an invalid value' in failure.errors[0]
    assert results.errors == [f"item 1: {failure.errors[0]}"]
    tasks = {
        t.Name: t for t in wrally.get("Task", fetch=True, query=f'WorkProduct = "{story.ref}"')
    }
    assert sorted(tasks) == ["t1", "t3"]
    assert tasks["t3"].TaskIndex == 3 and tasks["t3"].Blocked is True
    assert tasks["t1"].Estimate == 2


def test_validation_happens_before_anything_is_sent(wrally, spy, story):
    bad = [
        {"Name": "ok", "WorkProduct": story.ref},
        {"WorkProduct": story.ref},  # MISSING Name
        {"Name": "ro", "WorkProduct": story.ref, "FormattedID": "TA1"},  # read-only
        {"Name": "typed", "WorkProduct": story.ref, "TaskIndex": "three"},  # MISTYPED
        {"Name": "unknown", "WorkProduct": story.ref, "Colour": "red"},
    ]
    with pytest.raises(MultipleOperationError) as err:
        wrally.createMultiple("Task", bad)
    # The message is pyral 1.7.0's (its first group only); errors holds every problem.
    assert str(err.value) == (
        "Invalid or insufficient attributes for data items: INVALIDS ==> {'FormattedID'}"
    )
    assert err.value.errors == [
        "INVALIDS: item 2: FormattedID",
        "MISSING: item 1: Name",
        "MISTYPED: item 3: TaskIndex: 'three' is not an INTEGER",
        "UNKNOWN: item 4: Colour",
    ]
    assert spy.batches() == []


def test_dates_integers_and_booleans(wrally):
    when = datetime(2026, 5, 4, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    results = wrally.createMultiple(
        "Milestone",
        [
            {"Name": "m datetime", "TargetDate": when},
            {"Name": "m date", "TargetDate": date(2026, 5, 6)},
            {"Name": "m text", "TargetDate": "2026-05-07T00:00:00.000Z"},
        ],
    )
    assert results.ok and len(results) == 3
    stored = {
        m.Name: m.TargetDate
        for m in wrally.get("Milestone", fetch="Name,TargetDate", project=None)
        if m.Name.startswith("m ")
    }
    assert stored["m datetime"].startswith("2026-05-04")
    # The message is pyral's MISTYPED pair; the reason is in errors.
    for entity, item, reason in (
        ("Milestone", {"TargetDate": "2026-05-07 10:00"}, "is not an ISO 8601 date"),
        ("Milestone", {"TargetDate": "2026-02-30"}, "is not a valid date"),
        ("Defect", {"Blocked": "maybe"}, "is not a BOOLEAN"),
    ):
        with pytest.raises(MultipleOperationError, match="MISTYPED ==> ") as err:
            wrally.createMultiple(entity, [{"Name": "x", **item}])
        assert reason in err.value.errors[0]


def test_items_must_be_consistent(wrally):
    @dataclasses.dataclass
    class Item:
        Name: str

    with pytest.raises(MultipleOperationError) as err:
        wrally.createMultiple("Defect", [{"Name": "a"}, Item("b")])
    assert str(err.value) == ITEM_TYPE_INCONSISTENCY_ERROR
    with pytest.raises(MultipleOperationError, match="got a str"):
        wrally.createMultiple("Defect", ["Name=a"])
    assert wrally.createMultiple("Defect", []) == []
    assert wrally.updateMultiple("Defect", []) == []


def test_dataclass_items_and_custom_field_names(wrally):
    @dataclasses.dataclass
    class Bug:
        Name: str
        Severity: str | None = None
        RootCause: str | None = None  # custom field c_RootCause, named without c_

    results = wrally.createMultiple("Defect", [Bug("dc 1"), Bug("dc 2", "Cosmetic", "Code")])
    assert results.ok
    second = wrally.get("Defect", fetch=True, query='Name = "dc 2"', instance=True)
    assert second.Severity == "Cosmetic" and second.c_RootCause == "Code"


def test_workspace_and_project_arguments_are_honoured(wrally, spy):
    results = wrally.createMultiple("Defect", [{"Name": "in mobile"}], project="Mobile Team")
    assert results.ok
    found = wrally.get("Defect", fetch="Name,Project", query='Name = "in mobile"', project=None)
    assert next(found).Project.Name == "Mobile Team"
    sandbox = wrally.createMultiple(
        "Defect", [{"Name": "in sandbox"}], workspace="Sandbox Workspace", project="Sandbox Project"
    )
    assert sandbox.ok
    url = spy.batches()[-1][1]
    sb = next(w for w in wrally.getWorkspaces() if w.Name == "Sandbox Workspace")
    assert f"workspace=/workspace/{sb.oid}&project=/project/" in url
    there = wrally.get(
        "Defect", fetch="Name,Project", query='Name = "in sandbox"', workspace="Sandbox Workspace"
    )
    assert next(there).Project.Name == "Sandbox Project"
    assert wrally.get("Defect", query='Name = "in sandbox"', project=None).resultCount == 0


def test_portfolio_items(wrally, spy):
    results = wrally.createMultiple("Feature", [{"Name": "bulk feature"}])
    assert results.ok and results[0]["FormattedID"].startswith("F")
    entry = spy.batches()[-1][2]["Batch"][0]["Entry"]
    assert entry["Path"] == "/portfolioitem/feature/create"
    assert entry["Body"] == {"portfolioitem/feature": {"Name": "bulk feature"}}


def test_whole_request_refused_raises(wrally, monkeypatch):
    monkeypatch.setattr(wrally.transport, "security_token", lambda: "not-the-token")
    with pytest.raises(RallyRESTAPIError, match="Invalid key") as err:
        wrally.createMultiple("Defect", [{"Name": "never"}])
    assert err.value.errors == ["Not authorized to perform action: Invalid key"]


# -- update -----------------------------------------------------------------------------------------


def test_update_multiple_with_fields(wrally, spy):
    created = wrally.createMultiple("Defect", [{"Name": "u a"}, {"Name": "u b"}])
    oids = [int(r["ObjectID"]) for r in created]
    items = [
        {"ObjectID": oids[0], "Name": "u a2", "Description": "not sent"},
        {"ObjectID": str(oids[1]), "Name": "u b2"},
    ]
    updated = wrally.updateMultiple("Defect", items, fields=["Name"])
    body = spy.batches()[-1][2]
    assert body == {
        "Batch": [
            {"Entry": {"Path": f"/defect/{oid}", "Method": "POST", "Body": {"defect": {"Name": n}}}}
            for oid, n in zip(oids, ("u a2", "u b2"), strict=True)
        ]
    }
    assert [r["Name"] for r in updated] == ["u a2", "u b2"]
    first = wrally.get("Defect", fetch="Name,Description", query=f"ObjectID = {oids[0]}")
    assert next(first).Description in ("", None)


def test_update_entities_and_by_formatted_id(wrally, story):
    wrally.createMultiple("Task", [{"Name": n, "WorkProduct": story.ref} for n in ("e1", "e2")])
    tasks = list(
        wrally.get("Task", fetch="Name,State,Estimate", query=f'WorkProduct = "{story.ref}"')
    )
    for task in tasks:
        task.State = "Completed"
        task.Estimate = 5
    updated = wrally.updateMultiple("Task", tasks)
    assert updated.ok and len(updated) == 2
    again = {
        t.Name: t for t in wrally.get("Task", fetch=True, query=f'WorkProduct = "{story.ref}"')
    }
    assert {t.State for t in again.values()} == {"Completed"}
    assert {t.Estimate for t in again.values()} == {5}
    by_fid = wrally.updateMultiple(
        "Task", [{"FormattedID": again["e1"].FormattedID, "Name": "e1x"}]
    )
    assert [r["Name"] for r in by_fid] == ["e1x"]
    with pytest.raises(MultipleOperationError, match="TA99999 could not be located"):
        wrally.updateMultiple("Task", [{"FormattedID": "TA99999", "Name": "nope"}])


def test_update_problems(wrally, spy):
    created = wrally.createMultiple("Defect", [{"Name": "up a"}])
    oid = int(created[0]["ObjectID"])
    with pytest.raises(MultipleOperationError) as err:
        wrally.updateMultiple(
            "Defect",
            [
                {"ObjectID": oid, "CreationDate": "2020-01-01"},
                {"ObjectID": oid, "Tags": []},
                {"ObjectID": oid, "Bogus": 1},
                {"Name": "no id"},
            ],
        )
    assert str(err.value) == (
        "Invalid or insufficient attributes for data items: READ_ONLY ==> ['CreationDate', 'Bogus']"
    )
    assert err.value.errors == [
        "READ_ONLY: item 0: CreationDate",
        "READ_ONLY: item 2: Bogus",
        "COLLECTION: item 1: Tags",
        "MISSING: item 3: ObjectID",
    ]
    batches_before = len(spy.batches())
    results = wrally.updateMultiple(
        "Defect",
        [{"ObjectID": oid, "Priority": "Urgent-ish"}, {"ObjectID": 999999999, "Name": "ghost"}],
    )
    assert len(spy.batches()) == batches_before + 1
    assert results == [] and [f.index for f in results.failures] == [0, 1]
    assert "Cannot find object to update" in results.failures[1].errors[0]


# -- pure helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("avt", "given", "expected"),
    [
        ("INTEGER", 3, 3),
        ("INTEGER", "42", 42),
        ("INTEGER", "-7", -7),
        ("QUANTITY", "2.5", 2.5),
        ("QUANTITY", 4, 4),
        ("DECIMAL", "10", 10),
        ("BOOLEAN", "TRUE", True),
        ("BOOLEAN", False, False),
        ("DATE", date(2026, 1, 2), "2026-01-02"),
        ("DATE", datetime(2026, 1, 2, 3, 4, 5, 600000), "2026-01-02T03:04:05.600Z"),
        ("DATE", "2026-01-02T03:04Z", "2026-01-02T03:04Z"),
        ("OBJECT", "user/123", "user/123"),
        ("OBJECT", {"_ref": "/user/1"}, {"_ref": "/user/1"}),
        ("COLLECTION", ["tag/1", {"_ref": "tag/2"}], [{"_ref": "tag/1"}, {"_ref": "tag/2"}]),
        ("STRING", 12, "12"),
        ("STATE", "Open", "Open"),
        ("STRING", None, None),
    ],
)
def test_transform_accepts(avt, given, expected):
    assert transformToRallyValue("X", given, avt) == expected


@pytest.mark.parametrize(
    ("avt", "given"),
    [
        ("INTEGER", True),
        ("INTEGER", 1.5),
        ("INTEGER", "1.5"),
        ("QUANTITY", "lots"),
        ("BOOLEAN", 1),
        ("DATE", "02/01/2026"),
        ("DATE", 20260102),
        ("OBJECT", "Alice"),
        ("COLLECTION", "tag/1"),
        ("COLLECTION", ["Alice"]),
        ("RATING", 3),
    ],
)
def test_transform_refuses(avt, given):
    with pytest.raises(ValueError, match="^X: "):
        transformToRallyValue("X", given, avt)


def test_batch_packer_and_item_shapes():
    assert batchPacker("PortfolioItem/Feature", "update", [(5, {"Name": "n"})]) == {
        "Batch": [
            {
                "Entry": {
                    "Path": "/portfolioitem/feature/5",
                    "Method": "POST",
                    "Body": {"portfolioitem/feature": {"Name": "n"}},
                }
            }
        ]
    }
    with pytest.raises(ValueError, match="must be 'create' or 'update'"):
        batchPacker("Defect", "delete", [{"Name": "x"}])

    @dataclasses.dataclass
    class D:
        Name: str

    assert looksLikeDataInstance(D("x")) and not looksLikeDataInstance(D)
    assert not looksLikeDataInstance({"Name": "x"})
    assert looksLikeDataInstance(types.SimpleNamespace(Name="x"))
    assert not looksLikeDataInstance("Name=x") and not looksLikeDataInstance(3)


# -- items shaped like pyral's own entities (issue 7, item 6) ---------------------------------------


@dataclasses.dataclass
class _Tracked:
    """A dataclass modelled on a pyral entity: identity attributes next to Rally data."""

    oid: int | None
    Name: str
    ref: str | None = None
    Severity: str | None = None


def test_dataclass_items_carrying_oid_update_by_oid(wrally, spy):
    created = wrally.createMultiple("Defect", [{"Name": "dc id a"}, {"Name": "dc id b"}])
    oids = [int(r["ObjectID"]) for r in created]
    items = [_Tracked(o, f"renamed {o}", f"defect/{o}", "Cosmetic") for o in oids]
    with_fields = wrally.updateMultiple("Defect", items, fields=["Name"])
    assert [r["Name"] for r in with_fields] == [f"renamed {o}" for o in oids]
    entries = [b["Entry"] for b in spy.batches()[-1][2]["Batch"]]
    assert [e["Path"] for e in entries] == [f"/defect/{o}" for o in oids]
    assert [e["Body"] for e in entries] == [{"defect": {"Name": f"renamed {o}"}} for o in oids]
    # Without fields every Rally attribute the item has is sent; the identity never is.
    everything = wrally.updateMultiple("Defect", items)
    assert everything.ok and len(everything) == 2
    bodies = [b["Entry"]["Body"]["defect"] for b in spy.batches()[-1][2]["Batch"]]
    assert bodies == [{"Name": f"renamed {o}", "Severity": "Cosmetic"} for o in oids]
    again = wrally.get("Defect", fetch="Severity", query=f"ObjectID = {oids[0]}", instance=True)
    assert again.Severity == "Cosmetic"


def test_dataclass_items_carrying_oid_create(wrally, spy):
    results = wrally.createMultiple("Defect", [_Tracked(None, "new a"), _Tracked(77, "new b")])
    assert [r["Name"] for r in results] == ["new a", "new b"]
    bodies = [b["Entry"]["Body"]["defect"] for b in spy.batches()[-1][2]["Batch"]]
    assert bodies == [{"Name": "new a"}, {"Name": "new b"}]


def test_update_refuses_read_only_fields_before_sending(wrally, spy):
    created = wrally.createMultiple("Defect", [{"Name": "ro a"}])
    oid, fid = int(created[0]["ObjectID"]), created[0]["FormattedID"]
    sent = len(spy.batches())
    for fields in (None, ["Name", "FormattedID"]):
        with pytest.raises(MultipleOperationError) as err:
            wrally.updateMultiple(
                "Defect", [{"ObjectID": oid, "FormattedID": fid, "Name": "x"}], fields=fields
            )
        assert str(err.value) == (
            "Invalid or insufficient attributes for data items: READ_ONLY ==> ['FormattedID']"
        )
        assert err.value.errors == ["READ_ONLY: item 0: FormattedID"]
    with pytest.raises(MultipleOperationError, match=r"READ_ONLY ==> \['ref'\]"):
        wrally.updateMultiple("Defect", [_Tracked(oid, "x", f"defect/{oid}")], fields=["ref"])
    assert len(spy.batches()) == sent
    # Left out by fields, the FormattedID is not an attribute to update (as in pyral).
    done = wrally.updateMultiple(
        "Defect", [{"ObjectID": oid, "FormattedID": fid, "Name": "ro a2"}], fields=["Name"]
    )
    assert [(r["FormattedID"], r["Name"]) for r in done] == [(fid, "ro a2")]


def test_validation_message_names_each_attribute_once_pairs_for_mistyped(wrally):
    created = wrally.createMultiple("Defect", [{"Name": "mt"}])
    oid = int(created[0]["ObjectID"])
    with pytest.raises(MultipleOperationError) as err:
        wrally.updateMultiple("Defect", [{"ObjectID": oid, "Blocked": "maybe"}] * 2)
    assert str(err.value).endswith("MISTYPED ==> [('Blocked', 'maybe')]")
    assert len(err.value.errors) == 2
    with pytest.raises(MultipleOperationError) as err:
        wrally.createMultiple("Defect", [{"Name": "m", "Blocked": "maybe"}])
    assert str(err.value).endswith("MISTYPED ==> {('Blocked', 'maybe')}")


class _Plain:
    """Not a dataclass: an object with its attributes in ``__dict__`` (pyral took these)."""

    def __init__(self, name: str, oid: int | None = None) -> None:
        self.Name = name
        self._cache = "never sent"
        if oid is not None:
            self.oid = oid


def test_plain_objects_are_data_items(wrally, spy):
    made = wrally.createMultiple("Defect", [_Plain("plain a"), _Plain("plain b")])
    assert [r["Name"] for r in made] == ["plain a", "plain b"]
    bodies = [b["Entry"]["Body"]["defect"] for b in spy.batches()[-1][2]["Batch"]]
    assert bodies == [{"Name": "plain a"}, {"Name": "plain b"}]
    oids = [int(r["ObjectID"]) for r in made]
    renamed = wrally.updateMultiple("Defect", [_Plain("plain u", o) for o in oids])
    assert [r["Name"] for r in renamed] == ["plain u"] * 2
    via_ns = wrally.updateMultiple(
        "Defect", [types.SimpleNamespace(ObjectID=oids[0], Name="ns")], fields=["Name"]
    )
    assert [r["Name"] for r in via_ns] == ["ns"]
    with pytest.raises(MultipleOperationError, match="all dicts or all data-like"):
        wrally.createMultiple("Defect", [_Plain("p"), {"Name": "d"}])
