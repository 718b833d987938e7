"""Generation speed: the engine's full loop vs a bare ONNX Runtime loop vs torch eager, side by side.

    .venv/bin/python benchmarks/generation.py [--tokens 512] [--repeats 9] [--model NAME|PATH ...]

``--model`` is repeatable and takes names or paths, so several files (a new model and the one it
replaced, say) are measured in one run; their runs are interleaved with each other too, and models
of the same encoding are compared at the end (the first given of an encoding over each later one).
For each model and batch size (1 and 8) it times, in one process, one after the other:

- engine: ``Generator.generate`` from scratch for a fixed number of grid steps with ``num`` =
  batch, i.e. prefill, every masked and sampled token, the timeline context (a model of format 2
  that reads one: the ContextTracker's push every step), decoding and composing the takes;
- bare ORT: a loop of ``session.run`` calls on a session with the engine's settings, one token
  per call, state carried, nothing else; a context model is fed one fixed, valid context row
  (the tracker's row after an engine take of 24 grid steps from no seed, seed 0: a bar and a half
  of 4/4, so it can point back at tokens one bar earlier) and repetition 0, the same every step: the graph's cost,
  not the tracker's;
- torch eager: the same network in torch at its defaults (oneDNN on, its own thread count),
  ``torch.no_grad()``, one token per call (with the same fixed context row); and, for context,
  torch at its fastest setting known here for this step (one thread, oneDNN off).

Numbers are microseconds per token step (per loop iteration, all rows together), the median
over the repeats; the runs are interleaved so that load from other processes hits all alike.
After the table: the engine's sampling loop alone (the network replaced by fixed logits), with and
without the context tracker, and ``ContextTracker.push`` alone on the tokens of real takes, per call
at batch 1 and 8: what the Python side adds per token.

Models: the shipped ones when ``models/*.onnx`` exist, with torch running the weights of their
training checkpoint when runs/recipes/NAME/run/best.pt is here, builds the file's architecture and
context, and ONNX Runtime agrees with it; else the same architecture and context (weights do not
change the time); otherwise stand-ins of the shipped size (training's default LSTM 2x256, embedding
128, grammar mask in the graph, the default timeline context) exported from torch, so torch runs
exactly the weights ONNX Runtime runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rnnmusic.sysinfo import describe_machine

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (1, 8)
KINDS = ("engine", "bare", "torch", "torch_off")


def stand_in(encoding: str, folder: Path):
    """A model of the shipped size with random weights: (onnx path, torch module with the same weights)."""
    import torch

    from rnnmusic.encodings import get_encoding
    from rnnmusic.model_file import ModelInfo
    from rnnmusic.training.config import TrainConfig
    from rnnmusic.training.export import export_model
    from rnnmusic.training.trainer import build_model

    enc = get_encoding(encoding)
    torch.manual_seed(0)
    model = build_model(TrainConfig(), enc).eval()
    info = ModelInfo(name=f"{encoding}-2x256", encoding=json.loads(enc.config_json()),
                     tokens=tuple(str(t) for t in enc.tokens), architecture=model.arch,
                     description="benchmark stand-in: training's default architecture, random weights")
    path = export_model(model, info, folder / f"{encoding}-2x256.onnx", check_steps=5)
    return path, model


def same_architecture(model):
    """A torch RecurrentLM shaped like a loaded engine model, its context included (random weights: the
    time is the same)."""
    from rnnmusic.training.model import RecurrentLM

    return RecurrentLM(model.info.architecture, model.encoding.follow_table, model.context).eval()


def torch_twin(model) -> tuple[object, str]:
    """The torch network of a loaded model: its training checkpoint when the recipe's run folder is here
    (runs/recipes/NAME/run/best.pt), builds the file's architecture and context, and ONNX Runtime agrees
    with it; else the same architecture and context."""
    checkpoint = ROOT / "runs" / "recipes" / model.name / "run" / "best.pt"
    if not checkpoint.is_file():
        return same_architecture(model), "same architecture"
    from rnnmusic.training.checkpoint import checkpoint_config, load_checkpoint
    from rnnmusic.training.export import DEFAULT_TOLERANCE, parity_check
    from rnnmusic.training.trainer import build_model

    where = checkpoint.relative_to(ROOT)
    try:  # a checkpoint of another model of that name (the one before, a run still training) is no twin
        payload = load_checkpoint(checkpoint)
        module = build_model(checkpoint_config(payload), model.encoding)
        if module.arch != model.info.architecture or module.context_spec != model.context:
            why = f"{where} builds another architecture or context"
        else:
            module.load_state_dict(payload["model"])
            module.eval()
            if parity_check(module, model.path, steps=5).passes(DEFAULT_TOLERANCE):
                return module, f"same weights ({where})"
            why = f"ONNX Runtime disagrees with {where}"
    except Exception as exc:  # noqa: BLE001 - any failure means: not this file's weights
        why = f"{where} unreadable: {type(exc).__name__}"
    return same_architecture(model), f"same architecture ({why})"


def fixed_context(model, batch: int) -> np.ndarray | None:
    """The context row the bare and torch loops feed every step: ``[batch, 1, width]``, or None (no context).

    The tracker's row after an engine take of 24 grid steps (no seed, seed 0, 4/4: a bar and a half)."""
    if model.context is None:
        return None
    from rnnmusic.engine import GenerateOptions, Generator
    from rnnmusic.engine.context import ContextTracker

    tokens = Generator(model).generate(None, GenerateOptions(steps=24, num=1, seed=0)).tokens[0]
    tracker = ContextTracker(model.context, model.encoding)
    row = tracker.features_of(tokens)[-1] if len(tokens) else tracker.rows_now()[0]
    return np.tile(np.asarray(row, dtype=np.int64), (batch, 1, 1))


