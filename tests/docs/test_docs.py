"""The documentation's runnable snippets and the example scripts actually run.

Each one starts its own emulator, so this is an end-to-end check of what a reader copies.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "check_docs.py"
_spec = importlib.util.spec_from_file_location("check_docs", _TOOL)
assert _spec and _spec.loader
check_docs = importlib.util.module_from_spec(_spec)
sys.modules["check_docs"] = check_docs  # dataclasses look their module up there
_spec.loader.exec_module(check_docs)

SNIPPETS = check_docs.snippets()


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.label for s in SNIPPETS])
def test_snippet(snippet) -> None:
    if not snippet.runnable:
        compile(snippet.code, snippet.label, "exec")
        return
    done = check_docs.run_code(snippet.code)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("path", check_docs.examples(), ids=lambda p: p.name)
def test_example_runs_against_the_embedded_emulator(path: Path) -> None:
    done = check_docs.run_example(path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), "an example should say what it did"


def test_there_is_something_to_check() -> None:
    assert sum(s.runnable for s in SNIPPETS) >= 5
    assert len(check_docs.examples()) >= 3
