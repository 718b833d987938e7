"""The bernoulli family's model, windows and loop (on synthetic pieces, in steps, never seconds)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnmusic.errors import ConfigError
from rnnmusic.training.bench.frame_model import INPUTS, FrameRNN, frame_inputs
from rnnmusic.training.bench.frame_trainer import (
    FramePieces,
    FrameWindows,
    carried,
    frame_split_nll,
    start_at_key_frequencies,
    train_frames,
)
from rnnmusic.training.bench.polyphonic_data import KEYS, to_roll
from rnnmusic.training.config import TrainConfig

# one thread: tiny models on a shared 2-core machine run far slower with two spinning threads
torch.set_num_threads(1)

C, G = (48, 60, 64, 67), (43, 59, 62, 67)
PIECES = [[C, G] * 8, [G, C] * 6, [C, G] * 5]  # the next chord is always the other one


def test_inputs_are_the_previous_frame_and_a_start_flag():
    roll = to_roll([C, G, ()])
    x = frame_inputs(roll)
    assert x.shape == (3, INPUTS)
    assert x[0, KEYS] == 1 and x[0, :KEYS].sum() == 0  # before the first frame only the flag
    assert np.array_equal(x[1, :KEYS], roll[0]) and np.array_equal(x[2, :KEYS], roll[1]) and x[1:, KEYS].sum() == 0


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_layout_is_the_token_models(cell):
    model = FrameRNN(cell, hidden=8, layers=2)
    logits, state = model(torch.zeros(3, 5, INPUTS))
    assert logits.shape == (3, 5, KEYS)
    assert state.shape == ((2 if cell == "lstm" else 1), 2, 3, 8)


def test_untrained_zero_output_model_scores_88_ln2():
    model = FrameRNN("gru", hidden=4)
    torch.nn.init.zeros_(model.head.weight)
    torch.nn.init.zeros_(model.head.bias)
    result = frame_split_nll(model, PIECES, batch_size=2)
    assert result.standard == pytest.approx(88 * math.log(2))
    assert result.frames == 16 + 12 + 10 and result.pieces == 3


def test_started_at_key_frequencies_an_untrained_model_is_the_add_one_bernoulli_baseline():
    model = FrameRNN("gru", hidden=4)
    torch.nn.init.zeros_(model.head.weight)  # the output ignores the state: only the biases speak
    start_at_key_frequencies(model, PIECES)
    # each of the 7 keys of C and G sounds in some frames; frames 38; add-one: (count + 1) / (38 + 2)
    counts = sum(to_roll(p).sum(axis=0) for p in PIECES)
    p = (counts + 1) / 40
    expected = -(np.log(p) * counts + np.log(1 - p) * (38 - counts)).sum() / 38
    assert frame_split_nll(model, PIECES).standard == pytest.approx(expected, rel=1e-6)
    assert expected < 88 * math.log(2) / 8  # far below the 61 nats of the zero-bias start


def test_batched_scoring_equals_piece_by_piece():
    torch.manual_seed(0)
    model = FrameRNN("lstm", hidden=8)
    together = frame_split_nll(model, PIECES, batch_size=3)
    apart = [frame_split_nll(model, [p], batch_size=1) for p in PIECES]
    assert together.total == pytest.approx(sum(r.total for r in apart), rel=1e-6)
    assert together.first == pytest.approx(sum(r.first for r in apart), rel=1e-6)


def test_windows_pair_each_frame_with_its_predecessor():
    windows = FrameWindows(PIECES, window=5, batch_size=4, seed=0)
    x, y, counts, fresh = windows.next_batch()
    assert x.shape == (4, 5, INPUTS) and y.shape == (4, 5, KEYS)
    assert counts.all() and fresh.all()  # every position counts; every window starts from a zero state
    continuing = x[:, 1:, KEYS] == 0  # rows that are not a piece's first frame
    assert torch.equal(x[:, 1:, :KEYS][continuing], y[:, :-1][continuing])


def test_pieces_are_read_whole_from_their_start_each_once_per_pass():
    pieces = FramePieces(PIECES, window=5, batch_size=2, seed=1)
    frames = {i: [] for i in range(2)}
    read: list[np.ndarray] = []
    for _ in range(40):
        x, y, counts, fresh = pieces.next_batch()
        for row in range(2):
            if fresh[row] and frames[row]:
                read.append(np.concatenate(frames[row]))
                frames[row] = []
            if fresh[row]:
                assert x[row, 0, KEYS] == 1  # a fresh row begins at a piece's first frame
            frames[row].append(y[row][counts[row]].numpy())
            assert not counts[row, counts[row].sum():].any()  # padding only at the end
    rolls = [to_roll(p) for p in PIECES]
    first_pass = read[:3]
    assert sorted(len(r) for r in first_pass) == [10, 12, 16]
    for got in read:
        assert any(len(got) == len(r) and np.array_equal(got, r) for r in rolls)


def test_carried_state_makes_windows_score_as_the_whole_piece():
    torch.manual_seed(0)
    model = FrameRNN("lstm", hidden=8).eval()
    pieces = FramePieces(PIECES[:1], window=3, batch_size=1, seed=0)
    state, outputs = None, []
    with torch.no_grad():
        for _ in range(6):  # 16 frames: 5 full windows and one of 1 frame
            x, _, counts, fresh = pieces.next_batch()
            logits, state = model(x, carried(state, fresh))
            outputs.append(logits[0][counts[0]])
        whole, _ = model(torch.from_numpy(frame_inputs(to_roll(PIECES[0])))[None])
    assert torch.allclose(torch.cat(outputs), whole[0], atol=1e-6)
    assert carried(state, torch.tensor([True])) is None  # a fresh row starts from the initial state
    assert not carried(state.requires_grad_(), torch.tensor([False])).requires_grad  # gradients stop at the window


def test_loop_learns_an_alternation_and_keeps_the_best_weights(tmp_path):
    config = TrainConfig()
    for key, value in {"model.cell": "gru", "model.hidden": 16, "model.layers": 1, "model.embedding": 16,
                       "model.dropout": 0.0, "data.window": 8, "data.batch_size": 8, "optim.lr": 0.05,
                       "optim.warmup_steps": 5, "run.max_steps": 150, "run.eval_every": 25, "run.patience": 0}.items():
        config.set(key, value)
    splits = {"train": PIECES, "valid": PIECES[:1], "test": PIECES[1:]}
    model, summary = train_frames(splits, tmp_path, config, say=lambda text: None)
    assert summary["steps"] == 150
    # from 61 nats; key marginals alone (5 keys at p = 1/2) would give 3.47: it has learnt which chord comes next
    assert summary["valid_nll"] < 2.0
    assert frame_split_nll(model, PIECES[:1]).standard == pytest.approx(summary["valid_nll"], rel=1e-5)
    assert (tmp_path / "best.pt").exists() and (tmp_path / "metrics.jsonl").exists()


def test_loop_learns_when_reading_whole_pieces(tmp_path):
    config = TrainConfig()
    for key, value in {"model.cell": "lstm", "model.hidden": 16, "model.layers": 1, "model.embedding": 16,
                       "model.dropout": 0.0, "data.window": 4, "data.batch_size": 2, "data.sampling": "pieces",
                       "optim.lr": 0.05, "optim.warmup_steps": 5, "run.max_steps": 150, "run.eval_every": 50,
                       "run.patience": 0}.items():
        config.set(key, value)
    model, summary = train_frames({"train": PIECES, "valid": PIECES[:1], "test": PIECES[1:]}, tmp_path, config,
                                  say=lambda text: None)
    assert summary["steps"] == 150 and summary["valid_nll"] < 2.0


def test_transposition_is_refused(tmp_path):
    config = TrainConfig()
    config.set("data.transpose", 2)
    with pytest.raises(ConfigError, match="transpose"):
        train_frames({"train": PIECES, "valid": PIECES, "test": PIECES}, tmp_path, config, say=lambda text: None)
