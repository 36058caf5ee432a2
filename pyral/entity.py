"""Entity classes: one Python class per Rally type, with lazy loading.

Design notes (decisions that differ from, or pin down, pyral 1.7.0 behaviour):

* The class tree below is static and shared by every ``Rally`` client; it holds no state.
  Classes for types that only a workspace knows (custom portfolio-item levels, custom types)
  are made at run time by :func:`make_entity_class` and owned by the per-client
  :class:`pyral._schema.WorkspaceSchema`, so two clients never see each other's classes.
* Attribute lookup that misses the instance dict goes through :meth:`Persistable.__getattr__`.
  Names starting with ``_`` (which covers every dunder probe made by ``copy``, ``pickle``,
  ``hasattr(x, '__len__')``, IPython ...) never cause I/O (quirk Q29 fixed).  A shell
  (``_hydrated`` false) is loaded with exactly one GET through its client, in place.  A fully
  hydrated entity never loads again, so a field left out of an explicit fetch list raises
  ``AttributeError`` just as in pyral.
* ``ref`` keeps pyral's shape: the last two path segments of ``_ref``.  For portfolio items
  that is ``feature/7700`` (the ``portfolioitem/`` segment is dropped; quirk Q13, kept because
  scripts compare it).
* Standard portfolio-item subtypes are hydrated into ``PortfolioItem_Feature`` & co. (pyral
  used the bare ``PortfolioItem`` class).  ``isinstance(x, PortfolioItem)`` still holds and
  ``x._type == 'PortfolioItem'`` / ``x.typePath == 'PortfolioItem/Feature'`` as in pyral.
  Custom levels (``PortfolioItem/Epic``) become run-time subclasses of ``PortfolioItem``, hence
  Artifacts (pyral made them plain WorkspaceDomainObjects); their ``typePath`` is filled in.
* ``__all__`` holds strings (quirk Q23) and :func:`validRallyType` accepts entity classes
  only, never helpers such as ``SchemaItem`` (quirk Q32).
"""

from __future__ import annotations

import copy as _copy
import re
from collections.abc import Callable, Iterable
from typing import Any

from pyral.exceptions import (
    InvalidRallyTypeNameError,
    UnrecognizedAllowedValuesReference,
    UnreferenceableOIDError,
)

__version__ = (1, 7, 0)

VERSION_ATTRIBUTES = ["_rallyAPIMajor", "_rallyAPIMinor", "_objectVersion"]
MINIMAL_ATTRIBUTES = ["_type", "_ref", "_refObjectName"]
PORTFOLIO_ITEM_SUB_TYPES = ["Strategy", "Theme", "Initiative", "Feature"]

# Prefix of the instance attribute that stands for a not-yet-loaded collection.  The name is
# pyral's (it shows up in attributes()); the value is the collection URL.
COLLECTION_MARKER = "__collection_ref_for_"

# Attributes shown first by details(), in this order.
_DETAILS_HEAD = (
    "oid",
    "ref",
    "ObjectID",
    "ObjectUUID",
    "_ref",
    "_CreatedAt",
    "_hydrated",
    "Name",
    "Subscription",
    "Workspace",
    "FormattedID",
)

# Instance attributes that are plumbing, not Rally data.
_PRIVATE_STATE = ("_client", "_context")


def _display_class_name(cls: type) -> str:
    """Class name as shown in messages: portfolio-item subtypes lose their prefix."""
    name = cls.__name__
    return name[len("PortfolioItem_") :] if name.startswith("PortfolioItem_") else name


def _ref_tail(ref: str, parts: int = 2) -> str:
    segments = [s for s in ref.split("?", 1)[0].split("/") if s]
    return "/".join(segments[-parts:])


