"""Write operations of ``Rally``: create (``put``), update (``post``), delete, and batches.

Everything that sends a body or a DELETE lives here: the security-token parameter, the
conversion of entities to refs (``_greased``), the entity a write returns (built from the
write's own answer, which carries the stored object because writes send ``fetch=true``; the
read-back GET pyral always made is only the fallback), and the error texts for a write whose
answer never arrived.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import requests

from pyral import multiop
from pyral._context import UNSET, Target
from pyral._envelope import Envelope, decode_body, error_text, parse_envelope
from pyral._failures import write_failure
from pyral.exceptions import RallyResponseError, RallyRESTAPIError

_PERMISSION_TYPES = ("WorkspacePermission", "ProjectPermission")
#: create and update ask for the whole stored object in their answer (one round trip)
WRITE_FETCH = "fetch=true"


def _json_encodable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


class WritesMixin:
    """Mixed into :class:`pyral.restapi.Rally` (``self`` is the client)."""

    # -- create / update / delete ------------------------------------------------------------
    def _write_params(self: Any, augments: list[str]) -> list[str]:
        token = self.transport.security_token()
        return ([f"key={token}"] if token else []) + augments

    def _write_context(
        self: Any, workspace: Any, project: Any, kwargs: dict[str, Any]
    ) -> tuple[Target, list[str]]:
        ws_arg = UNSET if workspace == "current" else workspace
        proj_arg = UNSET if project == "current" else project
        ws = (
            self._resolver.resolve_workspace_arg(ws_arg)
            if ws_arg is not None
            else self._resolver.workspace
        )
        assert ws is not None
        return ws, self._augments(kwargs, ws_arg, proj_arg)

    def _greased(self: Any, data: dict[str, Any]) -> dict[str, Any]:
        """Entity instances become refs; ref strings in list values become ``{"_ref": ...}``."""
        from pyral.entity import Persistable

        ref_like = re.compile(r"^(?:https?://.*/)?/?[A-Za-z/]+/-?[\w-]+$")
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, (datetime.date, datetime.datetime)):
                value = value.isoformat()  # Rally takes ISO 8601 text; json cannot encode dates
            if isinstance(value, (tuple, set, frozenset)):
                value = list(value)  # a tuple of Tags is as much a collection as a list is
            if isinstance(value, Persistable):
                out[key] = value._ref
            elif isinstance(value, list):
                items = []
                for item in value:
                    if isinstance(item, Persistable):
                        items.append({"_ref": item._ref})
                    elif (
                        isinstance(item, str)
                        and key.endswith("s")
                        and "/" in item
                        and ref_like.match(item)
                    ):
                        items.append({"_ref": item})
                    else:
                        items.append(item)
                out[key] = items
            else:
                out[key] = value
        return out

    def _read_back(self: Any, official: str, oid: Any, augments: list[str]) -> Any:
        url = f"{self.service_url}/{official}/{oid}"
        if augments:
            url += "?" + "&".join(augments)
        try:
            response = self.transport.send("GET", url, log_as=self._relative(url))
        except requests.RequestException as exc:
            raise RallyRESTAPIError(f"404 Unreferenceable {official} OID: {oid}") from exc
        if response.status_code != 200:
            raise RallyRESTAPIError(
                f"{response.status_code} Unreferenceable {official} OID: {oid}",
                status_code=response.status_code,
            )
        env = parse_envelope(decode_body(response.content, url), official)
        if env.errors or env.object is None:
            raise RallyRESTAPIError(f"422 Unreferenceable {official} OID: {oid}", errors=env.errors)
        return self._hydrator("full").hydrateInstance(env.object)

    def _written_entity(
        self: Any, official: str, env: Envelope, oid: Any, augments: list[str]
    ) -> Any:
        """The entity a create or update returns, from the write's own answer.

        Writes ask for ``fetch=true``, so Rally answers with the whole stored object: one
        round trip instead of pyral's write-then-GET.  A server that answers without the
        object (or with only a reference to it) still gets the read-back GET.
        """
        obj = env.object
        if isinstance(obj, dict) and obj.get("ObjectID") is not None and obj.get("_ref"):
            return self._hydrator("full").hydrateInstance(obj)
        return self._read_back(official, oid, augments)

    def _writable_name(self: Any, entityName: str, operation: str) -> str:
        """The official name of a type that may be written; the recycle bin is read-only."""
        official = self._official_name(entityName)
        if official == "RecycleBinEntry":
            raise RallyRESTAPIError(f"{operation} operation unsupported for RecycleBinEntry")
        return official

    def put(
        self: Any,
        entityName: str,
        itemData: dict[str, Any],
        workspace: Any = "current",
        project: Any = "current",
        **kwargs: Any,
    ) -> Any:
        """Create an item; returns the created entity as Rally stored it.

        ``itemData`` maps field names (checked against the schema; case, display names and
        a missing ``c_`` are corrected) to values; references may be refs or entities.

        ``workspace`` / ``project`` (name, ref or entity) apply to this call only; the
        ``projectScopeUp`` / ``projectScopeDown`` keywords are sent as :meth:`get` sends them.
        """
        official = self._writable_name(entityName, "create")
        env, status, augments = self._write_item(
            "PUT", official, "create", itemData, workspace, project, kwargs
        )
        if status != 200 or env.errors:
            raise RallyRESTAPIError(
                error_text(422 if status == 200 else status, env.errors),
                status_code=status,
                errors=env.errors,
                warnings=env.warnings,
            )
        obj = env.object or {}
        ref = obj.get("_ref", "")
        oid_text = ref.rstrip("/").split("/")[-1]
        oid: Any = oid_text if official in _PERMISSION_TYPES else int(oid_text)
        return self._written_entity(official, env, oid, augments)

    create = put

    def _write_item(
        self: Any,
        method: str,
        official: str,
        ident: Any,
        itemData: dict[str, Any],
        workspace: Any,
        project: Any,
        kwargs: dict[str, Any],
    ) -> tuple[Envelope, int, list[str]]:
        """Send ``itemData`` (names checked against the target workspace's schema) to
        ``<type>/<ident>``; also returns the context augments, which the read-back reuses."""
        ws, augments = self._write_context(workspace, project, kwargs)
        data = self._greased(self._schema_for(ws).validate_attribute_names(official, itemData))
        # fetch=true: the answer carries the stored object, so no read-back GET is needed
        url = f"{self.service_url}/{official.lower()}/{ident}?" + "&".join(
            [*self._write_params(augments), WRITE_FETCH]
        )
        try:
            body = json.dumps({official: data})
        except TypeError as exc:  # name the attribute: json's text names only the value's type
            culprit = next((k for k, v in data.items() if not _json_encodable(v)), "?")
            raise TypeError(f"{official}.{culprit}: {exc}") from None
        env, status = self._write(method, url, body)
        return env, status, augments

    def _write(self: Any, method: str, url: str, body: str | None) -> tuple[Envelope, int]:
        try:
            response = self.transport.send(method, url, body=body, log_as=self._relative(url))
        except requests.RequestException as exc:
            raise self._unreachable(exc, self._relative(url), method) from exc
        status = response.status_code
        try:
            content = decode_body(response.content, url)
        except RallyResponseError:
            if 200 <= status < 300:
                raise
            # A gateway or proxy answered instead of Rally (502/503/504 pages are HTML):
            # name the status rather than complaining about the body.
            snippet = " ".join(response.text.split())[:120]
            raise RallyRESTAPIError(
                f"{status} {response.reason or 'error'}: {snippet}",
                status_code=status,
                url=self._relative(url),
            ) from None
        return parse_envelope(content, self._target_of(url)), status

    def _unreachable(
        self: Any, exc: requests.RequestException, url: str | None = None, method: str = "write"
    ) -> RallyRESTAPIError:
        """The error for a write that never got an answer (see ``pyral._failures``).

        The transport's text quotes the request URL, whose ``key=`` is the security token:
        the exception masks it, and the client's literal secrets are blanked too.
        """
        return write_failure(exc, self.server, method, url, self.transport.timeout, self._secrets())

    def _oid_for_formatted_id(
        self: Any, official: str, fid: str, workspace: Any, project: Any
    ) -> int | None:
        kwargs: dict[str, Any] = {}
        if workspace != "current":
            kwargs["workspace"] = workspace
        if project != "current":
            kwargs["project"] = project
        response = self.get(official, fetch="ObjectID", query=f'FormattedID = "{fid}"', **kwargs)
        if not response or response.resultCount < 1:
            return None
        item = next(response, None)
        if item is None:
            return None
        return getattr(item, "ObjectID", None) or getattr(item, "oid", None)

    def post(
        self: Any,
        entityName: str,
        itemData: dict[str, Any],
        workspace: Any = "current",
        project: Any = "current",
        **kwargs: Any,
    ) -> Any:
        """Update an item identified by ObjectID or FormattedID; returns the updated entity.

        ``itemData`` holds ``ObjectID`` (or ``FormattedID``) and the fields to change.

        ``workspace`` / ``project`` (name, ref or entity) apply to this call only; the
        ``projectScopeUp`` / ``projectScopeDown`` keywords are sent as :meth:`get` sends them.
        """
        official = self._writable_name(entityName, "update")
        if not isinstance(itemData, dict):
            raise TypeError(
                f"update of {official} needs a dict of attribute values, not {type(itemData).__name__}"
            )
        oid = itemData.get("ObjectID")
        if not oid:
            fid = itemData.get("FormattedID")
            if not fid:
                raise RallyRESTAPIError(
                    "An identifying field (ObjectID or FormattedID) must be specified"
                )
            oid = self._oid_for_formatted_id(official, fid, workspace, project)
            if oid is None:
                raise RallyRESTAPIError(f"Target {official} {fid} could not be located")
            itemData["ObjectID"] = oid
        env, status, augments = self._write_item(
            "POST", official, oid, itemData, workspace, project, kwargs
        )
        if status != 200 or env.errors:
            raise RallyRESTAPIError(
                f"Unable to update the {official}\nERRORS: {chr(10).join(env.errors)}\nWARNINGS: {chr(10).join(env.warnings)}\n",
                status_code=status,
                errors=env.errors,
                warnings=env.warnings,
            )
        return self._written_entity(official, env, oid, augments)

    update = post

    def delete(
        self: Any,
        entityName: str,
        itemIdent: Any,
        workspace: Any = "current",
        project: Any = "current",
        **kwargs: Any,
    ) -> bool:
        """Delete by ObjectID or FormattedID: True when Rally reports no errors, else False.

        Artifacts go to the recycle bin.

        ``workspace`` / ``project`` (name, ref or entity) apply to this call only; the
        ``projectScopeUp`` / ``projectScopeDown`` keywords are sent as :meth:`get` sends them.
        """
        official = self._official_name(entityName)
        oid = itemIdent
        if self.FORMATTED_ID_PATTERN.match(str(itemIdent)):
            oid = self._oid_for_formatted_id(official, str(itemIdent), workspace, project)
            if oid is None:
                raise RallyRESTAPIError(f"Target {official} {itemIdent} could not be located")
        _, augments = self._write_context(workspace, project, kwargs)
        url = f"{self.service_url}/{official.lower()}/{oid}?" + "&".join(
            self._write_params(augments)
        )
        env, status = self._write("DELETE", url, None)
        if env.errors:
            return False
        return 200 <= status < 300

    # -- batch: pyral.multiop's functions take the client first, so they bind as methods ------
    createMultiple = multiop.createMultiple
    updateMultiple = multiop.updateMultiple
