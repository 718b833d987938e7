"""Training of the ``bernoulli`` family (88 sigmoids per frame), with the pipeline's parts.

Why not :func:`rnnmusic.training.trainer.train` itself: its loop is bound to token data at
four places that are not parameters: batches come from ``WindowSampler`` over a
``TokenSplit`` (int token windows), the loss is cross-entropy over a vocabulary, the model
is built from an encoding by ``build_model``, and validation is ``torch_split_nll`` over
token pieces. A frame model needs float multi-hot windows, a Bernoulli loss and per-frame
scoring. Everything else is the pipeline's: :class:`TrainConfig` (same sections, saved in
the checkpoints), :mod:`rnnmusic.training.optim` (AdamW with the same decay groups, warm-up +
cosine, the clipped step that skips non-finite gradients, the metrics-line statistics, early
stopping), ``save_checkpoint`` / ``load_checkpoint`` (no pickle) and ``MetricsLog``
(metrics.jsonl with the same keys: loss, grad_norm, grad_norm_max, lr, valid_nll). Not
reused: exact resume (a benchmark run is short; it restarts).

Batches, by ``data.sampling``: ``windows`` mirrors the token trainer (random windows of
``data.window`` rows of one split's stream, pieces back to back, each row holding the
previous frame and a start flag before each piece's first frame; the state zero at each
window's start); ``pieces`` gives each batch row whole pieces in a shuffled order, read
window after window from the piece's first frame with the state carried over (gradients
still truncated at the window), the way a piece is scored: from its start, with all of it.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rnnmusic.errors import ConfigError
from rnnmusic.training.bench.frame_model import FrameRNN, frame_inputs
from rnnmusic.training.bench.polyphonic_data import Piece, to_roll
from rnnmusic.training.bench.scoring import FrameNLL, bernoulli_frame_nll, score_pieces
from rnnmusic.training.checkpoint import BEST, LAST, load_checkpoint, save_checkpoint
from rnnmusic.training.config import TrainConfig
from rnnmusic.training.device import pick_device
from rnnmusic.training.metrics import MetricsLog
from rnnmusic.training.optim import EarlyStopping, StepStats, clipped_step, lr_at, make_optimizer, set_lr


def build_frame_model(config: TrainConfig) -> FrameRNN:
    m = config.model
    return FrameRNN(m.cell, m.hidden, m.layers, m.dropout, m.embedding)


def frame_split_nll(model: FrameRNN, pieces: list[Piece], batch_size: int = 16) -> FrameNLL:
    """Every piece scored from the initial state (the standard protocol's conditioning)."""
    rolls = [to_roll(p) for p in pieces]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            return score_pieces(lambda x: model(torch.from_numpy(x).to(device))[0].float().cpu().numpy(),
                                [frame_inputs(r) for r in rolls],
                                lambda i, logits: bernoulli_frame_nll(logits, rolls[i]), batch_size)
    finally:
        model.train(was_training)


#: one batch: inputs [B, W, 89], targets [B, W, 88], which positions count [B, W], which rows
#: begin a piece (their state is zeroed first) [B]
Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


class FrameWindows:
    """Random windows of one split's (inputs, targets) stream; the generator is seeded from the config."""

    def __init__(self, pieces: list[Piece], window: int, batch_size: int, seed: int):
        rolls = [to_roll(p) for p in pieces]
        self.inputs = np.concatenate([frame_inputs(r) for r in rolls])
        self.targets = np.concatenate(rolls)
        self.frames = len(self.targets)
        if self.frames < window + 1:
            raise ConfigError(f"{self.frames} training frames, fewer than one window of {window}; lower data.window")
        self.window, self.batch_size = window, batch_size
        self.rng = np.random.default_rng(seed)
        self._span = np.arange(window)
        self._all = torch.ones(batch_size, window, dtype=torch.bool)
        self._fresh = torch.ones(batch_size, dtype=torch.bool)

    def next_batch(self) -> Batch:
        starts = self.rng.integers(0, len(self.targets) - self.window, size=self.batch_size, endpoint=True)
        rows = starts[:, None] + self._span
        return torch.from_numpy(self.inputs[rows]), torch.from_numpy(self.targets[rows]), self._all, self._fresh


class FramePieces:
    """Each batch row reads whole pieces (a new shuffle of the split each time it runs out), window by window.

    A piece's last window is padded at its end (those positions do not count); the next
    window of that row begins another piece, from a zero state.
    """

    def __init__(self, pieces: list[Piece], window: int, batch_size: int, seed: int):
        if not pieces:
            raise ConfigError("no training pieces")
        self.rolls = [to_roll(p) for p in pieces]
        self.inputs = [frame_inputs(r) for r in self.rolls]
        self.frames = sum(len(r) for r in self.rolls)
        self.window, self.batch_size = window, batch_size
        self.rng = np.random.default_rng(seed)
        self._queue: list[int] = []
        self._piece = [-1] * batch_size  # what each row is reading, and where it is
        self._at = [0] * batch_size

    def _next_piece(self) -> int:
        if not self._queue:
            self._queue = [int(i) for i in self.rng.permutation(len(self.rolls))]
        return self._queue.pop()

    def next_batch(self) -> Batch:
        rows, width = self.batch_size, self.window
        inputs = np.zeros((rows, width, self.inputs[0].shape[1]), dtype=np.float32)
        targets = np.zeros((rows, width, self.rolls[0].shape[1]), dtype=np.float32)
        counts = np.zeros((rows, width), dtype=bool)
        fresh = np.zeros(rows, dtype=bool)
        for row in range(rows):
            if self._piece[row] < 0 or self._at[row] >= len(self.rolls[self._piece[row]]):
                self._piece[row], self._at[row], fresh[row] = self._next_piece(), 0, True
            piece, start = self._piece[row], self._at[row]
            n = min(width, len(self.rolls[piece]) - start)
            inputs[row, :n] = self.inputs[piece][start:start + n]
            targets[row, :n] = self.rolls[piece][start:start + n]
            counts[row, :n] = True
            self._at[row] = start + n
        return (torch.from_numpy(inputs), torch.from_numpy(targets), torch.from_numpy(counts), torch.from_numpy(fresh))


def carried(state: torch.Tensor | None, fresh: torch.Tensor) -> torch.Tensor | None:
    """The state to start a batch from: the last batch's, detached, zero for rows that begin a piece."""
    if state is None or bool(fresh.all()):
        return None
    return state.detach() * (~fresh).to(state.dtype).view(1, 1, -1, 1)


def start_at_key_frequencies(model: FrameRNN, pieces: list[Piece]) -> None:
    """Output biases = the log-odds of each key sounding in the training frames (add-one smoothed).

    From the usual zero bias every key starts at p = 1/2, 61 nats per frame, and the first
    updates all go to silencing the ~84 keys that are off in a typical frame; started at the
    marginals the model spends its first updates on what follows what.
    """
    rolls = [to_roll(p) for p in pieces]
    sounding = sum(r.sum(axis=0) for r in rolls)
    frames = sum(len(r) for r in rolls)
    p = (sounding + 1.0) / (frames + 2.0)
    with torch.no_grad():
        model.head.bias.copy_(torch.from_numpy(np.log(p / (1 - p))).to(model.head.bias.dtype))


def train_frames(splits: dict[str, list[Piece]], run_dir: str | Path, config: TrainConfig,
                 say=print) -> tuple[FrameRNN, dict]:
    """Train on ``train``, keep the weights of the best ``valid`` NLL (best.pt); returns them and a summary."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if config.data.transpose:
        raise ConfigError("data.transpose is not supported by the bernoulli family (set it to 0)")
    d, r = config.data, config.run
    torch.manual_seed(r.seed)
    device = pick_device(r.device)
    model = build_frame_model(config)
    start_at_key_frequencies(model, splits["train"])
    model = model.to(device)
    sampler = FramePieces if d.sampling == "pieces" else FrameWindows
    batches = sampler(splits["train"], d.window, d.batch_size, r.seed)
    steps_per_epoch = r.steps_per_epoch or max(1, math.ceil(batches.frames / (d.batch_size * d.window)))
    total = r.max_steps if r.max_steps > 0 else r.epochs * steps_per_epoch
    eval_every = r.eval_every or steps_per_epoch
    optimizer = make_optimizer(model, config)
    (run_dir / "config.json").write_text(json.dumps(config.to_dict(), indent=1) + "\n")
    metrics = MetricsLog(run_dir, None, lambda text: None)
    common = {"config": config.to_json(), "family": "bernoulli"}
    stopping, stats, best_step, step, started = EarlyStopping(r.patience), StepStats(), 0, 0, time.monotonic()
    say(f"training bernoulli {config.model.cell} {config.model.layers}x{config.model.hidden} "
        f"({sum(p.numel() for p in model.parameters()):,} parameters): {total} steps, {steps_per_epoch} per epoch")
    model.train()
    state = None
    while step < total and not stopping.should_stop:
        x, y, counts, fresh = (t.to(device) for t in batches.next_batch())
        lr = lr_at(step, total, config)
        set_lr(optimizer, lr)
        logits, state = model(x, carried(state, fresh))
        # summed over the 88 keys, averaged over the frames that count: nats per frame, the benchmark's unit
        per_frame = F.binary_cross_entropy_with_logits(logits, y, reduction="none").sum(-1)
        loss = per_frame[counts].sum() / counts.sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = clipped_step(
            model, optimizer, config,
            on_skip=lambda bad, step=step: say(f"step {step + 1}: gradient norm is {bad}; step skipped"),
        )
        step += 1
        stats.add(float(loss.detach()), norm)
        if step % r.log_every == 0 or step == total:
            metrics.log({"step": step, **stats.line(), "lr": lr})
            stats = StepStats()
        if step % eval_every == 0 or step == total:
            valid = frame_split_nll(model, splits["valid"], r.eval_batch_size).standard
            metrics.log({"step": step, "valid_nll": valid, "epoch": step / steps_per_epoch})
            if stopping.update(valid):
                best_step = step
                save_checkpoint(run_dir / BEST, {**common, "model": model.state_dict(), "step": step})
            save_checkpoint(run_dir / LAST, {**common, "model": model.state_dict(), "step": step})
            say(f"step {step}/{total}: valid NLL {valid:.4f} nats/frame  "
                f"{'(best)' if stopping.bad == 0 else f'({stopping.bad} without improvement)'}"
                f"  [{time.monotonic() - started:.0f} s]")
    if stopping.should_stop:
        say(f"early stopping at step {step}")
    metrics.close()
    model.load_state_dict(load_checkpoint(run_dir / BEST)["model"])  # loads onto the CPU, copied to the model's device
    model.eval()
    return model, {"steps": step, "best_step": best_step, "valid_nll": stopping.best, "stopped_early": step < total}
