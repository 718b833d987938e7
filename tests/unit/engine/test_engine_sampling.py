"""The sampler: exact distributions, temperature, top-k, top-p, masks, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from rnnmusic.engine.sampling import Sampler

LOGITS = np.array([2.0, 1.0, 0.5, 0.0, -1.0, -3.0], dtype=np.float32)
NO_MASK = np.zeros(len(LOGITS), dtype=np.float32)


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _draw(sampler: Sampler, n: int, bias=NO_MASK, rows: int = 1) -> np.ndarray:
    tokens = [sampler.sample(np.tile(LOGITS, (rows, 1)), bias)[0] for _ in range(n)]
    return np.concatenate(tokens)


def _frequencies(tokens: np.ndarray) -> np.ndarray:
    return np.bincount(tokens, minlength=len(LOGITS)) / len(tokens)


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_samples_follow_the_tempered_softmax(temperature):
    tokens = _draw(Sampler(1, temperature), 20000)
    expected = _softmax(LOGITS / temperature)
    # 20,000 draws: the standard error of each frequency is below 0.0036
    assert np.abs(_frequencies(tokens) - expected).max() < 0.015


def test_each_row_of_a_batch_is_its_own_draw():
    tokens = _draw(Sampler(2), 4000, rows=8).reshape(-1, 8)
    assert not all((tokens[:, 0] == tokens[:, r]).all() for r in range(1, 8))
    assert np.abs(_frequencies(tokens.ravel()) - _softmax(LOGITS)).max() < 0.015


def test_same_seed_same_tokens_other_seed_other_tokens():
    a, b, c = (_draw(Sampler(seed), 300, rows=4) for seed in (7, 7, 8))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_greedy_takes_the_best_allowed_token():
    bias = NO_MASK.copy()
    bias[0] = -np.inf
    tokens = _draw(Sampler(3, temperature=0.0), 50, bias)
    assert set(tokens.tolist()) == {1}


def test_masked_tokens_are_never_drawn_even_when_unlikely_ones_remain():
    bias = np.full(len(LOGITS), -np.inf, dtype=np.float32)
    bias[[0, 5]] = 0.0  # the likeliest and the least likely
    tokens = _draw(Sampler(4, temperature=3.0), 20000, bias)
    assert set(np.unique(tokens).tolist()) == {0, 5}
    only = np.full(len(LOGITS), -np.inf, dtype=np.float32)
    only[5] = 0.0
    assert set(_draw(Sampler(5), 2000, only).tolist()) == {5}


def test_top_k_keeps_the_k_likeliest():
    tokens = _draw(Sampler(5, top_k=2), 5000)
    assert set(np.unique(tokens).tolist()) == {0, 1}
    p = _softmax(LOGITS[:2])
    assert abs(_frequencies(tokens)[0] - p[0]) < 0.03


def test_top_p_keeps_the_nucleus():
    p = _softmax(LOGITS)  # 0.56, 0.21, 0.13, 0.08, ...
    tokens = _draw(Sampler(6, top_p=0.7), 5000)
    assert set(np.unique(tokens).tolist()) == {0, 1}  # 0.56 < 0.7 <= 0.56 + 0.21
    assert abs(_frequencies(tokens)[0] - p[0] / (p[0] + p[1])) < 0.03
    assert set(_draw(Sampler(6, top_p=0.01), 200).tolist()) == {0}  # the likeliest always stays


def test_top_k_and_top_p_respect_the_mask():
    bias = NO_MASK.copy()
    bias[0] = -np.inf
    assert set(_draw(Sampler(7, top_k=1), 100, bias).tolist()) == {1}
    assert set(_draw(Sampler(7, top_p=0.01), 100, bias).tolist()) == {1}


def test_log_probability_is_that_of_the_tempered_masked_distribution():
    bias = NO_MASK.copy()
    bias[1] = -np.inf
    sampler = Sampler(8, temperature=0.5)
    z = np.where(bias == 0, LOGITS / 0.5, -np.inf)
    with np.errstate(divide="ignore"):
        expected = np.log(_softmax(z))
    for _ in range(50):
        tokens, logp = sampler.sample(LOGITS[None, :].copy(), bias, want_logp=True)
        assert logp[0] == pytest.approx(expected[tokens[0]], abs=1e-5)


def test_configure_changes_later_draws():
    sampler = Sampler(9)
    sampler.configure(0.0, None, None)
    assert set(_draw(sampler, 20).tolist()) == {0}
    sampler.configure(1.0, None, None)
    assert len(set(_draw(sampler, 200).tolist())) > 2


def test_tokens_can_go_straight_into_a_model_input():
    feed = np.full((3, 1), -1, dtype=np.int64)
    tokens, _ = Sampler(10).sample(np.tile(LOGITS, (3, 1)), NO_MASK, out=feed[:, 0])
    assert np.array_equal(feed[:, 0], tokens) and (feed >= 0).all()
    assert np.array_equal(tokens, Sampler(10).sample(np.tile(LOGITS, (3, 1)), NO_MASK)[0])
