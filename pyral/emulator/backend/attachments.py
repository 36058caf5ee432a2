"""Attachment rules: base64 content with a size cap, and attachments that point somewhere.

An attachment is two objects (spec g): the ``AttachmentContent`` holding the base64 bytes,
then the ``Attachment`` naming it, its MIME type and the artifact or test case result it
belongs to.  ``Size`` is computed from the content rather than trusted from the body, so it
is always the true byte count.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from pyral.emulator import errors

from .context import WriteContext

_WHITESPACE = re.compile(r"\s+")


def decode_content(value: Any) -> tuple[str, int]:
    """Validated base64 text (whitespace removed) and its decoded size; raises on bad input."""
    if not isinstance(value, str):
        raise ValueError(errors.ATTACHMENT_NOT_BASE64)
    text = _WHITESPACE.sub("", value)
    # Decoded size without decoding everything twice: 3 bytes per 4 characters, less padding.
    if len(text) % 4:
        raise ValueError(errors.ATTACHMENT_NOT_BASE64)
    size = len(text) // 4 * 3 - text[-2:].count("=")
    if size > errors.MAX_ATTACHMENT_BYTES:
        raise ValueError(errors.attachment_too_large(size))
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(errors.ATTACHMENT_NOT_BASE64) from None
    return text, size


def check_content(data: dict[str, Any], body_content: Any, present: bool) -> list[str]:
    """Validate and normalise ``AttachmentContent.Content`` in ``data``; return error texts."""
    if not present:
        return []
    if body_content is None or body_content == "":
        return [errors.not_null("AttachmentContent", "Content")]
    try:
        data["Content"], _ = decode_content(body_content)
    except ValueError as exc:
        return [str(exc)]
    return []


def check_attachment(ctx: WriteContext, data: dict[str, Any]) -> list[str]:
    """An Attachment needs a content object and a home; its Size follows from the content."""
    problems: list[str] = []
    content = ctx.get(data.get("Content"))
    if content is not None:
        text = content.data.get("Content") or ""
        data["Size"] = len(text) // 4 * 3 - text[-2:].count("=") if text else 0
    if data.get("Artifact") is None and data.get("TestCaseResult") is None:
        problems.append(errors.ATTACHMENT_NOT_LINKED)
    if data.get("User") is None:
        data["User"] = ctx.user.oid
    return problems
