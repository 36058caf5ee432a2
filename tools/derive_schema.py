#!/usr/bin/env python3
"""Derive the emulator's compact schema (pyral/emulator/data/schema.json) from types.json.

``types.json`` is a digest of an OpenAPI document generated from *one customer's*
workspace: it carries that customer's custom fields, value lists and portfolio levels.
The emulator must look like a freshly provisioned Rally workspace instead, so this tool

* keeps only the types the emulator serves (table ``TYPES``), re-parented to Rally's
  standard hierarchy (Scope and Slice are folded into their children);
* drops every ``c_`` field and every reference to a type the emulator does not serve;
* replaces value lists with Rally's defaults (``VALUES``) and strips the generator's
  leading ``""`` / trailing ``"None"`` elsewhere;
* records which collections are computed from a back-pointer (``INVERSE``);
* sets Required from a curated table (``REQUIRED``) rather than the digest's guesses;
* stores for each type only the attributes it does not inherit unchanged.

Edit the tables below, not the generated JSON.  Usage:

    python3 tools/derive_schema.py /work/shared/wsapi/types.json [-o pyral/emulator/data/schema.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# (element name, source type in types.json or None, parent, ops, scope, extra settings)
# ops letters: C(reatable) U(pdatable) D(eletable) Q(ueryable).  scope: project /
# workspace / global.  Listed parents-first.
TYPES: list[tuple[str, str | None, str | None, str, str, dict[str, Any]]] = [
    ("PersistableObject", "PersistableObject", None, "", "global", {"abstract": True}),
    ("DomainObject", "DomainObject", "PersistableObject", "", "global", {"abstract": True}),
    (
        "WorkspaceDomainObject",
        "WorkspaceDomainObject",
        "DomainObject",
        "",
        "workspace",
        {"abstract": True},
    ),
    ("Artifact", "Artifact", "WorkspaceDomainObject", "Q", "project", {"abstract": True}),
    ("RankableArtifact", "RankableArtifact", "Artifact", "Q", "project", {"abstract": True}),
    (
        "SchedulableArtifact",
        "SchedulableArtifact",
        "RankableArtifact",
        "Q",
        "project",
        {"abstract": True},
    ),
    ("Requirement", "Requirement", "SchedulableArtifact", "Q", "project", {"abstract": True}),
    (
        "HierarchicalRequirement",
        "HierarchicalRequirement",
        "Requirement",
        "CUDQ",
        "project",
        {"id_prefix": "US"},
    ),
    ("Defect", "Defect", "SchedulableArtifact", "CUDQ", "project", {"id_prefix": "DE"}),
    ("DefectSuite", "DefectSuite", "SchedulableArtifact", "CUDQ", "project", {"id_prefix": "DS"}),
    ("TestSet", "TestSet", "SchedulableArtifact", "CUDQ", "project", {"id_prefix": "TS"}),
    ("Task", "Task", "Artifact", "CUDQ", "project", {"id_prefix": "TA"}),
    ("TestCase", "TestCase", "RankableArtifact", "CUDQ", "project", {"id_prefix": "TC"}),
    ("PortfolioItem", "PortfolioItem", "RankableArtifact", "UDQ", "project", {"abstract": True}),
    ("Feature", "Feature", "PortfolioItem", "CUDQ", "project", {"id_prefix": "F", "ordinal": 0}),
    ("Epic", "Epic", "PortfolioItem", "CUDQ", "project", {"id_prefix": "E", "ordinal": 1}),
    (
        "Initiative",
        "Initiative",
        "PortfolioItem",
        "CUDQ",
        "project",
        {"id_prefix": "I", "ordinal": 2},
    ),
    ("Theme", "Initiative", "PortfolioItem", "CUDQ", "project", {"id_prefix": "T", "ordinal": 3}),
    ("TestCaseStep", "TestCaseStep", "WorkspaceDomainObject", "CUDQ", "project", {}),
    ("TestCaseResult", "TestCaseResult", "WorkspaceDomainObject", "CUDQ", "project", {}),
    ("TestFolder", "TestFolder", "WorkspaceDomainObject", "CUDQ", "project", {"id_prefix": "TF"}),
    ("Iteration", "Iteration", "WorkspaceDomainObject", "CUDQ", "project", {}),
    ("Release", "Release", "WorkspaceDomainObject", "CUDQ", "project", {}),
    ("Milestone", "Milestone", "WorkspaceDomainObject", "CUDQ", "project", {"id_prefix": "MI"}),
    ("Attachment", "Attachment", "WorkspaceDomainObject", "CUDQ", "project", {}),
    ("AttachmentContent", "AttachmentContent", "WorkspaceDomainObject", "CD", "workspace", {}),
    ("ConversationPost", "ConversationPost", "WorkspaceDomainObject", "CUDQ", "project", {}),
    ("FlowState", "FlowState", "WorkspaceDomainObject", "CUDQ", "project", {}),
    ("Tag", "Tag", "WorkspaceDomainObject", "CUDQ", "workspace", {}),
    ("State", "State", "WorkspaceDomainObject", "UQ", "workspace", {}),
    (
        "PreliminaryEstimate",
        "PreliminaryEstimate",
        "WorkspaceDomainObject",
        "CUDQ",
        "workspace",
        {},
    ),
    ("RecycleBinEntry", "RecycleBinEntry", "WorkspaceDomainObject", "DQ", "workspace", {}),
    ("RevisionHistory", "RevisionHistory", "WorkspaceDomainObject", "", "workspace", {}),
    ("Revision", "Revision", "WorkspaceDomainObject", "Q", "workspace", {}),
    ("TypeDefinition", "TypeDefinition", "WorkspaceDomainObject", "Q", "workspace", {}),
    ("AttributeDefinition", "AttributeDefinition", "WorkspaceDomainObject", "Q", "global", {}),
    ("AllowedAttributeValue", "AllowedAttributeValue", "PersistableObject", "Q", "global", {}),
    (
        "WorkspaceConfiguration",
        "WorkspaceConfiguration",
        "WorkspaceDomainObject",
        "UQ",
        "workspace",
        {},
    ),
    ("Project", "Project", "DomainObject", "CUQ", "workspace", {}),
    ("Workspace", "Workspace", "DomainObject", "UQ", "global", {}),
    ("Subscription", "Subscription", "PersistableObject", "UQ", "global", {}),
    ("User", "User", "DomainObject", "CUDQ", "global", {}),
    ("UserProfile", "UserProfile", "DomainObject", "UQ", "global", {}),
]

# Every other type of the digest is served too (``_digest_types``): its TypeDefinition and
# standard attributes, with the operations the digest lists, except these:
#: the digest customer's own types (a fresh Rally workspace has none of them): its
#: BusinessInitiative portfolio level, and Investment, which the digest files under the
#: portfolio-item URL space (``portfolioitem/investment``) and which seeds commonly use as a
#: custom portfolio level name (serving it would make that name clash with a built-in type).
CUSTOMER_TYPES = {"BusinessInitiative", "Investment"}
#: operations the emulator grants beyond the digest's (whose generator missed them): the
#: VSM* types, TestFolderStatus and SCMRepository are creatable and queryable in Rally.
OPS_OVERRIDE: dict[str, str] = {
    "TestFolderStatus": "CUDQ",
    "SCMRepository": "CUDQ",
    "VSMChange": "CUDQ",
    "VSMComponent": "CUDQ",
    "VSMDeploy": "CUDQ",
    "VSMIncident": "CUDQ",
    "VSMInvestmentCategorytoInvestmentIntentMap": "CUDQ",
    "VSMMetricPortfolioItem": "CUDQ",
    "VSMProductPortfolioItem": "CUDQ",
}

#: FormattedID prefixes of digest types that have a FormattedID but no prefix in the digest.
ID_PREFIXES: dict[str, str] = {}

# Portfolio-item Parent/Children are wired by pyral/emulator/schema.py from Ordinals, so
# the digest's versions (which point at the customer's levels) are dropped.
DROP: set[tuple[str, str]] = {
    ("*", "sessionTimeout"),
    ("*", "subscriptionOid"),
    ("*", "SalesforceCaseID"),
    ("*", "SalesforceCaseNumber"),
    ("*", "CapitalApproval"),
    ("*", "FinancialWorkType"),
    ("*", "Ancestors"),
    ("*", "Collaborators"),
    ("*", "UnifiedParent"),
    ("*", "Descendants"),
    ("Feature", "Parent"),
    ("Feature", "Artifacts"),
    ("Epic", "Parent"),
    ("Epic", "Children"),
    ("Initiative", "Children"),
    ("Theme", "Children"),
    ("Defect", "TestCases"),
    ("Workspace", "Children"),
    ("Project", "Editors"),
    ("Project", "Viewers"),
    ("Project", "AllUsers"),
    ("User", "UserPermissions"),
    # Security settings of the customer's subscription: noise for an emulator.
    *(
        ("Subscription", a)
        for a in [
            "ApplyIpAddressRestrictionToSubAdmins",
            "AttachmentFilenameExtensionWhitelist",
            "AttachmentFilenameExtensionsEnabled",
            "AuthenticationPolicy",
            "AuthenticationPolicyUrl",
            "CORSAllowedDomains",
            "CORSEnabled",
            "CmkEncryptionOnly",
            "CustomSSOLogoutURL",
            "DataExportExpirationDate",
            "DataExportSize",
            "DataExportStatus",
            "DataExportStatusDate",
            "DataExportTraceID",
            "DestinationAuthorizationName",
            "DirectSSOIDPEntityID",
            "DirectSSOIDPSigningCert",
            "HMACSecret",
            "IPAddressRestrictionEnabled",
            "MtlsPolicy",
            "RestrictedIPAddresses",
            "SSOExceptionUsernames",
            "SSORedirectEnabled",
            "SSOUserExceptions",
            "SourceAuthorizationName",
            "UsingCustomSsoLogoutUrl",
            "ZuulID",
            "isSsoRequired",
            "SiteId",
        ]
    ),
}

# Attributes the digest lacks or that move up the hierarchy.
EXTRA: dict[str, dict[str, dict[str, Any]]] = {
    "PersistableObject": {"CreationDate": {"type": "DATE", "ro": True}},
    "PortfolioItem": {
        "Predecessors": {"type": "COLLECTION", "target": "PortfolioItem"},
        "Successors": {
            "type": "COLLECTION",
            "target": "PortfolioItem",
            "inverse_of": "Predecessors",
        },
    },
}

# Collections computed from a back-pointer: (type, attr) -> (target type, attr on target).
INVERSE: dict[tuple[str, str], tuple[str, str]] = {
    ("SchedulableArtifact", "Tasks"): ("Task", "WorkProduct"),
    ("Artifact", "Discussion"): ("ConversationPost", "Artifact"),
    ("*", "Attachments"): ("Attachment", "Artifact"),
    ("TestCaseResult", "Attachments"): ("Attachment", "TestCaseResult"),
    ("Requirement", "Children"): ("HierarchicalRequirement", "Parent"),
    ("Requirement", "Defects"): ("Defect", "Requirement"),
    ("Requirement", "TestCases"): ("TestCase", "WorkProduct"),
    ("Requirement", "Successors"): ("HierarchicalRequirement", "Predecessors"),
    ("Feature", "UserStories"): ("HierarchicalRequirement", "PortfolioItem"),
    ("DefectSuite", "Defects"): ("Defect", "DefectSuites"),
    ("TestCase", "Defects"): ("Defect", "TestCase"),
    ("TestCase", "Results"): ("TestCaseResult", "TestCase"),
    ("TestCase", "Steps"): ("TestCaseStep", "TestCase"),
    ("TestCase", "TestSets"): ("TestSet", "TestCases"),
    ("Artifact", "Changesets"): ("Changeset", "Artifacts"),
    ("Changeset", "Changes"): ("Change", "Changeset"),
    ("Changeset", "Builds"): ("Build", "Changesets"),
    ("BuildDefinition", "Builds"): ("Build", "BuildDefinition"),
    ("Artifact", "Connections"): ("PullRequest", "Artifact"),
    ("TestFolder", "Children"): ("TestFolder", "Parent"),
    ("TestFolder", "TestCases"): ("TestCase", "TestFolder"),
    ("Iteration", "WorkProducts"): ("SchedulableArtifact", "Iteration"),
    ("Release", "WorkProducts"): ("SchedulableArtifact", "Release"),
    ("Milestone", "Artifacts"): ("Artifact", "Milestones"),
    ("PortfolioItem", "Successors"): ("PortfolioItem", "Predecessors"),
    ("User", "ArtifactsCreated"): ("Artifact", "CreatedBy"),
    ("User", "ArtifactsOwned"): ("Artifact", "Owner"),
    ("Subscription", "Workspaces"): ("Workspace", "Subscription"),
    ("Workspace", "Projects"): ("Project", "Workspace"),
    ("Workspace", "Tags"): ("Tag", "Workspace"),
    ("Workspace", "TypeDefinitions"): ("TypeDefinition", "Workspace"),
    ("Project", "Children"): ("Project", "Parent"),
    ("Project", "Iterations"): ("Iteration", "Project"),
    ("Project", "Releases"): ("Release", "Project"),
    ("Project", "TeamMembers"): ("User", "TeamMemberships"),
    ("AttributeDefinition", "AllowedValues"): ("AllowedAttributeValue", "AttributeDefinition"),
    ("RevisionHistory", "Revisions"): ("Revision", "RevisionHistory"),
}

# Per-attribute corrections: (type, attr) -> keys to set in the output spec.
OVERRIDE: dict[tuple[str, str], dict[str, Any]] = {
    ("TypeDefinition", "Attributes"): {"ro": True},
    ("AttributeDefinition", "AllowedValues"): {"ro": True},
    ("User", "ArtifactsCreated"): {"ro": True},
    ("User", "ArtifactsOwned"): {"ro": True},
    ("Milestone", "RevisionHistory"): {"ro": True},
    ("Iteration", "Project"): {"ro": False},
    ("Release", "Project"): {"ro": False},
    ("FlowState", "Project"): {"ro": False},
    ("Milestone", "Projects"): {"ro": False},
    ("Attachment", "Size"): {"ro": False},
    ("Requirement", "PortfolioItem"): {"target": "Feature"},
    ("Defect", "PortfolioItem"): {"target": "Feature"},
    ("Requirement", "Feature"): {"target": "Feature"},
}

RATING_NONE = "None"
TC_VERDICTS = ["Pass", "Fail", "Blocked", "Error", "Inconclusive"]
TC_TYPES = ["Acceptance", "Functional", "Performance", "Regression", "Usability", "User Interface"]
SCHEDULE_STATES = ["Defined", "In-Progress", "Completed", "Accepted"]

# Rally's default value lists (the digest holds one customer's).  None = unconstrained.
VALUES: dict[tuple[str, str], list[str] | None] = {
    ("SchedulableArtifact", "ScheduleState"): SCHEDULE_STATES,
    ("FlowState", "ScheduleStateMapping"): SCHEDULE_STATES,
    ("Defect", "State"): ["Submitted", "Open", "Fixed", "Closed"],
    ("Task", "State"): ["Defined", "In-Progress", "Completed"],
    ("Defect", "Priority"): ["None", "Resolve Immediately", "High Attention", "Normal", "Low"],
    ("Defect", "Severity"): ["None", "Crash/Data Loss", "Major Problem", "Minor Problem", "Cosmetic"],
    ("Defect", "Resolution"): [
        "None", "Architecture", "Code Change", "Configuration Change", "Database Change",
        "Duplicate", "Need More Information", "Not a Defect", "Software Limitation",
        "User Interface",
    ],
    ("Defect", "Environment"): ["None", "Development", "Test", "Staging", "Production"],
    ("Iteration", "State"): ["Planning", "Committed", "Accepted"],
    ("Release", "State"): ["Planning", "Active", "Accepted"],
    ("TestCase", "Type"): TC_TYPES,
    ("TestCase", "Method"): ["Manual", "Automated"],
    ("TestCase", "Priority"): ["None", "Useful", "Important", "Critical"],
    ("TestCase", "Risk"): ["None", "Low", "Medium", "High"],
    ("TestCase", "LastVerdict"): TC_VERDICTS,
    ("TestCaseResult", "Verdict"): TC_VERDICTS,
    ("WorkspaceConfiguration", "DefaultTestCaseType"): TC_TYPES,
    ("WorkspaceConfiguration", "DefaultTestCaseVerdict"): TC_VERDICTS,
    ("PortfolioItem", "InvestmentCategory"): [
        "None", "Cost Savings", "Exploration", "Innovation", "Strategic Growth",
    ],
    ("*", "Package"): None,
    ("User", "CostCenter"): None,
    ("User", "Department"): None,
    ("User", "OfficeLocation"): None,
    ("User", "Role"): None,
    ("User", "Language"): None,
    ("User", "Locale"): None,
    ("Subscription", "SubscriptionType"): None,
    ("Subscription", "StoryHierarchyType"): ["None", "Limited", "Unlimited"],
}  # fmt: skip

# Defaults applied on create when the attribute is not given.
DEFAULTS: dict[tuple[str, str], str] = {
    ("SchedulableArtifact", "ScheduleState"): "Defined",
    ("Defect", "State"): "Submitted",
    ("Task", "State"): "Defined",
    ("Defect", "Priority"): "None",
    ("Defect", "Severity"): "None",
    ("Defect", "Resolution"): "None",
    ("Defect", "Environment"): "None",
    ("TestCase", "Type"): "Acceptance",
    ("TestCase", "Method"): "Manual",
    ("TestCase", "Priority"): "None",
    ("TestCase", "Risk"): "None",
    ("PortfolioItem", "InvestmentCategory"): "None",
    ("Workspace", "State"): "Open",
    ("Project", "State"): "Open",
}

REQUIRED: set[tuple[str, str]] = {
    ("Artifact", "Name"),
    ("Task", "WorkProduct"),
    ("TestCaseResult", "TestCase"),
    ("TestCaseResult", "Build"),
    ("TestCaseResult", "Date"),
    ("TestCaseResult", "Verdict"),
    ("Iteration", "Name"),
    ("Iteration", "StartDate"),
    ("Iteration", "EndDate"),
    ("Iteration", "State"),
    ("Release", "Name"),
    ("Release", "ReleaseStartDate"),
    ("Release", "ReleaseDate"),
    ("Release", "State"),
    ("Attachment", "Content"),
    ("Attachment", "Name"),
    ("Attachment", "ContentType"),
    ("AttachmentContent", "Content"),
    ("Tag", "Name"),
    ("Milestone", "Name"),
    ("Project", "Name"),
    ("Workspace", "Name"),
    ("User", "UserName"),
    ("TestFolder", "Name"),
    ("TestCaseStep", "TestCase"),
    ("ConversationPost", "Artifact"),
    ("ConversationPost", "Text"),
    ("PreliminaryEstimate", "Name"),
}

# Spec-only types reachable under another name.
TARGET_ALIASES = {"PortfolioItem/Feature": "Feature", "Scope": "Project"}

_TABLE_KINDS = ("STRING", "RATING", "STATE")


def _display(name: str) -> str:
    return _CAMEL.sub(" ", name)


def _lookup(table: dict[tuple[str, str], Any], chain: list[str], attr: str) -> tuple[bool, Any]:
    """Find ``attr`` for the most specific type in ``chain`` (self first), then ``*``."""
    for t in [*chain, "*"]:
        if (t, attr) in table:
            return True, table[(t, attr)]
    return False, None


def _digest_types(
    src: dict[str, Any],
) -> list[tuple[str, str | None, str | None, str, str, dict[str, Any]]]:
    """TYPES entries for every digest type the table does not list, parents first.

    Scope is project for artifacts and for types with a Project reference, workspace for the
    other workspace objects, global for the rest (as Rally scopes them).
    """
    listed = {t[0] for t in TYPES} | {t[1] for t in TYPES if t[1]} | {"Scope", "Slice"}
    parents = {t[0]: t[2] for t in TYPES}
    wanted = sorted(n for n in src if n not in listed and n not in CUSTOMER_TYPES)
    wanted = ["Scope", "Slice", *wanted]
    out: list[tuple[str, str | None, str | None, str, str, dict[str, Any]]] = []
    while wanted:
        progressed = False
        for name in list(wanted):
            spec = src[name]
            parent = spec.get("parent")
            if parent is not None and parent not in parents:
                continue
            chain = [parent] if parent else []
            while chain and parents.get(chain[-1]):
                chain.append(parents[chain[-1]])  # type: ignore[arg-type]
            attrs = spec.get("attributes", {})
            if "Artifact" in chain:
                scope = "project"
            elif "WorkspaceDomainObject" in chain:
                project = attrs.get("Project", {})
                scope = "project" if project.get("type") == "OBJECT" else "workspace"
            else:
                scope = "global"
            ops = OPS_OVERRIDE.get(name) or "".join(
                letter
                for letter, flag in zip(
                    "CUDQ", ("creatable", "updatable", "deletable", "queryable"), strict=True
                )
                if spec.get(flag)
            )
            extra: dict[str, Any] = {"digest_required": True}
            if spec.get("abstract"):
                extra["abstract"] = True
                ops = "Q" if "Q" in ops else ""
            if spec.get("id_prefix") and "Artifact" in chain:
                extra["id_prefix"] = spec["id_prefix"]
            elif name in ID_PREFIXES:
                extra["id_prefix"] = ID_PREFIXES[name]
            out.append((name, name, parent, ops, scope, extra))
            parents[name] = parent
            wanted.remove(name)
            progressed = True
        if not progressed:
            raise SystemExit(f"digest types with unknown parents: {', '.join(wanted)}")
    return out


def _convert(
    name: str,
    spec: dict[str, Any],
    chain: list[str],
    served: set[str],
    digest_required: bool = False,
) -> dict[str, Any] | None:
    kind = spec["type"]
    out: dict[str, Any] = {"type": kind}
    if kind in ("OBJECT", "COLLECTION"):
        target = spec.get("target") or spec.get("element_type")
        target = TARGET_ALIASES.get(target, target)
        if target not in served:
            return None
        out["target"] = target
    if spec.get("read_only"):
        out["ro"] = True
    found, values = _lookup(VALUES, chain, name)
    if not found:
        raw = spec.get("allowed_values") or []
        values = [v for v in raw if isinstance(v, str) and v not in ("", RATING_NONE)]
        if (
            not values
            or kind not in _TABLE_KINDS
            or len(values) != len([v for v in raw if v not in ("", RATING_NONE)])
        ):
            values = None
        elif kind == "RATING":
            values = [RATING_NONE, *values]
    if values is not None:
        out["values"] = list(values)
    found, default = _lookup(DEFAULTS, chain, name)
    if found:
        out["default"] = default
    if spec.get("max_length"):
        out["max"] = spec["max_length"]
    display = spec.get("display_name")
    if display and display != _display(name):
        out["display"] = display
    found, inverse = _lookup(INVERSE, chain, name)
    if found and kind == "COLLECTION":
        out["target"], out["inverse_of"] = inverse
    found, extra = _lookup(OVERRIDE, chain, name)
    if found:
        out.update(extra)
        if out.get("ro") is False:
            del out["ro"]
    if any((t, name) in REQUIRED for t in chain) or (
        digest_required and spec.get("required") and not spec.get("read_only")
    ):
        out["req"] = True
    return out


def derive(types_json: dict[str, Any]) -> dict[str, Any]:
    src = types_json["types"]
    table = [*TYPES, *_digest_types(src)]
    served = {t[0] for t in table}
    parents = {t[0]: t[2] for t in table}
    resolved: dict[str, dict[str, dict[str, Any]]] = {}
    out_types = []
    for element, source, parent, ops, scope, extra in table:
        chain = [element]
        while parents[chain[-1]] is not None:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        if source == "Initiative" and element != "Initiative":
            chain.insert(1, "Initiative")
        inherited = resolved[parent] if parent else {}
        attrs: dict[str, dict[str, Any]] = {}
        raw_attrs = dict(src[source]["attributes"]) if source else {}
        for name, spec in sorted(raw_attrs.items()):
            if name.startswith("c_") or (element, name) in DROP or ("*", name) in DROP:
                continue
            converted = _convert(name, spec, chain, served, bool(extra.get("digest_required")))
            if converted is not None:
                attrs[name] = converted
        attrs.update(EXTRA.get(element, {}))
        full = {**inherited, **attrs}
        resolved[element] = full
        own = {a: s for a, s in sorted(attrs.items()) if inherited.get(a) != s}
        entry: dict[str, Any] = {"element_name": element}
        if parent == "PortfolioItem":
            entry["type_path"] = f"PortfolioItem/{element}"
            entry["name"] = element
        else:
            entry["name"] = _display(element)
        entry["parent"] = parent
        if extra.get("abstract"):
            entry["abstract"] = True
        if extra.get("id_prefix"):
            entry["id_prefix"] = extra["id_prefix"]
        if "ordinal" in extra:
            entry["ordinal"] = extra["ordinal"]
        entry["ops"] = ops
        entry["scope"] = scope
        entry["attrs"] = own
        out_types.append(entry)
    _check(out_types, resolved)
    return {
        "format": 1,
        "generated_by": "tools/derive_schema.py (edit its tables, not this file)",
        "types": out_types,
    }


def _check(out_types: list[dict[str, Any]], resolved: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Fail loudly when an inverse collection names a back-pointer that does not exist."""
    for entry in out_types:
        for name, spec in resolved[entry["element_name"]].items():
            inv = spec.get("inverse_of")
            if inv is None:
                continue
            back = resolved[spec["target"]].get(inv)
            if back is None or back["type"] not in ("OBJECT", "COLLECTION"):
                raise SystemExit(
                    f"{entry['element_name']}.{name}: back-pointer {spec['target']}.{inv} missing"
                )
            if back.get("inverse_of"):
                raise SystemExit(f"{entry['element_name']}.{name}: back-pointer is itself inverse")


