"""Sphinx configuration: the Markdown pages in docs/ (MyST) plus an API reference from docstrings.

Built by ``tox -e docs`` with warnings as errors (``sphinx-build -W``), so a broken link, a
page missing from the table of contents or a docstring Sphinx cannot read fails the build.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

project = "pyral"
author = "the pyral reimplementation authors"
copyright = "2026, " + author  # noqa: A001 - Sphinx's name for it
try:
    release = _installed_version("pyral")
except PackageNotFoundError:  # building from a source tree that was never installed
    release = "2.0.0.dev0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
# Example output is sometimes abridged ("[...]" inside JSON); it is shown unhighlighted then.
suppress_warnings = ["misc.highlighting_failure"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 4

autodoc_member_order = "bysource"
autodoc_typehints = "description"
# types go next to the parameters a docstring describes (the signature shows them all), so a
# class does not repeat its __init__ parameters as a bare list
autodoc_typehints_description_target = "documented"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "alabaster"
html_title = f"pyral {release}"
# wide enough for the examples' 100-column lines (alabaster's default cuts them at ~80)
html_theme_options = {
    "description": "Rally WSAPI v2.0 toolkit and emulator",
    "fixed_sidebar": True,
    "page_width": "1240px",
    "sidebar_width": "240px",
    "body_max_width": "none",
}
