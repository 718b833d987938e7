"""One benchmark run: train on train, select on valid, score test in nats per frame, optionally export.

``tokens``: the benchmark is written as a pipeline dataset (:mod:`.token_dataset`), trained by
:func:`rnnmusic.training.trainer.train` (grammar mask on), exported by
:func:`rnnmusic.training.export_run.export_run`, and the exported file is scored again by
:func:`rnnmusic.evaluate.evaluate_model` (ONNX Runtime only), which must give the same
standard-protocol number. ``bernoulli``: :mod:`.frame_trainer`. Every run writes
``result.json`` (numbers, command, seed, config, time, machine) into its folder.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from rnnmusic.encodings.polyphony import STEP_END_ID
from rnnmusic.errors import ConfigError
from rnnmusic.sysinfo import describe_machine
from rnnmusic.training.bench.polyphonic_data import DATASETS, Piece, load_polyphonic, polyphony_encoding, take, to_ids
from rnnmusic.training.bench.scoring import FrameNLL, score_pieces, token_frame_nll
from rnnmusic.training.config import TrainConfig

HEADS = ("bernoulli", "tokens")

#: per head, what a plain command trains (tokens: chosen on JSB's valid split; bernoulli: batch and dropout
#: then changed on Nottingham's valid split; see docs/benchmarks.md)
DEFAULTS: dict[str, dict[str, Any]] = {
    "bernoulli": {"model.layers": 1, "model.hidden": 256, "model.embedding": 256, "model.dropout": 0.5,
                  "data.batch_size": 4, "data.window": 128, "optim.lr": 3e-3, "optim.clip_norm": 5.0,
                  "optim.warmup_steps": 50, "run.epochs": 200, "run.patience": 15},
    "tokens": {"model.layers": 2, "model.hidden": 256, "model.embedding": 256, "model.dropout": 0.3,
               "data.batch_size": 16, "data.window": 256, "optim.lr": 3e-3, "optim.clip_norm": 5.0,
               "optim.warmup_steps": 50, "run.epochs": 60, "run.patience": 8,
               # the benchmark frames carry no meter (and the literature's models read tokens only)
               "model.context": "off"},
}


@dataclass
class BenchSpec:
    dataset: str
    cell: str = "lstm"
    head: str = "tokens"
    out: str = ""  # run folder; default runs/bench/{dataset}-{head}-{cell}-s{seed}
    overrides: dict[str, Any] = field(default_factory=dict)  # config key -> value, after DEFAULTS
    seed: int = 0
    pieces: int | None = None  # first N pieces of each split only (smoke runs)
    data_root: str | None = None
    export: str | None = None  # tokens only: write the best model here and re-score it with ONNX Runtime
    threads: int = 1
    command: str = ""

    def run_dir(self) -> Path:
        return Path(self.out or f"runs/bench/{self.dataset}-{self.head}-{self.cell}-s{self.seed}")

    def config(self) -> TrainConfig:
        if self.dataset not in DATASETS or self.head not in HEADS:
            raise ConfigError(f"dataset must be one of {', '.join(DATASETS)} and head one of {', '.join(HEADS)}")
        config = TrainConfig()
        for key, value in {**DEFAULTS[self.head], "model.cell": self.cell, "run.seed": self.seed,
                           **self.overrides}.items():
            config.set(key, value, "bench")
        config.validate()
        return config


def run_polyphonic(spec: BenchSpec, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Train and score one (dataset, head, cell); returns what result.json holds."""
    config = spec.config()
    run_dir = spec.run_dir()
    if (run_dir / "result.json").exists():
        raise ConfigError(f"{run_dir} already holds a finished benchmark run; choose another --out")
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(spec.threads)
    splits = take(load_polyphonic(spec.dataset, spec.data_root), spec.pieces)
    started = time.monotonic()
    if spec.head == "tokens":
        numbers = _run_tokens(spec, config, splits, run_dir, say)
    else:
        numbers = _run_bernoulli(config, splits, run_dir, say)
    result = {
        "dataset": spec.dataset, "head": spec.head, "cell": spec.cell, "seed": spec.seed,
        "command": spec.command or f"python: run_polyphonic({spec!r})",
        "pieces_per_split": spec.pieces, "config": config.to_dict(),
        "seconds": round(time.monotonic() - started, 1), "machine": machine(spec.threads), **numbers,
    }
    (run_dir / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def _run_bernoulli(config: TrainConfig, splits: dict[str, list[Piece]], run_dir: Path, say) -> dict[str, Any]:
    from rnnmusic.training.bench.frame_trainer import frame_split_nll, train_frames

    model, summary = train_frames(splits, run_dir / "train", config, say)
    test = frame_split_nll(model, splits["test"], config.run.eval_batch_size)
    return {**summary, "parameters": sum(p.numel() for p in model.parameters()), "test": test.as_dict()}


def _run_tokens(spec: BenchSpec, config: TrainConfig, splits: dict[str, list[Piece]], run_dir: Path,
                say) -> dict[str, Any]:
    from rnnmusic.training.bench.token_dataset import write_benchmark_dataset
    from rnnmusic.training.checkpoint import BEST, load_checkpoint
    from rnnmusic.training.trainer import build_model, train

    if not config.model.grammar_mask:
        raise ConfigError("the tokens family needs model.grammar_mask = true (else p(frame) is not a distribution)")
    data_dir, train_dir = run_dir / "data", run_dir / "train"
    write_benchmark_dataset(splits, data_dir, spec.dataset, spec.data_root)
    trained = train(data_dir, train_dir, config, quiet=True)
    encoding = polyphony_encoding()
    model = build_model(config, encoding)
    best = load_checkpoint(train_dir / BEST)
    model.load_state_dict(best["model"])
    test = token_split_nll(model, splits["test"], config.run.eval_batch_size)
    numbers: dict[str, Any] = {
        "steps": trained.steps, "best_step": best["step"], "stopped_early": trained.stopped_early,
        "valid_nll_per_token": trained.best_valid_nll, "parameters": sum(p.numel() for p in model.parameters()),
        "test": test.as_dict(), "trainer_test_nll_per_step": trained.test_nll_per_step,
    }
    if spec.export:
        from rnnmusic.evaluate import evaluate_model
        from rnnmusic.training.export_run import export_run

        export_run(train_dir, spec.export, name=f"bench-{spec.dataset}-{spec.cell}",
                   description=f"{spec.cell} on the {spec.dataset} polyphonic benchmark (rnnmusic bench)")
        report = evaluate_model(spec.export, data_dir)
        numbers["export"] = {"path": str(spec.export), "bytes": os.path.getsize(spec.export),
                             "eval_nll_per_step": report.result.per_step,
                             "eval_nll_per_step_without_first": report.result.per_step_without_first,
                             "data_dir": str(data_dir)}
    say(f"trainer's own test NLL per step {trained.test_nll_per_step:.4f}; per-frame scoring {test.standard:.4f}")
    return numbers


def token_split_nll(model, pieces: list[Piece], batch_size: int = 16) -> FrameNLL:
    """Every piece's frames scored from the initial state by a grammar-masked token model."""
    encoding = polyphony_encoding()
    ids = [to_ids(p, encoding) for p in pieces]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            return score_pieces(
                lambda x: model(torch.from_numpy(x).to(device))[0].float().cpu().numpy(), [s[:-1] for s in ids],
                lambda i, logits: token_frame_nll(logits, ids[i], encoding.follow_table, STEP_END_ID), batch_size)
    finally:
        model.train(was_training)


def machine(threads: int) -> str:
    """CPU model, core count and torch threads: the context every timing needs."""
    return describe_machine(extra=[f"torch {torch.__version__} CPU", f"{threads} thread(s)"])


def load_best(run_dir: str | Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The best weights of a finished benchmark run, in eval mode, with its result.json."""
    from rnnmusic.training.checkpoint import BEST, load_checkpoint

    run_dir = Path(run_dir)
    result = json.loads((run_dir / "result.json").read_text())
    config = TrainConfig.from_dict(result["config"])
    if result["head"] == "tokens":
        from rnnmusic.training.trainer import build_model

        model = build_model(config, polyphony_encoding())
    else:
        from rnnmusic.training.bench.frame_trainer import build_frame_model

        model = build_frame_model(config)
    model.load_state_dict(load_checkpoint(run_dir / "train" / BEST)["model"])
    return model.eval(), result
