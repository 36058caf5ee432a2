"""Ranking operations of ``Rally`` (filled in by the ranking work)."""

from __future__ import annotations


class RankingMixin:
    """Mixed into :class:`pyral.restapi.Rally`."""