def _as_oid(value: Any) -> Any:
    """OIDs are ints whenever they can be: scripts compare ``x.oid == 1234``."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class Persistable:
    """Base of every Rally entity: identity, lazy loading and the attribute rules."""

    def __init__(self, oid: Any, name: Any, resource_url: str | None, context: Any = None) -> None:
        self.oid = _as_oid(oid)
        self.Name = name
        self._ref = resource_url
        self._type = type(self).__name__
        self._hydrated = False
        self._context = context
        self._client = None
        self.typePath = None

    # ----------------------------------------------------------------- attribute lookup
    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup failed.  Private and dunder names are answered
        # from what is already here: probing them must never cost a request.
        if name.startswith("_"):
            raise AttributeError(name)
        state = self.__dict__
        if name == "ref":
            ref = state.get("_ref")
            if not ref:
                raise AttributeError(self._missing(name))
            return _ref_tail(ref)
        if name == "context":
            raise AttributeError("Unsupported attempt to retrieve context attribute")
        found, value = self._local_lookup(name)
        if found:
            return value
        if not state.get("_hydrated", False):
            self._inflate(name)
            if name in state:
                return state[name]
            found, value = self._local_lookup(name)
            if found:
                return value
        raise AttributeError(self._missing(name))

    def _missing(self, name: str) -> str:
        return f"{_display_class_name(type(self))} instance has no attribute: '{name}'"

    def _local_lookup(self, name: str) -> tuple[bool, Any]:
        """Aliases that need no load: custom fields without ``c_`` and pending collections."""
        state = self.__dict__
        squeezed = name.replace(" ", "")
        custom = "c_" + squeezed
        for candidate in (squeezed, custom):
            if candidate != name and candidate in state:
                return True, state[candidate]
        for candidate in (squeezed, custom):
            marker = COLLECTION_MARKER + candidate
            if marker in state:
                return True, self._load_collection(candidate, marker)
        return False, None

    def _load_collection(self, attr: str, marker: str) -> list:
        client = self.__dict__.get("_client")
        if client is None:
            raise AttributeError(
                f"{self._missing(attr)} (collection not loaded and no Rally client to load it)"
            )
        items = list(client._load_collection(self.__dict__[marker]))
        self.__dict__[attr] = items
        del self.__dict__[marker]
        return items

    def _inflate(self, wanted: str) -> None:
        """Turn a shell into a full entity with one GET of its own ``_ref``."""
        state = self.__dict__
        client = state.get("_client")
        ref = state.get("_ref")
        if client is None or not ref:
            raise AttributeError(
                f"{self._missing(wanted)} (not loaded, and no Rally client/_ref to load it)"
            )
        data = client._load_object(ref)
        if not isinstance(data, dict):
            raise UnreferenceableOIDError(f"{_display_class_name(type(self))} OID {self.oid}")
        from pyral.hydrate import EntityHydrator  # local: hydrate imports this module

        EntityHydrator(client, "full").hydrateInstance(data, existingInstance=self)
        state["_hydrated"] = True

    # ----------------------------------------------------------------- copying / pickling
    def __copy__(self) -> Persistable:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __deepcopy__(self, memo: dict) -> Persistable:
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            # The client (sessions, locks) is shared, not duplicated.
            clone.__dict__[key] = value if key in _PRIVATE_STATE else _copy.deepcopy(value, memo)
        return clone

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # The client is left behind: a pickled entity is data, it cannot lazy-load later.
        state = {k: v for k, v in self.__dict__.items() if k not in _PRIVATE_STATE}
        cls = type(self)
        if _is_static_class(cls):
            return (_restore_entity, (cls, state))
        return (_restore_runtime_entity, (cls.__name__, _nearest_static_base(cls), state))

    # ----------------------------------------------------------------- presentation
    def __repr__(self) -> str:
        state = self.__dict__
        label = state.get("FormattedID") or state.get("Name")
        return f"<{type(self).__name__} {label!r} oid={state.get('oid')!r}>"

    def attributes(self) -> list[str]:
        """Sorted instance attribute names, without the client plumbing."""
        return sorted(k for k in self.__dict__ if k not in _PRIVATE_STATE)

    def _detail_lines(self) -> list[str]:
        state = self.__dict__
        head = [n for n in _DETAILS_HEAD if n == "ref" or n in state]
        rest = sorted(
            (k for k in state if k not in _DETAILS_HEAD and k not in _PRIVATE_STATE),
            key=_shown_name,
        )
        width = max([len(_shown_name(n)) for n in head + rest] or [4])
        lines = [type(self).__name__]
        for n in head:
            value = _ref_tail(state["_ref"]) if n == "ref" and state.get("_ref") else state.get(n)
            lines.append(_detail_line(_shown_name(n), value, width))
        lines.append("")
        for n in rest:
            lines.append(_detail_line(_shown_name(n), state[n], width))
        return lines

    def details(self) -> str:
        """Multi-line dump of what is loaded, without triggering any load."""
        return "\n".join(self._detail_lines())


def _shown_name(name: str) -> str:
    if name.startswith(COLLECTION_MARKER):
        name = name[len(COLLECTION_MARKER) :]
    return name[2:] if name.startswith("c_") else name


def _render(value: Any, indent: str) -> str:
    if isinstance(value, Persistable):
        d = value.__dict__
        return f"{_display_class_name(type(value))}.ref (OID {d.get('oid')}  Name {d.get('Name')})"
    if isinstance(value, list):
        if not value:
            return "[]"
        return ("\n" + indent).join(_render(v, indent) for v in value)
    if isinstance(value, CustomField):
        return repr(value)
    return str(value)


def _detail_line(name: str, value: Any, width: int) -> str:
    indent = " " * (4 + width + 3)
    if isinstance(value, str) and value.startswith(("http://", "https://")) and name != "_ref":
        rendered = value
    else:
        rendered = _render(value, indent)
    return f"    {name:<{width}} : {rendered}"


def _restore_entity(cls: type, state: dict) -> Persistable:
    obj: Persistable = object.__new__(cls)
    obj.__dict__.update(state)
    obj.__dict__.setdefault("_client", None)
    obj.__dict__.setdefault("_context", None)
    return obj


def _restore_runtime_entity(name: str, base: type, state: dict) -> Persistable:
    return _restore_entity(make_entity_class(name, base), state)


def _is_static_class(cls: type) -> bool:
    return globals().get(cls.__name__) is cls


def _nearest_static_base(cls: type) -> type:
    for klass in cls.__mro__:
        if _is_static_class(klass):
            return klass
    return WorkspaceDomainObject


def make_entity_class(name: str, parent: type[Persistable]) -> type[Persistable]:
    """Create an entity class at run time for a type only the workspace schema knows.

    The class is not added to this module: the caller (one workspace schema of one client)
    owns it, so classes never leak between clients.
    """
    if not isinstance(parent, type) or not issubclass(parent, Persistable):
        raise TypeError(f"parent of {name!r} must be a Persistable subclass, not {parent!r}")
    return type(
        name,
        (parent,),
        {
            "__module__": __name__,
            "__qualname__": name,
            "__doc__": f"Run-time entity class for the workspace type {name!r}.",
        },
    )


# ===================================================================== the class tree
class Subscription(Persistable):
    """The subscription (top of the Rally object graph)."""


class AllowedAttributeValue(Persistable):
    """One allowed value of a constrained attribute (``value`` holds its StringValue)."""


class AllowedQueryOperator(Persistable):
    """A query operator allowed on an attribute."""


class DomainObject(Persistable):
    """Abstract: everything owned by a subscription."""


class WorkspaceDomainObject(DomainObject):
    """Abstract: everything scoped to a workspace."""

    #: The attributes ``details()`` shows first (pyral's name for that list).
    COMMON_ATTRIBUTES = ["_type", *_DETAILS_HEAD]


class User(DomainObject):
    """A Rally user."""

    #: Fields ``details()`` lists for a user, in pyral's order.
    USER_ATTRIBUTES = [
        "oid", "ref", "ObjectID", "ObjectUUID", "_ref", "_CreatedAt", "_hydrated",
        "UserName", "DisplayName", "EmailAddress", "FirstName", "MiddleName", "LastName",
        "ShortDisplayName", "SubscriptionAdmin", "Role", "UserPermissions", "TeamMemberships",
        "UserProfile",
    ]  # fmt: skip


class UserProfile(DomainObject):
    """A user's preferences (default workspace / project, time zone...)."""

    USER_PROFILE_ATTRIBUTES = [
        "oid", "ref", "ObjectID", "ObjectUUID", "_ref", "_CreatedAt", "_hydrated",
        "DefaultWorkspace", "DefaultProject", "TimeZone", "DateFormat", "DateTimeFormat",
        "EmailNotificationEnabled", "SessionTimeoutSeconds", "SessionTimeoutWarning",
    ]  # fmt: skip


