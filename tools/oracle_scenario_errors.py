"""Failures, context identity and workspace selection, under pyral 1.7.0 and under ours.

Issue 7 items 1, 2, 3 and 8 and its "failure modes": ``oracle_check.py`` runs this file once
per library against a fresh demo emulator and diffs the output.  Servers other than the one
given (a seeded one for ``workspace=`` without ``project=``, a plain-HTTP one) are started
here with ``PYRAL_ORACLE_EMULATOR_PYTHON`` from ``PYRAL_ORACLE_REPO``.  Host names and ports
differ between the two runs, so they are printed as ``<server>``.

What is deliberately *not* compared (ours differs on purpose; docs/compatibility.md says why):
the hint ours adds after pyral's first line for a plain-HTTP server, the message of a write
whose answer was lost, getCollection over an ``http://`` ref of an https server (pyral 1.7.0
crashes with ``AttributeError``), the user's own default among same-named projects, and
``resetDefaultProject``.

    python oracle_scenario_errors.py HOST:PORT APIKEY USER PASSWORD
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from typing import Any

warnings.filterwarnings("ignore")  # urllib3's InsecureRequestWarning for the self-signed cert

from pyral import Rally, rallyWorkset  # noqa: E402

DEMO_APIKEY = "_demoapikey0000000000000000000000000000000"
ERIN_APIKEY = "_erinapikey".ljust(42, "0")
HOSTS: list[str] = []


def show(label: str, value: object) -> None:
    text = str(value)
    for host in HOSTS:
        text = text.replace(host, "<server>")
    print(f"{label}: {text}")


def outcome(label: str, make: Callable[[], Any], first_line: bool = False) -> Any:
    """Print what a call gave: a value, or the exception's class name and message.

    pyral writes "404 Response for request" to stderr on some failures; ours raises with the
    same message and writes nothing, so stderr is swallowed here.
    """
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            value = make()
    except Exception as exc:  # noqa: BLE001 - printing what each library raises is the point
        message = str(exc).splitlines()[0] if first_line and str(exc) else str(exc)
        show(label, f"{type(exc).__name__} | {message}")
        return None
    show(label, value)
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def emulator(*args: str) -> Iterator[str]:
    """Another emulator from this repository; yields its ``host:port``."""
    python = os.environ["PYRAL_ORACLE_EMULATOR_PYTHON"]
    env = dict(os.environ, PYTHONPATH=os.environ["PYRAL_ORACLE_REPO"])
    proc = subprocess.Popen(
        [python, "-m", "pyral.emulator", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = next(w for w in proc.stdout.readline().split() if "://" in w)
        host_port = url.split("://", 1)[1].rstrip("/")
        HOSTS.append(host_port)
        yield host_port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def seed_file(name: str, folder: str) -> str:
    """A seed from tools/oracle_seeds.py, written as JSON."""
    repo = os.environ["PYRAL_ORACLE_REPO"]
    path = os.path.join(folder, f"{name}.json")
    with open(path, "w", encoding="utf-8") as handle:
        subprocess.run(
            [os.environ["PYRAL_ORACLE_EMULATOR_PYTHON"], f"{repo}/tools/oracle_seeds.py", name],
            stdout=handle,
            check=True,
            env=dict(os.environ, PYTHONPATH=repo),
        )
    return path


def where(rally: Rally) -> tuple[str, str]:
    return rally.getWorkspace().Name, rally.getProject().Name


def connection_failures(server: str, apikey: str, user: str) -> None:
    def connect(host: str, **kwargs: Any) -> Callable[[], Any]:
        kwargs.setdefault("verify_ssl_cert", False)
        return lambda: where(Rally(host, **kwargs))

    outcome("wrong password", connect(server, user=user, password="not-the-password"))
    outcome("wrong apikey", connect(server, apikey="_notakey"))
    outcome("no credentials", connect(server))
    outcome("user without password", connect(server, user=user))
    outcome(
        "wrong password, context named",
        connect(server, user=user, password="x", workspace="Demo Workspace", project="Web Team"),
    )
    refused = f"127.0.0.1:{free_port()}"
    HOSTS.append(refused)
    outcome("refused port", connect(refused, apikey=apikey))
    outcome("unknown host", connect("no-such-host.invalid", apikey=apikey))
    for host in ("not a host!", "host:notaport", "a..b", "[::1"):
        outcome(f"malformed host {host!r}", connect(host, apikey=apikey))
    outcome("certificate not trusted", connect(server, apikey=apikey, verify_ssl_cert=True))
    with emulator("--demo") as plain:
        # ours adds a second line (the server speaks plain HTTP: use http://)
        outcome("plain-HTTP server", connect(plain, apikey=apikey), first_line=True)
    outcome("unknown workspace", connect(server, apikey=apikey, workspace="Nope", project="x"))
    outcome(
        "unknown project",
        connect(server, apikey=apikey, workspace="Demo Workspace", project="Nope"),
    )


def context_identity(server: str, apikey: str) -> None:
    rally = Rally(server, apikey=apikey, verify_ssl_cert=False)
    helper = rally.contextHelper
    first, second = helper.currentContext(), helper.currentContext()
    show("currentContext twice: same object", first is second)
    show("currentContext twice: equal", first == second)
    show(
        "context fields",
        (first.server, first.user, first.subscription(), first.workspace, first.project),
    )
    show("context service URL", first.serviceURL())
    rally.get("Defect", fetch="Name", project=None, limit=1)
    show("after a query: same object", helper.currentContext() is first)
    other = Rally(server, apikey=apikey, verify_ssl_cert=False)
    show(
        "another client's context is another object", other.contextHelper.currentContext() is first
    )
    rally.setProject("Search")
    show("after setProject", rally.getProject().Name)
    show("other client's project unchanged", other.getProject().Name)


def workspace_only(apikey: str) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        emulator("--tls", "--seed", seed_file("workspace_only", folder)) as seeded,
    ):

        def connect(**kwargs: Any) -> Callable[[], Any]:
            return lambda: where(Rally(seeded, verify_ssl_cert=False, **kwargs))

        outcome("named workspace", connect(apikey=apikey, workspace="Sandbox Workspace"))
        outcome(
            "named workspace, isolated",
            connect(apikey=apikey, workspace="Sandbox Workspace", isolated_workspace=True),
        )
        outcome("no project of that name", connect(apikey=apikey, workspace="Third Workspace"))
        outcome(
            "no project of that name, isolated",
            connect(apikey=apikey, workspace="Third Workspace", isolated_workspace=True),
        )
        outcome(
            "another user's name match",
            connect(apikey=ERIN_APIKEY, workspace="Third Workspace"),
        )

        def switches(rally: Rally, names: list[str]) -> list[tuple[str, str]]:
            seen = []
            for name in names:
                rally.setWorkspace(name)
                seen.append(where(rally))
            return seen

        def fresh(**kwargs: Any) -> Rally:
            return Rally(seeded, apikey=apikey, verify_ssl_cert=False, **kwargs)

        def after_set_project() -> list[tuple[str, str]]:
            rally = fresh()
            rally.setProject("Web Team")
            return switches(rally, ["Sandbox Workspace"])

        outcome("setWorkspace keeps the project name", after_set_project)
        outcome(
            "setWorkspace chain",
            lambda: switches(fresh(), ["Third Workspace", "Sandbox Workspace", "Demo Workspace"]),
        )
        outcome(
            "setWorkspace from a named workspace",
            lambda: switches(
                fresh(workspace="Sandbox Workspace"), ["Demo Workspace", "Third Workspace"]
            ),
        )
        outcome(
            "setWorkspace from a named project",
            lambda: switches(
                fresh(workspace="Third Workspace", project="Zeta"),
                ["Third Workspace", "Demo Workspace", "Sandbox Workspace"],
            ),
        )
        isolated = fresh(workspace="Sandbox Workspace", isolated_workspace=True)
        outcome("isolated setWorkspace, same", lambda: switches(isolated, ["Sandbox Workspace"]))
        outcome("isolated setWorkspace, other", lambda: switches(isolated, ["Demo Workspace"]))


def collections(server: str, apikey: str) -> None:
    rally = Rally(server, apikey=apikey, verify_ssl_cert=False)
    story = rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Name",
        query="FormattedID = US1",
        project=None,
        instance=True,
    )
    url = f"https://{server}/slm/webservice/v2.0/HierarchicalRequirement/{story.oid}/Tasks"
    tasks = rally.getCollection(url)
    show("collection status", tasks.status_code)
    show("collection tasks", sorted(t.Name for t in tasks))


def config_typo() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "typo.cfg")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("SERVR = my.rally.example\nAPIKEY = _fromthefile\nWORKSPACE = WS\n")
        show("config with a typo", rallyWorkset([f"--rallyConfig={path}"]))


def main() -> None:
    server, apikey, user, _password = sys.argv[1:5]
    HOSTS.append(server)
    connection_failures(server, apikey, user)
    context_identity(server, apikey)
    workspace_only(DEMO_APIKEY)
    collections(server, apikey)
    config_typo()


if __name__ == "__main__":
    main()
