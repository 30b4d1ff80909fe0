"""No import cycles inside sheetsync.

A cycle is usually hidden by an import moved into a function body or under ``if
TYPE_CHECKING:``; it still ties the modules together (neither can be understood, tested
or changed alone), and breaks as soon as one of them imports the other at the top. So
every import counts here, wherever it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sheetsync

PACKAGE = Path(sheetsync.__file__).parent

# Cycles not removed yet, each tolerated (with any part of it) until it is gone; then its
# entry must go too (the test says so). ports <-> dashboard: the DashboardRegister port
# names the Dashboard type.
KNOWN: list[frozenset[str]] = [
    frozenset({"sheetsync.core.ports", "sheetsync.core.dashboard"}),
]
# The fake Google's server dispatches to its services, which raise through it: a test
# double, whose modules are one piece.
KNOWN_PACKAGES = ("sheetsync.testing.fake_google",)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {t for t in targets if t in modules and t != name}


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _tolerated(cycle: frozenset[str]) -> bool:
    return any(cycle <= known for known in KNOWN) or all(
        m.startswith(KNOWN_PACKAGES) for m in cycle)


def test_no_import_cycles() -> None:
    cycles = _cycles(import_graph())
    unexpected = [sorted(c) for c in cycles if not _tolerated(c)]
    assert not unexpected, f"import cycles: {unexpected}"
    gone = [sorted(k) for k in KNOWN if not any(c & k for c in cycles)]
    assert not gone, f"these cycles are gone: remove them from KNOWN: {gone}"


def test_the_check_sees_a_cycle_hidden_in_a_function() -> None:
    graph = import_graph()
    assert "sheetsync.backends.google.picture" in graph["sheetsync.backends.google.lease"]
    graph["sheetsync.backends.google.picture"].add("sheetsync.backends.google.lease")
    pair = {"sheetsync.backends.google.picture", "sheetsync.backends.google.lease"}
    assert any(pair <= cycle for cycle in _cycles(graph))
