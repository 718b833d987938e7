"""The parts both training loops share: decay groups, the clipped step, statistics, early stopping."""

import math

import pytest
import torch

from rnnmusic.training.config import TrainConfig
from rnnmusic.training.optim import EarlyStopping, StepStats, clipped_step, make_optimizer


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))


def test_weight_decay_applies_to_matrices_and_not_to_biases():
    config = TrainConfig()
    config.optim.weight_decay = 0.25
    decayed, plain = make_optimizer(_model(), config).param_groups
    assert decayed["weight_decay"] == 0.25 and all(p.dim() == 2 for p in decayed["params"])
    assert plain["weight_decay"] == 0.0 and all(p.dim() == 1 for p in plain["params"])


def test_clipped_step_returns_the_norm_before_clipping_and_scales_the_step_down():
    config = TrainConfig()
    config.optim.clip_norm, config.optim.lr = 1.0, 1.0
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    before = [p.detach().clone() for p in model.parameters()]
    (model(torch.ones(1, 3)).sum() * 100).backward()
    expected = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in model.parameters()))
    norm = clipped_step(model, optimizer, config)
    assert norm == pytest.approx(expected, rel=1e-5) and norm > 1.0
    moved = math.sqrt(sum(float((p.detach() - b).pow(2).sum()) for p, b in zip(model.parameters(), before)))
    assert moved == pytest.approx(1.0, rel=1e-4)  # SGD with lr 1 moves by exactly the clipped gradient


def test_a_non_finite_gradient_skips_the_step_and_says_so():
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    before = [p.detach().clone() for p in model.parameters()]
    (model(torch.full((1, 3), float("nan"))).sum()).backward()
    skipped = []
    norm = clipped_step(model, optimizer, TrainConfig(), on_skip=skipped.append)
    assert not math.isfinite(norm) and len(skipped) == 1
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))


def test_step_stats_average_and_keep_the_maximum_and_survive_a_checkpoint():
    stats = StepStats()
    for loss, norm in [(2.0, 1.0), (4.0, 3.0), (3.0, 2.0)]:
        stats.add(loss, norm)
    assert stats.line() == {"loss": 3.0, "grad_norm": 2.0, "grad_norm_max": 3.0}
    assert StepStats(stats.as_list()).line() == stats.line()


def test_early_stopping_counts_validations_without_improvement():
    stopping = EarlyStopping(patience=2)
    assert stopping.update(5.0) and stopping.update(4.0)
    assert not stopping.update(4.0)  # equal is not better
    assert not stopping.should_stop
    assert not stopping.update(4.5) and stopping.should_stop and stopping.best == 4.0
    assert stopping.update(3.0) and stopping.bad == 0 and not stopping.should_stop
    assert not EarlyStopping(patience=0, best=1.0, bad=99).should_stop  # 0: never stop
