"""Attachment operations of ``Rally``: upload, list, read back and delete files on artifacts.

Rally stores an attachment as two objects: an ``AttachmentContent`` holding the base64 text
of the bytes, and an ``Attachment`` naming it, its MIME type, its size and the artifact (or
test case result) it belongs to.  Every method here works on the artifact's own
``Attachments`` collection, so the answer never depends on the current project or on an
attachment of the same name elsewhere in the workspace.

Compared with pyral 1.7.0 (see ``docs/attachments.md``): a FormattedID prefix is resolved
through the workspace schema (``F12`` finds a Feature; an unknown prefix is a clear
``RallyRESTAPIError``), FormattedIDs are looked up across the whole workspace, ``addAttachments``
also accepts the user guide's ``{'name', 'content' | 'path'}`` dicts, every item of a batch is
validated before anything is uploaded, and a content object whose ``Attachment`` could not
be created is removed again instead of being left behind.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import os
import re
from dataclasses import dataclass
from typing import Any

from pyral._entity_base import settled_state
from pyral.exceptions import RallyRESTAPIError

#: pyral's cap on the raw file size; Rally refuses larger attachments.
MAX_ATTACHMENT_SIZE = 50_000_000
DEFAULT_MIME_TYPE = "text/plain"
_FORMATTED_ID = re.compile(r"^([A-Z]+)(\d+)$")
_MIME_KEYS = ("mime_type", "MimeType", "content_type", "ContentType")
_log = logging.getLogger("pyral.attachments")


@dataclass(frozen=True)
class _Upload:
    """One attachment ready to send: its name, bytes and MIME type (validated already)."""

    name: str
    data: bytes
    mime_type: str


def check_attachment_file(filename: str) -> int:
    """Size of ``filename``, or pyral's exception when it cannot be attached.

    Runs before any request so a bad file costs nothing on the server and leaves nothing
    half-made there.  The size comes from ``stat`` so an oversized file is never read.
    """
    if not isinstance(filename, (str, os.PathLike)) or not os.path.exists(filename):
        raise Exception(f"Named attachment filename: {filename} not found")
    if not os.path.isfile(filename):
        raise Exception(f"Named attachment filename: {filename} is not a regular file")
    size = os.path.getsize(filename)
    if size > MAX_ATTACHMENT_SIZE:
        raise Exception("Attachment file size too large, unable to attach to Rally Artifact")
    return size


def _read_file(filename: str) -> bytes:
    check_attachment_file(filename)
    with open(filename, "rb") as handle:
        return handle.read()


def _guess_mime(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _explicit_mime(spec: dict[str, Any]) -> str | None:
    for key in _MIME_KEYS:
        value = spec.get(key)
        if value:
            return str(value)
    return None


def _upload_from_spec(spec: Any) -> _Upload | None:
    """Turn one ``addAttachments`` dict into an upload; None means "skip, as pyral did".

    pyral's form is ``{'Name': <file path>, 'mime_type': ...}`` and a missing MIME type
    skips the item with a notice.  The user guide's form is ``{'name': <attachment name>,
    'content': <text or bytes>}`` or ``{'name': ..., 'path': <file>}``; its MIME type is
    optional and guessed from the name, because the guide never passes one.
    """
    if not isinstance(spec, dict):
        raise RallyRESTAPIError(
            f"addAttachments: each attachment must be a dict, not {type(spec).__name__}"
        )
    mime = _explicit_mime(spec)
    if "content" in spec or "path" in spec:
        name = spec.get("name") or spec.get("Name")
        if "path" in spec and not name:
            name = os.path.basename(str(spec["path"]))
        if not name:
            raise RallyRESTAPIError(f"addAttachments: attachment {spec!r} has no 'name'")
        if "content" in spec:
            content = spec["content"]
            if isinstance(content, str):
                data = content.encode("utf-8")
            elif isinstance(content, (bytes, bytearray)):
                data = bytes(content)
            else:
                raise RallyRESTAPIError(
                    f"addAttachments: 'content' of {name!r} must be str or bytes, "
                    f"not {type(content).__name__}"
                )
            if len(data) > MAX_ATTACHMENT_SIZE:
                raise Exception(
                    "Attachment file size too large, unable to attach to Rally Artifact"
                )
        else:
            data = _read_file(str(spec["path"]))
        return _Upload(os.path.basename(str(name)), data, mime or _guess_mime(str(name)))
    path = spec.get("Name")
    if not path:
        raise RallyRESTAPIError(
            f"addAttachments: attachment {spec!r} needs 'Name' (a file path), or 'name' with "
            "'content' or 'path'"
        )
    if mime is None:
        print(f"Bypassing attachment for {path}, no mime_type/ContentType setting...")
        return None
    return _Upload(os.path.basename(str(path)), _read_file(str(path)), mime)


class AttachmentsMixin:
    """Mixed into :class:`pyral.restapi.Rally` (``self`` is the client)."""

    # -- locating the artifact ---------------------------------------------------------------
    def _type_for_prefix(self: Any, formatted_id: str, prefix: str) -> str:
        """Entity name owning a FormattedID prefix, from the workspace schema's ``IDPrefix``.

        The schema knows every prefix of this workspace (custom portfolio levels included),
        which pyral's fixed two-letter table did not; that table still answers for the legacy
        ``S`` story prefix and ``PI``.
        """
        schema = self._schema_for()
        for item in getattr(schema, "items", ()):
            if getattr(item, "IDPrefix", None) == prefix and not getattr(item, "Abstract", False):
                return str(item.TypePath)
        legacy = self.ARTIFACT_TYPE.get(prefix)
        if legacy:
            return str(self._official_name(legacy))
        known = sorted(
            {str(i.IDPrefix) for i in getattr(schema, "items", ()) if getattr(i, "IDPrefix", None)}
        )
        ws = self._resolver.workspace
        raise RallyRESTAPIError(
            f"Unknown FormattedID prefix '{prefix}' in '{formatted_id}': no artifact type in "
            f"workspace '{ws.name if ws else '?'}' uses it (known prefixes: {', '.join(known)})"
        )

    def _attachment_owner(self: Any, artifact: Any) -> Any:
        """The artifact entity, or False when a FormattedID string names no single artifact."""
        from pyral.entity import Persistable

        if isinstance(artifact, Persistable):
            return artifact
        if not isinstance(artifact, str):
            raise TypeError(
                "artifact must be a pyral entity or a FormattedID string, "
                f"not {type(artifact).__name__}"
            )
        found = _FORMATTED_ID.match(artifact.strip())
        if found is None:
            return False
        entity = self._type_for_prefix(artifact, found.group(1))
        # FormattedIDs are unique in a workspace, so look there, not only in the current project.
        response = self.get(
            entity, fetch=True, query=f'FormattedID = "{artifact.strip()}"', project=None
        )
        if not response or response.resultCount != 1:
            return False
        return response.next()

    @staticmethod
    def _owner_key(owner: Any) -> str:
        """Attribute of an Attachment pointing at its owner."""
        return "TestCaseResult" if owner.__dict__.get("_type") == "TestCaseResult" else "Artifact"

    def _attachment_dicts(self: Any, owner: Any) -> list[dict[str, Any]]:
        """Raw Attachment objects on the owner, read through its own collection (all pages)."""
        url = f"{self.service_url}/{self._type_path_of(owner)}/{owner.oid}/Attachments"
        items, _ = self._collection_pages(url)
        return items

    def _find_attachment(self: Any, owner: Any, name: str) -> dict[str, Any] | None:
        return next((a for a in self._attachment_dicts(owner) if a.get("Name") == name), None)

    def _own_user_oid(self: Any) -> Any:
        resolver = self._resolver
        if resolver.user_oid is None:
            resolver._load_user_and_profile()
        return resolver.user_oid

    # -- uploading ---------------------------------------------------------------------------
    def _upload(self: Any, owner: Any, upload: _Upload) -> Any:
        """Create content then attachment; an existing same-name attachment is returned as is."""
        existing = self._find_attachment(owner, upload.name)
        if existing is not None:
            return self._hydrator("full").hydrateInstance(existing)
        content = self.create(
            "AttachmentContent",
            {"Content": base64.b64encode(upload.data).decode("ascii")},
            project=None,
        )
        info = {
            "Name": upload.name,
            "Content": content.ref,
            "ContentType": upload.mime_type,
            "Size": len(upload.data),
            "User": f"user/{self._own_user_oid()}",
            self._owner_key(owner): owner.ref,
        }
        try:
            return self.create("Attachment", info, project=None)
        except Exception:
            # Do not leave an orphan content object behind the failed attachment.
            self.delete("AttachmentContent", content.oid, project=None)
            raise

    def addAttachment(
        self: Any, artifact: Any, filename: str, mime_type: str = DEFAULT_MIME_TYPE
    ) -> Any:
        """Attach a file to an artifact (entity or FormattedID); returns the Attachment entity.

        The file is checked (exists, regular, at most 50,000,000 bytes) before any request;
        an attachment of the same name already on this artifact is returned without upload.
        Returns False when a FormattedID string names no artifact, as pyral did.
        """
        check_attachment_file(filename)
        owner = self._attachment_owner(artifact)
        if owner is False:
            return False
        upload = _Upload(os.path.basename(filename), _read_file(filename), mime_type)
        return self._upload(owner, upload)

    def addAttachments(self: Any, artifact: Any, attachments: list[dict[str, Any]]) -> bool:
        """Attach several files or in-memory contents; True iff every one was attached.

        All items are validated (files present and small enough, contents well typed) before
        the first upload, so a bad item never leaves the artifact half-attached.
        """
        if isinstance(attachments, dict):
            attachments = [attachments]
        uploads = [_upload_from_spec(spec) for spec in attachments]
        owner = self._attachment_owner(artifact)
        if owner is False:
            return False
        attached = 0
        for upload in uploads:
            if upload is not None and self._upload(owner, upload):
                attached += 1
        return attached == len(uploads)

    # -- reading -----------------------------------------------------------------------------
    @staticmethod
    def _loaded_attachments(owner: Any) -> list[Any] | None:
        """The owner's ``Attachments`` list when it is already loaded, else None."""
        loaded = owner.__dict__.get("Attachments")
        return loaded if isinstance(loaded, list) else None

    def _attachment_entities(self: Any, owner: Any, raws: list[dict[str, Any]]) -> list[Any]:
        """One Attachment entity per raw object, the owner's own where it already has them.

        pyral 1.7.0 answered from ``artifact.Attachments`` and put the bytes on those very
        objects, so after ``getAttachment(s)`` a script finds ``.Content`` as bytes on
        ``artifact.Attachments[i]``.  The same holds here: an attachment the owner has loaded
        is reused; when the owner's collection was not loaded yet, the list built here
        becomes it.  Attachments the owner does not know (added since it was read) are new
        entities; the owner's own list is then left as it was.
        """
        from pyral.entity import COLLECTION_MARKER, Persistable

        state = settled_state(owner)  # its Attachments summary may still be pending
        loaded = self._loaded_attachments(owner)
        known = {
            a.__dict__.get("oid"): a
            for a in loaded or ()
            if isinstance(a, Persistable) and a.__dict__.get("oid") is not None
        }
        hydrator = self._hydrator("full")
        entities = []
        for raw in raws:
            entity = known.get(raw.get("ObjectID"))
            if entity is None:
                entity = hydrator.hydrateInstance(raw)
            elif not entity.__dict__.get("_hydrated"):
                # a shell would reload itself later and lose the bytes set on it
                hydrator.hydrateInstance(raw, existingInstance=entity)
            entities.append(entity)
        marker = COLLECTION_MARKER + "Attachments"
        if marker in state:
            del state[marker]
            state["Attachments"] = entities
        return entities

    def _set_content(self: Any, attachment: Any, raw: dict[str, Any]) -> Any:
        """Put the decoded bytes of ``raw``'s content on ``attachment.Content`` (None if none)."""
        content_ref = (
            (raw.get("Content") or {}).get("_ref") if isinstance(raw.get("Content"), dict) else None
        )
        data = None
        if content_ref:
            oid = content_ref.rstrip("/").rsplit("/", 1)[-1]
            content = self._read_back("AttachmentContent", oid, self._resolver.augments())
            text = content.__dict__.get("Content") or ""
            data = base64.b64decode(text)
        attachment.Content = data
        return attachment

    def getAttachment(self: Any, artifact: Any, filename: str) -> Any:
        """The named Attachment with ``Content`` as bytes; None if absent, False if no artifact.

        The entity is the one in ``artifact.Attachments`` when the artifact holds it (see
        :meth:`_attachment_entities`).
        """
        owner = self._attachment_owner(artifact)
        if owner is False:
            return False
        raws = self._attachment_dicts(owner)
        name = os.path.basename(filename)
        entities = self._attachment_entities(owner, raws)
        for raw, entity in zip(raws, entities, strict=True):
            if raw.get("Name") == name:
                return self._set_content(entity, raw)
        return None

    def getAttachments(self: Any, artifact: Any) -> Any:
        """Every Attachment of the artifact, each with ``Content`` as bytes ([] if none)."""
        owner = self._attachment_owner(artifact)
        if owner is False:
            return False
        raws = self._attachment_dicts(owner)
        entities = self._attachment_entities(owner, raws)
        return [self._set_content(e, r) for e, r in zip(entities, raws, strict=True)]

    def getAttachmentNames(self: Any, artifact: Any) -> Any:
        """Names of the artifact's attachments ([] if none)."""
        owner = self._attachment_owner(artifact)
        if owner is False:
            return False
        return [raw.get("Name") for raw in self._attachment_dicts(owner)]

    # -- deleting ----------------------------------------------------------------------------
    def deleteAttachment(self: Any, artifact: Any, filename: str) -> Any:
        """Delete the content and the Attachment, then return the re-read artifact.

        No such artifact or no attachment of that name: False, silently, as pyral 1.7.0 (the
        reason goes to the ``pyral.attachments`` logger).  A delete Rally refuses prints
        pyral's ``ERROR: Unable to delete ...`` line and returns False.
        """
        owner = self._attachment_owner(artifact)
        if owner is False:
            _log.info("deleteAttachment: artifact %s not found", artifact)
            return False
        name = os.path.basename(filename)
        attachments = self._attachment_dicts(owner)
        target = next((a for a in attachments if a.get("Name") == name), None)
        if target is None:
            _log.info("deleteAttachment: %s has no attachment named %r", owner.ref, name)
            return False
        content = target.get("Content") if isinstance(target.get("Content"), dict) else None
        if content and content.get("_ref"):
            content_oid = content["_ref"].rstrip("/").rsplit("/", 1)[-1]
            if not self.delete("AttachmentContent", content_oid, project=None):
                print(f"ERROR: Unable to delete AttachmentContent item for {name}")
                return False
        if not self.delete("Attachment", target["ObjectID"], project=None):
            print(f"ERROR: Unable to delete Attachment for {name}")
            return False
        remaining = [
            {"_ref": a["_ref"]} for a in attachments if a.get("ObjectID") != target["ObjectID"]
        ]
        entity = self._type_path_of(owner)
        return self.update(entity, {"ObjectID": owner.oid, "Attachments": remaining}, project=None)
