"""Fixtures of the training tests: a real MIDI corpus, a dataset built from it, a tiny config."""

from __future__ import annotations

import pytest
import torch

from rnnmusic.progress import ProgressLine
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.toy_corpus import write_toy_corpus


@pytest.fixture(scope="module", autouse=True)  # module scope: in force before the module-scoped runs
def one_thread():
    """One intra-op thread: the models here are tiny, and on a shared 2-core machine two spinning
    OpenMP threads make a step a hundred times slower. Results do not depend on it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

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
