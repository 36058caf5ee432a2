"""User look-ups of ``Rally``: ``getUserInfo`` and ``getAllUsers`` (with profiles joined)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pyral._context import Target, oid_of
from pyral._entity_base import settled_state
from pyral._envelope import decode_body, parse_envelope
from pyral._rally_support import KILO_PAGESIZE, warning
from pyral.exceptions import RallyError, RallyRESTAPIError


class UsersMixin:
    """Mixed into :class:`pyral.restapi.Rally` (``self`` is the client)."""

    # -- users ---------------------------------------------------------------------------------
    def getUserInfo(
        self: Any, oid: Any = None, username: str | None = None, name: str | None = None
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

    def getAllUsers(self: Any, workspace: str | None = None) -> list[Any]:
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

    def _all_users(self: Any, ws: Target) -> list[Any]:
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

    def _join_user_profiles(self: Any, users: list[Any], ws: Target) -> None:
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
            shell = settled_state(user).get("UserProfile")
            ref = getattr(shell, "_ref", None) if shell is not None else None
            profile = by_oid.get(oid_of(ref)) if ref else None
            if profile is not None:
                user.__dict__["UserProfile"] = profile
