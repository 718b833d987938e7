"""No import circles inside the live engine or the recipes, counting imports inside functions too (a
circle hidden in a function still means neither module can be read without the other); the recipes
call training functions, never the command line."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
#: package name -> its folder
PACKAGES = {"rnnmusic.live": ROOT / "rnnmusic" / "live", "rnnmusic.training.recipes": ROOT / "training" / "recipes"}


def _modules(package: str, folder: Path) -> dict[str, Path]:
    return {package if p.stem == "__init__" else f"{package}.{p.stem}": p for p in sorted(folder.glob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that module ``name`` (file ``path``) imports anywhere in its text."""
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names)
    return (found & known) - {name}


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` as the list of modules around it, or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (circle := visit(nxt)):
                return circle
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (circle := visit(node)):
            return circle
    return []


def _graph() -> dict[str, set[str]]:
    modules = {name: path for package, folder in PACKAGES.items() for name, path in _modules(package, folder).items()}
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def test_no_import_circle_in_live_or_recipes():
    assert find_circle(_graph()) == []


def test_the_graph_sees_the_imports_that_matter():
    graph = _graph()
    assert "rnnmusic.live.midi_api" in graph["rnnmusic.live.rtmidi_ports"]
    assert "rnnmusic.live.rtmidi_ports" in graph["rnnmusic.live.ports"]
    assert {"rnnmusic.training.recipes.card", "rnnmusic.training.recipes.steps"} <= graph[
        "rnnmusic.training.recipes.recipe"]


def test_the_circle_finder_finds_a_circle():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) == []


def test_recipes_do_not_go_through_the_command_line():
    for name, path in _modules("rnnmusic.training.recipes", PACKAGES["rnnmusic.training.recipes"]).items():
        reached = imports_of(name, path, {"rnnmusic.cli", "rnnmusic.cli.main"})
        assert not reached, f"{name} imports {reached}"
