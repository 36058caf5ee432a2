"""The hydrator's fast path must build exactly what its general path builds.

``EntityHydrator._build`` assembles an entity's state in one go for ordinary items; the
general path (``__init__`` + ``_fill`` / ``_assign``) is the reference behaviour.  These
tests hydrate the same items both ways — generated items full of edge cases (keys that
collide with the entity's own state, collection markers spelled literally, envelope keys,
deep nesting, dict subclasses, custom and special types) and real golden Rally bodies — and
compare class, key order and every value, recursively.
"""

from __future__ import annotations

import collections
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyral.entity as E
from pyral._entity_base import settled_state
from pyral.hydrate import EntityHydrator

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
SVC = "https://rally1.rallydev.com/slm/webservice/v2.0"


class GeneralHydrator(EntityHydrator):
    """The reference: every entity goes through ``__init__`` + ``_fill``."""

    def _build(self, item: dict[str, Any], depth: int, top: bool) -> E.Persistable:
        cls = self.class_for(item["_type"], item)
        return self._build_general(item, depth, top, cls)

    def _build_top(self, item: dict[str, Any]) -> E.Persistable:
        return self._build(item, 0, True)

    def _fast_refill_ok(self, instance: E.Persistable, item: dict[str, Any]) -> bool:
        return False


class NoSchemaClient:
    """A client whose schema cannot be had: unknown types get fallback classes."""

    def _schema_for(self, workspace_ref: Any = None) -> None:
        return None


def snapshot(value: Any, client: Any) -> Any:
    """Everything observable about a hydrated value.

    An entity is compared once settled (values a top-level result leaves pending placed)
    and with its attributes in name order: the fast path copies the item's scalars first and
    places the rest on first use, so the order of ``__dict__`` is not part of the contract.
    Everything else (custom fields, lists, plain dicts) keeps its order.
    """
    if isinstance(value, E.Persistable):
        state = settled_state(value)
        assert "_pending" not in state
        return (
            "entity",
            type(value).__name__,
            type(value).__mro__[1].__name__,
            sorted(
                ((k, "<client>" if v is client else snapshot(v, client)) for k, v in state.items()),
                key=lambda pair: repr(pair[0]),
            ),
        )
    if isinstance(value, E.CustomField):
        return ("custom", [(k, snapshot(v, client)) for k, v in value.__dict__.items()])
    if isinstance(value, list):
        return ("list", [snapshot(v, client) for v in value])
    if isinstance(value, dict):
        return ("dict", type(value).__name__, [(k, snapshot(v, client)) for k, v in value.items()])
    return ("scalar", type(value).__name__, value)


def outcome(hydrator: EntityHydrator, item: Any, client: Any) -> Any:
    before = copy.deepcopy(item)
    try:
        result = ("ok", snapshot(hydrator.hydrateInstance(item), client))
    except Exception as exc:  # both paths must fail the same way, too
        result = ("raised", type(exc).__name__, str(exc))
    assert item == before, "the caller's dict must not be modified"
    return result


def assert_same(item: Any, hydration: str = "full") -> None:
    for client in (None, NoSchemaClient()):
        fast = outcome(EntityHydrator(client, hydration), item, client)
        general = outcome(GeneralHydrator(client, hydration), item, client)
        assert fast == general


# ------------------------------------------------------------------------ generated items
TYPES = [
    "Defect",
    "HierarchicalRequirement",
    "User",
    "Project",
    "PortfolioItem/Feature",
    "PortfolioItem/Epic",
    "AllowedAttributeValue",
    "AllowedQueryOperator",
    "UnknownCustomType",
    "",
]
KEYS = [
    "Name",
    "FormattedID",
    "State",
    "Owner",
    "Tasks",
    "Tags",
    "oid",
    "typePath",
    "_hydrated",
    "_client",
    "_context",
    "_CreatedAt",
    "_refObjectUUID",
    "Errors",
    "Warnings",
    "ObjectID",
    "_ref",
    "_refObjectName",
    "_rallyAPIMajor",
    "_objectVersion",
    "__collection_ref_for_Tasks",
    "__collection_ref_for_Name",
    "c_RootCause",
    "StringValue",
    "OperatorName",
]
REFS = st.sampled_from(
    [
        f"{SVC}/defect/1234",
        f"{SVC}/portfolioitem/feature/77/",
        f"{SVC}/user/55?fetch=true",
        "defect/9",
        "/",
        "",
        "nonumber",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    REFS,
)


def summaries() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"_ref": REFS, "Count": st.sampled_from([0, 1, 3, None, ""])})


def objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    plain = st.dictionaries(st.sampled_from(KEYS), children, max_size=6)
    typed = st.builds(
        lambda body, t, ref, name: {**body, "_type": t, "_ref": ref, "_refObjectName": name},
        plain,
        st.sampled_from(TYPES),
        REFS,
        st.one_of(st.none(), st.text(max_size=4)),
    )
    return st.one_of(
        plain,
        typed,
        summaries(),
        st.lists(children, max_size=3),
        typed.map(collections.OrderedDict),
    )


VALUES = st.recursive(st.one_of(SCALARS, summaries()), objects, max_leaves=25)
ITEMS = st.builds(
    lambda body, t, ref, oid: {
        **body,
        "_type": t,
        **({"_ref": ref} if ref is not None else {}),
        **({"ObjectID": oid} if oid is not None else {}),
    },
    st.dictionaries(st.sampled_from(KEYS + [7]), VALUES, max_size=10),
    st.sampled_from(TYPES[:-1]),
    st.one_of(st.none(), REFS),
    st.one_of(st.none(), st.integers(0, 10**9), st.sampled_from(["42", "x", 3.5, True])),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=ITEMS, hydration=st.sampled_from(["full", "shell", "auto"]))
def test_generated_items_hydrate_identically(item: dict[str, Any], hydration: str) -> None:
    assert_same(item, hydration)


def refill_outcome(hydrator: EntityHydrator, shell: Any, item: Any, client: Any) -> Any:
    target = copy.deepcopy(shell)
    before = copy.deepcopy(item)
    try:
        hydrator.hydrateInstance(item, existingInstance=target)
        result = ("ok", snapshot(target, client))
    except Exception as exc:
        result = ("raised", type(exc).__name__, str(exc))
    assert item == before, "the caller's dict must not be modified"
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shell_item=ITEMS, item=ITEMS)
def test_lazy_loads_fill_identically(shell_item: dict[str, Any], item: dict[str, Any]) -> None:
    """A lazy load fills an existing entity: same result through either path."""
    for client in (None, NoSchemaClient()):
        try:
            shell = GeneralHydrator(client, "shell").hydrateInstance(shell_item)
        except Exception:
            return  # not a shell anyone could hold
        fast = refill_outcome(EntityHydrator(client, "full"), shell, item, client)
        general = refill_outcome(GeneralHydrator(client, "full"), shell, item, client)
        assert fast == general


def test_lazy_load_into_a_shell_with_pending_collections() -> None:
    shell = EntityHydrator(None, "shell").hydrateInstance(
        {"_type": "Defect", "_ref": f"{SVC}/defect/1", "Tasks": {"_ref": "t", "Count": 2}}
    )
    item = {"_ref": f"{SVC}/defect/1", "Tasks": "now a value", "Name": "n"}
    fast = refill_outcome(EntityHydrator(None), shell, item, None)
    assert fast == refill_outcome(GeneralHydrator(None), shell, item, None)
    assert "__collection_ref_for_Tasks" not in dict(fast[1][3])


def test_literal_marker_before_its_attribute() -> None:
    """A key spelled like a collection marker is dropped when its attribute follows."""
    item = {
        "_type": "Defect",
        "_ref": f"{SVC}/defect/1",
        "__collection_ref_for_Tasks": "x",
        "Tasks": "plain value",
    }
    assert_same(item)
    entity = EntityHydrator(None).hydrateInstance(item)
    assert "__collection_ref_for_Tasks" not in entity.__dict__


def test_collection_summary_on_an_own_state_key_moves_it() -> None:
    item = {"_type": "Defect", "_ref": f"{SVC}/defect/1", "Name": {"_ref": "r", "Count": 2}}
    assert_same(item)
    assert list(EntityHydrator(None).hydrateInstance(item).__dict__)[-1] == (
        "__collection_ref_for_Name"
    )


def test_non_string_key_fails_like_the_general_path() -> None:
    assert_same({"_type": "Defect", "_ref": f"{SVC}/defect/1", 5: "x"})


def test_classes_are_resolved_once_per_type() -> None:
    calls = []

    class Counting(EntityHydrator):
        def class_for(self, type_name, item=None):  # type: ignore[no-untyped-def]
            calls.append(type_name)
            return super().class_for(type_name, item)

    hydrator = Counting(None)
    for n in range(50):
        hydrator.hydrateInstance({"_type": "Defect", "_ref": f"{SVC}/defect/{n}", "Name": "d"})
    assert calls == ["Defect"]


# ------------------------------------------------------------------------ real bodies
def _golden_items() -> list[tuple[str, dict[str, Any]]]:
    if not GOLDEN.is_dir():
        return []
    found = []
    for path in sorted(GOLDEN.glob("*.json")):
        body = json.loads(path.read_text())
        for root in body.values() if isinstance(body, dict) else ():
            if not isinstance(root, dict):
                continue
            results = root.get("Results")
            if isinstance(results, list):
                found += [(path.name, r) for r in results if isinstance(r, dict) and r.get("_type")]
            elif root.get("_type") or root.get("_ref"):
                found.append((path.name, root))
    return found


