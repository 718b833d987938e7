"""Generation with models that read the timeline context (format 2), beside token-only (format 1) files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from model_factory import SEEDS, make_model

from rnnmusic.encodings import BOS_ID
from rnnmusic.engine import GenerateOptions, Generator, load_model_file
from rnnmusic.engine.context import POSITION_FEATURES, piece_context
from rnnmusic.grid import StepGrid
from rnnmusic.model_file import FORMAT_VERSION

ROOT = Path(__file__).resolve().parents[3]
FORMAT_1_MODEL = ROOT / "benchmarks" / "models" / "jsb_chorales-tokens-rnn.onnx"


@pytest.fixture(scope="module")
def context_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("context-models")
    cells = {"melody": "lstm", "polyphony": "gru", "drums": "rnn"}  # every cell reads the context the same way
    return {enc: load_model_file(make_model(folder / f"{enc}.onnx", encoding=enc, cell=cell, context=True, spread=3.0))
            for enc, cell in cells.items()}


def continuation_contexts(model, seed, tokens):
    """The context before each continuation token, recomputed from scratch over the whole take."""
    seed_ids = np.asarray(model.encoding.encode(seed), dtype=np.int64)
    ids = np.concatenate([[BOS_ID], seed_ids, tokens]).astype(np.int64)
    meters = StepGrid.for_sequence(seed, int(model.encoding.config.steps_per_quarter)).meter_steps
    ctx = piece_context(model.context, model.encoding, ids, meters)
    first = 1 + len(seed_ids)
    return ctx[first - 1: first - 1 + len(tokens)]


@pytest.mark.parametrize("encoding", ["melody", "polyphony", "drums"])
def test_every_generation_path_plays_a_context_model(context_models, encoding):
    model = context_models[encoding]
    assert model.context is not None and model.info.format_version == FORMAT_VERSION
    assert model.info.architecture.cell == {"melody": "lstm", "polyphony": "gru", "drums": "rnn"}[encoding]
    generator = Generator(model)
    seed = SEEDS[encoding]()
    sampled = generator.generate(seed, GenerateOptions(bars=2, num=3, seed=1))
    beam = generator.generate(seed, GenerateOptions(bars=1, num=2, beam_size=2, branch_factor=2, seed=1))
    streamed = [e for e in generator.stream(seed, GenerateOptions(bars=2, num=2, seed=1))]
    assert all(model.encoding.is_valid(t) for t in sampled.tokens + beam.tokens)
    assert streamed[-1].kind == "done"
    assert [len(t) for t in streamed[-1].takes.tokens] == [len(t) for t in generator.generate(
        seed, GenerateOptions(bars=2, num=2, seed=1)).tokens]
    stream = generator.open_stream(seed, GenerateOptions(seed=2))
    first = stream.next_notes(4.0)
    stream.prime(seed)  # a player's phrase read in mid-stream (rolls back the lookahead)
    assert isinstance(first, list) and isinstance(stream.next_notes(4.0), list)


def test_full_repetition_copies_what_was_played_and_zero_does_not_have_to(context_models):
    model = context_models["melody"]
    generator = Generator(model)
    seed = SEEDS["melody"]()
    copied = generator.generate(seed, GenerateOptions(bars=4, temperature=0.0, repetition=1.0, seed=0)).tokens[0]
    ctx = continuation_contexts(model, seed, copied)
    proposals = ctx[:, POSITION_FEATURES + 1:]
    has = (proposals < model.vocab_size).any(axis=1)
    assert has.sum() > len(copied) // 2  # the seed's bars lie behind most of the continuation
    assert all(copied[i] in proposals[i] for i in np.flatnonzero(has))
    free = generator.generate(seed, GenerateOptions(bars=4, temperature=1.0, repetition=0.0, seed=0)).tokens[0]
    ctx = continuation_contexts(model, seed, free)
    proposals = ctx[:, POSITION_FEATURES + 1:]
    has = (proposals < model.vocab_size).any(axis=1)
    assert not all(free[i] in proposals[i] for i in np.flatnonzero(has))


def test_the_incremental_context_is_the_one_the_prefill_and_training_compute(context_models):
    """Tokens generated step by step see exactly the context a whole-sequence read gives."""
    model = context_models["polyphony"]
    generator = Generator(model)
    seed = SEEDS["polyphony"]()
    options = GenerateOptions(bars=2, seed=3)
    primed = generator.prime(seed, options)
    batch = primed.batch(1, options)
    tokens = generator.generate(seed, options).tokens[0]
    expected = continuation_contexts(model, seed, tokens)
    assert np.array_equal(batch.context.rows_now()[0], expected[0])
    for i, token in enumerate(tokens[:-1]):
        assert np.array_equal(batch.context.push(np.array([token]))[0], expected[i + 1])


def test_a_format_1_model_without_context_inputs_still_loads_and_plays():
    model = load_model_file(FORMAT_1_MODEL)
    assert model.info.format_version == 1 and model.context is None
    takes = Generator(model).generate(SEEDS["polyphony"](), GenerateOptions(bars=2, seed=0, repetition=0.9))
    assert len(takes.tokens[0]) > 0


def test_a_model_file_carries_its_own_repetition_default_and_a_take_records_the_value_used(tmp_path):
    from rnnmusic.errors import ModelFileError
    from rnnmusic.model_fields import check_sampling

    own = load_model_file(make_model(tmp_path / "own.onnx", context=True, sampling={"repetition": 0.7}))
    plain = load_model_file(make_model(tmp_path / "plain.onnx", context=True))
    seed = SEEDS["melody"]()
    assert Generator(own).generate(seed, GenerateOptions(bars=1, seed=0)).options.repetition == 0.7
    assert Generator(own).generate(seed, GenerateOptions(bars=1, seed=0, repetition=0.2)).options.repetition == 0.2
    assert Generator(plain).generate(seed, GenerateOptions(bars=1, seed=0)).options.repetition == 0.5
    stream = Generator(own).open_stream(seed, GenerateOptions(seed=0))
    assert stream.options.repetition == 0.7
    for bad in ({"repetition": 1.5}, {"repetition": "high"}, {"temperature": 0.9}):
        with pytest.raises(ModelFileError, match="rnnmusic.sampling"):
            check_sampling(bad, "m.onnx")


def test_a_context_model_counts_its_context_weights_as_torch_does(tmp_path):
    from rnnmusic.encodings import get_encoding
    from rnnmusic.engine.context import ContextSpec
    from rnnmusic.training.model import RecurrentLM

    model = load_model_file(make_model(tmp_path / "m.onnx", context=True, cell="gru", layers=2))
    enc = get_encoding("melody")
    twin = RecurrentLM(model.info.architecture, enc.follow_table, ContextSpec.from_dict(model.info.context))
    assert model.info.parameter_count() == sum(p.numel() for p in twin.parameters())
    assert model.info.parameter_count() > model.info.architecture.parameter_count()


def test_a_primed_batch_left_to_the_model_takes_its_own_repetition(tmp_path):
    from rnnmusic.engine.context import repetition_bias

    own = Generator(load_model_file(make_model(tmp_path / "own.onnx", context=True, sampling={"repetition": 0.7})))
    options = GenerateOptions(bars=1, seed=0)  # repetition left unset
    batch = own.prime(SEEDS["melody"](), options).batch(2, options)
    assert batch.repetition.tolist() == pytest.approx([repetition_bias(0.7)] * 2)
