"""Protocol arithmetic on hand-computed cases: both protocols, both families, the grammar mask."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from rnnmusic.encodings import get_encoding
from rnnmusic.encodings.polyphony import STEP_END_ID
from rnnmusic.training.bench.polyphonic_data import KEYS, polyphony_encoding, to_ids, to_roll
from rnnmusic.training.bench.scoring import (
    bernoulli_frame_nll,
    summarize,
    token_frame_nll,
)


def test_both_protocols_pool_frames():
    result = summarize([np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])])
    assert result.standard == pytest.approx(15 / 5)
    assert result.without_first == pytest.approx((15 - 1 - 4) / (5 - 2))  # first frames 1 and 4 left out
    assert (result.frames, result.pieces) == (5, 2)


def test_long_pieces_weigh_more_than_in_a_mean_of_piece_means():
    result = summarize([np.full(9, 1.0), np.full(1, 11.0)])
    assert result.standard == pytest.approx(2.0)  # (9 + 11) / 10, not (1 + 11) / 2
    assert result.mean_of_pieces == pytest.approx(6.0)  # the other averaging, recorded beside it
    assert result.as_dict()["nll_mean_of_pieces"] == pytest.approx(6.0)


def test_uniform_bernoulli_scores_88_ln2_per_frame_whatever_the_frame():
    piece = [(60, 64, 67), (), tuple(range(21, 109))]
    nll = bernoulli_frame_nll(np.zeros((3, KEYS)), to_roll(piece))
    assert nll == pytest.approx([88 * math.log(2)] * 3)
    assert 88 * math.log(2) == pytest.approx(61.00, abs=0.005)


def test_bernoulli_frame_nll_is_the_product_of_88_keys():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(1, KEYS)) * 3
    roll = to_roll([(21, 50, 108)])
    p = 1 / (1 + np.exp(-logits[0]))
    expected = -sum(math.log(p[k]) if roll[0, k] else math.log(1 - p[k]) for k in range(KEYS))
    assert bernoulli_frame_nll(logits, roll)[0] == pytest.approx(expected, rel=1e-10)


def test_uniform_over_allowed_tokens_by_hand():
    encoding = polyphony_encoding()
    piece = [(60, 64, 67), (), (108,)]
    ids = to_ids(piece, encoding)
    nll = token_frame_nll(np.zeros((len(ids) - 1, encoding.vocab_size)), ids, encoding.follow_table, STEP_END_ID)
    # a frame starts with 88 pitches + step_end allowed; after key index i (pitch 21 + i), 87 - i higher keys + step_end
    first = math.log(89) + math.log(88 - 39) + math.log(88 - 43) + math.log(88 - 46)
    assert nll == pytest.approx([first, math.log(89), math.log(89) + math.log(88 - 87)])
    assert summarize([nll]).standard == pytest.approx((first + 2 * math.log(89)) / 3)


def test_masked_token_model_is_a_proper_distribution_over_frames():
    """With the grammar mask, p(frame) summed over every possible frame is 1 (4 keys: 16 frames)."""
    encoding = get_encoding("polyphony", {"onsets": False, "min_pitch": 60, "max_pitch": 63})
    table = np.random.default_rng(1).normal(size=(encoding.vocab_size, encoding.vocab_size)) * 2
    total = 0.0
    for size in range(5):
        for frame in itertools.combinations(range(60, 64), size):
            ids = to_ids([frame], encoding)
            logits = table[ids[:-1]]  # a bigram "model": logits depend on the token read
            total += math.exp(-token_frame_nll(logits, ids, encoding.follow_table, STEP_END_ID)[0])
    assert total == pytest.approx(1.0, abs=1e-12)


def test_token_piece_must_end_with_step_end():
    encoding = polyphony_encoding()
    ids = to_ids([(60,)], encoding)[:-1]
    with pytest.raises(ValueError):
        token_frame_nll(np.zeros((len(ids) - 1, encoding.vocab_size)), ids, encoding.follow_table, STEP_END_ID)