class EngineRun:
    """One timed ``Generator.generate``; returns seconds per loop iteration (the prefill call excluded)."""

    def __init__(self, model):
        from rnnmusic.engine import Generator

        self.model, self.generator, self.calls = model, Generator(model), 0
        run = model.run

        def counted(ids, state, *context):
            self.calls += 1
            return run(ids, state, *context)

        model.run = counted  # counts loop iterations; costs ~0.1 us per call, against the engine

    def __call__(self, batch: int, tokens: int, seed: int) -> tuple[float, float]:
        from rnnmusic.engine import GenerateOptions

        self.calls = 0
        start, cpu = time.perf_counter(), time.thread_time()
        self.generator.generate(None, GenerateOptions(steps=tokens, num=batch, seed=seed))
        steps = max(self.calls - 1, 1)
        return (time.perf_counter() - start) / steps, (time.thread_time() - cpu) / steps


class BareRun:
    """A loop of ``session.run`` calls, one token each, state carried (a context model: a fixed context row
    and repetition 0); seconds per call."""

    def __init__(self, model):
        import onnxruntime as ort

        self.model = model
        options = ort.SessionOptions()
        options.intra_op_num_threads = model.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model.path), sess_options=options, providers=["CPUExecutionProvider"])
        self.context = {batch: fixed_context(model, batch) for batch in BATCHES}

    def __call__(self, batch: int, tokens: int, seed: int) -> tuple[float, float]:
        from rnnmusic.model_file import INPUT_CONTEXT, INPUT_IDS, INPUT_REPETITION, INPUT_STATE

        feeds = {INPUT_IDS: np.ones((batch, 1), dtype=np.int64)}
        if self.context.get(batch) is not None:
            feeds[INPUT_CONTEXT] = self.context[batch]
            feeds[INPUT_REPETITION] = np.zeros(batch, dtype=np.float32)
        state = self.model.initial_state(batch)
        start, cpu = time.perf_counter(), time.thread_time()
        for _ in range(tokens):
            feeds[INPUT_STATE] = state
            _, state = self.session.run(None, feeds)
        return (time.perf_counter() - start) / tokens, (time.thread_time() - cpu) / tokens


class TorchRun:
    """The torch module stepped one token at a time under ``no_grad`` (a context model: the fixed row);
    seconds per step."""

    def __init__(self, module, contexts: dict, onednn: bool = True, threads: int | None = None):
        self.module, self.contexts, self.onednn, self.threads = module, contexts, onednn, threads

    def __call__(self, batch: int, tokens: int, seed: int) -> tuple[float, float]:
        import torch

        ids = torch.ones((batch, 1), dtype=torch.long)
        extra = ()
        if self.contexts.get(batch) is not None:
            extra = (torch.from_numpy(self.contexts[batch]), torch.zeros(batch))
        default_threads = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            with torch.no_grad(), torch.backends.mkldnn.flags(enabled=self.onednn):
                state = self.module.initial_state(batch)
                start = time.perf_counter()
                for _ in range(tokens):
                    _, state = self.module(ids, state, *extra)
                wall = (time.perf_counter() - start) / tokens
        finally:
            torch.set_num_threads(default_threads)
        return wall, wall  # torch may run several threads: only wall time compares


class _Instant:
    """Stands in for the network: returns fixed logits at once, so the loop's own cost shows alone."""

    def __init__(self, model, batch: int):
        self.logits = np.random.default_rng(0).standard_normal((batch, 1, model.vocab_size)).astype(np.float32)
        self.state = model.initial_state(batch)

    def run(self, ids, state, *context):
        return self.logits.copy(), self.state


