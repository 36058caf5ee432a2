"""Run what the documentation shows, and check it shows what really happens.

* Every self-contained Python snippet in docs/ and README.md (one that starts its own emulator,
  ``EmulatorServer(``) runs in a fresh interpreter.  A ``print(...)`` line whose comment shows
  a value (``print(x.Name)  # build.log``; ``...`` for any text, a trailing ``(remark)``
  ignored) must print a line like it, in order; a comment of plain words only
  (``# what your code sent``) describes rather than shows, and is not compared.  A snippet with test functions that take
  the plugin's fixtures (``rally``, ``rally_emulator``) runs under pytest, next to the page's
  snippets marked ``<!-- file: NAME.py -->`` (saved under that name).  Every other snippet is
  a fragment of a session: it runs too, in a scratch directory whose ``rally.cfg`` and
  ``rally-v2.0.cfg`` point at a fresh demo emulator, with ``rally`` (a connected ``Rally``:
  ``Demo Workspace`` / ``Online Store``) and ``DEMO_APIKEY`` defined.  The emulator's
  address in the pages, ``127.0.0.1:43817``, is replaced by the real one (a TLS emulator when
  the fragment says ``verify_ssl_cert=False``).  A ``<!-- setup: CODE -->`` line before a
  fragment runs CODE first, unseen by the reader (to create the file a snippet attaches, say).
  No Python block is only compiled: one that cannot run is not a snippet (fence it ``text``).
* Every script in examples/ runs (against the embedded emulator it starts itself).
* Every JSON block that is a whole seed (it has ``"workspaces"``) loads into an emulator, and
  its first user with an API key sees its artifacts.
* Every ``console`` block in docs/ and README.md runs against a fresh demo emulator: each
  ``pyral`` command (a ``$ `` line, or every line of a block without prompts) runs in a scratch
  directory whose ``rally.cfg`` and ``rally-v2.0.cfg`` point at the emulator, so the
  ``--rallyConfig=rally.cfg`` of the examples works as written.  The lines under a ``$`` command
  are the output it claims: the real output (stdout, then stderr) must match them line by
  line, with runs of spaces equal, ``...`` standing for any text within a line and a line of
  its own ``...`` for any number of lines.  The emulator's address is shown as
  ``rally1.rallydev.com`` so the pages read like real Rally.  A command shown without output
  must still print something (or fill the file it redirects to) and exit with status 0.
* ``--html DIR``: the built site's API page documents every keyword of ``Rally.get``, every
  public method of ``Rally``, the response and the entity base class, and their attributes.

Used by ``tox -e docs`` and ``tests/docs/test_docs.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^(?:<!-- (file|setup): (.*?) -->\n)?```python\n(.*?)^```", re.S | re.M)
PYTEST_SNIPPET = re.compile(r"^def test_\w*\([^)]*\brally(?:_emulator)?\b", re.M)
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
#: programs a console example may run besides pyral (harmless, and on every machine)
SHELL_TOOLS = {"echo", "cat", "head", "tail", "wc", "cut", "sort"}
GET_KEYWORDS = [
    "fetch",
    "query",
    "order",
    "workspace",
    "project",
    "projectScopeUp",
    "projectScopeDown",
    "pagesize",
    "start",
    "limit",
    "threads",
    "instance",
]
SHOWN_HOST = "rally1.rallydev.com"


@dataclass(frozen=True)
class Snippet:
    source: Path
    index: int
    code: str
    filename: str | None = None
    setup: str = ""

    @property
    def self_contained(self) -> bool:
        """Starts its own emulator, so it runs as written."""
        return "EmulatorServer(" in self.code

    @property
    def kind(self) -> str:
        """How the check runs it: ``ran``, ``pytest``, ``file`` (for the page's tests) or
        ``fragment`` (with a connected ``rally`` given)."""
        if self.is_pytest:
            return "pytest"
        if self.filename and any(
            other.is_pytest for other in snippets() if other.source == self.source
        ):
            return "file"
        return "ran" if self.self_contained else "fragment"

    @property
    def is_pytest(self) -> bool:
        return bool(PYTEST_SNIPPET.search(self.code))

    @property
    def label(self) -> str:
        return f"{self.source.relative_to(REPO)}#{self.index}"


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)
    shows_output: bool = False


@dataclass(frozen=True)
class ConsoleBlock:
    source: Path
    index: int
    commands: tuple[Command, ...]

    @property
    def label(self) -> str:
        return f"{self.source.relative_to(REPO)}#console{self.index}"


def pages() -> list[Path]:
    return [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]


def snippets() -> list[Snippet]:
    found = []
    for page in pages():
        for index, match in enumerate(FENCE.finditer(page.read_text()), 1):
            marker, value, code = match.groups()
            filename = value if marker == "file" else None
            found.append(Snippet(page, index, code, filename, value if marker == "setup" else ""))
    return found


JSON_FENCE = re.compile(r"^```json\n(.*?)^```", re.S | re.M)


def seed_examples() -> list[tuple[str, str]]:
    """(label, text) of every JSON block in the docs that is a whole seed (has "workspaces")."""
    found = []
    for page in pages():
        for index, match in enumerate(JSON_FENCE.finditer(page.read_text()), 1):
            if '"workspaces"' in match.group(1):
                found.append((f"{page.relative_to(REPO)}#json{index}", match.group(1)))
    return found


def check_seed(text: str) -> list[str]:
    """Problems loading a seed example into an emulator and reading its items back."""
    import json

    from pyral import Rally
    from pyral.emulator import EmulatorServer

    try:
        seed = json.loads(text)
        with EmulatorServer(seed=seed, quiet=True) as server:
            apikey = next((u["ApiKey"] for u in seed.get("users", []) if u.get("ApiKey")), None)
            if apikey:
                found = Rally(server.url, apikey=apikey).get("Artifact", project=None)
                if not found.resultCount:
                    return ["the seed's first user sees no artifacts"]
    except Exception as exc:  # any failure is the finding
        return [f"{type(exc).__name__}: {exc}"]
    return []


def examples() -> list[Path]:
    return sorted((REPO / "examples").glob("*.py"))


def _runs(command: str) -> bool:
    words = command.split()
    if not words or words[0] not in {"pyral", *SHELL_TOOLS}:
        return False
    return not (words[0] == "pyral" and "emulator" in words[1:2])  # the demo server is ours


def _strip_comment(line: str) -> str:
    """``pyral show US12   # explanation`` -> the command (a ``#`` after two spaces)."""
    return re.split(r"\s{2,}#\s", line, maxsplit=1)[0].rstrip()


def _joined(lines: list[str]) -> list[str]:
    """Lines with shell continuations (a trailing backslash) joined to the next one."""
    joined: list[str] = []
    pending = ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line.strip() if pending else line)
        pending = ""
    if pending:
        joined.append(pending.rstrip())
    return joined


