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
* Portfolio items get pyral 1.7.0's classes: every standard level is a plain
  ``PortfolioItem`` (``x.typePath == 'PortfolioItem/Feature'`` tells the level); a custom level
  (``PortfolioItem/Epic``) is a run-time ``PortfolioItem_Epic`` derived from
  ``WorkspaceDomainObject`` with ``typePath`` None (see :mod:`pyral._portfolio_levels`).
* ``__all__`` holds strings (quirk Q23) and :func:`validRallyType` accepts entity classes
  only, never helpers such as ``SchemaItem`` (quirk Q32).

Layout: this module is the public façade.  The code lives in ``pyral._entity_base``
(``Persistable``, ``CustomField``, details), ``pyral._entity_types`` (the class tree),
``pyral._class_table`` (``classFor`` & co.), ``pyral._schema_items`` (``SchemaItem``) and
``pyral._legacy_schema`` (pyral's module-level schema functions).  Every name is bound
here too and reports ``pyral.entity`` as its module.
"""

from __future__ import annotations

# Loading the hydrator installs how shells load themselves (see pyral._entity_base).
from pyral import hydrate as _hydrate  # noqa: F401
from pyral._class_table import (  # noqa: F401 - re-exported: pyral.entity is the public path
    _ENTITY_CLASSES,
    _STANDARD_PI_BY_PATH,
    _STORY_ALIASES,
    _entity_classes,
    classFor,
    getEntityName,
    static_class_for,
    validRallyType,
)
from pyral._entity_base import (  # noqa: F401 - re-exported: pyral.entity is the public path
    _DETAILS_HEAD,
    _PRIVATE_STATE,
    COLLECTION_MARKER,
    MINIMAL_ATTRIBUTES,
    PORTFOLIO_ITEM_SUB_TYPES,
    VERSION_ATTRIBUTES,
    CustomField,
    Persistable,
    _as_oid,
    _detail_line,
    _display_class_name,
    _is_static_class,
    _nearest_static_base,
    _ref_tail,
    _render,
    _restore_entity,
    _restore_runtime_entity,
    _shown_name,
    make_entity_class,
)
from pyral._entity_types import (  # noqa: F401 - re-exported: pyral.entity is the public path
    AllowedAttributeValue,
    AllowedQueryOperator,
    Artifact,
    ArtifactNotification,
    Attachment,
    AttachmentContent,
    AttributeDefinition,
    BaseRankable,
    Blocker,
    Build,
    BuildDefinition,
    BuildMetric,
    BuildMetricDefinition,
    CapacityPlan,
    CapacityPlanAssignment,
    CapacityPlanItem,
    CapacityPlanProject,
    Change,
    Changeset,
    Connection,
    ConversationPost,
    CumulativeFlowData,
    Defect,
    DefectSuite,
    DomainObject,
    ExternalContribution,
    FlowState,
    HierarchicalRequirement,
    Investment,
    Iteration,
    IterationCumulativeFlowData,
    KeyResult,
    KeyResultActualValue,
    KeyResultData,
    KeyResultInterimTarget,
    Milestone,
    Objective,
    Objective_BusinessObjective,
    Objective_ExecutionObjective,
    Objective_GroupObjective,
    Objective_StrategicObjective,
    Objective_TeamObjective,
    ObjectiveConversationPost,
    PortfolioItem,
    PortfolioItem_Feature,
    PortfolioItem_Initiative,
    PortfolioItem_Strategy,
    PortfolioItem_Theme,
    PortfolioItemPredecessorRelationship,
    Preference,
    PreliminaryEstimate,
    ProfileImage,
    Program,
    Project,
    ProjectPermission,
    PublishedCapacityPlan,
    PullRequest,
    RankableArtifact,
    RecycleBinEntry,
    Release,
    ReleaseCumulativeFlowData,
    Requirement,
    Revision,
    RevisionHistory,
    Risk,
    SchedulableArtifact,
    ScheduleState,
    SCMRepository,
    Scope,
    Slice,
    State,
    Story,
    Subscription,
    Tag,
    Task,
    TestCase,
    TestCaseResult,
    TestCaseStep,
    TestFolder,
    TestFolderStatus,
    TestSet,
    TimeEntryItem,
    TimeEntryValue,
    Type,
    TypeDefinition,
    User,
    UserIterationCapacity,
    UserPermission,
    UserProfile,
    UserStory,
    VSMChange,
    VSMComponent,
    VSMDeploy,
    VSMIncident,
    VSMInvestmentCategorytoInvestmentIntentMap,
    VSMMeasure,
    VSMMetric,
    VSMOutcome,
    VSMOutcomeMetric,
    VSMProduct,
    VSMProductAnalyticsMetric,
    VSMTarget,
    WebLinkDefinition,
    WorkingCapacityAssignment,
    WorkingCapacityPlan,
    Workspace,
    WorkspaceConfiguration,
    WorkspaceDomainObject,
    WorkspacePermission,
)
from pyral._legacy_schema import (
    addEntity,
    augmentSchemaWithPullRequestInfo,
    getSchemaItem,
    processSchemaInfo,
)
from pyral._schema_items import (  # noqa: F401 - re-exported
    _ALLOWED_VALUES_REF,
    _COMPLETABLE_TYPES,
    INELIGIBLE_COLLECTIONS,
    SchemaItem,
    SchemaItemAttribute,
    _collection_loader,
    _inline_allowed_value,
    allowed_value_text,
)
from pyral.exceptions import (
    InvalidRallyTypeNameError,
    UnrecognizedAllowedValuesReference,
    UnreferenceableOIDError,
)

__version__ = (1, 7, 0)

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


SLM_WS_VER = "/slm/webservice/v2.0/"
WEB_SERVICE = "slm/webservice"
WS_API_VERSION = "v2.0"
