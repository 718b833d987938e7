"""Fixtures of the training tests: a real MIDI corpus, a dataset built from it, a tiny config."""

from __future__ import annotations

import pytest
import torch

from rnnmusic.training.config import TrainConfig
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.progress import ProgressLine
from rnnmusic.training.toy_corpus import write_toy_corpus

# One intra-op thread: the models here are tiny, and on a shared 2-core machine two spinning
# OpenMP threads make a step a hundred times slower. Results do not depend on it.
torch.set_num_threads(1)


def tiny_config(steps: int = 12, **run) -> TrainConfig:
    """A model and schedule small enough that a run takes a second or two on a busy 2-core machine."""
    config = TrainConfig()
    config.model.layers, config.model.hidden, config.model.embedding, config.model.dropout = 1, 16, 8, 0.0
    config.data.batch_size, config.data.window = 4, 16
    config.optim.warmup_steps = 3
    config.run.max_steps, config.run.eval_every, config.run.checkpoint_every, config.run.log_every = steps, 6, 4, 2
    for key, value in run.items():
        setattr(config.run, key, value)
    return config


@pytest.fixture(scope="session")
def midi_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    write_toy_corpus(folder, files=40, seed=1, notes=48)
    return folder


@pytest.fixture(scope="session")
def melody_data(midi_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "melody"
    # generous valid/test shares so a 40-file corpus has pieces in every split
    build_dataset(midi_corpus, out, "melody", jobs=1, valid_fraction=0.2, test_fraction=0.2,
                  license="CC0 (synthetic)", progress=ProgressLine(enabled=False))
    return out