class Workspace(DomainObject):
    """A workspace."""


class Blocker(DomainObject):
    """The blocked state of an artifact."""


class ProfileImage(DomainObject):
    """A user's picture."""


class Scope(DomainObject):
    """Abstract Rally scope (workspace or project)."""


class UserPermission(DomainObject):
    """Abstract permission."""


class WorkspacePermission(UserPermission):
    """A user's role in a workspace."""


class ProjectPermission(UserPermission):
    """A user's role in a project."""


class WorkspaceConfiguration(WorkspaceDomainObject):
    """Workspace settings."""


class Type(WorkspaceDomainObject):
    """Legacy type object."""


class Program(WorkspaceDomainObject):
    """Legacy program object."""


class Project(WorkspaceDomainObject):
    """A project."""


class Release(WorkspaceDomainObject):
    """A release."""


class Iteration(WorkspaceDomainObject):
    """An iteration (sprint)."""


class ArtifactNotification(WorkspaceDomainObject):
    """A notification about an artifact."""


class TypeDefinition(WorkspaceDomainObject):
    """A type definition object."""


class Attachment(WorkspaceDomainObject):
    """An attachment's metadata."""


class AttachmentContent(WorkspaceDomainObject):
    """An attachment's bytes (base64 ``Content``)."""


class Build(WorkspaceDomainObject):
    """A build."""