def dump(schema: dict[str, Any]) -> str:
    """Compact but diff-friendly JSON: one type header and one attribute per line."""
    lines = [
        "{",
        f'"format": {schema["format"]},',
        f'"generated_by": {json.dumps(schema["generated_by"])},',
        '"types": [',
    ]
    for i, t in enumerate(schema["types"]):
        head = {k: v for k, v in t.items() if k != "attrs"}
        lines.append("{" + json.dumps(head)[1:-1] + ', "attrs": {')
        items = list(t["attrs"].items())
        for j, (name, spec) in enumerate(items):
            sep = "," if j + 1 < len(items) else ""
            lines.append(f"  {json.dumps(name)}: {json.dumps(spec, separators=(',', ':'))}{sep}")
        lines.append("}}" + ("," if i + 1 < len(schema["types"]) else ""))
    lines += ["]", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("types_json", help="path to shared/wsapi/types.json")
    ap.add_argument(
        "-o",
        "--output",
        default=str(Path(__file__).resolve().parents[1] / "pyral/emulator/data/schema.json"),
    )
    args = ap.parse_args(argv)
    with open(args.types_json, encoding="utf-8") as fh:
        schema = derive(json.load(fh))
    text = dump(schema)
    json.loads(text)  # the hand-rolled layout must stay valid JSON
    Path(args.output).write_text(text, encoding="utf-8")
    n_attrs = sum(len(t["attrs"]) for t in schema["types"])
    print(
        f"wrote {args.output}: {len(schema['types'])} types, {n_attrs} own attributes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
