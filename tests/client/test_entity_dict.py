"""An entity's ``__dict__`` shows what pyral 1.7.0's showed, although references are lazy.

pyral filled ``__dict__`` when it built an entity, and scripts read it directly:
``story.__dict__['__collection_ref_for_Tasks']`` is the collection's URL for getCollection,
``vars(item)`` lists the fields.  Ours builds references on first use (issue 9); reading
``__dict__`` is such a use (issue 7: drop-in where pyral's behaviour is observable).
"""

from __future__ import annotations

import copy
import pickle

from pyral._entity_base import PENDING, _raw_state


def _story(rally):
    return rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Name,Tasks,Tags,Defects,Owner,Project",
        query="FormattedID = US1",
        project=None,
        instance=True,
    )


def test_collection_markers_are_in_dict_before_any_attribute_use(rally):
    story = _story(rally)
    assert PENDING in _raw_state(story), "the fast path left the references pending"
    markers = sorted(k for k in story.__dict__ if k.startswith("__collection_ref_for_"))
    assert markers == [
        "__collection_ref_for_Defects",
        "__collection_ref_for_Tags",
        "__collection_ref_for_Tasks",
    ]
    assert PENDING not in _raw_state(story)
    tasks = rally.getCollection(story.__dict__["__collection_ref_for_Tasks"])
    assert [t.WorkProduct.FormattedID for t in tasks] == ["US1"] * len(list(story.Tasks))


def test_vars_lists_references_as_entities(rally):
    story = _story(rally)
    state = vars(story)
    assert type(state["Owner"]).__name__ == "User"
    assert type(state["Project"]).__name__ == "Project"
    assert PENDING not in state


def test_one_attribute_settles_only_itself(rally):
    story = _story(rally)
    assert story.FormattedID == "US1"
    assert story.Owner is not None
    raw = _raw_state(story)
    assert PENDING in raw and "Project" not in raw, "reading Owner built every reference"


def test_copy_and_pickle_still_carry_everything(rally):
    story = _story(rally)
    clone = copy.deepcopy(story)
    again = pickle.loads(pickle.dumps(story))
    for other in (clone, again):
        assert other.FormattedID == "US1"
        assert other.Owner.ref == story.Owner.ref
        assert "__collection_ref_for_Tasks" in other.__dict__ or other.Tasks is not None