class BuildDefinition(WorkspaceDomainObject):
    """A build definition."""


class BuildMetric(WorkspaceDomainObject):
    """A build metric."""


class BuildMetricDefinition(WorkspaceDomainObject):
    """A build metric definition."""


class Change(WorkspaceDomainObject):
    """A changed file of a changeset."""


class Changeset(WorkspaceDomainObject):
    """An SCM changeset."""


class ConversationPost(WorkspaceDomainObject):
    """A discussion post."""


class CapacityPlanAssignment(WorkspaceDomainObject):
    """A capacity plan assignment."""


class CapacityPlanItem(WorkspaceDomainObject):
    """A capacity plan item."""


class CapacityPlanProject(WorkspaceDomainObject):
    """A capacity plan project."""


class FlowState(WorkspaceDomainObject):
    """A kanban flow state."""


class Milestone(WorkspaceDomainObject):
    """A milestone."""


class Preference(WorkspaceDomainObject):
    """A stored preference."""


class PreliminaryEstimate(WorkspaceDomainObject):
    """A preliminary estimate size."""


class SCMRepository(WorkspaceDomainObject):
    """A source repository."""


class State(WorkspaceDomainObject):
    """A state value of a typed workflow."""


class ScheduleState(WorkspaceDomainObject):
    """A schedule state value."""


class TestCaseStep(WorkspaceDomainObject):
    """A step of a test case."""

    __test__ = False  # not a pytest test class


class TestCaseResult(WorkspaceDomainObject):
    """A test case run result."""

    __test__ = False


class TestFolder(WorkspaceDomainObject):
    """A test folder."""

    __test__ = False


class TestFolderStatus(WorkspaceDomainObject):
    """A test folder status."""

    __test__ = False


class Tag(WorkspaceDomainObject):
    """A tag."""


class TimeEntryItem(WorkspaceDomainObject):
    """A timesheet row."""


class TimeEntryValue(WorkspaceDomainObject):
    """A timesheet cell."""


class UserIterationCapacity(WorkspaceDomainObject):
    """A user's capacity in an iteration."""


class RecycleBinEntry(WorkspaceDomainObject):
    """An entry of the recycle bin."""


class RevisionHistory(WorkspaceDomainObject):
    """The revision history of an object (its ``Revisions`` load lazily)."""


class Revision(WorkspaceDomainObject):
    """One revision of a revision history."""

    INFO_ATTRS = ["RevisionNumber", "CreationDate", "User", "Description"]

    def info(self) -> str:
        """One-line summary: number, date, author, description (no loading)."""
        d = self.__dict__
        user = d.get("User")
        who = user.__dict__.get("Name") if isinstance(user, Persistable) else user
        return f"{d.get('RevisionNumber')}  {d.get('CreationDate')}  {who}  {d.get('Description')}"


class PortfolioItemPredecessorRelationship(WorkspaceDomainObject):
    """A dependency between portfolio items."""


class KeyResultData(WorkspaceDomainObject):
    """Abstract key result data point."""


class KeyResultActualValue(KeyResultData):
    """An actual value of a key result."""


class KeyResultInterimTarget(KeyResultData):
    """An interim target of a key result."""


class ObjectiveConversationPost(WorkspaceDomainObject):
    """A discussion post on an objective."""


class VSMProduct(WorkspaceDomainObject):
    """Value stream: product."""


class VSMComponent(WorkspaceDomainObject):
    """Value stream: component."""


class VSMInvestmentCategorytoInvestmentIntentMap(WorkspaceDomainObject):
    """Value stream: investment category mapping."""


class VSMChange(WorkspaceDomainObject):
    """Value stream: change."""


class VSMDeploy(WorkspaceDomainObject):
    """Value stream: deploy."""


class VSMIncident(WorkspaceDomainObject):
    """Value stream: incident."""


class VSMMetric(WorkspaceDomainObject):
    """Value stream: metric."""


class VSMProductAnalyticsMetric(WorkspaceDomainObject):
    """Value stream: product analytics metric."""


