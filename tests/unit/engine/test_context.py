"""The timeline context (rnnmusic.engine.context) on hand-made token sequences whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from rnnmusic.encodings import BOS_ID, get_encoding
from rnnmusic.engine.context import (
    ContextSpec,
    ContextTracker,
    beat_steps,
    piece_context,
    repetition_bias,
    stream_context,
)
from rnnmusic.errors import ConfigError, ModelFileError

MELODY = get_encoding("melody", {"min_pitch": 48, "max_pitch": 84})
POLY = get_encoding("polyphony", {"min_pitch": 48, "max_pitch": 84})
SPEC = ContextSpec(lookback_bars=(1, 2), steps_per_quarter=4)
NONE = MELODY.vocab_size


def note(pitch: int) -> int:
    return MELODY.token_ids[next(t for t in MELODY.tokens if t.kind == "note_on" and t.value == pitch)]


HOLD = MELODY.token_ids[next(t for t in MELODY.tokens if t.kind == "hold")]


def two_four_bar(pitches: list[int]) -> list[int]:
    """One bar of 2/4 on a sixteenth grid: four eighth notes (note, hold)."""
    out = []
    for p in pitches:
        out += [note(p), HOLD]
    return out


def test_proposals_are_the_tokens_one_and_two_bars_back_and_flags_say_which_repeated():
    a, b = two_four_bar([60, 62, 64, 65]), two_four_bar([67, 65, 64, 62])
    ids = [BOS_ID] + a + b + a  # bars: A B A
    ctx = piece_context(SPEC, MELODY, np.array(ids), [(0, 2, 4)])
    # row i is the context for predicting ids[i + 1]; bar 2 (steps 16..23) repeats bar 0
    for step in range(16, 23):
        row = ctx[step]  # after the token at step - 1, predicting the token at `step`
        assert row[0] == step % 8 and row[1] == 8 and row[3] == 4  # 2/4: 8 steps a bar, 4 a beat
        assert row[5] == ids[step + 1 - 8]  # one bar back: bar B
        assert row[6] == ids[step + 1 - 16]  # two bars back: bar A
    # in bar 0 nothing lies behind; in bar 1 only one bar does
    assert (ctx[:8, 5:] == NONE).all()
    assert (ctx[8:16, 6] == NONE).all() and (ctx[8:16, 5] != NONE).all()
    # the flags: reading bar 2's tokens, each equalled its two-bars-back proposal (bit 1), not bar B's (bit 0)
    flags = ctx[17:24, 4]
    assert set(flags.tolist()) <= {2, 3} and 2 in flags


def test_meter_changes_move_the_bar_and_beat_positions():
    ids = [BOS_ID] + [HOLD if i % 2 else note(60) for i in range(12 + 12)]
    # 3/4 for one bar (12 steps), then 6/8 (12 steps, beats of three eighths)
    ctx = piece_context(SPEC, MELODY, np.array(ids), [(0, 3, 4), (12, 6, 8)])
    assert ctx[0, :4].tolist() == [0, 12, 0, 4]
    assert ctx[12, :4].tolist() == [0, 12, 0, 6]
    assert ctx[15, :4].tolist() == [3, 12, 3, 6]
    assert beat_steps(6, 8, 4) == 6 and beat_steps(3, 8, 4) == 2 and beat_steps(3, 4, 4) == 4


def test_a_polyphony_proposal_is_the_first_token_then_that_may_follow_now():
    def tok(kind, pitch=None):
        return POLY.token_ids[next(t for t in POLY.tokens if t.kind == kind and (pitch is None or t.value == pitch))]

    end = tok("step_end")
    chord = [tok("onset", 60), tok("onset", 64), tok("onset", 67), end]
    silent_steps = [end] * 15  # the rest of a 4/4 bar
    ids = [BOS_ID] + chord + silent_steps + [tok("onset", 62)]
    ctx = piece_context(ContextSpec((1,), 4), POLY, np.array(ids))
    # ids[19] ends the bar's last step: the next token is at step 16, one bar after the chord
    assert ctx[19, 5] == tok("onset", 60)  # the chord's first note
    assert ctx[20, 5] == tok("onset", 64)  # after D now: the first note of the old chord above D
    assert ctx[5, 5] == POLY.vocab_size  # within the first bar nothing lies behind


def test_bos_starts_a_new_piece_and_stream_context_matches_each_piece():
    a = [BOS_ID] + two_four_bar([60, 62, 64, 65]) * 3
    b = [BOS_ID] + two_four_bar([72, 71, 69, 67]) * 2
    tokens = np.array(a + b)
    offsets = np.array([0, len(a), len(a) + len(b)])
    meters = [[(0, 2, 4)], [(0, 2, 4)]]
    whole = stream_context(SPEC, MELODY, tokens, offsets, meters)
    assert np.array_equal(whole[: len(a)], piece_context(SPEC, MELODY, np.array(a), meters[0]))
    assert np.array_equal(whole[len(a):], piece_context(SPEC, MELODY, np.array(b), meters[1]))
    assert (whole[len(a): len(a) + 8, 5:] == NONE).all()  # nothing of piece a reaches into piece b


def test_pushing_token_by_token_equals_reading_the_whole_sequence_and_rows_copy_apart():
    ids = np.array([BOS_ID] + two_four_bar([60, 62, 64, 65]) * 4)
    whole = piece_context(SPEC, MELODY, ids, [(0, 2, 4)])
    tracker = ContextTracker(SPEC, MELODY, [(0, 2, 4)])
    tracker.features_of(ids[:10])
    tracker.take([0, 0])  # two rows from one primed row
    for i in range(10, len(ids)):
        tracker.push(np.array([ids[i], note(48)]), active=np.array([True, i % 2 == 0]))
        assert np.array_equal(tracker.rows_now()[0], whole[i])
    assert not np.array_equal(tracker.rows_now()[0], tracker.rows_now()[1])


def test_only_grid_encodings_have_a_context_and_specs_are_validated():
    with pytest.raises(ConfigError, match="performance encoding has no step grid"):
        ContextTracker(SPEC, get_encoding("performance"))
    assert ContextSpec.from_dict({"lookback_bars": [1, 2], "steps_per_quarter": 4}) == SPEC
    for bad in ({"lookback_bars": [0], "steps_per_quarter": 4}, {"lookback_bars": "1", "steps_per_quarter": 4},
                {"lookback_bars": [1]}, [1]):
        with pytest.raises(ModelFileError, match="context"):
            ContextSpec.from_dict(bad, "m.onnx")


def test_repetition_maps_half_to_the_model_as_trained_and_the_ends_to_closed_and_open_gates():
    assert repetition_bias(0.5) == 0.0
    assert repetition_bias(0.0) == -30.0 and repetition_bias(1.0) == 30.0
    assert repetition_bias(0.25) < 0 < repetition_bias(0.75)
    with pytest.raises(ValueError):
        repetition_bias(1.5)
