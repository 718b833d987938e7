"""Training windows carry the timeline context, and transposition moves its proposals with the tokens."""

from __future__ import annotations

import numpy as np

from rnnmusic.encodings import BOS_ID, get_encoding
from rnnmusic.engine.context import POSITION_FEATURES, ContextSpec, stream_context
from rnnmusic.evaluate import TokenSplit
from rnnmusic.training.data import WindowSampler
from rnnmusic.training.transpose import Transposer

ENC = get_encoding("melody", {"min_pitch": 48, "max_pitch": 84})


def test_a_repeating_tune_s_proposals_are_its_next_tokens_in_every_transposed_window():
    hold = ENC.token_ids[next(t for t in ENC.tokens if t.kind == "hold")]
    bar = []
    for pitch in (60, 64, 67, 72):  # one bar of 2/4: four eighth notes
        bar += [ENC.token_ids[next(t for t in ENC.tokens if t.kind == "note_on" and t.value == pitch)], hold]
    tokens = np.array([BOS_ID] + bar * 12, dtype=np.int64)
    split = TokenSplit("train", tokens, np.array([0, len(tokens)]), (((0, 2, 4),),))
    context = stream_context(ContextSpec((1,), 4), ENC, tokens, split.offsets, split.meters)
    sampler = WindowSampler(split, window=24, batch_size=16, transposer=Transposer(ENC, 5), seed=0, context=context)
    moved = 0
    for _ in range(5):
        inputs, targets, _ = sampler.next_batch()
        proposal = sampler.last_context[:, :, POSITION_FEATURES + 1]
        present = proposal < ENC.vocab_size
        assert present.sum() > 0
        assert np.array_equal(proposal[present], targets[present])  # the same as a bar ago, at any shift
        moved += int((~np.isin(inputs, tokens)).any(axis=1).sum())  # a row with a pitch the tune never had
    assert moved > 0  # so the check ran on transposed windows too