class VSMOutcomeMetric(WorkspaceDomainObject):
    """Value stream: outcome metric."""


class VSMTarget(WorkspaceDomainObject):
    """Value stream: target."""


class VSMMeasure(WorkspaceDomainObject):
    """Value stream: measure."""


class VSMOutcome(WorkspaceDomainObject):
    """Value stream: outcome."""


class AttributeDefinition(WorkspaceDomainObject):
    """An attribute definition object."""


class WebLinkDefinition(AttributeDefinition):
    """A web-link attribute definition."""


class Slice(WorkspaceDomainObject):
    """Abstract slice."""


class Investment(Slice):
    """An investment."""


class CumulativeFlowData(WorkspaceDomainObject):
    """Abstract cumulative flow data."""


class ReleaseCumulativeFlowData(CumulativeFlowData):
    """Release cumulative flow data."""


class IterationCumulativeFlowData(CumulativeFlowData):
    """Iteration cumulative flow data."""


class CapacityPlan(WorkspaceDomainObject):
    """Abstract capacity plan."""


class WorkingCapacityAssignment(CapacityPlan):
    """A working capacity assignment."""


class WorkingCapacityPlan(CapacityPlan):
    """A working capacity plan."""


class PublishedCapacityPlan(CapacityPlan):
    """A published capacity plan."""


class BaseRankable(WorkspaceDomainObject):
    """Abstract rankable non-artifact."""


class Objective(BaseRankable):
    """An objective."""


class Objective_StrategicObjective(Objective):
    """A strategic objective."""


class Objective_BusinessObjective(Objective):
    """A business objective."""


class Objective_ExecutionObjective(Objective):
    """An execution objective."""


class Objective_GroupObjective(Objective):
    """A group objective."""


class Objective_TeamObjective(Objective):
    """A team objective."""


class KeyResult(BaseRankable):
    """A key result of an objective."""


class Connection(WorkspaceDomainObject):
    """Abstract external connection."""

    MINIMAL_WDO_ATTRIBUTES = ["_type", "oid", "_ref", "_CreatedAt", "_hydrated", "Name"]
    CONNECTION_INFO_ATTRIBUTES = [
        "Artifact",
        "Description",
        "ExternalFormattedId",
        "ExternalId",
        "Url",
    ]

    def details(self) -> list[str]:  # type: ignore[override]
        """Connections give their details as a list of lines (as pyral did)."""
        return self._detail_lines()


class PullRequest(Connection):
    """A pull request connection."""


class Artifact(WorkspaceDomainObject):
    """Abstract artifact (rankable, schedulable, has FormattedID)."""


class Task(Artifact):
    """A task."""


class Defect(Artifact):
    """A defect."""


class TestCase(Artifact):
    """A test case."""

    __test__ = False


class PortfolioItem(Artifact):
    """A portfolio item; subtypes are PortfolioItem_<Level>."""


class PortfolioItem_Strategy(PortfolioItem):
    """Standard portfolio item level Strategy."""


class PortfolioItem_Initiative(PortfolioItem):
    """Standard portfolio item level Initiative."""


class PortfolioItem_Theme(PortfolioItem):
    """Standard portfolio item level Theme."""


class PortfolioItem_Feature(PortfolioItem):
    """Standard portfolio item level Feature."""


class SchedulableArtifact(Artifact):
    """Abstract schedulable artifact."""


class Requirement(SchedulableArtifact):
    """Abstract requirement."""


class HierarchicalRequirement(Requirement):
    """A user story."""


class DefectSuite(SchedulableArtifact):
    """A defect suite."""


class TestSet(SchedulableArtifact):
    """A test set."""

    __test__ = False


class Risk(SchedulableArtifact):
    """A risk."""


class RankableArtifact(Artifact):
    """Abstract rankable artifact."""


class ExternalContribution(RankableArtifact):
    """An external contribution."""


UserStory = HierarchicalRequirement
Story = HierarchicalRequirement


class CustomField:
    """A nested JSON object without ``_type`` (web links, maps): a plain attribute bag.

    It is not a Persistable: it has no identity and nothing to load.
    """

    def __init__(
        self, oid: Any = None, name: Any = None, resource_url: Any = None, context: Any = None
    ) -> None:
        # The hydrator passes the object's fields as one dict; pyral's positional signature
        # (oid, name, resource_url, context) is accepted too.
        if isinstance(oid, dict) and name is None and resource_url is None:
            self.__dict__.update(oid)
            return
        self.__dict__.update({"oid": oid, "Name": name, "_ref": resource_url})

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"CustomField instance has no attribute: '{name}'")

    def attributes(self) -> list[str]:
        """Sorted field names."""
        return sorted(self.__dict__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CustomField) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CustomField({self.__dict__!r})"


