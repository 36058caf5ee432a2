"""Errors the emulator reports, with the texts real Rally uses.

Every failure a handler or the backend can hit is raised as a :class:`WsapiError`; the app turns
it into the Rally envelope the request expects (``QueryResult``, ``OperationResult``,
``CreateResult``) with ``Errors`` filled in.  Rally reports almost everything with HTTP 200 and
the text in ``Errors``; only authentication failures use 401.  Keeping every text in this one
module lets tests and docs quote them from a single place.
"""

from __future__ import annotations

import json


class WsapiError(Exception):
    """A failure to report inside a WSAPI envelope."""

    http_status = 200

    def __init__(
        self, *errors: str, warnings: list[str] | None = None, http_status: int | None = None
    ):
        super().__init__(*errors)
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return "; ".join(self.errors)


class AuthError(WsapiError):
    """Missing or wrong credentials: HTTP 401 with a ``WWW-Authenticate`` challenge."""

    http_status = 401


class NotFoundError(WsapiError):
    """The object addressed by the URL does not exist (or is in the recycle bin)."""


class QueryError(WsapiError):
    """A malformed ``query``, ``order`` or ``fetch`` parameter."""


class ValidationError(WsapiError):
    """A create or update body Rally would refuse; nothing is stored."""


# --- message texts -------------------------------------------------------------------------------
# Functions rather than constants where the text embeds a value, so callers cannot get the
# punctuation wrong.

BAD_CREDENTIALS = "Error 401 The username or password you entered is incorrect."
NO_AUTHENTICATION = "An Authentication object was not found in the SecurityContext"
INVALID_KEY = "Not authorized to perform action: Invalid key"
CANNOT_FIND_TO_READ = "Cannot find object to read"
DELETE_NULL = "Object to delete cannot be null"
NOT_JSON = "Cannot parse input stream due to I/O error as JSON document: Parse error"


def unknown_type(name: str) -> str:
    return f'Requested type name "{name}" is unknown.'


def could_not_parse(detail: str) -> str:
    return f"Could not parse: {detail}"


def unknown_operator(op: str) -> str:
    return could_not_parse(f'Unknown operator "{op}"')


def expected_but_saw(expected: str, saw: str) -> str:
    return could_not_parse(
        f'Error parsing expression -- expected "{expected}" but saw "{saw}" instead.'
    )


def unknown_attribute(attr: str, type_name: str, segment: str) -> str:
    return could_not_parse(
        f'Could not find attribute "{attr}" on type {type_name} in the query segment "{segment}"'
    )


def ignored_element(body_key: str, attr: str) -> str:
    return f"Ignored JSON element {body_key}.{attr} during processing of this request."


def bad_date(value: str) -> str:
    return could_not_parse(
        f'Cannot convert "{value}" into a date.  You must use the ISO8601 date+time format.'
    )


def not_null(type_name: str, attr: str) -> str:
    return f"Validation error: {type_name}.{attr} should not be null"


def invalid_allowed_value(type_name: str, attr: str, value: object, allowed: list[str]) -> str:
    shown = ", ".join(allowed)
    return (
        f'Validation error: {type_name}.{attr}: "{value}" is an invalid value.  '
        f"Valid values are: {shown}"
    )


def bad_reference(value: object) -> str:
    # The client sent JSON, so echo JSON (null, {}), not Python's repr (None, {}).
    shown = value if isinstance(value, str) else json.dumps(value, default=str)
    return f'Cannot parse object reference from "{shown}"'


def read_only(type_name: str, attr: str) -> str:
    return f"Validation error: {type_name}.{attr} is read only"


def bad_number(type_name: str, attr: str, value: object) -> str:
    return f'Validation error: {type_name}.{attr}: Cannot convert "{value}" to a number'


def max_length(type_name: str, attr: str, limit: int) -> str:
    return f"Validation error: {type_name}.{attr} length must not exceed {limit}"


# --- texts where Rally's own wording is unknown -----------------------------------------------
# The spec marks these cases GUESS; each text says exactly what was wrong and what would be
# accepted instead.

# Validation, access and operations (backend).
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


# The HTTP layer: URLs, parameters and bodies.
MAX_PAGESIZE = 2000

JS_SUFFIX_WARNING = 'It is no longer necessary to append ".js" to WSAPI resources.'


def unknown_endpoint(path: str) -> str:
    return f'Not Found: the emulator has no WSAPI endpoint at "{path}"'


def method_not_allowed(method: str, path: str) -> str:
    return f'Method {method} is not supported for "{path}"'


