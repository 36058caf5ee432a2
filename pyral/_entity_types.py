"""The static class tree: one ``Persistable`` subclass per standard Rally type.

Classes carry no state; types only a workspace knows get run-time classes from
:func:`pyral._entity_base.make_entity_class`.  Re-exported by :mod:`pyral.entity`.
"""

from __future__ import annotations

from typing import Any

from pyral import _printing
from pyral._entity_base import (
    _DETAILS_HEAD,
    SETTLING_DICT,
    Persistable,
    present_as_entity_module,
    register_static_classes,
)


# ===================================================================== the class tree
class Subscription(Persistable):
    """The subscription (top of the Rally object graph)."""

    __dict__ = SETTLING_DICT  # reading it settles pending values


class AllowedAttributeValue(Persistable):
    """One allowed value of a constrained attribute (``value`` holds its StringValue)."""

    __dict__ = SETTLING_DICT  # reading it settles pending values


class AllowedQueryOperator(Persistable):
    """A query operator allowed on an attribute."""

    __dict__ = SETTLING_DICT  # reading it settles pending values


class DomainObject(Persistable):
    """Abstract: everything owned by a subscription."""

    __dict__ = SETTLING_DICT  # reading it settles pending values


class WorkspaceDomainObject(DomainObject):
    """Abstract: everything scoped to a workspace."""

    #: The attributes ``details()`` shows first (pyral's name for that list).
    COMMON_ATTRIBUTES = ["_type", *_DETAILS_HEAD]

    def details(self) -> str:
        """pyral 1.7.0's block: the common head, a blank line, every other attribute sorted.

        Laid out by :func:`pyral._printing.entity_details`, character for character as pyral
        printed it; values are read as attributes, so a shell loads itself first.
        """
        return _printing.entity_details(self)


class User(DomainObject):
    """A Rally user."""

    #: Fields ``details()`` lists for a user, in pyral's order.
    USER_ATTRIBUTES = list(_printing.USER_ATTRIBUTES)

    def details(self) -> str:
        """pyral 1.7.0's block of the user's fields (None values left out)."""
        return _printing.user_details(self)


class UserProfile(DomainObject):
    """A user's preferences (default workspace / project, time zone...)."""

    USER_PROFILE_ATTRIBUTES = list(_printing.USER_PROFILE_ATTRIBUTES)

    def details(self) -> str:
        """pyral 1.7.0's block of the profile's fields (None values shown)."""
        return _printing.user_profile_details(self)


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

    def __init__(self, oid: Any, name: Any, resource_url: str | None, context: Any = None) -> None:
        # Rally gives a history no name; pyral 1.7.0 called it 'RevisionHistory'.
        super().__init__(
            oid, "RevisionHistory" if name in (None, "Unknown") else name, resource_url, context
        )


class Revision(WorkspaceDomainObject):
    """One revision of a revision history."""

    INFO_ATTRS = ["RevisionNumber", "Description", "CreationDate", "User"]

    def info(self) -> str:
        """pyral 1.7.0's two-line summary: number, date and author, then the description."""
        user: Any = self.User
        who = user.Name if isinstance(user, Persistable) else user
        number = self.RevisionNumber
        shown = f"{number:3d}" if isinstance(number, int) else f"{number!s:>3}"
        return f"   {shown} on {self.CreationDate} by {who}\n             {self.Description}"


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
        return _printing.connection_details(self)


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
    """A portfolio item of any standard level; the level is in ``typePath``.

    As in pyral 1.7.0, items of every standard level are of this very class; the
    ``PortfolioItem_<Level>`` subclasses below exist (scripts import them, and
    ``inheritanceChain`` names them) but no item is made of them.
    """


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


register_static_classes(globals())
present_as_entity_module(globals())
