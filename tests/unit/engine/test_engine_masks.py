"""Masks: the grammar is never violated, and key, pitch range and polyphony constraints hold."""

from __future__ import annotations

import numpy as np
import pytest
from model_factory import SEEDS, melody_seed

from rnnmusic.encodings import BOS_ID
from rnnmusic.engine import GenerateOptions, Generator, load_model_file
from rnnmusic.engine.keys import estimate_key, scale_pitch_classes
from rnnmusic.engine.masks import TokenMasks
from rnnmusic.engine.sampling import Sampler
from rnnmusic.errors import ConfigError
from rnnmusic.midi.names import parse_key
from rnnmusic.notes import Note, NoteSequence, make_notes

ENCODINGS = ("melody", "polyphony", "performance", "drums")


def _takes(generator: Generator, name: str, **options):
    defaults = dict(bars=4, num=4, seed=11, temperature=1.5)
    return generator.generate(SEEDS[name](), GenerateOptions(**{**defaults, **options}))


@pytest.mark.parametrize("name", ENCODINGS)
def test_grammar_is_never_violated_even_without_a_mask_in_the_graph(unmasked_paths, name):
    generator = Generator(load_model_file(unmasked_paths[name]))
    encoding = generator.encoding
    seed_ids = encoding.encode(SEEDS[name]())
    for seed in range(3):
        takes = _takes(generator, name, seed=seed, temperature=2.0, num=6)
        for tokens in takes.tokens:
            assert len(tokens) > 0
            assert encoding.is_valid(np.concatenate([seed_ids, tokens]))


@pytest.mark.parametrize("name", ["polyphony", "performance"])
def test_the_grammar_check_can_fail_sampling_without_the_mask_breaks_it(unmasked_paths, name):
    model = load_model_file(unmasked_paths[name])
    sampler = Sampler(0, temperature=2.0)
    ids, last, state = [], BOS_ID, model.initial_state(1)
    for _ in range(200):
        logits, state = model.run(np.array([[last]], dtype=np.int64), state)
        last = int(sampler.sample(logits[:, -1, :].copy(), np.zeros(model.vocab_size, np.float32))[0][0])
        ids.append(last)
    assert not model.encoding.is_valid(np.array(ids))


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance"])
@pytest.mark.parametrize("key, expected", [("C:major", "C major"), ("F# minor", "F# minor"),
                                           ("auto", "C major")])  # the seeds are in C major
def test_key_constraint(generators, name, key, expected):
    takes = _takes(generators[name], name, key=key)
    assert takes.key == expected
    allowed = scale_pitch_classes(*parse_key(expected))
    start = takes.continuation_start
    for seq in takes.sequences:
        pitches = seq.notes["pitch"][seq.notes["start"] >= start - 1e-6]
        assert len(pitches) > 0
        assert allowed[pitches % 12].all()


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance"])
def test_pitch_range(generators, name):
    takes = _takes(generators[name], name, pitch_range=(60, 67))
    for seq in takes.sequences:
        pitches = seq.notes["pitch"][seq.notes["start"] >= takes.continuation_start - 1e-6]
        assert len(pitches) > 0 and pitches.min() >= 60 and pitches.max() <= 67


def test_without_constraints_the_same_takes_leave_key_and_range(generators):
    # the two tests above can fail: unconstrained takes of these models wander everywhere
    takes = _takes(generators["melody"], "melody")
    pitches = np.concatenate([s.notes["pitch"][s.notes["start"] >= takes.continuation_start] for s in takes.sequences])
    assert not scale_pitch_classes(0, False)[pitches % 12].all()
    assert pitches.min() < 60 or pitches.max() > 67


def _max_overlap(notes: np.ndarray) -> int:
    events = sorted([(s, 1) for s in notes["start"]] + [(e, -1) for e in notes["end"]])
    now = most = 0
    for _, change in events:
        now += change
        most = max(most, now)
    return most


@pytest.mark.parametrize("name", ["polyphony", "performance"])
def test_max_polyphony(generators, name):
    free = _takes(generators[name], name)
    capped = _takes(generators[name], name, max_polyphony=2)
    start = capped.continuation_start
    assert max(_max_overlap(s.notes[s.notes["start"] >= start]) for s in free.sequences) > 2
    for seq in capped.sequences:
        assert _max_overlap(seq.notes[seq.notes["start"] >= start - 1e-6]) <= 2
    if name == "polyphony":  # per step: at most two pitch tokens before each step_end
        encoding = generators[name].encoding
        for tokens in capped.tokens:
            per_step = np.split(tokens, np.flatnonzero(encoding.time_advance[tokens] > 0) + 1)
            assert max(len(step) - 1 for step in per_step if len(step)) <= 2


def test_constraints_that_leave_no_pitch_are_refused(generators):
    with pytest.raises(ConfigError, match="leave no pitch.*covers pitches 48-84"):
        TokenMasks(generators["melody"].encoding, GenerateOptions(pitch_range=(0, 20)))


def test_drums_ignore_key_and_range(generators):
    takes = _takes(generators["drums"], "drums", key="C:major", pitch_range=(60, 61), num=1)
    assert len(takes.sequences[0].notes) > len(SEEDS["drums"]().notes)


def test_scales():
    assert scale_pitch_classes(9, True).sum() == 8  # natural minor plus the leading tone
    assert set(np.flatnonzero(scale_pitch_classes(7, False))) == {7, 9, 11, 0, 2, 4, 6}


def _line(pitches, beat=0.5):
    return NoteSequence(notes=make_notes([Note(p, 80, i * beat, (i + 1) * beat) for i, p in enumerate(pitches)]))


def test_key_estimation():
    assert estimate_key(melody_seed()) == (0, False)
    a_minor = [57, 60, 64, 57, 59, 60, 62, 64, 65, 64, 62, 60, 59, 56, 57, 57]
    assert estimate_key(_line(a_minor)) == (9, True)
    assert estimate_key(_line([p + 7 for p in [60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60]])) == (7, False)
    assert estimate_key(NoteSequence()) is None
