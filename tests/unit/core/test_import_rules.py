"""The runtime must start fast and stay light: `import rnnmusic` loads neither torch nor Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "PySide6")

CHECK = """
import sys
import {modules}
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})
print(','.join(heavy))
"""


def _loaded_heavy_modules(*modules: str) -> list[str]:
    code = CHECK.format(modules=", ".join(modules), heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    return [m for m in out.split(",") if m]


def test_import_rnnmusic_loads_neither_torch_nor_qt():
    assert _loaded_heavy_modules("rnnmusic") == []


def test_runtime_modules_load_neither_torch_nor_qt():
    runtime = ["rnnmusic.notes", "rnnmusic.grid", "rnnmusic.midi.read", "rnnmusic.midi.write", "rnnmusic.encodings",
               "rnnmusic.model_file", "rnnmusic.engine", "rnnmusic.live", "rnnmusic.cli.main"]
    assert _loaded_heavy_modules(*runtime) == []


def test_the_command_line_starts_without_onnx_runtime_torch_or_qt():
    # `rnnmusic --help` and the parsing of any command import only that command's module: the model
    # runtime is loaded when a model is, so a mistyped option is answered at once
    code = ("import sys\nfrom rnnmusic.cli.main import build_parser\nbuild_parser(only='generate')\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'onnxruntime'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_the_check_itself_sees_torch_when_it_is_imported():
    # guards against a check that could never fail
    assert "torch" in _loaded_heavy_modules("torch")


def test_live_control_names_keys_without_the_engine():
    # a key name is a table lookup: the live engine's controls must not pull in the decoding engine for it
    code = "import sys, rnnmusic.live.control; print(any(m.startswith('rnnmusic.engine') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


# -- no import circles inside a package -------------------------------------------------------------
# A circle (a imports b imports a) forces lazy imports and TYPE_CHECKING tricks and makes the order of
# reading a package arbitrary. Every import counts here, also one inside a function or under
# TYPE_CHECKING: those are how circles hide.
ROOT = Path(__file__).resolve().parents[3]
#: package -> its folder (training/ installs as rnnmusic.training)
CIRCLE_FREE = {
    "rnnmusic.engine": ROOT / "rnnmusic" / "engine",
    "rnnmusic.live": ROOT / "rnnmusic" / "live",
    "rnnmusic.midi": ROOT / "rnnmusic" / "midi",
    "rnnmusic.encodings": ROOT / "rnnmusic" / "encodings",
    "rnnmusic.training.recipes": ROOT / "training" / "recipes",
}


def _module_name(package: str, path: Path, folder: Path) -> str:
    parts = [*package.split("."), *path.relative_to(folder).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str, folder: Path) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` (in ``folder``) it imports, anywhere in its text (the package
    itself for ``from package import name``)."""
    modules = {_module_name(package, p, folder): p for p in folder.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's own package upwards
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            for target in targets:
                while target and target not in modules:  # `import a.b.c` loads a.b.c; a name in a module is that module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` (first module repeated at the end), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


@pytest.mark.parametrize("package", sorted(CIRCLE_FREE))
def test_no_module_of_the_package_imports_itself_back(package):
    graph = import_graph(package, CIRCLE_FREE[package])
    assert len(graph) > 5, f"{package}: found no modules; is the path right?"
    circle = find_circle(graph)
    assert circle == [], f"import circle in {package}: {' -> '.join(circle)}"


def test_the_engine_imports_no_layer_above_it():
    above = ("rnnmusic.live", "rnnmusic.cli", "rnnmusic.gui", "rnnmusic.training")
    folder = ROOT / "rnnmusic" / "engine"
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.startswith(above)], f"{path.name} imports {names}"


def test_the_circle_check_finds_circles_hidden_in_functions_and_type_checking(tmp_path):
    # guards against a check that could never fail: a <-> b through a lazy import, c -> d -> c through
    # TYPE_CHECKING, and `from pkg import name` inside pkg (which loads pkg/__init__)
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pkg.e import E\n")
    (pkg / "a.py").write_text("from pkg.b import x\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.a import y\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n")
    (pkg / "d.py").write_text("import pkg.c\n")
    (pkg / "e.py").write_text("from pkg import thing\n")
    graph = import_graph("pkg", pkg)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.c"] == {"pkg.d"} and graph["pkg.d"] == {"pkg.c"}
    assert graph["pkg.e"] == {"pkg"}
    assert find_circle(graph) in (["pkg", "pkg.e", "pkg"], ["pkg.a", "pkg.b", "pkg.a"])
    assert find_circle({"x": {"y"}, "y": set()}) == []


def test_the_graph_sees_the_imports_that_matter():
    live = import_graph("rnnmusic.live", CIRCLE_FREE["rnnmusic.live"])
    assert "rnnmusic.live.midi_api" in live["rnnmusic.live.rtmidi_ports"]
    assert "rnnmusic.live.rtmidi_ports" in live["rnnmusic.live.ports"]
    recipes = import_graph("rnnmusic.training.recipes", CIRCLE_FREE["rnnmusic.training.recipes"])
    assert {"rnnmusic.training.recipes.card", "rnnmusic.training.recipes.steps"} <= recipes[
        "rnnmusic.training.recipes.recipe"]


def test_recipes_do_not_go_through_the_command_line():
    for path in CIRCLE_FREE["rnnmusic.training.recipes"].glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.startswith("rnnmusic.cli")], f"{path.name} imports {names}"