def console_blocks() -> list[ConsoleBlock]:
    blocks = []
    for page in pages():
        for index, match in enumerate(CONSOLE.finditer(page.read_text()), 1):
            lines = _joined(match.group(1).splitlines())
            commands: list[Command] = []
            if any(line.startswith("$ ") for line in lines):
                for line in lines:
                    if line.startswith("$ "):
                        commands.append(Command(_strip_comment(line[2:])))
                    elif commands:
                        commands[-1].expected.append(line)
                for command in commands:
                    command.shows_output = any(x.strip() for x in command.expected)
            else:
                commands = [Command(_strip_comment(x)) for x in lines if x.strip()]
            runnable = tuple(c for c in commands if _runs(c.line))
            if runnable:
                blocks.append(ConsoleBlock(page, index, runnable))
    return blocks


def run_code(code: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


PRINT_CLAIM = re.compile(r"^[ \t]*print\(.*\)[ \t]+#[ \t]?(.*)$", re.M)
_DESCRIPTION = re.compile(r"^[A-Za-z][A-Za-z' ,-]*$")


def claimed_output(code: str) -> list[str]:
    """What the snippet's ``print`` comments say it prints, in order."""
    claims = []
    for comment in PRINT_CLAIM.findall(code):
        text = re.sub(r"\s+\([^()]*\)$", "", comment.strip())
        if text and not _DESCRIPTION.match(text):
            claims.append(text)
    return claims


def unmatched_claims(code: str, stdout: str) -> list[str]:
    """Claimed lines that the output does not show (in order)."""
    lines = [" ".join(line.split()) + "\n" for line in stdout.splitlines()]
    missing, at = [], 0
    for claim in claimed_output(code):
        pattern = _pattern([claim])
        found = next((i for i in range(at, len(lines)) if pattern.fullmatch(lines[i])), None)
        if found is None:
            missing.append(claim)
        else:
            at = found + 1
    return missing


def _compare_claims(code: str, done: subprocess.CompletedProcess[str]) -> None:
    missing = unmatched_claims(code, done.stdout) if done.returncode == 0 else []
    if missing:
        done.returncode = 1
        done.stderr += f"claimed output not printed: {missing}\nprinted:\n{done.stdout}"


FRAGMENT_PRELUDE = """\
from pyral import Rally
from pyral.emulator.demo import DEMO_APIKEY
rally = Rally({url!r}, apikey=DEMO_APIKEY, workspace="Demo Workspace", project="Online Store",
              verify_ssl_cert=False)
"""
#: the emulator address the pages use in examples
SHOWN_ADDRESS = "127.0.0.1:43817"


def run_fragment(snippet: Snippet, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run a fragment after a prelude that connects ``rally`` to a fresh demo emulator."""
    from pyral.emulator import EmulatorServer

    tls = "verify_ssl_cert=False" in snippet.code
    with (
        EmulatorServer(demo=True, quiet=True, tls=tls) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for name in ("rally.cfg", "rally-v2.0.cfg"):
            Path(tmp, name).write_text(_settings(server.url))
        code = snippet.code.replace(f"http://{SHOWN_ADDRESS}", server.url)
        code = code.replace(SHOWN_ADDRESS, server.url.split("://", 1)[1])
        script = FRAGMENT_PRELUDE.format(url=server.url) + snippet.setup + "\n" + code
        env = {k: v for k, v in os.environ.items() if not k.startswith("RALLY_") and k != "APIKEY"}
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout,
            cwd=tmp, env=env,
        )  # fmt: skip
    _compare_claims(snippet.code, done)
    return done


def run_snippet(snippet: Snippet, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run a snippet: as a script, as a fragment with ``rally`` given, or under pytest beside
    its page's files (a ``file`` snippet runs as part of those tests)."""
    if snippet.kind == "fragment":
        return run_fragment(snippet, timeout)
    if not snippet.is_pytest:
        target = next(
            (s for s in snippets() if s.source == snippet.source and s.is_pytest), snippet
        )
        if target is not snippet:  # a module the page's tests import: run those tests
            return run_snippet(target, timeout)
        done = run_code(snippet.code, timeout)
        _compare_claims(snippet.code, done)
        return done
    with tempfile.TemporaryDirectory() as tmp:
        for other in snippets():
            if other.source == snippet.source and other.filename:
                Path(tmp, other.filename).write_text(other.code)
        Path(tmp, f"test_snippet_{snippet.index}.py").write_text(snippet.code)
        env = {**os.environ, "PYTHONPATH": tmp}
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"test_snippet_{snippet.index}.py"],
            capture_output=True, text=True, timeout=timeout, cwd=tmp, env=env,
        )  # fmt: skip