def loop_overhead(model, batch: int, with_context: bool = False, tokens: int = 4096, repeats: int = 7) -> float:
    """CPU microseconds per token of the engine's sampling loop (masks, sampling, bookkeeping; with
    ``with_context`` the tracker's push too) without the network."""
    from rnnmusic.engine import GenerateOptions, Generator
    from rnnmusic.engine.sampling import Sampler
    from rnnmusic.engine.token_loop import Batch, sample_loop

    generator = Generator(model)
    primed = generator.prime(None, GenerateOptions(seed=0))
    instant = _Instant(model, batch)
    samples = []
    for repeat in range(repeats):
        out = np.zeros((batch, tokens), dtype=np.int64)
        rows = Batch.repeat(primed.state, primed.logits, primed.last, batch, primed.masks,
                            primed.context if with_context else None)
        start = time.thread_time()
        loop = sample_loop(instant, rows, Sampler(repeat), primed.masks, generator.advance, 1e12, out)
        for count in loop:  # noqa: B007 -- the last value is used after the loop
            pass
        samples.append((time.thread_time() - start) / count)
    return statistics.median(samples) * 1e6


def tracker_push(model, batch: int, steps: int = 256, repeats: int = 7) -> tuple[float, float]:
    """(CPU, wall) microseconds per ``ContextTracker.push`` of ``batch`` rows, on the tokens of real takes
    (the model's own, from no seed; cut to the shortest take)."""
    from rnnmusic.engine import GenerateOptions, Generator
    from rnnmusic.engine.context import ContextTracker

    takes = Generator(model).generate(None, GenerateOptions(steps=steps, num=batch, seed=0)).tokens
    length = min(len(t) for t in takes)
    tokens = np.stack([t[:length] for t in takes], axis=1).astype(np.int64)  # [steps, batch]
    cpu, wall = [], []
    for _ in range(repeats):
        tracker = ContextTracker(model.context, model.encoding, rows=batch)
        start, begun = time.thread_time(), time.perf_counter()
        for column in tokens:
            tracker.push(column)
        cpu.append((time.thread_time() - start) / length)
        wall.append((time.perf_counter() - begun) / length)
    return statistics.median(cpu) * 1e6, statistics.median(wall) * 1e6


def interleaved(runs: dict, batch: int, tokens: dict, repeats: int) -> dict:
    """Per-step (wall, CPU) seconds of every run, one of each per repeat (load changes hit all alike); one warm-up."""
    samples: dict = {name: [] for name in runs}
    for repeat in range(repeats + 1):
        for name, run in runs.items():
            value = run(batch, tokens[name[1]], repeat)
            if repeat:
                samples[name].append(value)
    return samples


