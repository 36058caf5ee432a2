"""The ``--demo`` data set: a small but realistic subscription to explore with any client.

It is built in code (not shipped as JSON) so that the structure stays readable and the
volume of work items can be generated from a few tables.  Everything is deterministic:
the same call always returns the same seed, hence the same ObjectIDs and FormattedIDs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEMO_APIKEY", "DEMO_PASSWORD", "DEMO_USER", "DEMO_WORKSPACE", "demo_seed"]

DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "demo"
DEMO_APIKEY = "_demoapikey0000000000000000000000000000000"
DEMO_WORKSPACE = "Demo Workspace"
SANDBOX_WORKSPACE = "Sandbox Workspace"

ROOT = "Online Store"
WEB = f"{ROOT} // Web Team"
MOBILE = f"{ROOT} // Mobile Team"
CHECKOUT = f"{WEB} // Checkout"
SEARCH = f"{WEB} // Search"
# Two projects deliberately share the name "Integration" under different parents, so
# clients that resolve projects by name alone have something to trip over.
WEB_INTEGRATION = f"{WEB} // Integration"
MOBILE_INTEGRATION = f"{MOBILE} // Integration"
TEAMS = [CHECKOUT, SEARCH, MOBILE]

_USERS = [
    ("demo@example.com", "Demo", "User", "Demo User"),
    ("alice@example.com", "Alice", "Nguyen", "Alice Nguyen"),
    ("bob@example.com", "Bob", "Martins", "Bob Martins"),
    ("carol@example.com", "Carol", "Okafor", "Carol Okafor"),
]
_OWNERS = [u[0] for u in _USERS]

_SCHEDULE_STATES = ["Defined", "In-Progress", "Completed", "Accepted"]
_TASK_STATES = ["Defined", "In-Progress", "Completed"]
_DEFECT_STATES = ["Submitted", "Open", "Fixed", "Closed"]
_PRIORITIES = ["Resolve Immediately", "High Attention", "Normal", "Low", "None"]
_SEVERITIES = ["Crash/Data Loss", "Major Problem", "Minor Problem", "Cosmetic", "None"]
_ROOT_CAUSES = ["Code", "Configuration", "Requirements", "Environment", "Third Party"]
_TAGS = ["urgent", "regression", "ux", "performance", "security", "tech-debt"]
_VERDICTS = ["Pass", "Fail", "Pass", "Blocked", "Pass", "Inconclusive", "Error"]

_STORY_TOPICS = {
    CHECKOUT: ["Guest checkout", "Saved cards", "Promo codes", "Order summary", "Tax calculation",
               "Shipping options", "Gift wrapping", "Payment retries"],
    SEARCH: ["Autocomplete", "Faceted filters", "Typo tolerance", "Search analytics",
             "Synonyms", "Result ranking", "Recent searches", "Zero-result page"],
    MOBILE: ["Push notifications", "Offline cart", "Biometric login", "Deep links",
             "Dark mode", "App rating prompt", "Barcode scanner", "Wishlist sync"],
}  # fmt: skip
_TASK_NAMES = ["Design", "Implement", "Write tests", "Code review"]


def _team_key(path: str) -> str:
    return path.rsplit(" // ", 1)[-1].lower().replace(" ", "-")


def demo_seed() -> dict[str, Any]:
    """Return the demo seed document (a fresh dict on every call)."""
    users = []
    for i, (name, first, last, display) in enumerate(_USERS):
        user: dict[str, Any] = {
            "UserName": name,
            "FirstName": first,
            "LastName": last,
            "DisplayName": display,
            "EmailAddress": name,
            "Password": DEMO_PASSWORD if i == 0 else first.lower(),
            "ApiKey": DEMO_APIKEY if i == 0 else f"_{first.lower()}apikey".ljust(42, "0"),
            "SubscriptionAdmin": i == 0,
            "DefaultWorkspace": DEMO_WORKSPACE,
            "DefaultProject": [ROOT, CHECKOUT, SEARCH, MOBILE][i],
        }
        if i > 0:
            user["Workspaces"] = [DEMO_WORKSPACE]
        users.append(user)
    users.append(
        {
            "UserName": "dave@example.com",
            "FirstName": "Dave",
            "LastName": "Schmidt",
            "DisplayName": "Dave Schmidt",
            "EmailAddress": "dave@example.com",
            "Password": "dave",
            "ApiKey": "_daveapikey".ljust(42, "0"),
            "DefaultWorkspace": SANDBOX_WORKSPACE,
            "DefaultProject": "Sandbox Project",
            "Workspaces": [SANDBOX_WORKSPACE],
        }
    )
    return {
        "now": "2026-03-02T09:00:00.000Z",
        "subscription": {"Name": "Emulated Subscription"},
        "users": users,
        "workspaces": [_demo_workspace(), _sandbox_workspace()],
    }


def _demo_workspace() -> dict[str, Any]:
    objects: list[dict[str, Any]] = []
    add = objects.append
    for tag in _TAGS:
        add({"_type": "Tag", "_key": f"tag-{tag}", "Name": tag})

    # Timeboxes: two releases on the root, three sprints per team.
    add(
        {
            "_type": "Release",
            "_key": "rel-1",
            "Name": "2026 Q1",
            "Project": ROOT,
            "ReleaseStartDate": "2026-01-05",
            "ReleaseDate": "2026-03-27",
            "State": "Active",
            "Theme": "Checkout conversion and faster search",
        }
    )
    add({"_type": "Release", "_key": "rel-2", "Name": "2026 Q2", "Project": ROOT,
         "ReleaseStartDate": "2026-03-30", "ReleaseDate": "2026-06-26", "State": "Planning"})  # fmt: skip
    sprint_dates = [("2026-02-02", "2026-02-13", "Accepted"), ("2026-02-16", "2026-02-27", "Committed"),
                    ("2026-03-02", "2026-03-13", "Planning")]  # fmt: skip
    for team in TEAMS:
        for n, (start, end, state) in enumerate(sprint_dates, start=1):
            add({"_type": "Iteration", "_key": f"it-{_team_key(team)}-{n}", "Name": f"Sprint {n}",
                 "Project": team, "StartDate": start, "EndDate": end, "State": state,
                 "PlannedVelocity": 20})  # fmt: skip

    add(
        {
            "_type": "Milestone",
            "_key": "ms-beta",
            "Name": "Public beta",
            "TargetDate": "2026-03-20",
            "TargetProject": ROOT,
            "Notes": "Beta for all web customers",
        }
    )
    add({"_type": "Milestone", "_key": "ms-ga", "Name": "General availability", "TargetDate": "2026-06-26",
         "TargetProject": ROOT})  # fmt: skip

    # Portfolio: one theme, one initiative, two epics, three features (one per team).
    add(
        {
            "_type": "PortfolioItem/Theme",
            "_key": "theme",
            "Name": "Grow online revenue",
            "Project": ROOT,
            "Owner": _OWNERS[0],
            "State": "Developing",
        }
    )
    add(
        {
            "_type": "PortfolioItem/Initiative",
            "_key": "init",
            "Name": "Frictionless buying",
            "Project": ROOT,
            "Parent": {"_key": "theme"},
            "State": "Developing",
            "PreliminaryEstimate": "XL",
        }
    )
    add(
        {
            "_type": "PortfolioItem/Epic",
            "_key": "epic-web",
            "Name": "Web storefront refresh",
            "Project": WEB,
            "Parent": {"_key": "init"},
            "State": "Developing",
            "PreliminaryEstimate": "L",
        }
    )
    add({"_type": "PortfolioItem/Epic", "_key": "epic-mobile", "Name": "Mobile app v3",
         "Project": MOBILE, "Parent": {"_key": "init"}, "State": "Discovering",
         "PreliminaryEstimate": "L"})  # fmt: skip
    feature_names = {
        CHECKOUT: "One-page checkout",
        SEARCH: "Smarter search",
        MOBILE: "Mobile shopping",
    }
    for team, epic in ((CHECKOUT, "epic-web"), (SEARCH, "epic-web"), (MOBILE, "epic-mobile")):
        add({"_type": "PortfolioItem/Feature", "_key": f"feat-{_team_key(team)}",
             "Name": feature_names[team], "Project": team, "Parent": {"_key": epic},
             "State": "Developing", "Owner": _OWNERS[TEAMS.index(team) + 1],
             "PreliminaryEstimate": "M", "Release": {"_key": "rel-1"},
             "PlannedStartDate": "2026-01-05", "PlannedEndDate": "2026-03-27",
             "Milestones": [{"_key": "ms-beta"}]})  # fmt: skip
    add(
        {
            "_type": "PortfolioItem/Program",
            "_key": "program",
            "Name": "Digital commerce",
            "Project": ROOT,
            "State": "Developing",
        }
    )

    # Stories (8 per team), each with tasks; some split into child stories.
    n = 0
    for t_index, team in enumerate(TEAMS):
        tkey = _team_key(team)
        for s_index, topic in enumerate(_STORY_TOPICS[team]):
            state = _SCHEDULE_STATES[(s_index + t_index) % 4]
            sprint = 1 + s_index % 3
            story: dict[str, Any] = {
                "_type": "HierarchicalRequirement", "_key": f"us-{tkey}-{s_index}",
                "Name": topic, "Project": team, "ScheduleState": state,
                "PlanEstimate": [1, 2, 3, 5, 8][(s_index + t_index) % 5],
                "Owner": _OWNERS[(s_index + t_index) % len(_OWNERS)],
                "Iteration": {"_key": f"it-{tkey}-{sprint}"}, "Release": {"_key": "rel-1"},
                "Description": f"As a shopper I want {topic.lower()} so that buying is easier.",
            }  # fmt: skip
            if s_index < 5:
                story["PortfolioItem"] = {"_key": f"feat-{tkey}"}
            if s_index % 3 == 0:
                story["Tags"] = [{"_key": f"tag-{_TAGS[(s_index + t_index) % len(_TAGS)]}"}]
            if s_index == 1:
                story["Blocked"] = True
                story["BlockedReason"] = "Waiting for the payments sandbox"
            add(story)
            n += 1
            for k, task in enumerate(_TASK_NAMES[: 2 + s_index % 3]):
                done = _SCHEDULE_STATES.index(state)
                add({"_type": "Task", "Name": f"{task}: {topic.lower()}",
                     "WorkProduct": {"_key": f"us-{tkey}-{s_index}"},
                     "State": _TASK_STATES[min(done, 2)] if k <= done else "Defined",
                     "Estimate": 4 + k * 2, "ToDo": 0 if done >= 2 else 4 + k * 2,
                     "Owner": _OWNERS[(s_index + k) % len(_OWNERS)], "TaskIndex": k})  # fmt: skip
        # A parent story with two children (stories that are themselves split).
        add({"_type": "HierarchicalRequirement", "_key": f"us-{tkey}-epic", "Name": f"{team.rsplit(' // ', 1)[-1]} accessibility",
             "Project": team, "ScheduleState": "In-Progress"})  # fmt: skip
        for c in range(2):
            add({"_type": "HierarchicalRequirement", "Name": f"Accessibility pass {c + 1}",
                 "Project": team, "Parent": {"_key": f"us-{tkey}-epic"},
                 "ScheduleState": _SCHEDULE_STATES[c], "PlanEstimate": 2,
                 "Iteration": {"_key": f"it-{tkey}-3"}})  # fmt: skip

    # Defects with varied severity, priority and state; some tied to stories.
    for d in range(15):
        team = TEAMS[d % 3]
        tkey = _team_key(team)
        state = _DEFECT_STATES[d % 4]
        defect: dict[str, Any] = {
            "_type": "Defect", "_key": f"de-{d}",
            "Name": f"{['Crash', 'Wrong total', 'Slow page', 'Typo', 'Layout glitch'][d % 5]} in {_STORY_TOPICS[team][d % 8].lower()}",
            "Project": team, "State": state,
            "Severity": _SEVERITIES[d % 5], "Priority": _PRIORITIES[(d * 2) % 5],
            "ScheduleState": "Accepted" if state == "Closed" else _SCHEDULE_STATES[d % 3],
            "Owner": _OWNERS[(d + 1) % len(_OWNERS)], "SubmittedBy": _OWNERS[d % len(_OWNERS)],
            "Environment": ["Production", "Staging", "Test", "Development"][d % 4],
            "FoundInBuild": f"2026.{d % 3 + 1}.{d}", "c_RootCause": _ROOT_CAUSES[d % 5],
        }  # fmt: skip
        if d % 2 == 0:
            defect["Requirement"] = {"_key": f"us-{tkey}-{d % 8}"}
        if d % 4 == 1:
            defect["Tags"] = [{"_key": "tag-regression"}]
        if state == "Fixed":
            defect["FixedInBuild"] = f"2026.{d % 3 + 1}.{d + 1}"
            defect["Resolution"] = "Code Change"
        if state == "Closed":
            defect["Resolution"] = ["Code Change", "Duplicate", "Not a Defect"][d % 3]
        add(defect)
    add({"_type": "DefectSuite", "Name": "Checkout regressions", "Project": CHECKOUT})

    # Tests: a folder, test cases linked to stories, a few results, a test set.
    add({"_type": "TestFolder", "_key": "tf-web", "Name": "Web regression", "Project": WEB})
    for c in range(10):
        team = TEAMS[c % 3]
        tkey = _team_key(team)
        add({"_type": "TestCase", "_key": f"tc-{c}",
             "Name": f"Verify {_STORY_TOPICS[team][c % 8].lower()}", "Project": team,
             "WorkProduct": {"_key": f"us-{tkey}-{c % 8}"},
             "Type": ["Acceptance", "Functional", "Regression", "Performance"][c % 4],
             "Method": "Automated" if c % 2 else "Manual",
             "Priority": ["Critical", "Important", "Useful", "None"][c % 4],
             "Risk": ["High", "Medium", "Low", "None"][c % 4],
             "Owner": _OWNERS[c % len(_OWNERS)],
             "PreConditions": "Signed-in shopper with an empty cart",
             "ValidationInput": "Follow the story's acceptance criteria",
             "ValidationExpectedResult": "Behaviour matches the acceptance criteria",
             **({"TestFolder": {"_key": "tf-web"}} if team != MOBILE else {})})  # fmt: skip
        for step in range(1 + c % 2):
            add({"_type": "TestCaseStep", "TestCase": {"_key": f"tc-{c}"}, "StepIndex": step,
                 "Input": f"Step {step + 1}", "ExpectedResult": "No error is shown"})  # fmt: skip
    add({"_type": "TestSet", "_key": "ts-1", "Name": "Sprint 2 regression", "Project": CHECKOUT,
         "Iteration": {"_key": f"it-{_team_key(CHECKOUT)}-2"},
         "TestCases": [{"_key": f"tc-{c}"} for c in range(0, 10, 3)]})  # fmt: skip
    for r in range(7):
        add({"_type": "TestCaseResult", "TestCase": {"_key": f"tc-{r % 5}"},
             "Build": f"2026.2.{r + 10}", "Date": f"2026-02-{10 + r:02d}T15:30:00.000Z",
             "Verdict": _VERDICTS[r], "Tester": _OWNERS[r % len(_OWNERS)],
             "Duration": 1.5 + r, "Notes": "Nightly run",
             **({"TestSet": {"_key": "ts-1"}} if r % 5 in (0, 3) else {})})  # fmt: skip
    add({"_type": "ConversationPost", "Artifact": {"_key": "de-0"}, "Text": "Reproduced on staging.",
         "User": _OWNERS[1]})  # fmt: skip

    _add_history(objects)
    _add_root_project_items(add)  # after the history: these have none
    return {
        "Name": DEMO_WORKSPACE,
        "State": "Open",
        "Description": "Demo data for the pyral WSAPI emulator",
        "custom_fields": {
            "Defect": [
                {
                    "Name": "c_RootCause",
                    "DisplayName": "Root Cause",
                    "AttributeType": "STRING",
                    "AllowedValues": _ROOT_CAUSES,
                }
            ],
            "HierarchicalRequirement": [
                {
                    "Name": "c_CustomerImpact",
                    "DisplayName": "Customer Impact",
                    "AttributeType": "TEXT",
                }
            ],
        },
        "portfolio_item_types": [{"Name": "Program", "IDPrefix": "P", "Ordinal": 4}],
        "projects": [
            {
                "Name": ROOT,
                "Description": "The web shop and its apps",
                "Children": [
                    {
                        "Name": "Web Team",
                        "Children": [
                            {"Name": "Checkout"},
                            {"Name": "Search"},
                            {"Name": "Integration"},
                        ],
                    },
                    {"Name": "Mobile Team", "Children": [{"Name": "Integration"}]},
                ],
            }
        ],
        "objects": objects,
    }


def _add_root_project_items(add: Any) -> None:
    """A few items in the demo user's default project itself, added last.

    Everything above lives in team projects below "Online Store"; without these, a first
    ``pyral query Story`` (pyral does not scope down by default) would print nothing.  They
    come after the other objects so every earlier ObjectID and FormattedID stays the same.
    """
    stories = [
        ("root-us-0", "Store-wide announcement bar", "In-Progress", 5),
        ("root-us-1", "Cookie consent banner", "Defined", 2),
        ("root-us-2", "Customer reviews on product pages", "Accepted", 3),
    ]
    for key, name, state, points in stories:
        add({"_type": "HierarchicalRequirement", "_key": key, "Name": name, "Project": ROOT,
             "ScheduleState": state, "PlanEstimate": points, "Owner": _OWNERS[0],
             "Release": {"_key": "rel-1"},
             "Description": f"Store-wide: {name.lower()}."})  # fmt: skip
    for k, task in enumerate(_TASK_NAMES[:2]):
        add({"_type": "Task", "Name": f"{task}: announcement bar", "WorkProduct": {"_key": "root-us-0"},
             "State": "In-Progress" if k == 0 else "Defined", "Estimate": 3, "ToDo": 3,
             "Owner": _OWNERS[0], "TaskIndex": k})  # fmt: skip
    add({"_type": "Defect", "Name": "Broken link in the footer", "Project": ROOT, "State": "Open",
         "Severity": "Minor Problem", "Priority": "Normal", "ScheduleState": "Defined",
         "Owner": _OWNERS[0], "SubmittedBy": _OWNERS[2], "Environment": "Production"})  # fmt: skip
    add({"_type": "Defect", "Name": "Currency shown twice on invoices", "Project": ROOT,
         "State": "Submitted", "Severity": "Major Problem", "Priority": "High Attention",
         "ScheduleState": "Defined", "Owner": _OWNERS[0], "SubmittedBy": _OWNERS[3],
         "Environment": "Production", "Requirement": {"_key": "root-us-2"}, "_key": "root-de-1"})  # fmt: skip
    # Not a bulk-loadable type: benchmarks/bigseed.py appends its generated artifacts after
    # the demo's own objects and tells them apart by that.
    add({"_type": "ConversationPost", "Artifact": {"_key": "root-de-1"},
         "Text": "Only on invoices in EUR.", "User": _OWNERS[3]})  # fmt: skip


# -- history for the Lookback API -------------------------------------------------------
#
# Stories and defects get a dated ``_history`` (seed format: docs/emulator-seed-format.md)
# that ends in exactly the state described above, so WSAPI sees the same data as before and
# Lookback reports (cumulative flow, cycle time) have a few months to show.  Stories are
# written in December/January, planned into Sprint 1, carried over sprint by sprint to the
# one they are in now, and move through the schedule states during their last sprint;
# defects go Submitted -> Open -> Fixed -> Closed from mid-November on.

_SPRINT_STARTS = ["2026-02-02", "2026-02-16", "2026-03-02"]


def _at(day: str, hour: int = 9, minutes: int = 0) -> str:
    return f"{day}T{hour:02d}:{minutes:02d}:00.000Z"


def _shift(day: str, days: int) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def _story_history(story: dict[str, Any], n: int) -> list[dict[str, Any]]:
    state = story["ScheduleState"]
    sprint_key = story["Iteration"]["_key"]
    sprint = int(sprint_key.rsplit("-", 1)[1])
    team_key = sprint_key[len("it-") : -len(f"-{sprint}")]
    created: dict[str, Any] = {
        "at": _at(_shift("2025-12-01", (n * 3) % 40), 10, n % 60),
        "ScheduleState": "Defined",
        "Iteration": None,
    }
    if story.get("Blocked"):
        created.update({"Blocked": False, "BlockedReason": None})
    history = [created]
    # Planned into Sprint 1 before it started, then carried over to the sprint it is in now.
    history.append({"at": _at("2026-01-29", 14, n % 60), "Iteration": {"_key": f"it-{team_key}-1"}})
    for k in range(2, sprint + 1):
        history.append(
            {
                "at": _at(_shift(_SPRINT_STARTS[k - 1], -3), 17, n % 60),
                "Iteration": {"_key": f"it-{team_key}-{k}"},
            }
        )
    # Work happens in the sprint before the current one ends (Sprint 3 starts today).
    start = _SPRINT_STARTS[min(sprint, 2) - 1]
    reached = _SCHEDULE_STATES.index(state)
    offset = 1 + n % 3
    for step in range(1, reached + 1):
        day = _shift(start, offset)
        history.append({"at": _at(day, 11, n % 60), "ScheduleState": _SCHEDULE_STATES[step]})
        offset += 1 + (n * (step + 2)) % 5
    if story.get("Blocked"):
        history.append(
            {
                "at": _at(_shift(start, 2), 15, n % 60),
                "Blocked": True,
                "BlockedReason": story["BlockedReason"],
            }
        )
    history.sort(key=lambda entry: entry["at"])
    return history


def _defect_history(defect: dict[str, Any], d: int) -> list[dict[str, Any]]:
    reached = _DEFECT_STATES.index(defect["State"])
    created: dict[str, Any] = {
        "at": _at(_shift("2025-11-17", d * 4), 8, d),
        "State": "Submitted",
        "ScheduleState": "Defined",
    }
    for name in ("Resolution", "FixedInBuild"):
        if name in defect:
            created[name] = None
    history = [created]
    gaps = [0, 3, 12, 18]
    for step in range(1, reached + 1):
        history.append(
            {
                "at": _at(_shift("2025-11-17", d * 4 + gaps[step]), 13, d),
                "State": _DEFECT_STATES[step],
            }
        )
    last = history[-1] if len(history) > 1 else None
    final: dict[str, Any] = {
        k: defect[k] for k in ("ScheduleState", "Resolution", "FixedInBuild") if k in defect
    }
    if last is None:
        last = {"at": _at(_shift("2025-11-17", d * 4 + 1), 16, d)}
        history.append(last)
    last.update(final)
    return history


def _add_history(objects: list[dict[str, Any]]) -> None:
    """Give the demo's keyed stories and defects their dated history (see above)."""
    stories = 0
    for obj in objects:
        key = str(obj.get("_key") or "")
        if (
            obj["_type"] == "HierarchicalRequirement"
            and key.startswith("us-")
            and "Iteration" in obj
        ):
            obj["_history"] = _story_history(obj, stories)
            stories += 1
        elif obj["_type"] == "Defect" and key.startswith("de-"):
            obj["_history"] = _defect_history(obj, int(key[3:]))


