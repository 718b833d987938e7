"""Training throughput: `rnnmusic train`'s loop vs a plain PyTorch loop, same model, data, batch and window.

    .venv/bin/python benchmarks/train_throughput.py [--cell lstm] [--hidden 256] [--layers 2]
        [--batch-size 32] [--window 64] [--steps 20] [--repeats 5] [--threads N] [--device cpu]

Data: a seeded toy corpus (real MIDI files, melody encoding) built with the real dataset
builder. Model: ``build_model`` of the training config (grammar mask included: it is part of
the model's definition, so the plain loop runs it too).

- pipeline: :func:`rnnmusic.training.trainer.train` for ``warmup + steps`` steps, validation
  only at the very end; its tokens/s is read from metrics.jsonl over the ``steps`` timed steps
  (logged at the warm-up's end and at the last step), so it holds everything the loop does per
  step: window sampling from the memory-mapped split, schedule, clipping with the norm read
  back, the non-finite guard, metrics, progress line;
- plain: the textbook loop: random windows from the same numpy array, forward, cross-entropy,
  backward, clip_grad_norm_, AdamW step; timed over ``steps`` after ``warmup``.

The two alternate (taking turns at going first), ``repeats`` times each, in one process; medians are printed with the
overhead (1 - pipeline / plain), by wall clock and by CPU time (on a shared machine the wall
clock swings by tens of percent from run to run; CPU time much less). Target: <= 10%.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rnnmusic.encodings import get_encoding
from rnnmusic.evaluate import open_split
from rnnmusic.progress import ProgressLine
from rnnmusic.sysinfo import describe_machine
from rnnmusic.training.config import TrainConfig
from rnnmusic.training.data import IGNORE
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.metrics import read_metrics
from rnnmusic.training.toy_corpus import write_toy_corpus
from rnnmusic.training.trainer import build_model, train


def machine() -> str:
    return describe_machine(extra=[f"torch {torch.__version__}", f"{torch.get_num_threads()} threads"])


def make_config(args: argparse.Namespace, total_steps: int) -> TrainConfig:
    config = TrainConfig()
    config.model.cell, config.model.layers, config.model.hidden = args.cell, args.layers, args.hidden
    config.model.embedding, config.model.dropout = args.embedding, 0.1
    config.data.batch_size, config.data.window = args.batch_size, args.window
    config.run.max_steps, config.run.device = total_steps, args.device
    config.run.log_every = args.warmup  # a line at the warm-up's end, then every `warmup` steps
    config.run.eval_every = total_steps  # validate only after the timed steps
    config.run.checkpoint_every = 10**9
    return config


def pipeline_rates(args, data: Path, work: Path, index: int) -> tuple[float, float]:
    """(wall-clock, CPU-time) tokens/s of the trainer's loop over the timed steps.

    Wall clock comes from the run's own metrics.jsonl. CPU time, which other processes on a
    shared machine disturb far less, is the difference between a run of warmup + steps steps
    and one of warmup steps: set-up and the final validation cancel out.
    """
    total = args.warmup + args.steps
    t0 = time.process_time()
    train(data, work / f"short{index}", make_config(args, args.warmup), quiet=True)
    t1 = time.process_time()
    run_dir = work / f"run{index}"
    train(data, run_dir, make_config(args, total), quiet=True)
    t2 = time.process_time()
    lines = [r for r in read_metrics(run_dir / "metrics.jsonl") if "tokens_per_s" in r and r["step"] > args.warmup]
    assert [r["step"] for r in lines] == list(range(2 * args.warmup, total + 1, args.warmup)), lines
    # each line covers `warmup` steps: total tokens over the summed time of the timed steps
    wall = len(lines) / sum(1 / r["tokens_per_s"] for r in lines)
    return wall, args.steps * args.batch_size * args.window / ((t2 - t1) - (t1 - t0))


def plain_rates(args, data: Path) -> tuple[float, float]:
    """(wall-clock, CPU-time) tokens/s of the textbook loop over the timed steps."""
    config = make_config(args, args.warmup + args.steps)
    device = torch.device(args.device)
    tokens = np.asarray(open_split(data, "train").tokens)
    torch.manual_seed(0)
    model = build_model(config, get_encoding("melody")).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.optim.lr, weight_decay=config.optim.weight_decay)
    rng = np.random.default_rng(0)
    span = np.arange(args.window + 1)
    wall = cpu = 0.0
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            wall, cpu = time.perf_counter(), time.process_time()
        windows = tokens[rng.integers(0, len(tokens) - args.window - 1, size=args.batch_size)[:, None] + span]
        x = torch.from_numpy(windows[:, :-1].astype(np.int64)).to(device)
        y = torch.from_numpy(windows[:, 1:].astype(np.int64)).to(device)
        y[y == 0] = IGNORE  # bos is never a target (the grammar gives it zero probability)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=IGNORE)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.optim.clip_norm)
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    tokens_timed = args.steps * args.batch_size * args.window
    return tokens_timed / (time.perf_counter() - wall), tokens_timed / (time.process_time() - cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="lstm", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--embedding", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="timed steps (a multiple of --warmup)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", metavar="FILE", help="also write the raw numbers here")
    args = parser.parse_args(argv)
    if args.steps % args.warmup:
        parser.error("--steps must be a multiple of --warmup (the loop logs every --warmup steps)")
    if args.threads:
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_toy_corpus(work / "midi", files=200, seed=0, notes=256)
        build_dataset(work / "midi", work / "data", "melody", jobs=1, progress=ProgressLine(enabled=False))
        runs: dict[str, list[tuple[float, float]]] = {"plain": [], "pipeline": []}
        train(work / "data", work / "warm", make_config(args, args.warmup), quiet=True)  # imports, caches
        for i in range(args.repeats):
            # alternate which goes first, so a load that comes and goes on a shared machine hits both alike
            for name in ("plain", "pipeline") if i % 2 == 0 else ("pipeline", "plain"):
                if name == "plain":
                    runs["plain"].append(plain_rates(args, work / "data"))
                else:
                    runs["pipeline"].append(pipeline_rates(args, work / "data", work, i))
            print(f"repeat {i + 1}: " + ", ".join(f"{k} {v[-1][0]:,.0f} tok/s wall, {v[-1][1]:,.0f} tok/s CPU"
                                                  for k, v in runs.items()), file=sys.stderr)
    print(f"machine: {machine()}, device {args.device}")
    print(f"model: {args.cell} {args.layers}x{args.hidden}, embedding {args.embedding}, melody (40 tokens), "
          f"batch {args.batch_size} x window {args.window}, {args.steps} timed steps, {args.repeats} repeats")
    summary = {}
    for column, label in ((0, "wall clock"), (1, "CPU time")):
        plain = statistics.median(r[column] for r in runs["plain"])
        pipe = statistics.median(r[column] for r in runs["pipeline"])
        summary[label] = {"plain": plain, "pipeline": pipe, "overhead": 1 - pipe / plain}
        print(f"{label:>10}: plain PyTorch loop {plain:>9,.0f} tokens/s | rnnmusic train {pipe:>9,.0f} tokens/s | "
              f"overhead {1 - pipe / plain:+.1%} (medians; target <= 10%)")
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "summary": summary, "machine": machine(),
                                               "args": vars(args)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