# ===================================================================== lookup tables
def _entity_classes() -> dict[str, type[Persistable]]:
    found: dict[str, type[Persistable]] = {}
    for name, obj in list(globals().items()):
        if isinstance(obj, type) and issubclass(obj, Persistable) and obj.__name__ == name:
            found[name] = obj
    return found


_ENTITY_CLASSES: dict[str, type[Persistable]] = _entity_classes()

classFor: dict[str, type] = dict(_ENTITY_CLASSES)
classFor.update(
    {
        "UserStory": HierarchicalRequirement,
        "Story": HierarchicalRequirement,
        # pyral's misspelled key, kept so lookups written against it still work.
        "OjbectiveConversationPost": ObjectiveConversationPost,
        "CustomField": CustomField,
    }
)

# Standard portfolio-item levels, by TypePath and by bare level name.
_STANDARD_PI_BY_PATH: dict[str, type[Persistable]] = {
    f"PortfolioItem/{level}": _ENTITY_CLASSES[f"PortfolioItem_{level}"]
    for level in PORTFOLIO_ITEM_SUB_TYPES
}

_STORY_ALIASES = ("UserStory", "Story", "User Story")


def static_class_for(type_name: str) -> type[Persistable] | None:
    """The static class for a wire ``_type`` / type name, or None if only a schema can tell."""
    if type_name in _STANDARD_PI_BY_PATH:
        return _STANDARD_PI_BY_PATH[type_name]
    if type_name in _STORY_ALIASES:
        return HierarchicalRequirement
    cls = classFor.get(type_name)
    if isinstance(cls, type) and issubclass(cls, Persistable):
        return cls
    return None


def validRallyType(candidate: str) -> str:
    """Official name for a type known without a schema; anything else is an error.

    Standard portfolio-item levels are given as their TypePath (``Feature`` ->
    ``PortfolioItem/Feature``).  Workspace-specific types are validated by the schema
    (:meth:`pyral._schema.WorkspaceSchema.official_name`).
    """
    name = candidate
    if not isinstance(name, str):
        raise InvalidRallyTypeNameError(name)
    if name in PORTFOLIO_ITEM_SUB_TYPES:
        return f"PortfolioItem/{name}"
    if name.startswith("PortfolioItem_") and name in _ENTITY_CLASSES:
        return "PortfolioItem/" + name[len("PortfolioItem_") :]
    if name in _STANDARD_PI_BY_PATH or name in _STORY_ALIASES:
        return name
    if name in _ENTITY_CLASSES and name != "Persistable":
        return name
    raise InvalidRallyTypeNameError(name)


def getEntityName(candidate: str) -> str:
    """Canonical entity name: story aliases become ``HierarchicalRequirement``.

    ``PortfolioItem_Feature`` style class names become their TypePath; other names are
    returned unchanged (validation is :func:`validRallyType`'s job).
    """
    name = candidate
    if name in _STORY_ALIASES:
        return "HierarchicalRequirement"
    if name.startswith("PortfolioItem_"):
        return "PortfolioItem/" + name[len("PortfolioItem_") :]
    return name


# ===================================================================== schema items
def _collection_loader(context: Any, getCollection: Any) -> Callable[[str], Iterable[Any]]:  # noqa: N803
    """Normalise the two calling conventions of the completion methods to ``f(url)``."""
    if getCollection is None:
        if not callable(context):
            raise TypeError("a collection loader (a function of the URL) is required")
        return context
    return lambda url: list(getCollection(context, url))


_ALLOWED_VALUES_REF = re.compile(r"^https?://.*/\w+/-?\d+/AllowedValues$")

# Standard collections pyral never resolves while completing a type definition.
INELIGIBLE_COLLECTIONS = frozenset(
    [
        "Artifacts",
        "Attachments",
        "Changesets",
        "Children",
        "Collaborators",
        "Defects",
        "DefectSuites",
        "Discussion",
        "Duplicates",
        "Milestones",
        "Iteration",
        "Release",
        "Project",
        "Owner",
        "SubmittedBy",
        "Predecessors",
        "Successors",
        "Tasks",
        "TestCases",
        "TestSets",
        "Results",
        "Steps",
        "Tags",
    ]
)

