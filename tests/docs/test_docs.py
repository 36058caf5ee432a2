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
    if snippet.kind == "file":  # a module of the page's tests: it runs when they do
        module = Path(snippet.filename).stem
        tests = [s for s in SNIPPETS if s.source == snippet.source and s.is_pytest]
        assert any(f"from {module} import" in s.code or f"import {module}" in s.code for s in tests)
        return
    done = check_docs.run_snippet(snippet)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


@pytest.mark.parametrize("path", check_docs.examples(), ids=lambda p: p.name)
def test_example_runs_against_the_embedded_emulator(path: Path) -> None:
    done = check_docs.run_example(path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), "an example should say what it did"


BLOCKS = check_docs.console_blocks()


@pytest.mark.parametrize("block", BLOCKS, ids=[b.label for b in BLOCKS])
def test_console_example_prints_what_the_page_shows(block) -> None:
    problems = check_docs.run_console_block(block)
    assert not problems, "\n".join(problems)


def test_console_check_catches_a_wrong_claim(tmp_path) -> None:
    wrong = check_docs.ConsoleBlock(
        check_docs.REPO / "README.md",
        0,
        (check_docs.Command("pyral query Story --fetch FormattedID", ["US999"], True),),
    )
    assert check_docs.run_console_block(wrong)


def test_there_is_something_to_check() -> None:
    assert len(BLOCKS) >= 8
    assert sum(s.self_contained for s in SNIPPETS) >= 5
    assert sum(s.kind == "fragment" for s in SNIPPETS) >= 3


def test_fragments_run_with_a_connected_rally() -> None:
    page = check_docs.REPO / "README.md"
    fine = check_docs.Snippet(page, 0, "print(rally.getProject().Name + '!')  # Online Store!\n")
    assert fine.kind == "fragment"
    assert check_docs.run_snippet(fine).returncode == 0
    wrong = check_docs.Snippet(page, 0, "print(rally.getProject().Name + '!')  # Web Team!\n")
    assert check_docs.run_snippet(wrong).returncode != 0
    given = check_docs.Snippet(
        page, 0, 'print(open("a.txt").read())  # hello\n', setup='open("a.txt", "w").write("hello")'
    )
    assert check_docs.run_snippet(given).returncode == 0
    assert len(check_docs.examples()) >= 3


def test_print_claims_are_compared_with_the_output() -> None:
    code = (
        'print("a 1")  # a 1\nprint("b")  # what it prints\nprint([1, 2, 3])  # [1, ...] (a list)\n'
    )
    assert check_docs.claimed_output(code) == ["a 1", "[1, ...]"]
    assert check_docs.unmatched_claims(code, "a 1\nb\n[1, 2, 3]\n") == []
    assert check_docs.unmatched_claims(code, "a 2\nb\n[1, 2, 3]\n") == ["a 1"]
    # a comment on the line after a print describes the next lines, it is not a claim
    assert check_docs.claimed_output('print("x")\n\n# write: the next part\n') == []


SEEDS = check_docs.seed_examples()


@pytest.mark.parametrize(("label", "text"), SEEDS, ids=[label for label, _ in SEEDS])
def test_seed_examples_load(label, text) -> None:
    assert check_docs.check_seed(text) == []


def test_seed_check_catches_a_bad_seed() -> None:
    assert SEEDS, "the seed format page shows a whole seed"
    bad = SEEDS[0][1].replace('"Severity": "Major Problem"', '"Severity": "Critical"')
    assert bad != SEEDS[0][1]
    assert check_docs.check_seed(bad)


def test_a_pipe_into_a_missing_program_still_checks_pyral() -> None:
    assert check_docs._available("pyral query Story | head -3") == "pyral query Story | head -3"
    line = "pyral query Story --format jsonl | no-such-program-here -r .Name | head -1"
    assert check_docs._available(line) == "pyral query Story --format jsonl"
