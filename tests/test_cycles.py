"""No import cycles among cockpit's modules.

import-linter's `no-cycles` contract checks cycles between sibling packages; this walks every
module's imports itself (the standard library's `ast`, no new dependency) and finds a cycle
between any two modules, in a package or across packages. Imports inside functions count: they
still tie two modules together, only later. Imports under `if TYPE_CHECKING:` do not: they never
run, a type hint is all they give.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "cockpit"

ALLOWED: set[frozenset[str]] = set()
"""Cycles tolerated for now, each a set of modules, with why. Empty: config ⇄ venues is broken
(account settings are a venues value), cli ⇄ accounts_cli too (the standalone parsers live in cli)."""


def _modules() -> dict[str, Path]:
    """Every module of cockpit by dotted name (a package by its own name), data folders excluded."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[1] in {"themes", "keymaps"}:  # data packages (symlinks in worktrees)
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(tree: ast.AST, package: str, modules: dict[str, Path]) -> set[str]:
    """The cockpit modules `tree` imports, outside `if TYPE_CHECKING:` blocks.

    `from a.b import c` names the module `a.b.c` when there is one, else `a.b` (c is a value).
    """
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, `level - 1` packages up
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    out.add(f"{base}.{alias.name}")
                elif base in modules:
                    out.add(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module → the cockpit modules it imports (itself never included)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = _imported(ast.parse(path.read_text(), str(path)), package, modules) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_cockpit_has_no_import_cycles():
    found = [sorted(c) for c in cycles(import_graph()) if c not in ALLOWED]
    assert not found, f"import cycles: {found}"


def test_the_walk_sees_a_cycle_and_skips_type_checking_imports():
    """The checker itself: a cycle is found, a hint-only import is not one, and a function-level
    import counts."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert cycles({"a": {"b"}, "b": set()}) == []
    modules = {"cockpit.x": Path(), "cockpit.y": Path()}
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cockpit.y import Y\n"
                     "def f():\n    from cockpit import y\n")
    assert _imported(tree, "cockpit", modules) == {"cockpit.y"}
    hint_only = ast.parse("if TYPE_CHECKING:\n    import cockpit.y\n")
    assert _imported(hint_only, "cockpit", modules) == set()


def test_the_graph_knows_the_model_packages_modules():
    graph = import_graph()
    assert "cockpit.model.enums" in graph["cockpit.model.orders"]
    assert "cockpit.model.market" not in graph["cockpit.model.orders"]  # the cycle this test replaced