_COMPLETABLE_TYPES = ("RATING", "STATE", "COLLECTION")


def allowed_value_text(value: Any) -> Any:
    """The display text of one allowed value, whatever shape it arrived in."""
    fields = value.__dict__ if isinstance(value, (Persistable, CustomField)) else value
    if not isinstance(fields, dict):
        return value
    for key in ("LocalizedStringValue", "StringValue", "value"):
        if fields.get(key) is not None:
            return fields[key]
    return fields.get("Name", fields.get("_refObjectName"))


def _inline_allowed_value(raw: Any) -> Any:
    """An inline allowed value (schema endpoint) as an AllowedAttributeValue entity."""
    if not isinstance(raw, dict):
        return raw
    ref = raw.get("_ref")
    item = AllowedAttributeValue(_ref_tail(ref, 1) if ref else None, "AllowedValue", ref)
    for key, val in raw.items():
        if key not in VERSION_ATTRIBUTES and key not in ("_ref", "_type"):
            item.__dict__[key] = val
    item._type = "AllowedAttributeValue"
    item.__dict__["value"] = raw.get("StringValue")
    item.Name = "AllowedValue"
    item._hydrated = True  # nothing more to learn about it
    return item


class SchemaItemAttribute:
    """One AttributeDefinition of a type, as delivered by the schema endpoint."""

    _type = "AttributeDefinition"

    def __init__(self, attr_info: dict[str, Any]) -> None:
        raw = attr_info
        self._ref = raw.get("_ref")
        self.ref = self._short_ref(self._ref)
        self.ObjectName = raw.get("_refObjectName")
        self.ElementName = raw.get("ElementName")
        self.Name = raw.get("Name")
        self.AttributeType = raw.get("AttributeType")
        self.Subscription = raw.get("Subscription")
        self.Workspace = raw.get("Workspace")
        self.Custom = bool(raw.get("Custom", False))
        self.Required = raw.get("Required")
        self.ReadOnly = raw.get("ReadOnly")
        self.Filterable = raw.get("Filterable")
        self.Hidden = raw.get("Hidden")
        self.SchemaType = raw.get("SchemaType")
        self.Constrained = raw.get("Constrained")
        self.AllowedValueType = raw.get("AllowedValueType")
        self.MaxLength = raw.get("MaxLength")
        self.MaxFractionalDigits = raw.get("MaxFractionalDigits")
        allowed = raw.get("AllowedValues")
        self._allowed_ref: str | None = None
        self.resolved = True
        if isinstance(allowed, dict) and "_ref" in allowed:
            self._allowed_ref = allowed["_ref"]
            self.AllowedValues: Any = allowed["_ref"]
            self.resolved = False
        elif isinstance(allowed, list):
            self.AllowedValues = [_inline_allowed_value(v) for v in allowed]
        else:
            self.AllowedValues = []

    @staticmethod
    def _short_ref(ref: str | None) -> str | None:
        # pyral joined the last two *characters* (quirk Q15); this is the real short ref.
        if not ref:
            return None
        tail = _ref_tail(ref).split("/")
        if len(tail) == 2:
            return f"{tail[0].lower()}/{tail[1]}"
        return tail[-1]

    def resolveAllowedValues(self, context: Any = None, getCollection: Any = None) -> list:  # noqa: N803
        """Fetch the AllowedValues collection once; the list of values replaces the ref.

        Called as ``resolveAllowedValues(load_collection)`` (a function of the URL), or with
        pyral's ``(context, getCollection)`` pair where ``getCollection(context, url)``
        returns an iterable response.
        """
        load_collection = _collection_loader(context, getCollection)
        if self.resolved:
            return self.AllowedValues
        ref = self._allowed_ref or ""
        if not _ALLOWED_VALUES_REF.match(ref):
            raise UnrecognizedAllowedValuesReference(
                f"Unrecognized AllowedValues reference for {self.ElementName}: {ref!r}"
            )
        self.AllowedValues = list(load_collection(ref))
        self.resolved = True
        return self.AllowedValues

    def value_texts(self) -> list:
        """The allowed values as strings (resolved values only)."""
        if not self.resolved:
            return []
        return [allowed_value_text(v) for v in self.AllowedValues]

    def __repr__(self) -> str:
        return f"<SchemaItemAttribute {self.ElementName} {self.AttributeType}>"


