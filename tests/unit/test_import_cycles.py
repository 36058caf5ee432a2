"""The client modules (``pyral/*.py``) import each other without any cycle.

Cycles here used to be papered over with imports at the bottom of a module or inside
functions; either kind counts, because either makes the import order matter.  Imports under
``if TYPE_CHECKING:`` are left out: they never run.  The graph is read from the source with
``ast`` so a new cycle fails this test before anything is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pyral

PACKAGE_DIR = Path(pyral.__file__).parent


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported_modules(node: ast.AST, package: str, modules: set[str]) -> set[str]:
    """Sibling modules of ``package`` that ``node``'s import statements name, at any depth."""
    found: set[str] = set()
    for child in ast.iter_child_nodes(node):
        if _is_type_checking_block(child):
            continue
        if isinstance(child, ast.Import):
            for alias in child.names:
                parts = alias.name.split(".")
                if parts[0] == package and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(child, ast.ImportFrom):
            if child.level == 1:  # from . import x / from .x import y
                base = [package] + (child.module.split(".") if child.module else [])
            elif child.level == 0 and child.module:
                base = child.module.split(".")
            else:
                base = []
            if base[:1] == [package]:
                if len(base) > 1:
                    found.add(base[1])
                else:  # from pyral import config: the names may be modules
                    found.update(alias.name for alias in child.names)
        found |= _imported_modules(child, package, modules)
    return found & modules


def import_graph(package_dir: Path, package: str) -> dict[str, set[str]]:
    """module -> sibling modules it imports (``__init__`` excluded: every import runs it)."""
    files = {p.stem: p for p in package_dir.glob("*.py") if p.stem != "__init__"}
    sub_packages = {p.name for p in package_dir.iterdir() if (p / "__init__.py").is_file()}
    modules = set(files) | sub_packages
    graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = _imported_modules(tree, package, modules) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_client_modules_import_without_cycles() -> None:
    graph = import_graph(PACKAGE_DIR, "pyral")
    assert {"entity", "hydrate", "_schema", "_legacy_schema", "restapi"} <= set(graph)
    assert "entity" in graph["hydrate"] or "_entity_base" in graph["hydrate"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle among pyral's modules: " + " -> ".join(cycle or [])


def test_detector_reports_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import thing\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg import c\n"
        "def thing():\n    from pkg import a\n    return a\n"
    )
    (pkg / "c.py").write_text("import pkg.a\n")
    graph = import_graph(pkg, "pkg")
    assert graph == {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert find_cycle(graph) == ["a", "b", "a"]
    (pkg / "b.py").write_text("thing = 1\n")
    assert find_cycle(import_graph(pkg, "pkg")) is None
