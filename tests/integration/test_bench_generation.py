"""Smoke run of benchmarks/generation.py: a token-only (format 1) and a context (format 2) model,
given by path, side by side in one run, a few tokens each.

The full run is a benchmark (docs/benchmarks.md, "Generation speed"); this checks the plumbing:
every loop (engine, bare ONNX Runtime, torch) feeds a context model what it reads, both files get
their rows, the comparison line and the tracker's timing are printed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from model_factory import make_model

pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import generation  # noqa: E402

pytestmark = pytest.mark.slow


def test_token_only_and_context_models_side_by_side(tmp_path, capsys):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    plain = make_model(tmp_path / "old" / "tune.onnx", "melody", hidden=16)
    context = make_model(tmp_path / "new" / "tune.onnx", "melody", hidden=16, context=True)
    assert generation.main(["--model", str(context), "--model", str(plain), "--tokens", "8", "--torch-tokens", "2",
                            "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    for path in (context, plain):
        rows = [line for line in out.splitlines() if line.startswith(f"| {path} |")]
        assert [row.split("|")[2].strip() for row in rows] == ["1", "8"], out
        assert all(re.fullmatch(r"\d+(\.\d+)?", cell.strip()) for row in rows for cell in row.split("|")[3:-1])
    assert f"{path}: 8 variations cost" in out
    assert "context 9 wide" in out and "no context; torch" in out
    assert re.search(r"ContextTracker\.push alone .* [\d.]+ us CPU per call at batch 1 .* [\d.]+ us at batch 8", out)
    assert f"{context} / {plain}: batch 1: engine" in out and "file " in out