class SchemaItem:
    """One TypeDefinition of a workspace schema, with its attribute definitions."""

    _type = "TypeDefinition"

    def __init__(self, raw_info: dict[str, Any]) -> None:
        raw = raw_info
        self._ref = raw.get("_ref")
        self.ref = f"typedefinition/{_ref_tail(self._ref, 1)}" if self._ref else None
        self.oid = _as_oid(_ref_tail(self._ref, 1)) if self._ref else None
        self.ObjectName = raw.get("_refObjectName")
        self.ElementName: str = raw.get("ElementName") or ""
        self.Name = raw.get("Name")
        self.DisplayName = raw.get("DisplayName")
        self.TypePath: str = raw.get("TypePath") or self.ElementName
        self.IDPrefix = raw.get("IDPrefix")
        self.Abstract = bool(raw.get("Abstract", False))
        parent = raw.get("Parent")
        self.Parent = parent.get("_refObjectName") if isinstance(parent, dict) else parent
        self.ParentRef = parent.get("_ref") if isinstance(parent, dict) else None
        self.Creatable = raw.get("Creatable")
        self.Queryable = raw.get("Queryable")
        self.ReadOnly = raw.get("ReadOnly")
        self.Deletable = raw.get("Deletable")
        self.Restorable = raw.get("Restorable")
        self.Ordinal = raw.get("Ordinal")
        self.RevisionHistory = raw.get("RevisionHistory")
        self.Attributes = [SchemaItemAttribute(a) for a in raw.get("Attributes") or []]
        self.completed = False
        self._owner: Any = None  # the WorkspaceSchema, set by it

    def attribute(self, name: str) -> SchemaItemAttribute | None:
        """Attribute by ElementName, or by name without its ``c_`` prefix."""
        for attr in self.Attributes:
            if attr.ElementName == name or attr.ElementName == "c_" + name:
                return attr
        return None

    def complete(self, context: Any = None, getCollection: Any = None) -> None:  # noqa: N803
        """Resolve once the allowed values of rating/state/collection attributes.

        Takes a loader (a function of the collection URL) or pyral's
        ``(context, getCollection)`` pair, as :meth:`SchemaItemAttribute.resolveAllowedValues`.
        """
        load_collection = _collection_loader(context, getCollection)
        if self.completed:
            return
        for attr in self.Attributes:
            if (
                attr.AttributeType in _COMPLETABLE_TYPES
                and attr.ElementName not in INELIGIBLE_COLLECTIONS
                and not attr.resolved
            ):
                attr.resolveAllowedValues(load_collection)
        self.completed = True

    def inheritanceChain(self) -> list[str]:
        """Class names from Persistable down to this type."""
        if self._owner is not None:
            cls = self._owner.entity_class(self.TypePath)
        else:
            cls = static_class_for(self.TypePath) or static_class_for(self.ElementName or "")
        if cls is None:
            return [self.ElementName]
        chain = [k.__name__ for k in cls.__mro__ if issubclass(k, Persistable)]
        return list(reversed(chain))

    def __str__(self) -> str:
        lines = [
            f"{self.ElementName}  (TypePath {self.TypePath}, Parent {self.Parent}, "
            f"Abstract {self.Abstract}, IDPrefix {self.IDPrefix})"
        ]
        for attr in self.Attributes:
            lines.append(f"    {attr.ElementName:<32} {attr.AttributeType}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SchemaItem {self.TypePath}>"


__all__ = [
    "Persistable",
    "CustomField",
    "classFor",
    "validRallyType",
    "getEntityName",
    "static_class_for",
    "make_entity_class",
    "SchemaItem",
    "SchemaItemAttribute",
    "InvalidRallyTypeNameError",
    "UnreferenceableOIDError",
    "UnrecognizedAllowedValuesReference",
    "VERSION_ATTRIBUTES",
    "MINIMAL_ATTRIBUTES",
    "PORTFOLIO_ITEM_SUB_TYPES",
    "UserStory",
    "Story",
    "addEntity",
    "processSchemaInfo",
    "getSchemaItem",
    "augmentSchemaWithPullRequestInfo",
    *sorted(_ENTITY_CLASSES),
]


# ===================================================================== pyral 1.7.0 module API
# Constants pyral exposed here, and the schema functions scripts call directly.  The functions
# live in ``pyral._legacy_schema`` with a registry of their own that the client never reads.
from pyral._legacy_schema import (  # noqa: E402
    addEntity,
    augmentSchemaWithPullRequestInfo,
    getSchemaItem,
    processSchemaInfo,
)

SLM_WS_VER = "/slm/webservice/v2.0/"
WEB_SERVICE = "slm/webservice"
WS_API_VERSION = "v2.0"
