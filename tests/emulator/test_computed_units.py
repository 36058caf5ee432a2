"""The pure summaries behind the computed fields (task, defect and test-case status)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pyral.emulator.backend.computed import case_rollups, defect_status, task_status
from pyral.emulator.store import Row


def _row(oid: int, **data: Any) -> Row:
    return Row(oid, "X", 1, None, None, None, False, 1, dict(data))


_TASK_STATES = st.sampled_from(["Defined", "In-Progress", "Completed", None])


@settings(deadline=None)
@given(st.lists(st.tuples(_TASK_STATES, st.booleans()), max_size=8))
def test_task_status_matches_rally_rules(tasks: list[tuple[str | None, bool]]) -> None:
    rows = [_row(i, State=s, Blocked=b) for i, (s, b) in enumerate(tasks)]
    status = task_status(rows)
    states = [s or "Defined" for s, _ in tasks]
    if not tasks:
        assert status == "NONE"
    elif all(s == "Defined" for s in states):
        assert status == "DEFINED"
    else:
        base = "COMPLETED" if all(s == "Completed" for s in states) else "IN_PROGRESS"
        blocked = any(b for _, b in tasks)
        assert status == base + ("_BLOCKED" if blocked else "")


def test_defect_status_cases() -> None:
    assert defect_status([]) == "NONE"
    assert defect_status([_row(1, State="Open")]) == "NONE_CLOSED"
    assert defect_status([_row(1, State="Open"), _row(2, State="Closed")]) == "SOME_CLOSED"
    assert defect_status([_row(1, State="Closed")]) == "ALL_CLOSED"


def test_test_case_rollups_cases() -> None:
    attrs = {"TestCaseCount": 1, "PassingTestCaseCount": 1, "TestCaseStatus": 1}
    assert case_rollups([], attrs) == {
        "TestCaseCount": 0, "PassingTestCaseCount": 0, "TestCaseStatus": "NONE"
    }  # fmt: skip
    unrun = [_row(1), _row(2)]
    assert case_rollups(unrun, attrs)["TestCaseStatus"] == "NONE_RUN"
    some = [_row(1, LastVerdict="Pass"), _row(2)]
    assert case_rollups(some, attrs)["TestCaseStatus"] == "SOME_RUN_ALL_PASSING"
    mixed = [_row(1, LastVerdict="Pass"), _row(2, LastVerdict="Fail")]
    assert case_rollups(mixed, attrs)["TestCaseStatus"] == "ALL_RUN_SOME_NOT_PASSING"
    failing = [_row(1, LastVerdict="Fail"), _row(2)]
    assert case_rollups(failing, attrs)["TestCaseStatus"] == "SOME_RUN_NONE_PASSING"
    # Attributes the type lacks are not reported.
    assert "TotalDirectTestCaseCount" not in case_rollups(mixed, attrs)
