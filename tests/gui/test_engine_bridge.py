"""The window's door to the engine: the same takes as Generator.generate, notes streamed on the way, models cached."""

from __future__ import annotations

import threading

import pytest
from gui_support import melody

from rnnmusic.engine import GenerateOptions, Generator, Provenance, load_model_file
from rnnmusic.engine.provenance import seed_content_hash
from rnnmusic.errors import ModelFileError
from rnnmusic.gui.engine_bridge import EngineBridge


def test_streamed_generation_equals_the_engine_and_hands_over_notes(tiny_model):
    seed = melody(bars=2)
    options = GenerateOptions(bars=2.0, num=2, seed=9, temperature=1.0)
    batches: list[list] = []
    progress: list[float] = []
    bridge = EngineBridge()
    made = bridge.generate(tiny_model, seed, options, progress.append, threading.Event(), batches.append)
    reference = Generator(load_model_file(tiny_model)).generate(seed, options)
    assert len(made.takes.sequences) == 2
    for ours, theirs in zip(made.takes.sequences, reference.sequences):
        assert ours.same_music(theirs)
    assert made.takes.continuation_start == pytest.approx(reference.continuation_start)
    streamed = sorted((n.start, n.pitch) for batch in batches for n in batch)
    first = made.takes.sequences[0]
    new = sorted((n.start, n.pitch) for n in first.iter_notes() if n.start >= made.takes.continuation_start - 1e-6)
    assert [p for _, p in streamed] == [p for _, p in new]
    assert progress[-1] == 1.0 and len(batches) >= 2
    record = Provenance.from_text(made.provenance(2, "seed.mid"))
    assert (record.model, record.variation, record.options.seed) == ("tiny", 2, 9)
    assert record.seed_hash == seed_content_hash(seed)  # the saved take names the seed's content (issue 12)


def test_models_are_loaded_once(tiny_model):
    bridge = EngineBridge()
    assert bridge.load(tiny_model) is bridge.load(tiny_model)


def test_a_cancelled_generation_raises(tiny_model):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Exception, match="cancel"):
        EngineBridge().generate(tiny_model, melody(), GenerateOptions(bars=4.0), cancel=cancel)


def test_describe_file_refuses_what_is_not_a_model(tmp_path):
    bad = tmp_path / "x.onnx"
    bad.write_bytes(b"nope")
    with pytest.raises(ModelFileError, match="x.onnx"):
        EngineBridge().describe_file(bad)
