"""The runtime must start fast and stay light: `import rnnmusic` loads neither torch nor Qt."""

from __future__ import annotations

import subprocess
import sys

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
    runtime = ["rnnmusic.notes", "rnnmusic.grid", "rnnmusic.midi.read", "rnnmusic.midi.write", "rnnmusic.encodings", "rnnmusic.model_file",
               "rnnmusic.cli.main"]
    assert _loaded_heavy_modules(*runtime) == []


def test_the_check_itself_sees_torch_when_it_is_imported():
    # guards against a check that could never fail
    assert "torch" in _loaded_heavy_modules("torch")


def test_live_control_names_keys_without_the_engine():
    # a key name is a table lookup: the live engine's controls must not pull in the decoding engine for it
    code = "import sys, rnnmusic.live.control; print(any(m.startswith('rnnmusic.engine') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
