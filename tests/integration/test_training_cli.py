"""The whole training path through the command line: MIDI folder -> dataset -> train -> export -> eval -> generate."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rnnmusic.engine.model import load_model_file
from rnnmusic.midi.read import read_midi
from rnnmusic.model_file import ModelInfo
from rnnmusic.training.toy_corpus import write_toy_corpus

ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def rnnmusic(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "rnnmusic", *args], env=ENV, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_midi_folder_to_a_model_the_runtime_plays(tmp_path):
    write_toy_corpus(tmp_path / "midi", files=24, seed=11, notes=40, chords=True)
    (tmp_path / "midi" / "broken.mid").write_bytes(b"MThd junk")
    built = rnnmusic("dataset", "build", str(tmp_path / "midi"), "-o", str(tmp_path / "data"),
                     "--encoding", "polyphony", "--valid-fraction", "0.2", "--test-fraction", "0.2",
                     "--license", "CC0", "--jobs", "2")
    assert "skipped broken.mid" in built.stderr
    (tmp_path / "train.toml").write_text('[model]\ncell = "lstm"\nlayers = 1\nhidden = 24\nembedding = 16\n'
                                         '[data]\nbatch_size = 4\nwindow = 32\ntranspose = 2\n'
                                         '[run]\nmax_steps = 16\neval_every = 8\n')
    rnnmusic("train", str(tmp_path / "data"), "-o", str(tmp_path / "run"), "--config", str(tmp_path / "train.toml"),
             "--set", "optim.warmup_steps=4", "--quiet")
    run = tmp_path / "run"
    for name in ("best.pt", "last.pt", "metrics.jsonl", "summary.json", "config.json", "train.log"):
        assert (run / name).exists(), name
    assert (run / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((run / "summary.json").read_text())

    rnnmusic("export", str(run), "-o", str(tmp_path / "chords.onnx"), "--name", "chords")
    rnnmusic("export", str(run), "-o", str(tmp_path / "chords-int8.onnx"), "--name", "chords", "--int8")
    evaluated = rnnmusic("eval", str(tmp_path / "chords.onnx"), str(tmp_path / "data"), "--json")
    numbers = json.loads(evaluated.stdout)
    assert numbers["nll_per_token"] == pytest.approx(summary["test_nll"], abs=1e-4)
    assert numbers["nll_per_step"] == pytest.approx(summary["test_nll_per_step"], abs=1e-4)

    for name in ("chords.onnx", "chords-int8.onnx"):  # both load and play in the ONNX-only runtime
        model = load_model_file(tmp_path / name)
        assert isinstance(model.info, ModelInfo) and model.info.license == "CC0"
        seed = tmp_path / "midi" / "tune_000.mid"
        out = tmp_path / f"{name}.mid"
        rnnmusic("generate", str(seed), "-o", str(out), "--model", str(tmp_path / name), "--bars", "2", "--seed", "1")
        assert len(read_midi(out).notes) > 0
    assert load_model_file(tmp_path / "chords-int8.onnx").info.quantization["int8"] is True
