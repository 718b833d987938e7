"""Generator: determinism, batched variations, what a take keeps of its seed, lengths, progress, cancel, beam."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from model_factory import SEEDS, make_model, melody_seed

from rnnmusic.encodings import BOS_ID
from rnnmusic.engine import GenerateOptions, GenerationCancelled, Generator, load_model_file
from rnnmusic.notes import NoteSequence, TempoChange, TimeSignature


def _notes(seq: NoteSequence) -> list[tuple]:
    return [tuple(row) for row in seq.notes.tolist()]


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance", "drums"])
def test_same_seed_same_notes_other_seed_other_notes(generators, name):
    options = GenerateOptions(bars=2, num=2, seed=3)
    first = generators[name].continue_sequence(SEEDS[name](), options)
    again = generators[name].continue_sequence(SEEDS[name](), options)
    other = generators[name].continue_sequence(SEEDS[name](), options.replace(seed=4))
    assert [_notes(s) for s in first] == [_notes(s) for s in again]
    assert [_notes(s) for s in first] != [_notes(s) for s in other]


def test_variations_are_different_and_sampled_in_one_batched_run(model_paths):
    model = load_model_file(model_paths["melody"])
    calls = []
    run = model.run

    def recording(ids, state):
        calls.append(ids.shape)
        return run(ids, state)

    model.run = recording
    seed = melody_seed()
    takes = Generator(model).generate(seed, GenerateOptions(bars=2, num=4, seed=1))
    assert len(takes.sequences) == 4
    assert len({tuple(t.tolist()) for t in takes.tokens}) == 4
    seed_tokens = len(model.encoding.encode(seed))
    assert calls[0] == (1, seed_tokens + 1)  # bos and the whole seed, prefilled in one call
    assert all(shape == (4, 1) for shape in calls[1:])  # then one token per call for all four at once
    assert len(calls) - 1 == max(len(t) for t in takes.tokens) - 1  # the last token needs no model step


def test_a_take_keeps_the_seed_as_it_was_read(generators):
    seed = melody_seed(qpm=100.0, numerator=3, program=73)
    take = generators["melody"].continue_sequence(seed, GenerateOptions(bars=2, seed=5))[0]
    assert take.tempos == seed.tempos and take.time_signatures == seed.time_signatures
    assert take.source == seed.source
    new = take.notes[take.notes["start"] >= seed.total_time - 1e-6]
    assert len(new) > 0 and set(new["program"].tolist()) == {73}  # the seed's instrument
    before = take.notes[take.notes["start"] < seed.total_time - 1e-6]
    assert np.array_equal(before["pitch"], seed.notes["pitch"])
    assert np.allclose(before["start"], seed.notes["start"])
    assert np.array_equal(before["velocity"], seed.notes["velocity"])  # not the encoding's velocity
    assert np.all(before["end"] >= seed.notes["end"] - 1e-9)  # a note the model holds on gets longer


@pytest.mark.parametrize("length, tokens", [({"bars": 2}, 24), ({"steps": 10}, 10), ({"seconds": 3.0}, 20)])
def test_lengths_in_bars_steps_and_seconds(generators, length, tokens):
    # the seed is in 3/4 at 100 qpm: a bar is 12 sixteenths, three seconds are 20 of them
    takes = generators["melody"].generate(melody_seed(), GenerateOptions(seed=2, num=3, **length))
    assert all(len(t) == tokens for t in takes.tokens)
    end = takes.continuation_start + tokens * 0.15
    assert all(seq.notes["end"].max() <= end + 1e-6 for seq in takes.sequences)


def test_eight_bars_is_the_default_length(generators):
    takes = generators["polyphony"].generate(SEEDS["polyphony"](), GenerateOptions(seed=1))
    steps = generators["polyphony"].encoding.time_advance[takes.tokens[0]].sum()
    assert steps == 8 * 16


def test_from_scratch(generators):
    take = generators["melody"].continue_sequence(None, GenerateOptions(bars=1, seed=1))[0]
    assert len(take.notes) > 0 and take.notes["start"].min() >= 0 and take.qpm == 120.0
    empty = NoteSequence(tempos=(TempoChange(0.0, 90.0),), time_signatures=(TimeSignature(0.0, 6, 8),))
    take = generators["drums"].continue_sequence(empty, GenerateOptions(bars=1, seed=1))[0]
    assert take.qpm == 90.0 and take.time_signatures[0].numerator == 6
    assert take.notes["end"].max() <= 3 * 60 / 90 + 1e-6  # one bar of 6/8 is three quarter notes


def test_continuation_only_starts_at_the_bar_line(generators):
    seed = melody_seed()  # exactly two bars long
    takes = generators["melody"].generate(seed, GenerateOptions(bars=2, seed=3, continuation_only=True))
    take = takes.sequences[0]
    assert takes.continuation_start == pytest.approx(0.0)
    full = generators["melody"].generate(seed, GenerateOptions(bars=2, seed=3))
    shifted = full.sequences[0].notes[full.sequences[0].notes["start"] >= seed.total_time - 1e-6]
    assert np.allclose(take.notes["start"], shifted["start"] - seed.total_time)
    assert take.tempos[0].qpm == 100.0 and take.time_signatures[0].numerator == 3


def test_progress_rises_to_one(generators):
    seen = []
    generators["melody"].generate(melody_seed(), GenerateOptions(bars=4, seed=1), progress=seen.append)
    assert seen[-1] == 1.0 and len(seen) > 3
    assert all(a <= b for a, b in zip(seen, seen[1:]))


def test_cancellation(generators):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(GenerationCancelled):
        generators["melody"].generate(melody_seed(), GenerateOptions(bars=4, seed=1), cancel=cancel)
    cancel = threading.Event()
    seen = []

    def stop_halfway(fraction):
        seen.append(fraction)
        if fraction > 0.3:
            cancel.set()

    with pytest.raises(GenerationCancelled):
        generators["melody"].generate(melody_seed(), GenerateOptions(bars=16, seed=1), progress=stop_halfway,
                                      cancel=cancel)
    assert 0.3 < seen[-1] < 0.6


@pytest.fixture(scope="module")
def opinionated(tmp_path_factory):
    """A model with strong preferences, so that some continuations are far likelier than others."""
    return Generator(load_model_file(make_model(tmp_path_factory.mktemp("beam") / "opinionated.onnx",
                                                "melody", seed=21, spread=12.0)))


def _log_likelihood(generator: Generator, seed_ids: np.ndarray, tokens: np.ndarray) -> float:
    model, encoding = generator.model, generator.encoding
    ids = np.concatenate([[BOS_ID], seed_ids, tokens]).astype(np.int64)
    logits, _ = model.run(ids[None, :-1], model.initial_state(1))
    z = logits[0, len(seed_ids):].astype(np.float64)
    z = np.where(encoding.follow_table[ids[len(seed_ids):-1]], z, -np.inf)
    log_norm = np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1)
    return float((z[np.arange(len(tokens)), tokens] - log_norm).sum())


def test_beam_search_finds_likelier_continuations(opinionated):
    seed = melody_seed()
    seed_ids = opinionated.encoding.encode(seed)
    plain = opinionated.generate(seed, GenerateOptions(bars=1, num=8, seed=1))
    beam = opinionated.generate(seed, GenerateOptions(bars=1, num=2, seed=1, beam_size=4, branch_factor=4))
    plain_ll = [_log_likelihood(opinionated, seed_ids, t) for t in plain.tokens]
    beam_ll = [_log_likelihood(opinionated, seed_ids, t) for t in beam.tokens]
    assert len(beam.sequences) == 2 and all(len(t) == 12 for t in beam.tokens)
    assert min(beam_ll) > np.median(plain_ll)
    again = opinionated.generate(seed, GenerateOptions(bars=1, num=2, seed=1, beam_size=4, branch_factor=4))
    assert all(np.array_equal(a, b) for a, b in zip(beam.tokens, again.tokens))


def test_beam_search_on_a_grammar_with_several_tokens_per_step(generators):
    generator = generators["polyphony"]
    takes = generator.generate(SEEDS["polyphony"](), GenerateOptions(bars=1, num=2, seed=2, beam_size=2,
                                                                     branch_factor=3, max_polyphony=3))
    seed_ids = generator.encoding.encode(SEEDS["polyphony"]())
    for tokens in takes.tokens:
        assert generator.encoding.time_advance[tokens].sum() == 16
        assert generator.encoding.is_valid(np.concatenate([seed_ids, tokens]))


def test_a_seed_the_model_cannot_read_is_kept_and_continued_after_its_end(generators):
    low = melody_seed()
    notes = np.array(low.notes, copy=True)
    notes["pitch"] -= 25  # all below the melody encoding's range (48..84)
    low = low.with_notes(notes)
    takes = generators["melody"].generate(low, GenerateOptions(bars=1, seed=2))
    assert takes.seed_dropped == {"out_of_range": 6}
    assert takes.continuation_start == pytest.approx(low.total_time)
    take = takes.sequences[0]
    assert np.array_equal(take.notes["pitch"][:6], low.notes["pitch"])
    assert take.notes["start"][6:].min() >= low.total_time - 1e-9