def _label(given: str, model, taken: set) -> str:
    """The model's name, or the path as given when it was a path (old and new files share names)."""
    label = given if (os.sep in given or given.endswith(".onnx")) else model.name
    base, n = label, 2
    while label in taken:
        label, n = f"{base} #{n}", n + 1
    taken.add(label)
    return label


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=512, help="token steps per timed ONNX Runtime run")
    parser.add_argument("--torch-tokens", type=int, default=64, help="token steps per timed torch run")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--model", action="append",
                        help="model name or path, repeatable: several are measured side by side "
                             "(default: the shipped ones, else stand-ins)")
    parser.add_argument("--stand-ins", action="store_true", help="benchmark stand-ins even when shipped models exist")
    args = parser.parse_args(argv)

    import torch

    from rnnmusic.engine import list_models, load_model

    work = Path(tempfile.mkdtemp(prefix="rnnmusic-bench-"))
    given = list(args.model or [])
    if not given and not args.stand_ins:
        given = [str(e.path) for e in list_models() if e.shipped and e.info is not None]
    cases, taken = [], set()  # (label, engine model, torch module, how torch got its weights)
    for name in given:
        model = load_model(name)
        cases.append((_label(name, model, taken), model, *torch_twin(model)))
    if not cases:
        for encoding in ("melody", "polyphony"):
            path, module = stand_in(encoding, work)
            cases.append((f"{encoding} stand-in", load_model(path), module, "same weights"))

    print(f"machine: {describe_machine(python=True, versions=('onnxruntime', 'torch'))}; "
          f"torch threads {torch.get_num_threads()}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at start")
    for label, model, _, weights in cases:
        arch, size = model.info.architecture, model.path.stat().st_size
        context = (f"context {model.context.width} wide (lookback bars {list(model.context.lookback_bars)})"
                   if model.context else "no context")
        print(f"- {label}: {model.path} ({size / 1e6:.2f} MB), format {model.info.format_version}, "
              f"{model.encoding.name}, {arch.cell} {arch.layers}x{arch.hidden}, embedding {arch.embedding}, "
              f"{arch.vocab_size} tokens, {context}; torch: {weights}")
    print(f"\nONNX Runtime loops: {args.tokens} token steps per run; torch: {args.torch_tokens}; {args.repeats} runs "
          "of each, interleaved (all models too); medians in microseconds per step (all rows of the batch together). "
          "Wall: elapsed time. CPU: time the calling thread ran (ONNX Runtime runs on that thread with one intra-op "
          "thread), which a machine loaded by other processes inflates far less.\n")
    print("| model | batch | engine wall | bare ORT wall | engine CPU | bare ORT CPU | engine / bare (CPU) "
          "| torch eager wall (defaults: oneDNN on) | torch eager wall (1 thread, oneDNN off) "
          "| torch defaults / engine (wall) | torch 1 thread / engine (wall) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs, tokens = {}, {"engine": args.tokens, "bare": args.tokens, "torch": args.torch_tokens,
                        "torch_off": args.torch_tokens}
    for label, model, module, _ in cases:
        bare = BareRun(load_model(model.path))
        runs.update({(label, "engine"): EngineRun(load_model(model.path)), (label, "bare"): bare,
                     (label, "torch"): TorchRun(module, bare.context),
                     (label, "torch_off"): TorchRun(module, bare.context, onednn=False, threads=1)})
    per_step = {}  # (label, batch) -> {kind: (wall us, CPU us)}
    for batch in BATCHES:
        samples = interleaved(runs, batch, tokens, args.repeats)
        for label, *_ in cases:
            mine = {kind: samples[(label, kind)] for kind in KINDS}
            wall = {k: statistics.median(v[0] for v in values) * 1e6 for k, values in mine.items()}
            cpu = {k: statistics.median(v[1] for v in values) * 1e6 for k, values in mine.items()}
            ratio = statistics.median(e[1] / b[1] for e, b in zip(mine["engine"], mine["bare"]))
            per_step[(label, batch)] = {k: (wall[k], cpu[k]) for k in KINDS}
            print(f"| {label} | {batch} | {wall['engine']:.0f} | {wall['bare']:.0f} | {cpu['engine']:.0f} "
                  f"| {cpu['bare']:.0f} | {ratio:.2f} | {wall['torch']:.0f} | {wall['torch_off']:.0f} "
                  f"| {wall['torch'] / wall['engine']:.0f} | {wall['torch_off'] / wall['engine']:.1f} |", flush=True)
    print()
    for label, model, *_ in cases:
        loops = (f"{loop_overhead(model, 1):.1f} us CPU per token at batch 1, "
                 f"{loop_overhead(model, 8):.1f} us at batch 8")
        print(f"{label}: the sampling loop alone (masks, sampling, bookkeeping; the network replaced by fixed "
              f"logits) costs {loops}", end="")
        if model.context is None:
            print(" (no context to track)")
            continue
        with_tracker = f"{loop_overhead(model, 1, True):.1f} us / {loop_overhead(model, 8, True):.1f} us"
        (cpu1, wall1), (cpu8, wall8) = tracker_push(model, 1), tracker_push(model, 8)
        print(f"; with the context tracker {with_tracker}; ContextTracker.push alone (real takes' tokens) "
              f"{cpu1:.1f} us CPU per call at batch 1 ({wall1:.1f} wall), {cpu8:.1f} us at batch 8 ({wall8:.1f} wall)")
    for label, *_ in cases:
        (one_wall, one_cpu), (eight_wall, eight_cpu) = per_step[(label, 1)]["engine"], per_step[(label, 8)]["engine"]
        print(f"{label}: 8 variations cost {eight_cpu / one_cpu:.2f}x one in CPU time, {eight_wall / one_wall:.2f}x "
              "in wall time (per step, batched)")
    _compare(cases, per_step)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def _compare(cases: list, per_step: dict) -> None:
    """The first model given of each encoding against each later one of it (``--model NEW --model OLD``
    prints NEW / OLD): ratios of the medians and of the file sizes."""
    first: dict = {}
    for label, model, *_ in cases:
        base, base_model = first.setdefault(model.encoding.name, (label, model))
        if base == label:
            continue
        parts = []
        for batch in BATCHES:
            ours, theirs = per_step[(base, batch)], per_step[(label, batch)]
            parts.append(f"batch {batch}: engine {ours['engine'][1] / theirs['engine'][1]:.2f}x CPU "
                         f"({ours['engine'][0] / theirs['engine'][0]:.2f}x wall), bare ORT "
                         f"{ours['bare'][1] / theirs['bare'][1]:.2f}x CPU ({ours['bare'][0] / theirs['bare'][0]:.2f}x "
                         "wall)")
        size = base_model.path.stat().st_size / model.path.stat().st_size
        print(f"{base} / {label}: {'; '.join(parts)}; file {size:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
