"""The ``Rally`` façade: pyral 1.7.0's public methods on top of the client core.

Responsibilities are split so this module mostly *composes*: HTTP in ``_transport``, body
parsing in ``_envelope``, paging in ``_pagination``, workspace/project resolution and scoping
in ``_context``, query text in ``_query``, schema knowledge in ``_schema`` and entities in
``entity``/``hydrate``.  Everything a ``Rally`` learns hangs off that instance, so two
clients in one process never see each other's state.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from pyral import config
from pyral import multiop as multiop
from pyral._attachments import AttachmentsMixin
from pyral._collections import CollectionsMixin
from pyral._context import PROJECT_PATH_ELEMENT_SEPARATOR as PROJECT_PATH_ELEMENT_SEPARATOR
from pyral._context import (
    UNSET,
    ContextResolver,
    Target,
    oid_of,
)
from pyral._envelope import Envelope, decode_body, error_text, parse_envelope
from pyral._failures import connection_failure, not_rally_text
from pyral._log import TRANSPORT_LOGGER, LoggingTransport, LogSink, new_client_logger
from pyral._lookback import LookbackMixin
from pyral._pagination import (
    normalize_limit,
    normalize_pagesize,
    normalize_start,
    normalize_threads,
)
from pyral._query import format_query
from pyral._rally_support import _STORY_ALIASES, _order_text
from pyral._rally_support import KILO_PAGESIZE as KILO_PAGESIZE
from pyral._rally_support import warning as warning
from pyral._ranking import RankingMixin
from pyral._schema_api import AllowedValue as AllowedValue
from pyral._schema_api import SchemaMethodsMixin
from pyral._transport import (
    DEFAULT_TIMEOUT,
    INTEGRATION_HEADER_PREFIX,
    Transport,
    compact_body,
    expand_body,
)
from pyral._users import UsersMixin
from pyral._workspaces import WorkspacesMixin
from pyral._writes import WritesMixin
from pyral.context import RallyContext, RallyContextHelper
from pyral.exceptions import (
    InvalidRallyTypeNameError,
    RallyAttributeNameError,
    RallyError,
    RallyResponseError,
    RallyRESTAPIError,
    Reason,
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
_TRUE_FETCH = ("true", "True")
_FALSE_FETCH = ("false", "False")

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
MAX_PAGESIZE = getattr(config, "MAX_PAGESIZE", 2000)
MAX_ITEMS = getattr(config, "MAX_ITEMS", 1000000)
DEFAULT_SESSION_TIMEOUT = getattr(config, "DEFAULT_SESSION_TIMEOUT", 10)
RALLY_REST_HEADERS = getattr(config, "RALLY_REST_HEADERS", {})


def _split_server(server: str) -> tuple[str, str]:
    """``host``, ``host:port`` or a URL with scheme -> (scheme, netloc); https by default."""
    server = (server or SERVER).strip()
    if "://" in server:
        parts = urlsplit(server)
        return parts.scheme or "https", parts.netloc
    return "https", server.split("/")[0]


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


class Rally(
    CollectionsMixin,
    WritesMixin,
    WorkspacesMixin,
    UsersMixin,
    SchemaMethodsMixin,
    AttachmentsMixin,
    RankingMixin,
    LookbackMixin,
):
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
        """Connect: check the credentials and settle the current workspace and project.

        Args:
            server: host name (``rally1.rallydev.com``, meaning HTTPS), ``host:port``, or a
                URL with its scheme (``http://127.0.0.1:8999`` for a local emulator).
            user: user name for Basic authentication (ignored when ``apikey`` is given).
            password: password for Basic authentication.
            apikey: a Rally API key, sent as the ``ZSESSIONID`` header; preferred over
                ``user`` / ``password``.
            version: accepted for pyral 1.7.0 scripts and ignored: WSAPI is always v2.0.
            warn: the flag :meth:`warningsEnabled` reports; as in pyral 1.7.0 it changes
                nothing (quirk Q10): Rally's warnings are in ``response.warnings``.
            server_ping: accepted for pyral 1.7.0 scripts and ignored.
            isolated_workspace: stay in the starting workspace: ``setWorkspace`` to another
                one raises and ``getWorkspaces`` lists only the current one.
            **kwargs: ``workspace`` / ``project``: names to start in (default: the user's
                default workspace and project; ``"default"``, ``None`` or ``""`` mean the
                same); ``verify_ssl_cert``: ``False`` turns TLS certificate checks off, a
                path names a CA bundle; ``timeout``: seconds per request (default 120);
                ``retries``: how often a GET is retried after a connection error or a
                429/502/503/504 (default 2; writes never are); ``headers``: integration
                headers (``name``, ``vendor``, ``version``...) sent with every request.

        Raises:
            RallyRESTAPIError: rejected credentials, an unreachable or non-Rally server, or
                a TLS failure (``reason`` says which).
        """
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
        except requests.RequestException as exc:
            raise connection_failure(
                exc, self.server, url, self.transport.timeout, self._secrets()
            ) from exc
        status = response.status_code
        if status == 401:
            raise RallyRESTAPIError(
                "Invalid credentials", status_code=401, url=url, reason=Reason.CREDENTIALS
            )
        if status != 200:
            errors = self._errors_of(response)
            if any("The username or password you entered is incorrect." in e for e in errors):
                raise RallyRESTAPIError(
                    "Invalid credentials", status_code=status, url=url, reason=Reason.CREDENTIALS
                )
            if status == 404 and self._connecting:
                raise RallyRESTAPIError(
                    not_rally_text(self.server),
                    status_code=404,
                    url=url,
                    reason=Reason.NOT_RALLY,
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
            failure = connection_failure(exc, self.server, url, SCHEMA_REQUEST_TIMEOUT)
            raise RallyRESTAPIError(
                f"Unable to retrieve the schema for workspace {ws.oid}: {failure}",
                url=url,
                reason=failure.reason,
                secrets=self._secrets(),
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
        """An absolute URL for a ref; a full URL of *this* server gets this client's scheme.

        Refs copied from logs or older data may say ``http://`` for an https server; sent
        as they are, the server drops the connection and the read looks empty.
        """
        if ref.startswith(("http://", "https://")):
            scheme, _, rest = ref.partition("://")
            own_scheme = self.service_url.partition("://")[0]
            if scheme != own_scheme and rest.split("/", 1)[0].lower() == self.server.lower():
                return f"{own_scheme}://{rest}"
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
            try:
                response = self.transport.send(
                    "GET", page_url, log_as=self._relative(page_url), attrget=True
                )
            except requests.RequestException as exc:
                raise connection_failure(
                    exc, self.server, page_url, self.transport.timeout, self._secrets()
                ) from exc
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
        """Every member of a collection (all pages), hydrated.

        A member that arrived with its fields is loaded, as pyral 1.7.0 marked it (``_hydrated``
        true, nothing more to fetch); a bare reference stays a shell that loads itself on first
        use (pyral marked those loaded too, and then had nothing to answer with).
        """
        items, _ = self._collection_pages(url)
        hydrator = self._hydrator("auto")
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
        """Query ``entity``; returns a lazily paged ``RallyRESTResponse`` (or an entity with ``instance=True``).

        Nothing is fetched beyond the first page until you iterate, so a big result costs
        only what you read.  A query Rally refuses gives a falsy response whose ``errors``
        say why; it does not raise.

        Args:
            entity: type name as in WSAPI (``"Defect"``, ``"HierarchicalRequirement"`` or
                ``"Story"``, ``"PortfolioItem/Feature"``), any case.
            fetch: ``False`` (default: refs only, fields load on access), ``True`` (every
                field), or the fields to fetch as ``"A,B"`` or a list (names are checked
                against the schema and spelled as Rally spells them).
            query: a condition ``'State = "Open"'`` (spaces around the operator), a list of
                them (ANDed), or a dict ``{"State": "Open"}``.
            order: sort such as ``"Rank"`` or ``"CreationDate desc,FormattedID"``.
            workspace: workspace name or ref for this call only (``None``: no workspace
                parameter at all, Rally's default for the user).
            project: project name, path (``"Parent // Child"``) or ref for this call only;
                ``None`` means the whole workspace.
            projectScopeUp: also items of the projects above ``project`` (default False).
            projectScopeDown: also items of the projects below ``project`` (default False,
                as in pyral 1.7.0: a parent project's own items only).
            pagesize: items per request, 1..2000 (default 500).
            start: 1-based index of the first item (default 1).
            limit: stop after this many items (default: all of them).
            threads: fetch the remaining pages with up to this many parallel requests
                (default 1, at most 12 per client).
            instance: with exactly one match, return that entity instead of the response.
        """
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
            # as pyral: an error response (falsy, status 404, the reason in ``errors``)
            # a ref copied from elsewhere may name another host: the message names that one
            host = urlsplit(url).netloc or self.server
            failure = connection_failure(exc, host, url, self.transport.timeout, self._secrets())
            raw = ErrorResponse(404, str(failure))
        return RallyRESTResponse(
            self.session,
            self.contextHelper.currentContext(),
            url,
            raw,
            hydration,
            limit,
            threads=threads,
            hydrator=hydrator,
            # later pages: fetched (maybe ahead, on the pager's threads) as bytes, decoded
            # when iteration reaches them, so pages waiting in the window stay compact
            fetch_page=lambda page_start: self._follow_up_bytes(base, page_start),
            decode_page=lambda fetched: self._follow_up_items(fetched, target),
            target=target,
        )

    def _follow_up_items(
        self, fetched: tuple[int, str, bytes, str], target: str
    ) -> list[dict[str, Any]]:
        """Items of a page :meth:`_follow_up_bytes` fetched.  Unlike the first page, a later
        page's failure raises: iteration cannot report it any other way."""
        start, page_url, body, encoding = fetched
        env = parse_envelope(decode_body(expand_body(body, encoding), page_url), target)
        if env.errors:
            problem = f"Unable to retrieve the page at start={start}"
            raise RallyResponseError(f"{problem}: {env.errors[0]}", errors=env.errors, url=page_url)
        return env.results

    def _follow_up_bytes(self, base: str, start: int) -> tuple[int, str, bytes, str]:
        """The body of a later page as sent (gzipped, usually) and its encoding.

        Thread-safe: the pager calls it from its threads.  Decoding waits for
        :meth:`_follow_up_items`, so a page fetched ahead costs its compressed size.
        """
        page_url = f"{base}&start={start}"
        problem = f"Unable to retrieve the page at start={start}"
        try:
            resp = self.transport.send(
                "GET", page_url, log_as=self._relative(page_url), stream=True
            )
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
        try:
            body, encoding = compact_body(resp)
        except requests.RequestException as exc:
            raise RallyResponseError(f"{problem}: {exc}", url=page_url) from exc
        return start, page_url, body, encoding

    # -- misc public members -------------------------------------------------------------------
    def obtainSecurityToken(self) -> str | None:
        """The security token user/password sessions send with writes (None for API keys)."""
        return self.transport.security_token()

    def serviceURL(self) -> str:
        """The WSAPI base URL in use, e.g. ``https://rally1.rallydev.com/slm/webservice/v2.0``."""
        return self.service_url

    def enableWarnings(self) -> None:
        """Set the ``warn`` flag; kept for pyral 1.7.0 scripts, it changes nothing (quirk Q10)."""
        self._warn = True

    def disableWarnings(self) -> None:
        """Clear the ``warn`` flag (no effect, as in pyral 1.7.0); read ``response.warnings``."""
        self._warn = False

    def warningsEnabled(self) -> bool:
        """The ``warn`` flag as set by ``Rally(warn=...)`` or :meth:`enableWarnings`."""
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
        """Stop the logging :meth:`enableLogging` started; the log file stays as written."""
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
