"""The layout's rules, checked: no import cycles, layers that stay in their lane, small modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("jupyter_mindzie", "mindzie_sdk")
LONGEST_MODULE = 425  # lines; "about 400", as docs/architecture.md says


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "labextension" in path.parts:
                continue
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            found[".".join(parts)] = path
    return found


MODULES = modules()


def imported(path: Path) -> Iterator[str]:
    """Every module an import names, including those under `if TYPE_CHECKING:` and inside functions."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def graph() -> dict[str, set[str]]:
    edges = {}
    for name, path in MODULES.items():
        targets = {m for m in imported(path) if m in MODULES and m != name}
        # a package's __init__ re-exporting its own modules is how packages work, not a cycle
        edges[name] = {m for m in targets if not m.startswith(f"{name}.")}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def test_the_packages_have_no_import_cycle() -> None:
    assert len(MODULES) > 40, "the walk found the package"
    assert cycles(graph()) == []


def test_a_cycle_would_be_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def imports_of(prefix: str) -> dict[str, set[str]]:
    return {name: set(imported(path)) for name, path in MODULES.items() if name.startswith(prefix)}


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("jupyter_mindzie.api", ("jupyter_mindzie.storage.sqlite", "sqlite3", "sqlite_utils", "nbclient")),
        ("jupyter_mindzie.storage", ("tornado", "jupyter_mindzie.api")),
        ("jupyter_mindzie.execution", ("tornado", "jupyter_mindzie.api")),
        ("jupyter_mindzie.results", ("tornado", "jupyter_mindzie.api", "jupyter_mindzie.storage")),
        ("jupyter_mindzie.notebooks", ("jupyter_mindzie.api",)),
        ("jupyter_mindzie.contract", ("tornado", "jupyter_mindzie.api", "jupyter_mindzie.storage")),
        ("jupyter_mindzie.client", ("tornado", "jupyter_server", "jupyter_mindzie.api")),
        ("mindzie_sdk", ("tornado", "jupyter_server", "jupyter_mindzie")),
    ],
)
def test_each_layer_imports_only_what_it_may(layer: str, forbidden: tuple[str, ...]) -> None:
    offending = {
        module: sorted(m for m in names if m.startswith(forbidden))
        for module, names in imports_of(layer).items()
        if any(m.startswith(forbidden) for m in names)
    }
    assert offending == {}


def test_no_module_grows_past_about_400_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text("utf-8").splitlines())) > LONGEST_MODULE
    }
    assert long == {}
