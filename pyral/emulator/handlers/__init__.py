"""Thin request handlers: parameters in, backend call, serializer out.

Split by concern: :mod:`.base` (request model, parameters, bodies), :mod:`.objects` (typed
objects and collections) and :mod:`.service` (token, singletons, schema, batch).
"""

from __future__ import annotations

from .base import HandlerContext, Request
from .objects import Reply

__all__ = ["HandlerContext", "Reply", "Request"]
