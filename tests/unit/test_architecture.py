"""The walls of the house, read from the source (every import, module-level or inside a function):
no import cycle among services.* and shared.* (module by module, and wing by wing: a service package,
a composition module such as services/registry.py, a shared module); shared/ never imports services/;
the services the registry composes import no other service; migration revisions import no live code."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(*tops: str) -> dict[str, Path]:
    return {_module_name(p): p for top in tops for p in sorted((ROOT / top).rglob("*.py"))}


def _imported_names(path: Path, package: str) -> set[str]:
    """Every dotted name an import statement in the file names (`from a import b` names a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                if node.level else node.module or ""
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def _graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """module → the project modules it imports (a name is cut back to the module that defines it)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for imported in _imported_names(path, package):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                deps.add(imported)
        graph[name] = deps
    return graph


def _cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _wing(module: str) -> str:
    """services.scoring.handlers.facts → services.scoring; services.registry stays; shared.http.app → shared.http."""
    return ".".join(module.split(".")[:2])


MODULES = _modules("services", "shared")
GRAPH = _graph(MODULES)


def test_the_graph_sees_the_imports() -> None:
    # guards the walk itself: a known edge of each kind (module level, inside a function, relative)
    assert "services.registry" in GRAPH["services.embedded"]
    assert "services.report_cli" in GRAPH["services.cli"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_modules() -> None:
    assert _cycles(GRAPH) == []


def test_no_import_cycle_among_wings() -> None:
    wings: dict[str, set[str]] = {}
    for module, deps in GRAPH.items():
        wings.setdefault(_wing(module), set()).update(_wing(d) for d in deps if _wing(d) != _wing(module))
    assert _cycles(wings) == []


def test_shared_never_imports_services() -> None:
    assert {m: sorted(d for d in deps if d.startswith("services"))
            for m, deps in GRAPH.items() if m.startswith("shared") and any(d.startswith("services") for d in deps)} \
        == {}


def test_composed_services_import_only_themselves_and_shared() -> None:
    from services.registry import SERVICES

    composed = {f"services.{name.replace('-', '_')}" for name in SERVICES}
    assert composed <= set(MODULES)  # the registry's names are the packages' names
    crossing = {m: sorted(d for d in deps if d.startswith("services") and _wing(d) != _wing(m))
                for m, deps in GRAPH.items() if _wing(m) in composed}
    assert {m: d for m, d in crossing.items() if d} == {}


@pytest.mark.parametrize("path", sorted((ROOT / "migrations" / "versions").glob("*.py")), ids=lambda p: p.name)
def test_migrations_import_no_live_code(path: Path) -> None:
    """A revision's data is frozen in it (Alembic's env.py and models.py, which compare the tables with
    the live MetaData, are not revisions)."""
    live = {n for n in _imported_names(path, "migrations.versions") if n.split(".")[0] in ("services", "shared")}
    assert live == set()
