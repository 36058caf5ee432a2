"""Error texts the backend adds to the shared ones in :mod:`pyral.emulator.errors`.

Rally's own wording is unknown for these cases (they are GUESS-level in the spec), so each text
aims to tell the caller exactly what was wrong and what would be accepted instead.  They live in
one module so tests and docs can quote them.
"""

from __future__ import annotations

CANNOT_FIND_TO_UPDATE = "Cannot find object to update"
NO_WORKSPACE = "Not authorized: the user has no open workspace to work in"
ATTACHMENT_NOT_LINKED = (
    "Validation error: Attachment must be linked to an Artifact or a TestCaseResult"
)
ATTACHMENT_NOT_BASE64 = "Validation error: AttachmentContent.Content must be base64-encoded bytes"
MAX_ATTACHMENT_BYTES = 50_000_000


def no_workspace_access(ref: object) -> str:
    return (
        f'Not authorized to access workspace "{ref}": it does not exist or is not shared with you'
    )


def unknown_project(ref: object, workspace_name: str) -> str:
    return f'Project "{ref}" does not exist in workspace "{workspace_name}"'


def not_creatable(type_name: str) -> str:
    return f"Cannot create objects of type {type_name}"


def not_updatable(type_name: str) -> str:
    return f"Cannot update objects of type {type_name}"


def not_deletable(type_name: str) -> str:
    return f"Cannot delete objects of type {type_name}"


def bad_boolean(type_name: str, attr: str, value: object) -> str:
    return f'Validation error: {type_name}.{attr}: Cannot convert "{value}" to a boolean (use true or false)'


def bad_value(type_name: str, attr: str, value: object, expected: str) -> str:
    return (
        f'Validation error: {type_name}.{attr}: "{value}" is not a valid value, expected {expected}'
    )


def ref_not_found(type_name: str, attr: str, ref: object) -> str:
    return f'Validation error: {type_name}.{attr}: the referenced object "{ref}" does not exist'


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].upper() in "AEIOU" else f"a {noun}"


def ref_wrong_type(type_name: str, attr: str, ref: object, found: str, expected: str) -> str:
    return (
        f'Validation error: {type_name}.{attr}: "{ref}" is {_article(found)}, '
        f"but the attribute holds {_article(expected)}"
    )


def ref_other_workspace(type_name: str, attr: str, ref: object) -> str:
    return (
        f'Validation error: {type_name}.{attr}: "{ref}" belongs to another workspace; '
        "references must stay inside the object's workspace"
    )


def not_a_collection(type_name: str, attr: str) -> str:
    return f"Validation error: {type_name}.{attr} must be a list of object references"


def collection_read_only(type_name: str, attr: str) -> str:
    return (
        f"Cannot modify the {attr} collection of {type_name}: it is read only "
        "(set the reference on the member objects instead)"
    )


def wrong_pi_state(type_name: str, ref: object) -> str:
    return f'Validation error: {type_name}.State: "{ref}" is not a State of the {type_name} type'


def attachment_too_large(size: int) -> str:
    return (
        f"Validation error: AttachmentContent.Content is {size} bytes; "
        f"attachments may not exceed {MAX_ATTACHMENT_BYTES} bytes"
    )


def cannot_rank(type_name: str) -> str:
    return f"Cannot rank: {type_name} objects have no DragAndDropRank"


def rank_reference_missing(ref: object) -> str:
    return f'Cannot rank relative to "{ref}": no such rankable object'


def rank_reference_elsewhere(ref: object) -> str:
    return f'Cannot rank relative to "{ref}": it is in another workspace'


def bad_rank_to(value: object) -> str:
    return f'Cannot rank: rankTo must be TOP or BOTTOM, not "{value}"'


def abstract_type(type_name: str) -> str:
    return f"Cannot create objects of the abstract type {type_name}; create one of its subtypes"


def batch_bad_entry(index: int, detail: str) -> str:
    return f"Batch entry {index}: {detail}"
