"""The ``Rally`` façade: pyral 1.7.0's public methods on top of the client core.

Responsibilities are split so this module mostly *composes*: HTTP in ``_transport``, body
parsing in ``_envelope``, paging in ``_pagination``, workspace/project resolution and scoping
in ``_context``, query text in ``_query``, schema knowledge in ``_schema`` and entities in
``entity``/``hydrate``.  Everything a ``Rally`` learns hangs off that instance, so two
clients in one process never see each other's state.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import re
import sys
import threading
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from pyral import config, multiop
from pyral._attachments import AttachmentsMixin
from pyral._context import (
    PROJECT_PATH_ELEMENT_SEPARATOR,
    UNSET,
    ContextResolver,
    Target,
    oid_of,
)
from pyral._envelope import Envelope, decode_body, error_text, parse_envelope
from pyral._log import TRANSPORT_LOGGER, LoggingTransport, LogSink, new_client_logger, redact
from pyral._pagination import (
    normalize_limit,
    normalize_pagesize,
    normalize_start,
    normalize_threads,
)
from pyral._query import format_query
from pyral._ranking import RankingMixin
from pyral._transport import DEFAULT_TIMEOUT, INTEGRATION_HEADER_PREFIX, Transport
from pyral.context import RallyContext, RallyContextHelper
from pyral.exceptions import (
    InvalidRallyTypeNameError,
    RallyAttributeNameError,
    RallyAuthenticationError,
    RallyConnectionError,
    RallyError,
    RallyResponseError,
    RallyRESTAPIError,
    UnreferenceableOIDError,
)
from pyral.query_builder import RallyUrlBuilder
from pyral.rallyresp import ErrorResponse, RallyRESTResponse

__version__ = (1, 7, 0)

__all__ = ["Rally", "getResourceByOID", "getCollection", "hydrateAnInstance", "RallyUrlBuilder"]

SERVICE_REQUEST_TIMEOUT = 120
HTTP_REQUEST_SUCCESS_CODE = 200
PAGE_NOT_FOUND_CODE = 404
SCHEMA_REQUEST_TIMEOUT = 30
COLLECTION_PAGESIZE = 2000
_STORY_ALIASES = {
    "Story": "HierarchicalRequirement",
    "UserStory": "HierarchicalRequirement",
    "User Story": "HierarchicalRequirement",
}
_TRUE_FETCH = ("true", "True")
_FALSE_FETCH = ("false", "False")
_PERMISSION_TYPES = ("WorkspacePermission", "ProjectPermission")

# constants pyral exposed from restapi (re-exported from config)
PROTOCOL = getattr(config, "PROTOCOL", "https")
SERVER = getattr(config, "SERVER", "rally1.rallydev.com")
WEB_SERVICE = getattr(config, "WEB_SERVICE", "slm/webservice")
SCHEMA_SERVICE = getattr(config, "SCHEMA_SERVICE", "slm/schema")
AUTH_ENDPOINT = getattr(config, "AUTH_ENDPOINT", "security/authorize")
WS_API_VERSION = getattr(config, "WS_API_VERSION", "v2.0")
USER_NAME = getattr(config, "USER_NAME", "wiley@acme.com")
PASSWORD = getattr(config, "PASSWORD", "G3ronim0!")
START_INDEX = getattr(config, "START_INDEX", 1)
KILO_PAGESIZE = getattr(config, "KILO_PAGESIZE", 1000)
MAX_PAGESIZE = getattr(config, "MAX_PAGESIZE", 2000)
MAX_ITEMS = getattr(config, "MAX_ITEMS", 1000000)
DEFAULT_SESSION_TIMEOUT = getattr(config, "DEFAULT_SESSION_TIMEOUT", 10)
RALLY_REST_HEADERS = getattr(config, "RALLY_REST_HEADERS", {})


def warning(message: str) -> None:
    sys.stderr.write(f"WARNING: {message}\n")


def _split_server(server: str) -> tuple[str, str]:
    """``host``, ``host:port`` or a URL with scheme -> (scheme, netloc); https by default."""
    server = (server or SERVER).strip()
    if "://" in server:
        parts = urlsplit(server)
        return parts.scheme or "https", parts.netloc
    return "https", server.split("/")[0]


def _json_encodable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _order_text(order: Any) -> str:
    """A list or tuple of sort keys is joined with commas, as ``fetch`` lists are.

    pyral 1.7.0 crashed inside ``quote`` on a list; sending ``str(list)`` would hand Rally
    brackets and quotes it cannot parse.
    """
    if isinstance(order, (list, tuple)):
        return ",".join(str(key).strip() for key in order)
    return str(order)


def _verify_setting(value: Any) -> bool | str:
    """``verify=`` for requests: a bool, or the path of a CA bundle.

    pyral 1.7.0 compared with ``in [True, False]``, so ``0`` / ``1`` counted as booleans too.
    The words ``true`` / ``false`` (config files and environment variables carry text) are
    read as booleans rather than as the name of a CA bundle that cannot exist.
    """
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, str) and value:
        return value  # a CA bundle path
    return True


class AllowedValue(str):
    """An allowed value: a plain string that also answers ``.Name`` / ``.StringValue``.

    pyral returned bare strings, while its user guide iterates ``val.Name``; a ``str``
    subclass satisfies both (comparisons and joins still see a string).
    """

    @property
    def Name(self) -> str:  # noqa: N802 - Rally attribute name
        return str(self)

    StringValue = Name
    value = Name


class Rally(AttachmentsMixin, RankingMixin):
    """A connection to one Rally subscription as one user, in a current workspace/project."""

    ARTIFACT_TYPE = {
        "S": "Story",
        "US": "Story",
        "DE": "Defect",
        "DS": "DefectSuite",
        "TA": "Task",
        "TC": "TestCase",
        "TS": "TestSet",
        "PI": "PortfolioItem",
    }
    FORMATTED_ID_PATTERN = re.compile(r"^[A-Z]{1,2}\d+$")
    MAX_ATTACHMENT_SIZE = 50000000

    def __init__(
        self,
        server: str = SERVER,
        user: str | None = None,
        password: str | None = None,
        apikey: str | None = None,
        version: str = "v2.0",
        warn: bool = True,
        server_ping: Any = None,
        isolated_workspace: bool = False,
        **kwargs: Any,
    ) -> None:
        scheme, netloc = _split_server(server)
        self.server = netloc
        self.version = WS_API_VERSION  # 'version' is accepted and ignored, as in pyral
        self.apikey = apikey or None
        if self.apikey:
            self.user = self.password = None
        else:
            self.user = user or USER_NAME
            self.password = password or PASSWORD
        self.service_url = f"{scheme}://{netloc}/{WEB_SERVICE}/{WS_API_VERSION}"
        self.schema_url = f"{scheme}://{netloc}/{SCHEMA_SERVICE}/{WS_API_VERSION}"
        self.isolated_workspace = bool(isolated_workspace)
        self._warn = bool(warn)
        self.hydration = "full"
        self._logger = new_client_logger()
        self._log = LogSink(self._logger, secrets=self._secrets)
        self._logDest = None
        self._logAttrGet = False
        raw_transport = Transport(
            apikey=self.apikey,
            user=self.user,
            password=self.password,
            headers=kwargs.get("headers"),
            verify=_verify_setting(kwargs.get("verify_ssl_cert", True)),
            timeout=kwargs.get("timeout", DEFAULT_TIMEOUT),
            retries=kwargs.get("retries", 2),
            logger=logging.getLogger(TRANSPORT_LOGGER),
            auth_endpoint=f"{self.service_url}/{AUTH_ENDPOINT}",
        )
        # pyral's request/outcome lines are written by this wrapper (see pyral._log)
        self.transport: Any = LoggingTransport(raw_transport, self._logger)
        self.session = raw_transport.session
        self._schemas: dict[int, Any] = {}
        self._schema_raw: dict[int, list[dict[str, Any]]] = {}
        self._schema_lock = threading.Lock()
        self._resolver = ContextResolver(
            self.service_url, self._fetch, isolated=self.isolated_workspace
        )
        self.contextHelper = RallyContextHelper(self, self.server, self.user, self.password)
        self._connect(kwargs.get("workspace", "default"), kwargs.get("project", "default"))

    def _connect(self, workspace: Any, project: Any) -> None:
        """Establish the starting workspace and project; ``None``/``''``/``'default'`` mean
        the user's defaults (quirk Q31), and an empty workspace also gets pyral's warning."""
        if workspace is None or workspace == "":
            warning(
                "Unable to use your workspace specification, that value is not listed in your subscription"
            )
        if workspace in (None, "", "default"):
            workspace = None
        if project in (None, "", "default"):
            project = None
        # while connecting, a 404 means "not a Rally server" rather than "no such object"
        self._connecting = True
        try:
            self._resolver.connect(workspace, project)
        finally:
            self._connecting = False

    # -- low-level GET used by the resolver and helpers --------------------------------------
    def _fetch(self, url: str) -> Envelope:
        """GET a WSAPI URL and return its envelope; any failure raises with pyral's texts."""
        try:
            response = self.transport.send("GET", url, log_as=self._relative(url))
        except requests.exceptions.SSLError as exc:
            raise RallyConnectionError("SSL certificate verification failed", url=url) from exc
        except requests.Timeout as exc:
            secs = self.transport.timeout
            raise RallyConnectionError(
                f"Request timed out on attempt to reach {self.server} ({secs} secs)", url=url
            ) from exc
        except requests.RequestException as exc:
            raise RallyConnectionError(
                f"Target Rally host: '{self.server}' non-existent or unreachable", url=url
            ) from exc
        status = response.status_code
        if status == 401:
            raise RallyAuthenticationError("Invalid credentials", status_code=401, url=url)
        if status != 200:
            errors = self._errors_of(response)
            if any("The username or password you entered is incorrect." in e for e in errors):
                raise RallyAuthenticationError("Invalid credentials", status_code=status, url=url)
            if status == 404 and self._connecting:
                raise RallyConnectionError(
                    f"404 Target host: '{self.server}' is either not reachable or doesn't support the Rally WSAPI",
                    status_code=404,
                    url=url,
                )
            raise RallyRESTAPIError(
                error_text(status, errors, 80), status_code=status, errors=errors, url=url
            )
        env = parse_envelope(decode_body(response.content, url), self._target_of(url))
        if env.errors:
            raise RallyRESTAPIError(
                error_text(422, env.errors), status_code=422, errors=env.errors, url=url
            )
        return env

    @staticmethod
    def _errors_of(response: requests.Response) -> list[str]:
        try:
            env = parse_envelope(decode_body(response.content, response.url or ""))
            if env.errors:
                return env.errors
        except RallyError:
            pass
        return [response.content.decode("utf-8", "replace").strip()] if response.content else []

    @staticmethod
    def _target_of(url: str) -> str:
        return url.split("?")[0].rstrip("/").split("/")[-1]

    def _secrets(self) -> tuple[str | None, ...]:
        """Values that must never be written to a log line or an error message."""
        transport = self.__dict__.get("transport")
        token = getattr(transport, "_token", None) if transport is not None else None
        return (self.apikey, self.password, token)

    def _relative(self, url: str) -> str:
        """URL as pyral logged it: relative to the service URL, query text decoded."""
        if url.startswith(self.service_url):
            url = url[len(self.service_url) + 1 :]
        return unquote(url)

    # -- names, schema ----------------------------------------------------------------------
    def _official_name(self, name: str) -> str:
        """Entity name as WSAPI spells it; the schema is consulted only for non-standard names."""
        if not isinstance(name, str):
            raise InvalidRallyTypeNameError(name)
        name = _STORY_ALIASES.get(name, name)
        from pyral.entity import validRallyType

        try:
            return validRallyType(name)
        except InvalidRallyTypeNameError:
            schema = self._schema_for()
            return schema.official_name(name)

    def _ws_target(self, workspace_ref: Any = None) -> Target:
        if workspace_ref is None:
            assert self._resolver.workspace is not None
            return self._resolver.workspace
        if isinstance(workspace_ref, Target):
            return workspace_ref
        oid = workspace_ref if isinstance(workspace_ref, int) else oid_of(str(workspace_ref))
        if oid is None:
            return self._resolver.resolve_workspace_arg(workspace_ref)
        return self._resolver.workspaces_by_oid.get(oid) or Target(
            "workspace", str(workspace_ref), oid
        )

    def _schema_for(self, workspace_ref: Any = None) -> Any:
        """The WorkspaceSchema of a workspace (current by default), downloaded once per client."""
        ws = self._ws_target(workspace_ref)
        with self._schema_lock:
            cached = self._schemas.get(ws.oid)
            if cached is not None:
                return cached
            from pyral._schema import WorkspaceSchema

            raw = self._download_schema(ws)
            schema = WorkspaceSchema(ws.ref, raw)
            self._schemas[ws.oid] = schema
            self._schema_raw[ws.oid] = raw
            return schema

    def _download_schema(self, ws: Target) -> list[dict[str, Any]]:
        url = f"{self.schema_url}/workspace/{ws.oid}"
        try:
            response = self.transport.send(
                "GET",
                url,
                timeout=max(SCHEMA_REQUEST_TIMEOUT, 1),
                log_as=f"schema/workspace/{ws.oid}",
            )
        except requests.RequestException as exc:
            raise RallyConnectionError(
                f"Unable to retrieve the schema for workspace {ws.oid}: {exc}"
            ) from exc
        if response.status_code != 200:
            raise RallyRESTAPIError(
                error_text(response.status_code, self._errors_of(response)),
                status_code=response.status_code,
            )
        env = parse_envelope(decode_body(response.content, url))
        if env.errors:
            raise RallyRESTAPIError(error_text(422, env.errors), errors=env.errors)
        return env.results

    def _hydrator(self, hydration: str) -> Any:
        from pyral.hydrate import EntityHydrator

        return EntityHydrator(client=self, hydration=hydration)

    # -- hooks the entities call back into ----------------------------------------------------
    def _absolute(self, ref: str) -> str:
        if ref.startswith(("http://", "https://")):
            return ref
        return f"{self.service_url}/{ref.lstrip('/')}"

    def _load_object(self, ref: str) -> dict[str, Any]:
        """GET one object by its ref (lazy hydration); failure -> UnreferenceableOIDError."""
        base = self._absolute(ref).split("?")[0]
        augments = self._resolver.augments()
        url = f"{base}?{'&'.join(augments)}" if augments else base
        try:
            response = self.transport.send("GET", url, log_as=self._relative(url), attrget=True)
            if response.status_code == 200:
                env = parse_envelope(decode_body(response.content, url), self._target_of(base))
                if not env.errors and env.object is not None:
                    return env.object
        except (requests.RequestException, RallyError):
            pass
        raise UnreferenceableOIDError(f"{self._class_name_for(base)} OID {self._target_of(base)}")

    @staticmethod
    def _class_name_for(ref: str) -> str:
        segments = ref.rstrip("/").split("/")
        if len(segments) < 2:
            return "Persistable"
        type_name = segments[-2]
        if len(segments) >= 3 and segments[-3].lower() == "portfolioitem":
            return "PortfolioItem"
        try:
            from pyral.entity import classFor

            for key in classFor:
                if key.lower() == type_name.lower():
                    return key
        except Exception:
            pass
        return type_name

    def _collection_pages(self, url: str) -> tuple[list[dict[str, Any]], int]:
        base = self._absolute(url).split("?")[0]
        augments = self._resolver.augments(scoping=False)
        items: list[dict[str, Any]] = []
        start = 1
        total = 0
        while True:
            page_url = "&".join(
                [f"{base}?pagesize={COLLECTION_PAGESIZE}", f"start={start}", *augments]
            )
            response = self.transport.send(
                "GET", page_url, log_as=self._relative(page_url), attrget=True
            )
            if response.status_code != 200:
                raise RallyResponseError(
                    error_text(response.status_code, self._errors_of(response)), url=page_url
                )
            env = parse_envelope(decode_body(response.content, page_url), self._target_of(base))
            if env.errors:
                raise RallyResponseError(
                    error_text(422, env.errors), errors=env.errors, url=page_url
                )
            items.extend(env.results)
            total = env.total
            start += len(env.results)
            if not env.results or start > env.total:
                return items, total

    def _load_collection(self, url: str) -> list[Any]:
        """Every member of a collection (all pages), hydrated; members load lazily if shallow."""
        items, _ = self._collection_pages(url)
        hydrator = self._hydrator("shell")
        return [hydrator.hydrateInstance(item) for item in items]

    # -- get / find --------------------------------------------------------------------------
    def _fetch_spec(self, entity: str, fetch: Any, ws: Target) -> tuple[str, str]:
        """(fetch text for the URL, hydration mode) — decided per call (Q21)."""
        if fetch is True or (isinstance(fetch, str) and fetch in _TRUE_FETCH):
            return "true", "full"
        if fetch is None or fetch is False or (isinstance(fetch, str) and fetch in _FALSE_FETCH):
            return "false", "shell"
        if isinstance(fetch, str):
            return fetch, "full"
        if isinstance(fetch, (list, tuple)):
            if len(fetch) == 1 and isinstance(fetch[0], str) and "," in fetch[0]:
                return fetch[0], "full"
            schema = self._schema_for(ws)
            names = schema.validate_attribute_names(entity, dict.fromkeys(str(f) for f in fetch))
            return ",".join(dict.fromkeys(names)), "full"
        return "false", "shell"

    def _augments(
        self, kwargs: dict[str, Any], workspace: Any = UNSET, project: Any = UNSET
    ) -> list[str]:
        return self._resolver.augments(
            workspace, project, kwargs.get("projectScopeUp"), kwargs.get("projectScopeDown")
        )

    def get(
        self,
        entity: str,
        fetch: Any = False,
        query: Any = None,
        order: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Query ``entity``; returns a lazily paged ``RallyRESTResponse`` (or an entity with ``instance=True``)."""
        official = self._official_name(entity)
        workspace = kwargs.get("workspace", UNSET)
        project = kwargs.get("project", UNSET)
        ws = (
            self._resolver.resolve_workspace_arg(workspace)
            if workspace is not None
            else self._resolver.workspace
        )
        assert ws is not None
        fetch_text, hydration = self._fetch_spec(official, fetch, ws)
        params = [f"fetch={fetch_text}"]
        if query:
            params.append(f"query=({format_query(query)})")
        if order:
            params.append(f"order={quote(_order_text(order))}")
        params.extend(self._augments(kwargs, workspace, project))
        params.append(f"pagesize={normalize_pagesize(kwargs.get('pagesize'))}")
        base = f"{self.service_url}/{official}?" + "&".join(params)
        start = normalize_start(kwargs.get("start", 1))
        response = self._query(
            base,
            start,
            normalize_limit(kwargs.get("limit")),
            hydration,
            normalize_threads(kwargs.get("threads")),
            official,
        )
        if kwargs.get("instance") and response and response.resultCount == 1:
            return response.next()
        return response

    find = get

    def _query(
        self, base: str, start: int, limit: int | None, hydration: str, threads: int, target: str
    ) -> RallyRESTResponse:
        url = f"{base}&start={start}"
        hydrator = self._hydrator(hydration)
        try:
            raw = self.transport.send("GET", url, log_as=self._relative(url))
        except requests.RequestException as exc:
            raw = ErrorResponse(404, str(exc))
        return RallyRESTResponse(
            self.session,
            self.contextHelper.currentContext(),
            url,
            raw,
            hydration,
            limit,
            threads=threads,
            hydrator=hydrator,
            fetch_page=lambda page_start: self._follow_up_page(base, page_start, target),
            target=target,
        )

    def _follow_up_page(self, base: str, start: int, target: str) -> list[dict[str, Any]]:
        """Items of a later page of a query; unlike the first page, a failure here raises,
        because iteration cannot report it any other way."""
        page_url = f"{base}&start={start}"
        problem = f"Unable to retrieve the page at start={start}"
        try:
            resp = self.transport.send("GET", page_url, log_as=self._relative(page_url))
        except requests.RequestException as exc:
            raise RallyResponseError(f"{problem}: {exc}", url=page_url) from exc
        if resp.status_code != 200:
            errors = self._errors_of(resp)
            raise RallyResponseError(
                f"{problem}: {error_text(resp.status_code, errors)}",
                status_code=resp.status_code,
                errors=errors,
                url=page_url,
            )
        env = parse_envelope(decode_body(resp.content, page_url), target)
        if env.errors:
            raise RallyResponseError(f"{problem}: {env.errors[0]}", errors=env.errors, url=page_url)
        return env.results

    def getCollection(self, collection_url: str, **kwargs: Any) -> RallyRESTResponse:
        """A collection (``<ref>/Tasks`` ...) as a lazily paged ``RallyRESTResponse``.

        Like pyral, a URL without parameters gets ``pagesize`` and the current workspace
        and project (unless ``_disableAugments=True``); parameters already in the URL win.
        ``fetch``, ``query``, ``order``, ``pagesize``, ``start`` and ``limit`` keywords
        narrow, filter, sort and page the collection on the server.
        """
        base_url = self._absolute(collection_url)
        path, _, given = base_url.partition("?")
        params = [p for p in given.split("&") if p]
        present = {p.split("=", 1)[0] for p in params}
        start = normalize_start(kwargs.get("start", 1))
        for p in [p for p in params if p.startswith("start=")]:
            start = normalize_start(p.split("=", 1)[1])
            params.remove(p)
        fetch_text = self._collection_fetch(kwargs.get("fetch"))
        if fetch_text is not None and "fetch" not in present:
            params.append(f"fetch={fetch_text}")
        if kwargs.get("query") and "query" not in present:
            params.append(f"query=({format_query(kwargs['query'])})")
        if kwargs.get("order") and "order" not in present:
            params.append(f"order={quote(_order_text(kwargs['order']))}")
        if "pagesize" not in present:
            params.append(f"pagesize={normalize_pagesize(kwargs.get('pagesize', KILO_PAGESIZE))}")
        if not kwargs.get("_disableAugments") and "workspace" not in present:
            params.extend(self._resolver.augments(scoping=False))
        base = f"{path}?{'&'.join(params)}"
        hydration = "shell" if fetch_text is None else "full"
        limit = normalize_limit(kwargs.get("limit"))
        return self._query(base, start, limit, hydration, 1, self._target_of(path))

    @staticmethod
    def _collection_fetch(fetch: Any) -> str | None:
        """``fetch=`` text for getCollection; None keeps the read shallow (refs only)."""
        if fetch is None or fetch is False or str(fetch).lower() == "false":
            return None
        if isinstance(fetch, str):
            return fetch
        return "true" if fetch is True else ",".join(fetch)

    # -- create / update / delete ------------------------------------------------------------
    def _write_params(self, augments: list[str]) -> list[str]:
        token = self.transport.security_token()
        return ([f"key={token}"] if token else []) + augments

    def _write_context(
        self, workspace: Any, project: Any, kwargs: dict[str, Any]
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

    def _greased(self, data: dict[str, Any]) -> dict[str, Any]:
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

    def _read_back(self, official: str, oid: Any, augments: list[str]) -> Any:
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

    def _writable_name(self, entityName: str, operation: str) -> str:
        """The official name of a type that may be written; the recycle bin is read-only."""
        official = self._official_name(entityName)
        if official == "RecycleBinEntry":
            raise RallyRESTAPIError(f"{operation} operation unsupported for RecycleBinEntry")
        return official

    def put(
        self,
        entityName: str,
        itemData: dict[str, Any],
        workspace: Any = "current",
        project: Any = "current",
        **kwargs: Any,
    ) -> Any:
        """Create an item; returns the created entity as Rally stored it."""
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
        return self._read_back(official, oid, augments)

    create = put

    def _write_item(
        self,
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
        url = f"{self.service_url}/{official.lower()}/{ident}?" + "&".join(
            self._write_params(augments)
        )
        try:
            body = json.dumps({official: data})
        except TypeError as exc:  # name the attribute: json's text names only the value's type
            culprit = next((k for k, v in data.items() if not _json_encodable(v)), "?")
            raise TypeError(f"{official}.{culprit}: {exc}") from None
        env, status = self._write(method, url, body)
        return env, status, augments

    def _write(self, method: str, url: str, body: str | None) -> tuple[Envelope, int]:
        try:
            response = self.transport.send(method, url, body=body, log_as=self._relative(url))
        except requests.RequestException as exc:
            raise self._unreachable(exc) from exc
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
        self, exc: requests.RequestException, url: str | None = None
    ) -> RallyConnectionError:
        """pyral's error for a write that never got an answer.

        The transport's text quotes the request URL, whose ``key=`` is the security token:
        it is masked here, once for every kind of write.
        """
        detail = redact(str(exc), self._secrets())
        return RallyConnectionError(
            f"Target Rally host: '{self.server}' non-existent or unreachable ({detail})", url=url
        )

    def _oid_for_formatted_id(
        self, official: str, fid: str, workspace: Any, project: Any
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
        self,
        entityName: str,
        itemData: dict[str, Any],
        workspace: Any = "current",
        project: Any = "current",
        **kwargs: Any,
    ) -> Any:
        """Update an item identified by ObjectID or FormattedID; returns the updated entity."""
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
        return self._read_back(official, oid, augments)

    update = post

    def delete(
        self,
        entityName: str,
        itemIdent: Any,
        workspace: Any = "current",
        project: Any = "current",
        **kwargs: Any,
    ) -> bool:
        """Delete by ObjectID or FormattedID: True when Rally reports no errors, else False."""
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

    # -- collections ---------------------------------------------------------------------------
    @staticmethod
    def _type_path_of(target: Any) -> str:
        state = getattr(target, "__dict__", {})
        return state.get("typePath") or state.get("_type") or type(target).__name__

    def addCollectionItems(
        self,
        target: Any,
        collection_name: Any = None,
        items: list[Any] | None = None,
        *,
        _removing: bool = False,
    ) -> Any:
        """Add entities to a writable collection (Tags, Milestones, TestCases ...).

        Returns the target re-read with that collection.  Both the 1.7.0 call
        ``(target, 'Tags', items)`` and the older ``(target, items)`` are accepted; the
        latter infers the collection from the items' type through the workspace schema
        (Tag -> Tags, Milestone -> Milestones ...), refusing ambiguous cases such as a story
        added to a story (Predecessors or Successors?).  ``dropCollectionItems`` shares this
        preparation through ``_removing``.
        """
        caller = "dropCollectionItems" if _removing else "addCollectionItems"
        if items is None and not isinstance(collection_name, str):
            collection_name, items = None, collection_name  # the older two-argument call
        if items is None:
            raise RallyRESTAPIError(
                f"{caller}: no items given for the {collection_name} collection"
            )
        items = [items] if not isinstance(items, (list, tuple)) else list(items)
        if not items:
            return None
        kinds = {item.__dict__.get("_type") or type(item).__name__ for item in items}
        if len(kinds) > 1:
            raise RallyRESTAPIError(f"{caller}: all items must be of the same type")
        type_path = self._type_path_of(target)
        if collection_name is None:
            collection_name = self._infer_collection(caller, type_path, items[0])
        refs = [{"_ref": f"{item.__dict__.get('_type')}/{item.oid}"} for item in items]
        token_params = self._write_params([])
        url = f"{self.service_url}/{type_path}/{target.oid}/{collection_name}"
        if _removing:
            url += "/remove" + ("?" + "&".join(token_params) if token_params else "")
            return self._remove_members(url, refs)
        url += "/add?" + "&".join(["fetch=Name", *token_params])
        env, status = self._write("POST", url, json.dumps({collection_name: refs}))
        if status != 200 or env.errors:
            raise RallyRESTAPIError(
                error_text(422 if status == 200 else status, env.errors),
                status_code=status,
                errors=env.errors,
            )
        return self.get(
            self._official_name(type_path),
            fetch=f"ObjectID,Name,FormattedID,{collection_name}",
            query=f"ObjectID = {target.oid}",
            project=None,
            instance=True,
        )

    def _infer_collection(self, caller: str, type_path: str, item: Any) -> str:
        """The one collection of ``type_path`` that holds items like ``item``, or an error.

        Writable collections win over read-only ones, and the plain plural of the item's
        type breaks a tie (a Tag goes to Tags even if another collection also holds Tags).
        """
        names = {c.__name__ for c in type(item).__mro__}
        names.update(str(item.__dict__.get(k) or "") for k in ("_type", "typePath"))
        names.update(n.split("/")[-1] for n in list(names))
        typedef = self._schema_for().typedef(type_path)
        found = [
            a
            for a in (typedef.Attributes if typedef is not None else [])
            if a.AttributeType == "COLLECTION" and a.SchemaType in names
        ]
        writable = [a.ElementName for a in found if not a.ReadOnly] or [
            a.ElementName for a in found
        ]
        plural = f"{item.__dict__.get('_type')}s"
        if len(writable) > 1 and plural in writable:
            writable = [plural]
        if len(writable) != 1:
            choice = " or ".join(writable) if writable else "no collection"
            raise RallyRESTAPIError(
                f"{caller}: cannot tell which collection of {type_path} holds "
                f"{item.__dict__.get('_type')} items ({choice}); pass the collection name, "
                f"e.g. {caller}(target, '<Collection>', items)"
            )
        return writable[0]

    def _remove_members(self, url: str, refs: list[dict[str, str]]) -> RallyRESTResponse:
        """POST a removal; as in pyral a refusal is reported in the response, never raised."""
        body = json.dumps({"CollectionItems": refs})
        try:
            raw: Any = self.transport.send("POST", url, body=body, log_as=self._relative(url))
        except requests.RequestException as exc:
            raw = ErrorResponse(404, str(exc))
        return RallyRESTResponse(
            self.session, self.contextHelper.currentContext(), url, raw, "full", None
        )

    def dropCollectionItems(
        self, target: Any, collection_name: Any = None, items: list[Any] | None = None
    ) -> Any:
        """Remove entities from a collection; returns the operation's ``RallyRESTResponse``.

        As in pyral nothing is raised for a refused removal: look at ``.errors``.  The older
        ``(target, items)`` call infers the collection like ``addCollectionItems``.
        """
        return self.addCollectionItems(target, collection_name, items, _removing=True)

    # -- workspaces / projects ---------------------------------------------------------------
    def _shell(self, target: Target, type_name: str) -> Any:
        item = {
            "_ref": target.ref,
            "_refObjectName": target.name,
            "_type": type_name,
            "ObjectID": str(target.oid),
            "Name": target.name,
        }
        return self._hydrator("shell").hydrateInstance(item)

    def getWorkspace(self) -> Any:
        """Shell Workspace for the current workspace (no request)."""
        assert self._resolver.workspace is not None
        return self._shell(self._resolver.workspace, "Workspace")

    def getWorkspaces(self) -> list[Any]:
        """Shell Workspaces of every open workspace, sorted by name (isolated: just the current)."""
        return [self._shell(ws, "Workspace") for ws in self._resolver.load_workspaces()]

    def setWorkspace(self, workspaceName: str) -> None:
        """Make another workspace current; the project becomes its default (or first) project."""
        current = self._resolver.workspace
        ws = self._switchable_workspace(workspaceName)
        if current is not None and ws.oid == current.oid:
            return
        project = self._resolver.default_project_in(ws)
        if project is None:
            project = self._resolver.first_project(ws)
        self._resolver.workspace = ws
        self._resolver.project = project

    def _switchable_workspace(self, workspaceName: str) -> Target:
        """The workspace ``setWorkspace(workspaceName)`` would make current, or pyral's error."""
        current = self._resolver.workspace
        if self.isolated_workspace and current is not None and workspaceName != current.name:
            raise RallyRESTAPIError(
                "No reset of of the Workspace is permitted when the isolated_workspace option is specified"
            )
        ws = self._resolver.find_workspace(workspaceName)
        if ws is None or (ws.state not in (None, "Open")):
            raise Exception(
                "Specified workspace not valid for your credentials or is in a Closed state"
            )
        return ws

    def getProject(self, name: str | None = None) -> Any:
        """Current project (no name), or a project of the current workspace by name or path."""
        resolver = self._resolver
        if name is None:
            assert resolver.project is not None
            return self._shell(resolver.project, "Project")
        assert resolver.workspace is not None
        found = resolver.find_project(resolver.workspace, name)
        return self._shell(found, "Project") if found is not None else None

    def getProjects(self, workspace: str | None = None) -> list[Any]:
        """Shell Projects (sorted by name, duplicate names once) of a workspace; [] if unknown."""
        ws = (
            self._resolver.workspace
            if workspace is None
            else self._resolver.find_workspace(workspace)
        )
        if ws is None:
            return []
        directory = self._resolver.load_projects(ws)
        return [
            self._shell(p, "Project")
            for p in sorted(directory.by_name.values(), key=lambda p: p.name)
        ]

    def setProject(self, projectName: str) -> None:
        """Make a project of the current workspace current (name or ``A // B`` path)."""
        resolver = self._resolver
        assert resolver.workspace is not None
        project: Target | None
        if PROJECT_PATH_ELEMENT_SEPARATOR in str(projectName):
            project = resolver.resolve_path(resolver.workspace, projectName)
        else:
            project = (
                resolver.find_project(resolver.workspace, projectName) if projectName else None
            )
            if project is None:
                raise Exception(
                    "Specified project not valid for your current workspace or credentials"
                )
        resolver.project = project

    def subscriptionName(self) -> str | None:
        """Name of the subscription (fetched on first use)."""
        resolver = self._resolver
        if resolver.subscription_name is None:
            env = self._fetch(f"{self.service_url}/subscription?fetch=Name,ObjectID")
            sub = (
                env.object
                if env.kind == "ImpliedQuery"
                else (env.results[0] if env.results else {})
            )
            resolver.subscription_name = (sub or {}).get("Name")
            resolver.subscription_ref = (sub or {}).get("_ref", resolver.subscription_ref)
        return resolver.subscription_name

    def _wpCacheStatus(self) -> str | bool:
        return self._resolver.status()

    # -- users ---------------------------------------------------------------------------------
    def getUserInfo(
        self, oid: Any = None, username: str | None = None, name: str | None = None
    ) -> Any:
        """One User by OID, or a list of Users by UserName / DisplayName."""
        if oid:
            augments = self._resolver.augments()
            url = f"{self.service_url}/User/{oid}" + ("?" + "&".join(augments) if augments else "")
            response = self.transport.send("GET", url, log_as=self._relative(url))
            if response.status_code != 200:
                return None
            env = parse_envelope(decode_body(response.content, url), "User")
            if env.errors or env.object is None:
                return None
            return self._hydrator("full").hydrateInstance(env.object)
        if username:
            query = f'UserName = "{username}"'
        elif name:
            query = f'DisplayName = "{name}"'
        else:
            raise RallyRESTAPIError("No specification provided to obtain User information")
        response = self.get("User", fetch=True, query=query)
        if not response:
            return None
        return list(response)

    ALL_USER_FIELDS = (
        "UserName,DisplayName,FirstName,LastName,MiddleName,ShortDisplayName,OnpremLdapUsername,"
        "CreationDate,EmailAddress,LastPasswordUpdateDate,Disabled,Subscription,SubscriptionAdmin,"
        "Role,UserPermissions,TeamMemberships,UserProfile,TimeZone"
    )

    def getAllUsers(self, workspace: str | None = None) -> list[Any]:
        """Every user (enabled and disabled) visible in a workspace (current by default).

        pyral switched the client's workspace for the call and back again; here the
        workspace is only used for the request, so the current one is never disturbed, but
        an unusable name fails exactly as ``setWorkspace`` would.  When the operator is a
        subscription administrator each user's ``UserProfile`` is replaced by the full
        profile.  The operator is identified by user OID, so this also works with an API
        key (quirk Q27: pyral compared user names, which an API-key client does not have).
        """
        ws = self._switchable_workspace(workspace) if workspace else self._resolver.workspace
        assert ws is not None
        return self._all_users(ws)

    def _all_users(self, ws: Target) -> list[Any]:
        base = (
            f"{self.service_url}/users?fetch={self.ALL_USER_FIELDS}"
            f"&query={quote('((Disabled = true) OR (Disabled = false))', safe='()=')}"
            f"&pagesize={KILO_PAGESIZE}&workspace={ws.ref}"
        )
        response = self._query(base, 1, None, "full", 1, "User")
        if not response:
            return []
        users = list(response)
        operator = next((u for u in users if u.oid == self._resolver.user_oid), None)
        if operator is not None and operator.__dict__.get("SubscriptionAdmin") is True:
            self._join_user_profiles(users, ws)
        return users

    def _join_user_profiles(self, users: list[Any], ws: Target) -> None:
        url = (
            f"{self.service_url}/userprofile?fetch=true&query="
            f"&pagesize={KILO_PAGESIZE}&workspace={ws.ref}"
        )
        try:
            profiles = list(self._query(url, 1, None, "full", 1, "UserProfile"))
        except RallyError:
            profiles = []
        if not profiles:
            warning("Unable to retrieve UserProfile information for users")
            return
        by_oid = {p.oid: p for p in profiles}
        for user in users:
            shell = user.__dict__.get("UserProfile")
            ref = getattr(shell, "_ref", None) if shell is not None else None
            profile = by_oid.get(oid_of(ref)) if ref else None
            if profile is not None:
                user.__dict__["UserProfile"] = profile

    # -- schema delegation -----------------------------------------------------------------------
    def typedef(self, target_type: str) -> Any:
        """The type definition of an entity in the current workspace, or None if unknown."""
        schema = self._schema_for()
        name = _STORY_ALIASES.get(target_type, target_type)
        try:
            return schema.typedef(name, self._load_collection)
        except InvalidRallyTypeNameError:
            return None

    def getSchemaInfo(self, workspace: Any = None, project: Any = None) -> list[dict[str, Any]]:
        """The raw type definitions of the current workspace (arguments ignored, as in pyral).

        Served from this client's per-workspace cache (pyral downloaded it again); a deep
        copy, so a caller editing the dicts cannot corrupt the cache.
        """
        ws = self._ws_target()
        self._schema_for(ws)
        return copy.deepcopy(self._schema_raw[ws.oid])

    def validateAttributeNames(self, entity_name: str, itemData: dict[str, Any]) -> dict[str, Any]:
        """Rename keys to Rally ElementNames (adds ``c_``, fixes case, accepts display names)."""
        return self._schema_for().validate_attribute_names(
            self._official_name(entity_name), itemData
        )

    def getAllowedValues(self, entityName: str, attributeName: str, **kwargs: Any) -> Any:
        """Allowed values of an attribute: list of strings, [] if none, None if unknown."""
        try:
            official = self._official_name(entityName)
        except InvalidRallyTypeNameError:
            return None
        values = self._schema_for().allowed_values(official, attributeName, self._load_collection)
        if not values or values == [True]:
            return values
        return [AllowedValue(v) if isinstance(v, str) else v for v in values]

    @staticmethod
    def _state_type_name(entity: str) -> str:
        """States hang off the level's TypeDefinition Name: ``PortfolioItem/Feature`` -> ``Feature``."""
        return entity.rsplit("/", 1)[-1] if isinstance(entity, str) else entity

    def getState(self, entity: str, state_name: str) -> Any:
        """The State named ``state_name`` of a portfolio-item level.

        One hit -> that State; otherwise the response (as pyral).  ``project=None`` is
        passed for this request only; the client's current project is left alone (Q9).
        """
        return self.get(
            "State",
            fetch=True,
            query=[f'TypeDef.Name = "{self._state_type_name(entity)}"', f'Name = "{state_name}"'],
            project=None,
            instance=True,
        )

    def getStates(self, entity: str) -> list[Any]:
        """The States of a portfolio-item level in OrderIndex order (duplicates by name dropped)."""
        response = self.get(
            "State",
            fetch=True,
            query=f'TypeDef.Name = "{self._state_type_name(entity)}"',
            order="OrderIndex,ObjectID",
            project=None,
        )
        unique: dict[tuple[Any, Any], Any] = {}
        for state in response:
            unique[(getattr(state, "OrderIndex", None), getattr(state, "Name", None))] = state
        return sorted(unique.values(), key=lambda s: getattr(s, "OrderIndex", 0) or 0)

    # -- misc public members -------------------------------------------------------------------
    def obtainSecurityToken(self) -> str | None:
        return self.transport.security_token()

    def serviceURL(self) -> str:
        return self.service_url

    def enableWarnings(self) -> None:
        self._warn = True

    def disableWarnings(self) -> None:
        self._warn = False

    def warningsEnabled(self) -> bool:
        return self._warn

    def enableLogging(
        self, dest: Any = sys.stdout, attrget: bool = False, append: bool = False
    ) -> None:
        """Log pyral's line per request and per outcome to ``dest`` (stream or file name).

        ``attrget=True`` also logs the lazy loads entities make on attribute access.  A file
        name is opened for writing (``append=True``: appending) and closed again by
        ``disableLogging``; a stream passed in stays the caller's and is never closed.
        """
        who = self.user if self.user else "(API key)"
        header = f"Following entries record Rally REST API interaction via {self.service_url} for user {who}"
        if self._log.enable(dest, attrget, append, header):
            self._logDest = dest
            self._logAttrGet = bool(attrget)

    def disableLogging(self) -> None:
        self._log.disable()
        self._logDest = None
        self._logAttrGet = False

    def __repr__(self) -> str:
        ws = self._resolver.workspace
        proj = self._resolver.project
        return f"<Rally {self.server} workspace={ws.name if ws else None!r} project={proj.name if proj else None!r}>"


# -- pyral 1.7.0 module functions (entities used them to reach their client) ------------------------
def _agent_for(context: Any) -> Rally:
    agent = getattr(context, "_agent", None)
    if agent is None and isinstance(context, Rally):
        agent = context
    if agent is None:
        raise RallyRESTAPIError("No Rally connection is associated with that context")
    return agent


def hydrateAnInstance(context: Any, item: dict[str, Any], existingInstance: Any = None) -> Any:
    agent = _agent_for(context)
    hydrator = agent._hydrator("full")
    if existingInstance is not None and hasattr(hydrator, "hydrateInstance"):
        try:
            return hydrator.hydrateInstance(item, existingInstance=existingInstance)
        except TypeError:
            pass
    return hydrator.hydrateInstance(item)


def getResourceByOID(context: Any, entity: str, oid: Any, **kwargs: Any) -> Any:
    agent = _agent_for(context)
    official = agent._official_name(entity)
    try:
        return agent._read_back(official, oid, agent._resolver.augments())
    except RallyRESTAPIError:
        return None


def getCollection(context: Any, collection_url: str, **kwargs: Any) -> Any:
    return _agent_for(context).getCollection(collection_url, **kwargs)


# names pyral's restapi module re-exported; entity-side names are resolved lazily so that
# importing pyral.restapi never forces the entity modules (and no import cycle can form)
_REEXPORTED = (
    RallyRESTAPIError,
    RallyAttributeNameError,
    RallyResponseError,
    ErrorResponse,
    RallyContext,
    RallyContextHelper,
    INTEGRATION_HEADER_PREFIX,
)
_LAZY = {
    "EntityHydrator": "pyral.hydrate",
    "validRallyType": "pyral.entity",
    "DomainObject": "pyral.entity",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pyral.restapi' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
