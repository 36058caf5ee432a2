"""Which read-only fields the emulator leaves ``null``, and why: the machine-readable side of
docs/emulator.md's "Computed fields" table.

Rally fills many read-only fields on the server.  The emulator computes most of them
(backend/computed.py, backend/rules.py); the rest read ``null``.  A ``null`` is honest only
when it is listed here, either as *not emulated* or as *null until* an event that has not
happened yet.  tests/emulator/test_http_field_coverage.py walks every read-only attribute of
the main types on the demo data and fails on a ``null`` that is not listed here, and checks
that docs/emulator.md names every entry in a row with the same status.

Keys are type names; an entry applies to the type and to every type below it.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyral.emulator.schema import Schema

__all__ = ["NOT_EMULATED", "NULL_UNTIL", "not_emulated", "null_until"]

#: Read-only attributes the emulator does not compute: they always read ``null``.
NOT_EMULATED: Mapping[str, tuple[str, ...]] = {
    "PortfolioItem": (
        "AcceptedDefectCountRollup",
        "AcceptedDefectEstimateTotalRollup",
        "AcceptedTotalCountRollup",
        "AcceptedTotalEstimateRollup",
        "DefectCountRollup",
        "DefectPlanEstimateTotalRollup",
        "PercentDoneByDefectCountRollup",
        "PercentDoneByDefectEstimateRollup",
        "PercentDoneByTotalCountRollup",
        "PercentDoneByTotalEstimateRollup",
        "TotalCountRollup",
        "TotalEstimateRollup",
        "UnEstimatedDefectCountRollup",
        "UnEstimatedTotalCountRollup",
        "EstimatedProgressByStoryCount",
        "EstimatedProgressByStoryPoints",
        "ActualStartDate",
        "ActualEndDate",
        "LastRollupDate",
        "PreliminaryEstimateValue",
        "PreliminaryEstimateCountValue",
        "Blocker",
    ),
    "Artifact": ("LatestDiscussionAgeInMinutes",),
    "SchedulableArtifact": ("ScheduleStatePrefix", "Blocker"),
    # A test case's LastBuild / LastRun are computed from its results; these are not.
    "HierarchicalRequirement": ("LastBuild", "LastRun"),
    "Defect": ("LastBuild", "LastRun"),
    "TestSet": ("DefectStatus", "LastBuild", "LastRun"),
    "DefectSuite": ("DefectStatus", "LastBuild", "LastRun"),
    "Feature": ("LateChildCount",),
    "Task": ("TimeSpent",),
    "Iteration": ("ChildrenPlannedVelocity",),
    "Release": ("ChildrenPlannedVelocity", "ReleaseBacklogItemsCount"),
    "Milestone": ("TotalArtifactCount", "TotalProjectCount", "ClosedProjectCount"),
    "TestFolderStatus": ("PassingCount", "FailedCount", "NoResultCount", "OthersCount"),
    "Project": ("LastUpdatedDate",),
}

#: Read-only attributes that are computed or server-maintained but ``null`` until the event
#: named (as in Rally): e.g. ``AcceptedDate`` of a story never accepted.
NULL_UNTIL: Mapping[str, tuple[tuple[str, ...], str]] = {
    "SchedulableArtifact": (
        ("AcceptedDate", "FlowStateChangedDate"),
        "the item is first accepted / its FlowState first changes",
    ),
    "HierarchicalRequirement": (
        ("InProgressDate", "Feature"),
        "the story is first In-Progress / it has a PortfolioItem",
    ),
    "Defect": (("InProgressDate", "OpenedDate", "ClosedDate"), "the defect first reaches it"),
    "DefectSuite": (("InProgressDate",), "the suite is first In-Progress"),
    "Task": (("Iteration",), "its work product is scheduled in an iteration"),
    "PortfolioItem": (("StateChangedDate",), "the item's State first changes"),
    "TestCase": (
        ("LastVerdict", "LastRun", "LastBuild", "LastResult"),
        "the test case has a result (LastBuild: its newest result has a Build)",
    ),
}


def _applies(schema: Schema, type_name: str, key: str) -> bool:
    return schema.is_a(type_name, key)


def not_emulated(schema: Schema, type_name: str) -> set[str]:
    """The attributes of ``type_name`` that always read null in the emulator."""
    out: set[str] = set()
    for key, names in NOT_EMULATED.items():
        if _applies(schema, type_name, key):
            out.update(names)
    return out


def null_until(schema: Schema, type_name: str) -> set[str]:
    """The attributes of ``type_name`` that are null until something happens."""
    out: set[str] = set()
    for key, (names, _why) in NULL_UNTIL.items():
        if _applies(schema, type_name, key):
            out.update(names)
    return out
