"""The README's "Use from Python" example runs as printed: the code block is taken from README.md itself."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from support import require

from rnnmusic.example_seeds import find_example
from rnnmusic.midi.read import read_midi

ROOT = Path(__file__).resolve().parents[2]


def python_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Use from Python\n(.*?)(?=^## )", readme, re.S | re.M)
    assert section is not None, "README.md has no '## Use from Python' section"
    blocks = re.findall(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)
    assert len(blocks) == 1, "the section should hold one python code block"
    return blocks[0]


def test_the_example_is_five_lines():
    assert len([line for line in python_example().splitlines() if line.strip()]) == 5


def test_the_readme_example_continues_a_seed(tmp_path):
    require((ROOT / "models" / "folk.onnx").is_file(), "the shipped model models/folk.onnx")
    seed_path = shutil.copy(find_example("folk").path, tmp_path / "my-idea.mid")  # as `examples --copy .` does
    (tmp_path / "example.py").write_text(python_example())
    empty = tmp_path / "no-user-models"
    empty.mkdir()
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "RNNMUSIC_MODELS": str(empty), "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    seed, take = read_midi(seed_path), read_midi(tmp_path / "my-idea-continued.mid")
    assert (take.notes["pitch"][: len(seed.notes)] == seed.notes["pitch"]).all()  # the seed, then more
    assert take.total_time > seed.total_time and len(take.notes) > len(seed.notes)
