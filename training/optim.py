"""What every training loop here does the same way around its forward pass.

The token trainer (:mod:`rnnmusic.training.trainer`) and the benchmark's frame trainer
(:mod:`rnnmusic.training.bench.frame_trainer`) differ in their batches, loss and scoring;
the optimiser, the learning-rate schedule, the clipped step, the per-log-line statistics and
early stopping are these, so both loops train by the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from rnnmusic.training.config import TrainConfig


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices only (biases and other vectors are not shrunk)."""
    o = config.optim
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": o.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=o.lr, betas=(o.beta1, o.beta2))


def lr_at(step: int, total: int, config: TrainConfig) -> float:
    """Linear warm-up over ``warmup_steps``, then cosine decay to ``lr * min_lr_ratio`` at ``total``."""
    o = config.optim
    if step < o.warmup_steps:
        return o.lr * (step + 1) / o.warmup_steps
    progress = min(1.0, (step - o.warmup_steps) / max(1, total - o.warmup_steps))
    return o.lr * (o.min_lr_ratio + (1 - o.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def clipped_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, config: TrainConfig,
                 scaler: torch.amp.GradScaler | None = None, on_skip: Callable[[float], None] = lambda norm: None
                 ) -> float:
    """Clip the gradients (after ``backward``) to ``optim.clip_norm`` and step; returns the norm before clipping.

    A step whose gradient is not finite is skipped (one bad batch must not wreck the
    weights): by the grad scaler itself when there is one, else here, calling ``on_skip``.
    """
    clip = config.optim.clip_norm if config.optim.clip_norm > 0 else float("inf")
    if scaler is not None:
        scaler.unscale_(optimizer)
    norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), clip))
    if scaler is not None:
        scaler.step(optimizer)
        scaler.update()
    elif math.isfinite(norm):
        optimizer.step()
    else:
        on_skip(norm)
    return norm


class StepStats:
    """Loss and gradient norm gathered between two metrics lines: sums, the norm's maximum, the step count."""

    def __init__(self, values: list | None = None):
        self.loss_sum: float
        self.norm_sum: float
        self.norm_max: float
        self.steps: int
        self.loss_sum, self.norm_sum, self.norm_max, self.steps = values or (0.0, 0.0, 0.0, 0)

    def add(self, loss: float, norm: float) -> None:
        self.loss_sum += loss
        self.norm_sum += norm
        self.norm_max = max(self.norm_max, norm)
        self.steps += 1

    def as_list(self) -> list:
        """For a checkpoint, so a resumed run's next line averages what it would have."""
        return [self.loss_sum, self.norm_sum, self.norm_max, self.steps]

    def mean_loss(self) -> float:
        return self.loss_sum / self.steps

    def line(self) -> dict[str, float]:
        """The metrics.jsonl fields (loss, grad_norm, grad_norm_max)."""
        return {"loss": self.mean_loss(), "grad_norm": self.norm_sum / self.steps, "grad_norm_max": self.norm_max}


class EarlyStopping:
    """The best validation NLL so far and how many validations have not improved on it."""

    def __init__(self, patience: int, best: float | None = None, bad: int = 0):
        self.patience, self.best, self.bad = patience, best, bad

    def update(self, nll: float | None) -> bool:
        """Record one validation; True when it is a new best (``None``: nothing to validate on, always kept)."""
        improved = nll is None or self.best is None or nll < self.best
        if improved:
            self.best, self.bad = nll, 0
        else:
            self.bad += 1
        return improved

    @property
    def should_stop(self) -> bool:
        return bool(self.patience and self.bad >= self.patience)
