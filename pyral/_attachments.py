"""Attachment operations of ``Rally`` (filled in by the attachments work)."""

from __future__ import annotations


class AttachmentsMixin:
    """Mixed into :class:`pyral.restapi.Rally`."""
