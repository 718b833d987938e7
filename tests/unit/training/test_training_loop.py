"""The training loop: determinism, exact resume, checkpoints without pickle, early stopping, bad input."""

from __future__ import annotations

import json
import math
import sys

import pytest
import torch
from training_helpers import tiny_config

from rnnmusic.errors import ConfigError
from rnnmusic.training.checkpoint import load_checkpoint
from rnnmusic.training.metrics import read_metrics
from rnnmusic.training.optim import lr_at
from rnnmusic.training.trainer import train


def weights(run_dir, name="last.pt"):
    return torch.load(run_dir / name, weights_only=True)["model"]


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_same_seed_gives_the_same_weights_and_another_seed_does_not(melody_data, tmp_path):
    train(melody_data, tmp_path / "a", tiny_config(steps=6), quiet=True)
    train(melody_data, tmp_path / "b", tiny_config(steps=6), quiet=True)
    assert_same_weights(weights(tmp_path / "a"), weights(tmp_path / "b"))
    train(melody_data, tmp_path / "c", tiny_config(steps=6, seed=1), quiet=True)
    assert not torch.equal(weights(tmp_path / "a")["head.weight"], weights(tmp_path / "c")["head.weight"])


@pytest.mark.parametrize("stop_at", [5, 6])  # between checkpoints, and at a validation
def test_resume_after_a_stop_equals_an_uninterrupted_run(melody_data, tmp_path, stop_at):
    config = tiny_config(steps=12)
    config.model.dropout = 0.2  # dropout draws from torch's generator, which must be restored too
    config.model.layers = 2
    config.data.transpose = 3  # so does augmentation, from the data generator
    whole = train(melody_data, tmp_path / "whole", config, quiet=True)
    part = train(melody_data, tmp_path / "part", config, stop_at_step=stop_at, quiet=True)
    assert part.steps == stop_at
    resumed = train(melody_data, tmp_path / "part", config, resume=True, quiet=True)
    assert resumed.steps == whole.steps == 12
    assert_same_weights(weights(tmp_path / "whole"), weights(tmp_path / "part"))
    assert_same_weights(weights(tmp_path / "whole", "best.pt"), weights(tmp_path / "part", "best.pt"))
    assert resumed.test_nll == whole.test_nll
    # the metrics of the resumed run are those of the uninterrupted one, with no step logged twice
    strip = lambda rows: [{k: v for k, v in r.items() if k != "tokens_per_s"} for r in rows]  # noqa: E731
    part = read_metrics(tmp_path / "part" / "metrics.jsonl")
    whole = read_metrics(tmp_path / "whole" / "metrics.jsonl")
    assert strip(part) == strip(whole)


def test_checkpoints_hold_everything_and_load_without_pickle(melody_data, tmp_path):
    train(melody_data, tmp_path / "run", tiny_config(steps=6), quiet=True)
    last = load_checkpoint(tmp_path / "run" / "last.pt")
    for key in ("model", "optimizer", "config", "encoding", "dataset", "rng_numpy", "rng_torch", "step"):
        assert key in last, key
    assert last["step"] == 6
    assert json.loads(last["config"])["model"]["hidden"] == 16
    assert json.loads(last["encoding"])["name"] == "melody"
    best = load_checkpoint(tmp_path / "run" / "best.pt")
    metrics = json.loads(best["metrics"])
    assert metrics["test_nll"] > 0 and metrics["valid_nll"] > 0
    records = read_metrics(tmp_path / "run" / "metrics.jsonl")
    assert {"step", "loss", "grad_norm", "lr", "tokens_per_s"} <= set(records[0])
    assert any("valid_nll" in r for r in records)


def test_a_run_folder_is_not_overwritten_and_resume_refuses_a_changed_config(melody_data, tmp_path):
    train(melody_data, tmp_path / "run", tiny_config(steps=4), quiet=True)
    with pytest.raises(ConfigError, match="already holds a run"):
        train(melody_data, tmp_path / "run", tiny_config(steps=4), quiet=True)
    changed = tiny_config(steps=4)
    changed.model.hidden = 32
    with pytest.raises(ConfigError, match="model.hidden"):
        train(melody_data, tmp_path / "run", changed, resume=True, quiet=True)
    with pytest.raises(ConfigError, match="nothing to resume"):
        train(melody_data, tmp_path / "empty", tiny_config(), resume=True, quiet=True)


def test_bad_data_dir_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such dataset folder"):
        train(tmp_path / "missing", tmp_path / "run", tiny_config(), quiet=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no manifest.json"):
        train(tmp_path / "empty", tmp_path / "run", tiny_config(), quiet=True)
    assert not (tmp_path / "run" / "last.pt").exists()


def test_early_stopping_stops_when_validation_stops_improving(melody_data, tmp_path):
    config = tiny_config(steps=200, patience=1)
    config.run.eval_every = 2
    config.optim.lr = 5.0  # far too high: validation gets worse at once
    config.optim.warmup_steps = 0
    result = train(melody_data, tmp_path / "run", config, quiet=True)
    assert result.stopped_early and result.steps < 200


def test_learning_rate_warms_up_then_decays_to_its_floor():
    config = tiny_config()
    config.optim.lr, config.optim.warmup_steps, config.optim.min_lr_ratio = 1.0, 10, 0.1
    rates = [lr_at(step, 100, config) for step in range(101)]
    assert rates[0] == pytest.approx(0.1) and rates[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(rates[10:], rates[11:]))
    assert rates[100] == pytest.approx(0.1)


def test_without_matplotlib_the_run_says_so_and_skips_only_the_png(melody_data, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    result = train(melody_data, tmp_path / "run", tiny_config(steps=4), quiet=True)
    assert result.test_nll is not None and (tmp_path / "run" / "best.pt").exists()
    assert not (tmp_path / "run" / "learning_curve.png").exists()
    assert "matplotlib is not installed" in (tmp_path / "run" / "train.log").read_text()


def test_bf16_autocast_trains_or_is_refused_before_any_work_where_the_cpu_has_no_bf16(melody_data, tmp_path):
    from rnnmusic.training.device import cpu_has_bf16

    config = tiny_config(steps=4)
    config.run.precision = "bf16"  # what CUDA gets by default; CPU autocast runs the same code path
    if not cpu_has_bf16():  # e.g. an AVX2-only CPU: oneDNN's LSTM has no bf16 kernel there
        with pytest.raises(ConfigError, match="run.precision bf16: this CPU has no bfloat16 support"):
            train(melody_data, tmp_path / "run", config, quiet=True)
        assert not (tmp_path / "run" / "last.pt").exists()
        return
    result = train(melody_data, tmp_path / "run", config, quiet=True)
    assert all(math.isfinite(r["loss"]) for r in read_metrics(tmp_path / "run" / "metrics.jsonl") if "loss" in r)
    assert math.isfinite(result.test_nll)


def test_piece_sampling_is_refused_by_the_token_trainer_before_anything_is_written(melody_data, tmp_path):
    config = tiny_config(steps=4)
    config.set("data.sampling", "pieces")
    with pytest.raises(ConfigError, match="data.sampling"):
        train(melody_data, tmp_path / "run", config, quiet=True)
    assert not (tmp_path / "run").exists()
