"""A seed is read into the model in one call: one longer than MAX_SEED_TOKENS is refused before that call.

The 44-byte file of issue 12 once asked ONNX Runtime for a 14 GB buffer there; a 1,000,000-token
melody seed took 9.9 GB and 110 s through the shipped folk model (LSTM 2x256).
"""

from __future__ import annotations

import pytest
from model_factory import make_model

from rnnmusic.engine import GenerateOptions, Generator, load_model_file
from rnnmusic.engine import session as session_module
from rnnmusic.errors import SequenceError
from rnnmusic.notes import Note, NoteSequence, make_notes

S = 0.125  # one step at 120 qpm, 4 steps per quarter


@pytest.fixture(scope="module")
def generator(tmp_path_factory):
    return Generator(load_model_file(make_model(tmp_path_factory.mktemp("m") / "melody.onnx", "melody")))


def _seed(steps: int) -> NoteSequence:
    return NoteSequence(notes=make_notes([Note(60, 80, 0.0, steps * S)]), source="seed.mid")


def test_a_seed_longer_than_the_limit_is_refused_naming_the_file(generator):
    steps = session_module.MAX_SEED_TOKENS + 1
    with pytest.raises(SequenceError, match=rf"^seed\.mid: is too long to seed a model \({steps:,} melody tokens; "
                                            rf"at most {session_module.MAX_SEED_TOKENS:,}\)"):
        generator.prime(_seed(steps), GenerateOptions(bars=1).with_seed())


def test_the_silence_a_seed_is_padded_with_counts(generator, monkeypatch):
    monkeypatch.setattr(session_module, "MAX_SEED_TOKENS", 40)
    generator.prime(_seed(40), GenerateOptions(bars=1).with_seed())
    # a note the encoding drops (out of its range) still makes the seed that long: silence is padded
    far = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 2 * S), Note(20, 80, 0.0, 41 * S)]), source="seed.mid")
    with pytest.raises(SequenceError, match=r"\(41 melody tokens; at most 40\)"):
        generator.prime(far, GenerateOptions(bars=1).with_seed())