def run_example(path: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


# ---------------------------------------------------------------------------- console blocks
def _pattern(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        text = " ".join(line.split())
        if text in ("...", "…"):
            parts.append(r"(?:[^\n]*\n)*?")
            continue
        pieces = [re.escape(p) for p in re.split(r"\.\.\.|…", text)]
        parts.append("[^\n]*".join(pieces) + r"\n")
    return re.compile("".join(parts))


def _normalise(text: str, url: str) -> str:
    host_port = url.split("://", 1)[1]
    text = text.replace(url, f"https://{SHOWN_HOST}").replace(host_port, SHOWN_HOST)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(line + "\n" for line in lines)


def _settings(url: str) -> str:
    from pyral.emulator.demo import DEMO_APIKEY, DEMO_WORKSPACE

    return (
        f"SERVER = {url}\nAPIKEY = {DEMO_APIKEY}\n"
        f"WORKSPACE = {DEMO_WORKSPACE}\nPROJECT = Online Store\n"
    )


def run_console_block(block: ConsoleBlock, timeout: float = 120) -> list[str]:
    """Problems found running ``block`` (empty when every command did what the page says)."""
    from pyral.emulator import EmulatorServer

    problems = []
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RALLY_") and k != "APIKEY"}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["COLUMNS"] = "200"
    with EmulatorServer(demo=True, quiet=True) as server, tempfile.TemporaryDirectory() as tmp:
        for name in ("rally.cfg", "rally-v2.0.cfg"):
            Path(tmp, name).write_text(_settings(server.url))
        for command in block.commands:
            line = _available(command.line.replace("http://127.0.0.1:8000", server.url))
            done = subprocess.run(
                ["bash", "-c", f"set -o pipefail; {line}"],
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=tmp,
                env=env,
                stdin=subprocess.DEVNULL,
            )
            output = _normalise(done.stdout + done.stderr, server.url)
            if command.shows_output:
                if not _pattern(command.expected).fullmatch(output):
                    problems.append(f"$ {command.line}\n  shows:\n{_indent(command.expected)}"
                                    f"\n  prints:\n{_indent(output.splitlines())}")  # fmt: skip
                continue
            if done.returncode != 0:
                problems.append(f"$ {command.line}: exit status {done.returncode}: {output}")
                continue
            redirect = re.search(r">\s*(\S+)\s*$", line)
            target = Path(tmp, redirect.group(1)) if redirect else None
            printed = target.read_text() if target and target.exists() else done.stdout
            if not printed.strip():
                problems.append(f"$ {command.line}: printed nothing")
    return problems


def _available(line: str) -> str:
    """``line`` up to the first pipe into a program this machine lacks (``jq`` is not on
    every CI machine): what pyral prints is still checked."""
    import shutil

    stages = line.split(" | ")
    for index, stage in enumerate(stages[1:], 1):
        words = stage.split()
        if words and shutil.which(words[0]) is None:
            return " | ".join(stages[:index])
    return line


def _indent(lines: list[str]) -> str:
    return "\n".join("    | " + line for line in lines)


# ---------------------------------------------------------------------------- built site
def check_html(site: Path) -> list[str]:
    """Keywords of ``Rally.get`` the generated API page does not mention."""
    page = site / "api.html"
    if not page.exists():
        return [f"{page} does not exist (build the site first)"]
    text = re.sub(r"<[^>]+>", "", page.read_text())
    start = text.find("get(entity")
    section = text[start : start + 20000] if start >= 0 else ""
    documented = set(re.findall(r"^(\w+)(?: \([^)]*\))? –", section, re.M))
    problems = [f"api.html: Rally.get keyword {k!r} is not documented"
                for k in GET_KEYWORDS if k not in documented]  # fmt: skip
    anchors = set(re.findall(r'id="(pyral\.[\w.]+)"', page.read_text()))
    for qualname in public_api():
        if qualname not in anchors:
            problems.append(f"api.html: {qualname} is not documented")
    return problems


#: what the API page must document besides every public method (attributes set per instance)
DOCUMENTED_ATTRIBUTES = {
    "pyral.rallyresp.RallyRESTResponse": ["resultCount", "status_code", "errors", "warnings"],
    "pyral.entity.Persistable": ["oid", "ref", "Name"],
}


def public_api() -> list[str]:
    """Qualified names of the public methods and attributes of ``Rally``, the response and
    the entity base class, as Sphinx names their anchors."""
    import inspect

    from pyral import Rally
    from pyral.entity import Persistable
    from pyral.rallyresp import RallyRESTResponse

    names = []
    for path, cls in (
        ("pyral.Rally", Rally),
        ("pyral.rallyresp.RallyRESTResponse", RallyRESTResponse),
        ("pyral.entity.Persistable", Persistable),
    ):
        names.append(path)
        members = [n for n, _ in inspect.getmembers(cls) if not n.startswith("_")]
        names += [f"{path}.{n}" for n in members + DOCUMENTED_ATTRIBUTES.get(path, [])]
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="built site to check the API page of")
    args = parser.parse_args(argv)
    failures = 0
    if args.html:
        for problem in check_html(args.html):
            failures += 1
            print(f"FAIL html     {problem}")
    for snippet in snippets():
        if snippet.kind == "file":  # runs with the page's tests, reported there
            print(f"ok   {'file':8} {snippet.label} (imported by the page's tests)")
            continue
        done = run_snippet(snippet)
        ok = done.returncode == 0
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] if not ok else []
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {snippet.kind:8} {snippet.label} {' '.join(detail)}")
    for block in console_blocks():
        problems = run_console_block(block)
        failures += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} console  {block.label}")
        for problem in problems:
            print("    " + problem.replace("\n", "\n    "))
    for label, text in seed_examples():
        problems = check_seed(text)
        failures += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} seed     {label} {' '.join(problems)}")
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
