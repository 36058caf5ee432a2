"""Rally collection methods end to end against the emulator over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pyral import RallyRESTAPIError


@pytest.fixture
def sent(wrally) -> list[tuple[str, str, Any]]:
    """(method, url, parsed body) of every request ``wrally`` sends from now on."""
    calls: list[tuple[str, str, Any]] = []
    original = wrally.transport.send

    def recording(method: str, url: str, **kw: Any) -> Any:
        body = kw.get("body")
        calls.append((method, url, json.loads(body) if body else None))
        return original(method, url, **kw)

    wrally.transport.send = recording
    return calls


@pytest.fixture
def tags(wrally) -> dict[str, Any]:
    return {t.Name: t for t in wrally.get("Tag", fetch="Name", project=None)}


@pytest.fixture
def defect(wrally):
    return wrally.create("Defect", {"Name": "collections target"})


def _names(items: Any) -> list[str]:
    return sorted(i.Name for i in items)


def test_add_tags_sends_pyrals_request_and_rereads(wrally, sent, defect, tags):
    sent.clear()
    result = wrally.addCollectionItems(defect, "Tags", [tags["urgent"], tags["ux"]])
    assert result.oid == defect.oid and _names(result.Tags) == ["urgent", "ux"]
    method, url, body = sent[0]
    path, _, query = url.partition("?")
    assert method == "POST" and path.endswith(f"/Defect/{defect.oid}/Tags/add")
    assert query.startswith("fetch=Name&key=") and "workspace" not in query
    assert body == {
        "Tags": [{"_ref": f"Tag/{tags['urgent'].oid}"}, {"_ref": f"Tag/{tags['ux'].oid}"}]
    }
    assert sent[1][0] == "GET" and "fetch=ObjectID,Name,FormattedID,Tags" in sent[1][1]


def test_drop_sends_collection_items_and_returns_response(wrally, sent, defect, tags):
    wrally.addCollectionItems(defect, "Tags", [tags["urgent"], tags["ux"]])
    sent.clear()
    response = wrally.dropCollectionItems(defect, "Tags", [tags["urgent"]])
    assert response.status_code == 200 and response.errors == []
    assert len(sent) == 1
    method, url, body = sent[0]
    assert url.split("?")[0].endswith(f"/Defect/{defect.oid}/Tags/remove")
    assert body == {"CollectionItems": [{"_ref": f"Tag/{tags['urgent'].oid}"}]}
    assert _names(wrally.getCollection(f"{defect._ref}/Tags")) == ["ux"]


def test_older_two_argument_form_infers_the_collection(wrally, sent, defect, tags):
    milestones = list(wrally.get("Milestone", fetch="Name", project=None))
    result = wrally.addCollectionItems(defect, [tags["security"]])
    assert _names(result.Tags) == ["security"]
    result = wrally.addCollectionItems(defect, milestones)
    assert _names(result.Milestones) == _names(milestones)
    sent.clear()
    response = wrally.dropCollectionItems(defect, milestones[:1])
    assert response.errors == [] and sent[0][1].split("?")[0].endswith("/Milestones/remove")
    test_set = wrally.create("TestSet", {"Name": "inferred test set"})
    case = wrally.create("TestCase", {"Name": "inferred case"})
    assert [c.oid for c in wrally.addCollectionItems(test_set, [case]).TestCases] == [case.oid]


def test_ambiguous_or_mixed_items_are_refused_before_sending(wrally, sent, defect, tags):
    first = wrally.create("HierarchicalRequirement", {"Name": "first"})
    second = wrally.create("HierarchicalRequirement", {"Name": "second"})
    sent.clear()
    with pytest.raises(RallyRESTAPIError, match="Predecessors or Successors"):
        wrally.addCollectionItems(second, [first])
    with pytest.raises(RallyRESTAPIError, match="all items must be of the same type"):
        wrally.addCollectionItems(defect, "Tags", [tags["ux"], first])
    assert sent == []
    assert wrally.addCollectionItems(defect, "Tags", []) is None


def test_duplicate_add_is_idempotent_and_drop_of_non_member_is_harmless(wrally, defect, tags):
    wrally.addCollectionItems(defect, "Tags", [tags["urgent"]])
    again = wrally.addCollectionItems(defect, "Tags", [tags["urgent"], tags["urgent"]])
    assert _names(again.Tags) == ["urgent"]
    response = wrally.dropCollectionItems(defect, "Tags", [tags["ux"]])
    assert response.errors == []
    assert _names(wrally.getCollection(f"{defect._ref}/Tags")) == ["urgent"]


def test_refusals_raise_on_add_and_report_on_drop(wrally, defect, tags):
    story = wrally.create("HierarchicalRequirement", {"Name": "parent"})
    child = wrally.create("HierarchicalRequirement", {"Name": "child"})
    with pytest.raises(RallyRESTAPIError, match='collection attribute "Bogus"'):
        wrally.addCollectionItems(defect, "Bogus", [tags["ux"]])
    with pytest.raises(RallyRESTAPIError, match="Children collection .* read only"):
        wrally.addCollectionItems(story, "Children", [child])
    with pytest.raises(RallyRESTAPIError, match="but the attribute holds a Tag"):
        wrally.addCollectionItems(defect, "Tags", [child])
    doomed = wrally.create("Tag", {"Name": "doomed tag"})
    assert wrally.delete("Tag", doomed.oid)
    with pytest.raises(RallyRESTAPIError, match="does not exist"):
        wrally.addCollectionItems(defect, "Tags", [doomed])
    response = wrally.dropCollectionItems(story, "Children", [child])
    assert response.errors and "read only" in response.errors[0]


def test_predecessors_successors_and_portfolio_items(wrally):
    first = wrally.create("HierarchicalRequirement", {"Name": "first"})
    second = wrally.create("HierarchicalRequirement", {"Name": "second"})
    after = wrally.addCollectionItems(second, "Predecessors", [first])
    assert [p.oid for p in after.Predecessors] == [first.oid]
    successors = wrally.getCollection(f"{first._ref}/Successors")
    assert [s.oid for s in successors] == [second.oid]
    f1, f2 = list(wrally.get("Feature", fetch=True, project=None, limit=2))
    result = wrally.addCollectionItems(f2, "Predecessors", [f1])
    assert f1.oid in [p.oid for p in result.Predecessors]
    assert wrally.dropCollectionItems(f2, "Predecessors", [f1]).errors == []


def test_read_only_collections_read_lazily_and_via_get_collection(wrally):
    story = wrally.create("HierarchicalRequirement", {"Name": "story with things"})
    tasks = [wrally.create("Task", {"Name": n, "WorkProduct": story.ref}) for n in "bca"]
    child = wrally.create("HierarchicalRequirement", {"Name": "kid", "Parent": story.ref})
    bug = wrally.create("Defect", {"Name": "bug", "Requirement": story.ref})
    again = wrally.get(
        "HierarchicalRequirement",
        fetch="Tasks,Children,Defects",
        query=f"ObjectID = {story.oid}",
        project=None,
        instance=True,
    )
    assert sorted(t.oid for t in again.Tasks) == sorted(t.oid for t in tasks)
    assert [c.oid for c in again.Children] == [child.oid]
    assert [d.oid for d in again.Defects] == [bug.oid]
    ordered = wrally.getCollection(f"{story._ref}/Tasks", fetch="Name", order="Name desc")
    assert [t.Name for t in ordered] == ["c", "b", "a"]
    only_b = wrally.getCollection(f"{story._ref}/Tasks", query='Name = "b"')
    assert only_b.resultCount == 1 and only_b.next().Name == "b"


def test_get_collection_paging_and_url(wrally, fresh_wire, defect, tags):
    wrally.addCollectionItems(defect, "Tags", list(tags.values()))
    fresh_wire.reset()
    response = wrally.getCollection(f"{defect._ref}/Tags", pagesize=2, order="Name")
    assert response.resultCount == len(tags)
    assert [t.Name for t in response] == sorted(tags)
    lines = [line for line in fresh_wire.lines() if "/Tags" in line]
    assert len(lines) == -(-len(tags) // 2)  # one request per page
    assert "pagesize=2" in lines[0] and "start=1" in lines[0] and "start=3" in lines[1]
    assert "workspace=workspace/" in lines[0]
    fresh_wire.reset()
    limited = wrally.getCollection(f"{defect._ref}/Tags", pagesize=2, start=3, limit=2)
    assert len(list(limited)) == 2 and "start=3" in fresh_wire.lines()[0]
    fresh_wire.reset()
    wrally.getCollection(f"{defect._ref}/Tags", _disableAugments=True)
    assert "workspace=" not in fresh_wire.lines()[0] and "pagesize=1000" in fresh_wire.lines()[0]


def test_docs_page_example_runs(capsys):
    import pathlib
    import re

    text = (pathlib.Path(__file__).parents[2] / "docs" / "collections.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    exec(compile(code, "docs/collections.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "['urgent', 'ux']" and out[-1] == "1 ['ux']"