GOLDEN_ITEMS = _golden_items()


@pytest.mark.skipif(not GOLDEN_ITEMS, reason="golden Rally bodies not available")
@pytest.mark.parametrize("hydration", ["full", "shell", "auto"])
def test_golden_bodies_hydrate_identically(hydration: str) -> None:
    for _name, item in GOLDEN_ITEMS:
        assert_same(item, hydration)


# ------------------------------------------------------------------ many items, one hydrator
# A query's hydrator learns, per type, which keys hold objects (its _Layout) and builds the
# following items without looking at their values.  Rally types its fields, so within one
# response a key keeps its kind (plain value or object) for all items of a type, null
# allowed anywhere; these responses follow that rule and vary everything else: key sets,
# nulls appearing and disappearing, several types interleaved, ObjectID present or not.
KINDS = ["plain", "ref", "summary", "list", "custom", "ordered"]
PLAIN_VALUES = st.one_of(
    st.booleans(), st.integers(-5, 10**12), st.text(max_size=6), REFS, st.just(1.5)
)


def _value_of(kind: str, draw: Any) -> Any:
    if draw(st.integers(0, 3)) == 0:
        return None
    if kind == "plain":
        return draw(PLAIN_VALUES)
    if kind == "ref":
        return {"_type": draw(st.sampled_from(TYPES[:-1])), "_ref": draw(REFS),
                "_refObjectName": draw(st.text(max_size=3))}  # fmt: skip
    if kind == "summary":
        return draw(summaries())
    if kind == "list":
        return draw(st.lists(st.one_of(PLAIN_VALUES, summaries()), max_size=2))
    if kind == "custom":
        return {"LinkID": draw(st.text(max_size=3)), "DisplayString": "x"}
    return collections.OrderedDict(_type="User", _ref=draw(REFS))


@st.composite
def responses(draw: Any) -> list[dict[str, Any]]:
    types = draw(st.lists(st.sampled_from(TYPES[:-1]), min_size=1, max_size=3, unique=True))
    kinds = {
        t: draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(KINDS), max_size=8))
        for t in types
    }
    items = []
    for _ in range(draw(st.integers(1, 10))):
        type_name = draw(st.sampled_from(types))
        keys = kinds[type_name]
        if keys and draw(st.integers(0, 4)) == 0:  # now and then an item with fewer keys
            keys = {k: v for k, v in keys.items() if draw(st.booleans())}
        item = {k: _value_of(kind, draw) for k, kind in keys.items()}
        item["_type"] = type_name
        item["_ref"] = draw(REFS)
        if "ObjectID" not in kinds[type_name] and draw(st.booleans()):
            item["ObjectID"] = draw(st.one_of(st.none(), st.integers(0, 10**9)))
        items.append(item)
    return items


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=responses(), hydration=st.sampled_from(["full", "shell", "auto"]),
       first_read=st.sampled_from([None, "oid", "Name", "Owner", "Tasks"]))  # fmt: skip
def test_a_response_of_many_items_hydrates_like_each_item_alone(
    items: list[dict[str, Any]], hydration: str, first_read: str | None
) -> None:
    def read_then_snapshot(hydrator: EntityHydrator, item: dict[str, Any], client: Any) -> Any:
        before = copy.deepcopy(item)
        try:
            built = hydrator.hydrateInstance(item)
            if first_read is not None:  # one value settled alone before the rest
                getattr(built, first_read, None)
            got = ("ok", snapshot(built, client))
        except Exception as exc:
            got = ("raised", type(exc).__name__, str(exc))
        assert item == before, "the caller's dict must not be modified"
        return got

    for client in (None, NoSchemaClient()):
        fast = EntityHydrator(client, hydration)
        general = GeneralHydrator(client, hydration)
        for item in items:
            assert read_then_snapshot(fast, item, client) == read_then_snapshot(
                general, item, client
            )


def test_a_layout_is_relearned_when_a_null_key_gets_an_object() -> None:
    hydrator = EntityHydrator(None)
    first = {"_type": "Defect", "_ref": f"{SVC}/defect/1", "Name": "a", "Iteration": None}
    second = {**first, "_ref": f"{SVC}/defect/2",
              "Iteration": {"_type": "Iteration", "_ref": f"{SVC}/iteration/9"}}  # fmt: skip
    one, two = hydrator.hydrateInstance(first), hydrator.hydrateInstance(second)
    assert one.Iteration is None
    assert isinstance(two.Iteration, E.Iteration) and two.Iteration.oid == 9
    assert (one.oid, two.oid) == (1, 2)