def bad_pagesize(value: str) -> str:
    return f'Invalid pagesize "{value}": it must be an integer from 1 to {MAX_PAGESIZE}'


def bad_start(value: str) -> str:
    return f'Invalid start "{value}": it must be a positive integer'


def bad_oid(value: str) -> str:
    return f'Cannot parse object ID from "{value}"'


def body_shape(expected: str) -> str:
    return f"Cannot parse input: the request body must be a JSON object of the form {expected}"


def body_type_mismatch(sent: str, url_type: str) -> str:
    return (
        f'Cannot parse input: the body key "{sent}" does not name the type "{url_type}" of the URL'
    )


def no_such_collection(type_name: str, attr: str) -> str:
    return f'Could not find a collection attribute "{attr}" on type {type_name}'


#: Rally refuses a story linked both to a parent story and to a portfolio item.
STORY_TWO_PARENTS = (
    "Validation error: HierarchicalRequirement.parentArtifact should not be set if "
    "HierarchicalRequirement.Parent is set and vice versa"
)


def not_supported(what: str) -> str:
    return f"Not supported by the WSAPI emulator: {what}"


def role_objects_not_supported(what: str) -> str:
    return not_supported(
        f"{what}: roles are declared in the seed (ProjectPermissions, WorkspaceAdmin, "
        "SubscriptionAdmin), see docs/emulator-seed-format.md"
    )


def internal_error(detail: str) -> str:
    return f"Internal emulator error (a bug, please report it): {detail}"


# The query language (parser, values, order, paths, compiler).


def missing_value(attr: str) -> str:
    return could_not_parse(f'Error parsing expression -- missing value for "{attr}"')


def unterminated_string() -> str:
    return could_not_parse("Error parsing expression -- unterminated quoted string")


def bad_attribute_name(attr: str) -> str:
    return could_not_parse(f'Error parsing expression -- "{attr}" is not an attribute name')


def trailing_text(saw: str) -> str:
    return could_not_parse(
        f'Error parsing expression -- expected end of query but saw "{saw}" instead.'
    )


def too_deep(limit: int) -> str:
    return could_not_parse(f"Error parsing expression -- nested deeper than {limit} levels")


def query_too_complex(detail: str) -> str:
    return could_not_parse(
        f"the query or order is too complex to run ({detail}): use fewer nested groups, "
        "shorter dotted paths or fewer order keys"
    )


def empty_query() -> str:
    return could_not_parse("Error parsing expression -- the query is empty")


def query_bad_number(text: str) -> str:
    return could_not_parse(f'Cannot convert "{text}" into a number.')


def query_bad_boolean(text: str) -> str:
    return could_not_parse(f'Cannot convert "{text}" into a boolean; use true or false.')


def bad_order(part: str) -> str:
    return could_not_parse(f'Invalid order "{part}": use "<attribute> [asc|desc]", comma separated')


def cannot_sort_on(attr: str) -> str:
    return could_not_parse(f'Cannot sort on the collection "{attr}"')


def not_a_reference(attr: str, type_name: str, segment: str) -> str:
    return could_not_parse(
        f'Attribute "{attr}" on type {type_name} is not an object or collection, '
        f'so it cannot be followed in the query segment "{segment}"'
    )


def operator_not_allowed(op: str, attr: str, attr_type: str) -> str:
    return could_not_parse(f'Operator "{op}" cannot be used with {attr_type} attribute "{attr}"')


def not_an_allowed_value(value: str, attr: str) -> str:
    return could_not_parse(f'"{value}" is not an allowed value of "{attr}", so it has no order')


def cannot_query_collection(attr: str) -> str:
    return could_not_parse(f'The collection "{attr}" cannot be used in a query')


# Type-definition queries.


def unsupported_filter(detail: str) -> str:
    return could_not_parse(f"the emulator cannot filter type definitions on {detail}")


# Batch entries.


def batch_entry_body(type_name: str) -> str:
    return f'Cannot parse input: a batch entry Body must be {{"{type_name}": {{...}}}}'


def batch_body_type_mismatch(sent: str, type_path: str) -> str:
    return f'Cannot parse input: the Body key "{sent}" does not name the type "{type_path}" of the Path'


# Lookback API (analytics v2.0 snapshot queries).  Rally's own wording is not documented for
# most of these; the texts say what was wrong and where.


class LookbackError(WsapiError):
    """A snapshot query Rally would refuse: HTTP 400 with the texts in ``Errors``."""

    http_status = 400


