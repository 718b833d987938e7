"""Helpers of the training tests (a unique module name: several folders have a conftest.py)."""

from __future__ import annotations

from rnnmusic.training.config import TrainConfig


def tiny_config(steps: int = 12, **run) -> TrainConfig:
    """A model and schedule small enough that a run takes a second or two on a busy 2-core machine."""
    config = TrainConfig()
    config.model.layers, config.model.hidden, config.model.embedding, config.model.dropout = 1, 16, 8, 0.0
    config.data.batch_size, config.data.window = 4, 16
    config.optim.warmup_steps = 3
    config.run.max_steps, config.run.eval_every, config.run.checkpoint_every, config.run.log_every = steps, 6, 4, 2
    for key, value in run.items():
        setattr(config.run, key, value)
    return config
