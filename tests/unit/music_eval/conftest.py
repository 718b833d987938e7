"""Fixtures of the musical-evaluation tests: a tiny real model and a dataset built from real MIDI files."""

from __future__ import annotations

import pytest
from model_factory import make_model
from music_eval_data import tune12

from rnnmusic.midi_io import write_midi
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.progress import ProgressLine


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("music_eval")
    src = root / "midi"
    src.mkdir()
    for k in range(10):
        write_midi(tune12(k - 5), src / f"tune{k}.mid")
    data = root / "data"
    manifest = build_dataset(src, data, "melody", jobs=1, valid_fraction=0.2, test_fraction=0.4,
                             license="CC0 (hand-made)", progress=ProgressLine(enabled=False))
    assert manifest["splits"]["test"]["pieces"] >= 2
    model = make_model(root / "tiny.onnx", "melody")
    return model, data, manifest