LOOKBACK_FIND_REQUIRED = 'find is required: a JSON object such as {"ObjectID": 123}'
LOOKBACK_BODY_NOT_OBJECT = "The request body must be a JSON object of query keys"


def lookback_bad_json(key: str, detail: str) -> str:
    return f"Cannot parse {key} as JSON: {detail}"


def lookback_bad_key_type(key: str, wanted: str, value: object) -> str:
    return f"{key} must be {wanted}, got {json.dumps(value, default=str)}"


def lookback_pagesize(value: object, limit: int) -> str:
    return f"pagesize must be an integer from 1 to {limit}, got {json.dumps(value, default=str)}"


def lookback_start(value: object) -> str:
    return f"start must be an integer >= 0 (it is 0-based), got {json.dumps(value, default=str)}"


def lookback_unknown_operator(op: str) -> str:
    return f"Unsupported operator {op} in find"


def lookback_operator_value(op: str, wanted: str, value: object) -> str:
    return f"Operator {op} needs {wanted}, got {json.dumps(value, default=str)}"


def lookback_bad_field(name: str) -> str:
    return f"Invalid field name in find, fields, sort or hydrate: {name!r}"


def lookback_bad_value(field: str, value: object) -> str:
    return f"Unsupported value for {field} in find: {json.dumps(value, default=str)}"


def lookback_bad_at(value: object) -> str:
    return (
        '__At must be "current" or an ISO 8601 timestamp such as "2026-02-01T00:00:00Z", '
        f"got {json.dumps(value, default=str)}"
    )


def lookback_unknown_type(value: object) -> str:
    return f"_TypeHierarchy: no type named or with TypeDefinition ObjectID {value!r}"


def lookback_bad_sort(value: object) -> str:
    return (
        "sort must be an object of field names to 1 (ascending) or -1 (descending), got "
        f"{json.dumps(value, default=str)}"
    )


def lookback_unknown_workspace(text: str) -> str:
    return f"Cannot find workspace {text} (or you have no permission in it)"


def lookback_unknown_endpoint(path: str) -> str:
    return (
        f"No Lookback endpoint at {path}: use "
        "/analytics/v2.0/service/rally/workspace/<ObjectID>/artifact/snapshot/query.js"
    )


def lookback_method(method: str) -> str:
    return f"Snapshot queries are sent with GET or POST, not {method}"


LOOKBACK_UNAUTHORIZED_WARNING = (
    "Some matching snapshots are in projects you cannot see; they were left out and their "
    "projects are listed in UnauthorizedProjects (send removeUnauthorizedSnapshots: true "
    "to drop them silently)"
)


def lookback_ignored_key(key: str) -> str:
    return f"Ignored unknown query key {key!r}"


# --- emulator controls, permissions and stored-value checks (issue 8) ---------------------------

ADMIN_REMOTE_REFUSED = (
    "The /_emulator/ controls are disabled because the server listens on a non-loopback "
    "address; restart it with --allow-remote-admin to enable them."
)


def unstorable_text(field: str, fault: str) -> str:
    what = "a NUL character" if fault == "nul" else "an unpaired UTF-16 surrogate"
    return f"Could not set value for {field}: the text contains {what}, which cannot be stored"


def unstorable_name(where: str, name: str) -> str:
    return f'Could not read {where}: the field name "{name}" contains a character that cannot be stored'


MAX_BATCH_ENTRIES = 1000


def batch_too_large(count: int, limit: int) -> str:
    return f"Batch has {count} entries; at most {limit} are allowed in one request"


def no_permission(action: str, type_name: str) -> str:
    # GUESS: Rally's wording for a role that is too low is not captured; this keeps the
    # "Not authorized to perform action" prefix of its credential errors.
    return f"Not authorized to perform action: {action} {type_name} needs a higher permission"


ADMIN_ONLY_USERS = (
    "Not authorized to perform action: only subscription or workspace administrators "
    "may create, change or delete other users"
)
ADMIN_ONLY_SUBSCRIPTION_ADMINS = (
    "Not authorized to perform action: only subscription administrators may change or delete "
    "a subscription administrator or grant that role"
)
ADMIN_ONLY_PROFILE = (
    "Not authorized to perform action: only an administrator may change another user's profile"
)
ADMIN_ONLY_SUBSCRIPTION = (
    "Not authorized to perform action: only subscription administrators may change the subscription"
)
ADMIN_ONLY_WORKSPACE = (
    "Not authorized to perform action: only workspace administrators may change workspace settings"
)
