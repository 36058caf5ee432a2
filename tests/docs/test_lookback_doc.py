"""docs/lookback.md shows what its first snippet prints: run it and compare."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "lookback.md"


def test_snippet_prints_what_the_page_says() -> None:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(
        r"^```python\n(.*?)^```\n\nIt prints.*?^```text\n(.*?)^```", text, re.S | re.M
    )
    assert found, "the first Python snippet should be followed by the text it prints"
    code, shown = found.group(1), found.group(2)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == shown