def _sandbox_workspace() -> dict[str, Any]:
    return {
        "Name": SANDBOX_WORKSPACE,
        "State": "Open",
        "Description": "A second workspace with a little data",
        "projects": [{"Name": "Sandbox Project", "Children": [{"Name": "Experiments"}]}],
        "objects": [
            {"_type": "Tag", "Name": "sandbox"},
            {
                "_type": "Iteration",
                "_key": "sb-it-1",
                "Name": "Sprint 1",
                "Project": "Sandbox Project",
                "StartDate": "2026-03-02",
                "EndDate": "2026-03-13",
                "State": "Planning",
            },
            {
                "_type": "HierarchicalRequirement",
                "_key": "sb-us-1",
                "Name": "Try the emulator",
                "Project": "Sandbox Project",
                "Owner": "dave@example.com",
                "Iteration": {"_key": "sb-it-1"},
                "ScheduleState": "In-Progress",
                "PlanEstimate": 3,
            },
            {
                "_type": "Task",
                "Name": "Read the guide",
                "WorkProduct": {"_key": "sb-us-1"},
                "Owner": "dave@example.com",
                "State": "Completed",
                "Estimate": 1,
            },
            {
                "_type": "Defect",
                "Name": "Sandbox defect",
                "Project": "Experiments",
                "Severity": "Minor Problem",
                "Priority": "Low",
            },
            {
                "_type": "PortfolioItem/Feature",
                "Name": "Sandbox feature",
                "Project": "Sandbox Project",
            },
        ],  # fmt: skip
    }
