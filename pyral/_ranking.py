"""Ranking operations of ``Rally``: move an Artifact in the workspace's DragAndDropRank order.

Rally keeps one rank order per workspace; a move is an update of the *target* with a
``rankAbove`` / ``rankBelow`` / ``rankTo`` URL parameter and a body naming the target.
The request keeps pyral 1.7.0's shape (argument order, ``?&`` query, lower-case body key)
with one deliberate fix (quirk Q13): portfolio items, custom levels included, are addressed
through their TypePath (``portfolioitem/feature/<oid>``) in the URL, the body key and both
refs, because pyral's ``portfolioitem/<oid>`` + ``feature/<oid>`` form names no real object.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from pyral._entity_base import settled_state
from pyral.exceptions import RallyRESTAPIError

_SERVICE_MARKERS = ("/slm/webservice/v2.0/", "/slm/webservice/v2.x/")


def _class_label(obj: Any) -> str:
    """Class name as pyral printed it (portfolio-item subclasses lose their prefix)."""
    name = type(obj).__name__
    return name[len("PortfolioItem_") :] if name.startswith("PortfolioItem_") else name


def _relative_path(ref: str) -> str:
    """``https://h/slm/webservice/v2.0/portfolioitem/feature/7`` -> ``portfolioitem/feature/7``."""
    text = ref.split("?", 1)[0]
    for marker in _SERVICE_MARKERS:
        if marker in text:
            return text.split(marker, 1)[1].strip("/")
    return text.strip("/")


def entity_path(entity: Any) -> str:
    """The ``<type path>/<oid>`` an entity is addressed by, lower-case type as Rally emits it.

    Taken from the entity's own ``_ref`` (authoritative, and already in TypePath form for
    portfolio items); the TypePath / class name is the fallback for hand-made shells.
    """
    state = getattr(entity, "__dict__", {})
    ref = state.get("_ref")
    if isinstance(ref, str) and ref:
        path = _relative_path(ref)
        if "/" in path:
            *type_parts, oid = path.split("/")
            return "/".join(p.lower() for p in type_parts) + "/" + oid
    type_path = state.get("typePath") or type(entity).__name__.replace(
        "PortfolioItem_", "PortfolioItem/"
    )
    known_oid = state.get("oid")
    if known_oid is None:
        raise RallyRESTAPIError(
            f"Unable to rank {_class_label(entity)}: it has neither _ref nor oid"
        )
    return f"{str(type_path).lower()}/{known_oid}"


def _reference_path(reference: Any) -> str:
    """The ref sent as ``rankAbove=`` / ``rankBelow=``: an entity or a ref string."""
    from pyral.entity import Persistable

    if isinstance(reference, Persistable):
        return entity_path(reference)
    if isinstance(reference, str) and "/" in reference:
        path = _relative_path(reference)
        *type_parts, oid = path.split("/")
        if type_parts and oid:
            return "/".join(p.lower() for p in type_parts) + "/" + oid
    raise RallyRESTAPIError(
        f"Unable to rank relative to {reference!r}: give the reference artifact as a pyral "
        "entity or a ref such as 'defect/1234'"
    )


def _workspace_ref(entity: Any) -> str | None:
    """``workspace/<oid>`` of the entity's own workspace when it is already known (no I/O)."""
    ws = settled_state(entity).get("Workspace")
    ref = getattr(ws, "__dict__", {}).get("_ref") if ws is not None else None
    if not isinstance(ref, str) or not ref:
        return None
    path = _relative_path(ref)
    return path.lower() if path.lower().startswith("workspace/") else None


class RankingMixin:
    """Mixed into :class:`pyral.restapi.Rally`; ``self`` is the client."""

    def rankAbove(self, reference_artifact: Any, target_artifact: Any) -> Any:
        """Move ``target_artifact`` directly above ``reference_artifact`` (pyral's argument order)."""
        return self._rank(target_artifact, "rankAbove", _reference_path(reference_artifact))

    def rankBelow(self, reference_artifact: Any, target_artifact: Any) -> Any:
        """Move ``target_artifact`` directly below ``reference_artifact``."""
        return self._rank(target_artifact, "rankBelow", _reference_path(reference_artifact))

    def rankToTop(self, target_artifact: Any) -> Any:
        """Move ``target_artifact`` to the top of its workspace's rank order."""
        return self._rank(target_artifact, "rankTo", "TOP")

    def rankToBottom(self, target_artifact: Any) -> Any:
        """Move ``target_artifact`` to the bottom of its workspace's rank order."""
        return self._rank(target_artifact, "rankTo", "BOTTOM")

    # The user guide documents these names; pyral only implemented the ``rankTo*`` ones.
    rankTop = rankToTop
    rankBottom = rankToBottom

    def _rank(self, target: Any, param: str, value: str) -> Any:
        from pyral._portfolio_levels import is_portfolio_item
        from pyral.entity import Artifact
        from pyral.rallyresp import RallyRESTResponse

        client: Any = self
        # Custom portfolio-item levels are not Artifacts by class (as in pyral 1.7.0, which
        # refused to rank them); Rally ranks them, so their type fields admit them here.
        if not isinstance(target, Artifact) and not is_portfolio_item(target):
            raise RallyRESTAPIError(
                f"Unable to change DragAndDropRank for target {_class_label(target)}, not an Artifact"
            )
        path = entity_path(target)
        type_key = path.rsplit("/", 1)[0]
        params = [f"{param}={value}"]
        workspace = _workspace_ref(target) or (
            client._resolver.workspace.ref if client._resolver.workspace is not None else None
        )
        if workspace:
            params.append(f"workspace={workspace}")
        params.extend(client._write_params([]))
        url = f"{client.service_url}/{path}?&" + "&".join(params)
        body = json.dumps({type_key: {"_ref": path}})
        try:
            raw = client.transport.send("POST", url, body=body, log_as=client._relative(url))
        except requests.RequestException as exc:
            raise client._unreachable(exc, url, "POST") from exc
        response = RallyRESTResponse(
            client.session, client.contextHelper.currentContext(), url, raw, "full", None
        )
        if response.status_code != 200 or response.errors:
            problem = response.errors[0] if response.errors else f"HTTP {response.status_code}"
            label = target.__dict__.get("FormattedID") or getattr(target, "FormattedID", None)
            raise RallyRESTAPIError(
                f"Unable to update the DragAndDropRank value for the target_artifact {label}, {problem}",
                status_code=response.status_code,
                errors=response.errors,
                warnings=response.warnings,
                url=url,
            )
        return response


__all__ = ["RankingMixin", "entity_path"]
