"""rankAbove / rankBelow / rankToTop / rankToBottom against a private emulator over HTTP."""

from __future__ import annotations

import json

import pytest

from pyral import RallyRESTAPIError
from pyral.rallyresp import RallyRESTResponse


def _order(rally, entity: str, items: list) -> list[str]:
    """FormattedIDs of ``items`` in the server's ``order=Rank`` (whole workspace, filtered)."""
    wanted = {i.FormattedID for i in items}
    response = rally.get(entity, fetch="FormattedID", order="Rank", project=None)
    return [x.FormattedID for x in response if x.FormattedID in wanted]


@pytest.fixture
def three(wrally):
    """Three new stories: created in order, so ranked a, b, c at the bottom."""
    return [wrally.create("Story", {"Name": f"rank {n}"}) for n in "abc"]


def test_rank_above_below_top_bottom(wrally, three, fresh_wire):
    a, b, c = three
    assert _order(wrally, "Story", three) == [a.FormattedID, b.FormattedID, c.FormattedID]
    fresh_wire.reset()
    response = wrally.rankAbove(a, c)  # reference first, target second (pyral's order)
    assert isinstance(response, RallyRESTResponse) and response.status_code == 200
    assert response.errors == []
    line = fresh_wire.lines()[-1]
    assert line.startswith(f"POST /slm/webservice/v2.0/hierarchicalrequirement/{c.oid}?&rankAbove=")
    assert f"rankAbove=hierarchicalrequirement/{a.oid}&workspace=workspace/" in line
    assert _order(wrally, "Story", three) == [c.FormattedID, a.FormattedID, b.FormattedID]
    wrally.rankBelow(b, c)
    assert _order(wrally, "Story", three) == [a.FormattedID, b.FormattedID, c.FormattedID]
    wrally.rankToTop(c)
    first = wrally.get(
        "Story", fetch="FormattedID", order="Rank", project=None, pagesize=1, limit=1
    )
    assert next(first).FormattedID == c.FormattedID
    wrally.rankToBottom(c)
    last = wrally.get("Story", fetch="FormattedID", order="Rank desc", project=None, limit=1)
    assert next(last).FormattedID == c.FormattedID


def test_guide_aliases(wrally, three):
    a, b, c = three
    assert wrally.rankTop(b).status_code == 200
    assert wrally.rankBottom(a).status_code == 200
    assert _order(wrally, "Story", three) == [b.FormattedID, c.FormattedID, a.FormattedID]


def test_request_body_names_the_target(wrally, three, monkeypatch):
    sent: list[tuple[str, str]] = []
    real_send = wrally.transport.send

    def spy(method, url, body=None, **kw):
        sent.append((url, body))
        return real_send(method, url, body=body, **kw)

    monkeypatch.setattr(wrally.transport, "send", spy)
    wrally.rankToTop(three[1])
    url, body = sent[-1]
    assert "?&rankTo=TOP&workspace=workspace/" in url and "&key=" in url
    assert json.loads(body) == {
        "hierarchicalrequirement": {"_ref": f"hierarchicalrequirement/{three[1].oid}"}
    }


def test_portfolio_items_rank_via_type_path(wrally, fresh_wire):
    """Q13 fixed: URL, body key and refs use portfolioitem/<level>/<oid>, custom levels too."""
    f1 = wrally.create("Feature", {"Name": "feat 1"})
    f2 = wrally.create("Feature", {"Name": "feat 2"})
    fresh_wire.reset()
    wrally.rankAbove(f1, f2)
    line = fresh_wire.lines()[-1]
    assert f"portfolioitem/feature/{f2.oid}?&rankAbove=portfolioitem/feature/{f1.oid}" in line
    assert _order(wrally, "Feature", [f1, f2]) == [f2.FormattedID, f1.FormattedID]
    program = wrally.create("PortfolioItem/Program", {"Name": "custom level"})  # from the seed
    wrally.rankToTop(program)
    top = wrally.get("PortfolioItem", fetch="FormattedID", order="Rank", project=None, limit=1)
    assert next(top).FormattedID == program.FormattedID
    wrally.rankBelow(f1, program)
    assert _order(wrally, "PortfolioItem", [f1, f2, program]) == [
        f2.FormattedID,
        f1.FormattedID,
        program.FormattedID,
    ]


def test_relative_to_an_item_in_another_project(wrally):
    """Ranks are workspace-wide in Rally, so a reference in a sibling project is fine."""
    mine = wrally.create("Story", {"Name": "mine"})
    elsewhere = wrally.create("Defect", {"Name": "theirs"}, project="Mobile Team")
    assert elsewhere.Project.Name == "Mobile Team" != mine.Project.Name
    wrally.rankAbove(elsewhere, mine)
    ranks = {
        x.FormattedID: x.DragAndDropRank
        for entity, item in (("Story", mine), ("Defect", elsewhere))
        for x in wrally.get(
            entity, fetch="FormattedID,DragAndDropRank",
            query=f'FormattedID = "{item.FormattedID}"', project=None,
        )
    }  # fmt: skip
    assert ranks[mine.FormattedID] < ranks[elsewhere.FormattedID]


def test_relative_to_an_item_in_another_workspace_is_an_error(wrally):
    mine = wrally.create("Story", {"Name": "mine"})
    foreign = next(wrally.get("Story", fetch="FormattedID", workspace="Sandbox Workspace"))
    with pytest.raises(RallyRESTAPIError) as err:
        wrally.rankAbove(foreign, mine)
    text = str(err.value)
    assert text.startswith(
        f"Unable to update the DragAndDropRank value for the target_artifact {mine.FormattedID}, "
    )
    assert "another workspace" in text and err.value.errors


def test_non_artifact_target_sends_nothing(wrally, fresh_wire):
    project = wrally.getProject()
    fresh_wire.reset()
    with pytest.raises(
        RallyRESTAPIError,
        match="^Unable to change DragAndDropRank for target Project, not an Artifact$",
    ):
        wrally.rankToTop(project)
    assert fresh_wire.count() == 0


def test_unknown_target_and_bad_reference(wrally):
    story = wrally.create("Story", {"Name": "to delete"})
    other = wrally.create("Story", {"Name": "stays"})
    assert wrally.delete("Story", story.oid)
    with pytest.raises(RallyRESTAPIError, match="Cannot find object to update"):
        wrally.rankToTop(story)
    with pytest.raises(RallyRESTAPIError, match="no such rankable object"):
        wrally.rankAbove(story, other)  # a recycled reference
    with pytest.raises(RallyRESTAPIError, match="give the reference artifact"):
        wrally.rankAbove(42, other)
    with pytest.raises(RallyRESTAPIError, match="no such rankable object"):
        wrally.rankAbove(other, other)  # relative to itself


def test_reference_given_as_a_ref_string(wrally, three):
    a, b, c = three
    wrally.rankAbove(f"hierarchicalrequirement/{a.oid}", c)
    wrally.rankBelow(c._ref, b)  # a full URL works too
    assert _order(wrally, "Story", three) == [c.FormattedID, b.FormattedID, a.FormattedID]


def test_target_in_another_workspace_is_ranked_in_its_own_workspace(wrally, fresh_wire):
    sandbox = next(w for w in wrally.getWorkspaces() if w.Name == "Sandbox Workspace")
    foreign = next(wrally.get("Story", fetch=True, workspace="Sandbox Workspace"))
    fresh_wire.reset()
    assert wrally.rankToTop(foreign).errors == []
    assert f"workspace=workspace/{sandbox.oid}" in fresh_wire.lines()[-1]
