"""pyral: a drop-in toolkit for the Rally Web Services API (WSAPI v2.0)."""

__version__ = (2, 0, 0)
