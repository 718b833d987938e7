"""benchmarks/music_eval.py end to end on a tiny model and dataset laid out as a recipe's work folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from music_eval_data import build_tiny

ROOT = Path(__file__).resolve().parents[3]


def test_the_benchmark_writes_a_table_and_json(tmp_path):
    model, data, manifest = build_tiny(tmp_path / "root" / "folk", times=2)  # 24 bars: the defaults fit
    out = tmp_path / "music.json"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "music_eval.py"), "--data-root",
                          str(tmp_path / "root"), "--only", "folk", "--folk", str(model), "--samples", "1",
                          "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "| bars repeated exactly |" in run.stdout and "seed 4 bars, 16 generated" in run.stdout
    result = json.loads(out.read_text())["results"]["folk"]
    assert result["content_hash"] == manifest["content_hash"]
    assert result["systems"]["real"]["bar_repetition"] > 0.5  # the tune repeats its form


def test_a_missing_dataset_is_named(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "music_eval.py"), "--data-root", str(tmp_path),
                          "--only", "chorale"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "no dataset; run with --build" in run.stderr
