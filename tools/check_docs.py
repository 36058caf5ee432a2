"""Run every self-contained Python snippet in docs/ and every script in examples/.

A snippet counts as self-contained when it starts its own emulator (``EmulatorServer(``);
the others are fragments that need a real Rally and are only compiled.  Each snippet and
example runs in a fresh interpreter, so they cannot lean on each other's state.  Used by
``tox -e docs`` and by ``tests/docs/test_docs.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@dataclass(frozen=True)
class Snippet:
    source: Path
    index: int
    code: str

    @property
    def runnable(self) -> bool:
        return "EmulatorServer(" in self.code

    @property
    def label(self) -> str:
        return f"{self.source.relative_to(REPO)}#{self.index}"


def snippets() -> list[Snippet]:
    found = []
    for page in sorted((REPO / "docs").glob("*.md")):
        for index, match in enumerate(FENCE.finditer(page.read_text()), 1):
            found.append(Snippet(page, index, match.group(1)))
    return found


def examples() -> list[Path]:
    return sorted((REPO / "examples").glob("*.py"))


def run_code(code: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def run_example(path: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def main() -> int:
    failures = 0
    for snippet in snippets():
        if snippet.runnable:
            done = run_code(snippet.code)
            ok = done.returncode == 0
            detail = done.stderr.strip().splitlines()[-1:] if not ok else []
        else:
            try:
                compile(snippet.code, snippet.label, "exec")
                ok, detail = True, []
            except SyntaxError as exc:
                ok, detail = False, [str(exc)]
        failures += not ok
        kind = "ran" if snippet.runnable else "compiled"
        print(f"{'ok  ' if ok else 'FAIL'} {kind:8} {snippet.label} {' '.join(detail)}")
    for path in examples():
        done = run_example(path)
        ok = done.returncode == 0
        failures += not ok
        tail = done.stderr.strip().splitlines()[-1:] if not ok else []
        print(f"{'ok  ' if ok else 'FAIL'} example  {path.relative_to(REPO)} {' '.join(tail)}")
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
