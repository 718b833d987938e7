"""Pictures of RNN vs LSTM vs GRU on one dataset: learning curves, gradient norms, gradient reach.

From finished benchmark runs (their result.json, train/metrics.jsonl and best.pt):

- ``curves_{head}.png``: validation NLL (nats per frame) and training loss against step, and
  the gradient norm before clipping (mean and max per logging window, log scale): the
  exploding-gradient side (spikes the clipping catches);
- ``gradient_reach.png``: ||d loss_T / d x_{T-k}|| against k for each trained model (log
  scale): the vanishing-gradient side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from rnnmusic.training.bench.frame_model import frame_inputs
from rnnmusic.training.bench.gradient_flow import gradient_by_distance
from rnnmusic.training.bench.polyphonic_data import load_polyphonic, polyphony_encoding, to_ids, to_roll
from rnnmusic.training.bench.run import load_best
from rnnmusic.training.metrics import read_metrics

COLORS = {"rnn": "tab:red", "lstm": "tab:blue", "gru": "tab:green"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _frames_per_token(run_dir: Path) -> float:
    """Validation tokens per frame of a tokens run, to turn nats/token into nats/frame."""
    valid = json.loads((run_dir / "data" / "manifest.json").read_text())["splits"]["valid"]
    return valid["tokens"] / valid["time"]


def plot_curves(run_dirs: Sequence[str | Path], out: str | Path) -> Path:
    """One figure for runs of one head on one dataset (one run per cell)."""
    plt = _pyplot()
    runs = [(Path(d), json.loads((Path(d) / "result.json").read_text())) for d in run_dirs]
    head, dataset = runs[0][1]["head"], runs[0][1]["dataset"]
    fig, (ax_valid, ax_loss, ax_norm) = plt.subplots(1, 3, figsize=(15, 4.2), dpi=100)
    for run_dir, result in runs:
        records = read_metrics(run_dir / "train" / "metrics.jsonl")
        scale = _frames_per_token(run_dir) if head == "tokens" else 1.0
        color, cell = COLORS[result["cell"]], result["cell"].upper()
        valid = [(r["step"], r["valid_nll"] * scale) for r in records if "valid_nll" in r]
        loss = [(r["step"], r["loss"]) for r in records if "loss" in r]
        norms = [(r["step"], r["grad_norm"], r["grad_norm_max"]) for r in records if "grad_norm" in r]
        ax_valid.plot(*zip(*valid), color=color, label=f"{cell} (test {result['test']['nll_standard']:.2f})")
        ax_loss.plot(*zip(*loss), color=color, linewidth=0.8, label=cell)
        steps, mean, peak = zip(*norms)
        ax_norm.plot(steps, mean, color=color, linewidth=1, label=f"{cell} mean")
        ax_norm.plot(steps, peak, color=color, linewidth=0.6, alpha=0.5, linestyle=":", label=f"{cell} max")
        clip = result["config"]["optim"]["clip_norm"]
    ax_norm.axhline(clip, color="black", linewidth=0.8, linestyle="--", label=f"clip at {clip:g}")
    unit = "nats per token" if head == "tokens" else "nats per frame"
    ax_valid.set(title=f"validation NLL, {dataset} ({head})", xlabel="step", ylabel="nats per frame")
    ax_loss.set(title="training loss", xlabel="step", ylabel=unit)
    ax_norm.set(title="gradient norm before clipping", xlabel="step", ylabel="L2 norm", yscale="log")
    for ax in (ax_valid, ax_loss, ax_norm):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    ax_valid.set_ylim(top=min(ax_valid.get_ylim()[1], 15))
    return _save(fig, plt, Path(out))


#: distances measured, per head: about the same stretch of music (JSB has ~4.9 tokens per frame)
SPANS = {"bernoulli": 64, "tokens": 320}


def plot_gradient_reach(run_dirs: Sequence[str | Path], out: str | Path, pieces: int = 24) -> Path:
    """Gradient reach of every run's best model on the first test pieces long enough for its span."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), dpi=100, squeeze=False)
    heads = {"bernoulli": axes[0, 0], "tokens": axes[0, 1]}
    encoding = polyphony_encoding()
    for run_dir in run_dirs:
        model, result = load_best(run_dir)
        test = load_polyphonic(result["dataset"])["test"]
        span = SPANS[result["head"]]
        reach = _reach(model, result["head"], test, encoding, pieces, span)
        ax = heads[result["head"]]
        ax.plot(np.arange(span), reach / reach[0], color=COLORS[result["cell"]], label=result["cell"].upper())
    for head, ax in heads.items():
        unit = "tokens" if head == "tokens" else "frames"
        ax.set(title=f"gradient reach, {head} (trained models)", xlabel=f"distance k ({unit})",
               ylabel="||dL_T/dx_(T-k)|| / ||dL_T/dx_T||", yscale="log")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    return _save(fig, plt, Path(out))


def _reach(model, head: str, test, encoding, pieces: int, span: int) -> np.ndarray:
    """Median gradient reach over the first ``pieces`` test pieces at least ``span`` long."""
    if head == "tokens":
        seqs = [s for s in (to_ids(p, encoding) for p in test) if len(s) - 1 >= span][:pieces]
        return gradient_by_distance(model, [s[:-1] for s in seqs], [int(s[-1]) for s in seqs],
                                    lambda out, target: -out.log_softmax(-1)[target], span)
    rolls = [to_roll(p) for p in test if len(p) >= span][:pieces]
    return gradient_by_distance(
        model, [frame_inputs(r) for r in rolls], [torch.from_numpy(r[-1]) for r in rolls],
        lambda out, target: torch.nn.functional.binary_cross_entropy_with_logits(out, target, reduction="sum"), span)


def _save(fig, plt, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path
