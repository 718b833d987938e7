"""Generation speed: the engine's full loop vs a bare ONNX Runtime loop vs torch eager, side by side.

    .venv/bin/python benchmarks/generation.py [--tokens 512] [--repeats 7] [--model NAME|PATH ...]

For each model and batch size (1 and 8) it times, in one process, one after the other:

- engine: ``Generator.generate`` from scratch for a fixed number of grid steps with ``num`` =
  batch, i.e. prefill, every masked and sampled token, decoding and composing the takes;
- bare ORT: a loop of ``session.run`` calls on a session with the engine's settings, one token
  per call, state carried, nothing else;
- torch eager: the same network in torch at its defaults (oneDNN on, its own thread count),
  ``torch.no_grad()``, one token per call; and, for context, torch at its fastest setting known
  here for this step (one thread, oneDNN off).

Numbers are microseconds per token step (per loop iteration, all rows together), the median
over the repeats; the runs are interleaved so that load from other processes hits all alike.
Models: the shipped ones when ``models/*.onnx`` exist, with torch running the weights of their
training checkpoint when runs/recipes/NAME/run/best.pt is here (checked against ONNX Runtime),
else the same architecture (weights do not change the time); otherwise stand-ins of the shipped size
(training's default LSTM 2x256, embedding 128, grammar mask in the graph) exported from torch, so
torch runs exactly the weights ONNX Runtime runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rnnmusic.sysinfo import cpu_model

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = cpu_model()
    import onnxruntime
    import torch

    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"onnxruntime {onnxruntime.__version__}, torch {torch.__version__}")


def stand_in(encoding: str, folder: Path):
    """A model of the shipped size with random weights: (onnx path, torch module with the same weights)."""
    from rnnmusic.encodings import get_encoding
    from rnnmusic.model_file import ModelInfo
    from rnnmusic.training.config import TrainConfig
    from rnnmusic.training.export import export_model
    from rnnmusic.training.trainer import build_model

    import torch

    enc = get_encoding(encoding)
    torch.manual_seed(0)
    model = build_model(TrainConfig(), enc).eval()
    info = ModelInfo(name=f"{encoding}-2x256", encoding=json.loads(enc.config_json()),
                     tokens=tuple(str(t) for t in enc.tokens), architecture=model.arch,
                     description="benchmark stand-in: training's default architecture, random weights")
    path = export_model(model, info, folder / f"{encoding}-2x256.onnx", check_steps=5)
    return path, model


def same_architecture(model):
    """A torch RecurrentLM shaped like a loaded engine model (random weights: the time is the same)."""
    from rnnmusic.training.model import RecurrentLM

    arch = model.info.architecture
    return RecurrentLM(arch, model.encoding.follow_table).eval()


def torch_twin(model) -> tuple[object, str]:
    """The torch network of a loaded model: its training checkpoint when the recipe's run folder is here
    (runs/recipes/NAME/run/best.pt) and ONNX Runtime agrees with it, else the same architecture."""
    checkpoint = ROOT / "runs" / "recipes" / model.name / "run" / "best.pt"
    if checkpoint.is_file():
        from rnnmusic.training.checkpoint import checkpoint_config, load_checkpoint
        from rnnmusic.training.export import DEFAULT_TOLERANCE, parity_check
        from rnnmusic.training.trainer import build_model

        payload = load_checkpoint(checkpoint)
        module = build_model(checkpoint_config(payload), model.encoding)
        module.load_state_dict(payload["model"])
        module.eval()
        if parity_check(module, model.path, steps=5).passes(DEFAULT_TOLERANCE):
            return module, "same weights (its checkpoint)"
    return same_architecture(model), "same architecture"


class EngineRun:
    """One timed ``Generator.generate``; returns seconds per loop iteration (the prefill call excluded)."""

    def __init__(self, model):
        from rnnmusic.engine import Generator

        self.model, self.generator, self.calls = model, Generator(model), 0
        run = model.run

        def counted(ids, state):
            self.calls += 1
            return run(ids, state)

        model.run = counted  # counts loop iterations; costs ~0.1 us per call, against the engine

    def __call__(self, batch: int, tokens: int, seed: int) -> tuple[float, float]:
        from rnnmusic.engine import GenerateOptions

        self.calls = 0
        start, cpu = time.perf_counter(), time.thread_time()
        self.generator.generate(None, GenerateOptions(steps=tokens, num=batch, seed=seed))
        steps = max(self.calls - 1, 1)
        return (time.perf_counter() - start) / steps, (time.thread_time() - cpu) / steps


class BareRun:
    """A loop of ``session.run`` calls, one token each, state carried; seconds per call."""

    def __init__(self, path: Path, threads: int):
        import onnxruntime as ort

        from rnnmusic.engine.onnx_meta import read_metadata
        from rnnmusic.model_file import ModelInfo

        self.arch = ModelInfo.from_metadata(read_metadata(path)).architecture
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])

    def __call__(self, batch: int, tokens: int, seed: int) -> tuple[float, float]:
        from rnnmusic.model_file import INPUT_IDS, INPUT_STATE

        ids = np.ones((batch, 1), dtype=np.int64)
        state = np.zeros(self.arch.state_shape(batch), dtype=np.float32)
        start, cpu = time.perf_counter(), time.thread_time()
        for _ in range(tokens):
            _, state = self.session.run(None, {INPUT_IDS: ids, INPUT_STATE: state})
        return (time.perf_counter() - start) / tokens, (time.thread_time() - cpu) / tokens


class TorchRun:
    """The torch module stepped one token at a time under ``no_grad``; seconds per step."""

    def __init__(self, module, onednn: bool = True, threads: int | None = None):
        self.module, self.onednn, self.threads = module, onednn, threads

    def __call__(self, batch: int, tokens: int, seed: int) -> tuple[float, float]:
        import torch

        ids = torch.ones((batch, 1), dtype=torch.long)
        default_threads = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            with torch.no_grad(), torch.backends.mkldnn.flags(enabled=self.onednn):
                state = self.module.initial_state(batch)
                start = time.perf_counter()
                for _ in range(tokens):
                    _, state = self.module(ids, state)
                wall = (time.perf_counter() - start) / tokens
        finally:
            torch.set_num_threads(default_threads)
        return wall, wall  # torch may run several threads: only wall time compares


class _Instant:
    """Stands in for the network: returns fixed logits at once, so the loop's own cost shows alone."""

    def __init__(self, model, batch: int):
        self.logits = np.random.default_rng(0).standard_normal((batch, 1, model.vocab_size)).astype(np.float32)
        self.state = model.initial_state(batch)

    def run(self, ids, state):
        return self.logits.copy(), self.state


def loop_overhead(model, batch: int, tokens: int = 4096, repeats: int = 7) -> float:
    """CPU microseconds per token of the engine's sampling loop (masks, sampling, bookkeeping) without the network."""
    from rnnmusic.engine import GenerateOptions, Generator
    from rnnmusic.engine.sampling import Sampler
    from rnnmusic.engine.search import Batch, sample_loop

    generator = Generator(model)
    primed = generator.prime(None, GenerateOptions(seed=0))
    instant = _Instant(model, batch)
    samples = []
    for repeat in range(repeats):
        out = np.zeros((batch, tokens), dtype=np.int64)
        rows = Batch.repeat(primed.state, primed.logits, primed.last, batch, primed.masks)
        start = time.thread_time()
        for count in sample_loop(instant, rows, Sampler(repeat), primed.masks, generator.advance, 1e12, out):
            pass
        samples.append((time.thread_time() - start) / count)
    return statistics.median(samples) * 1e6


def interleaved(runs: dict, batch: int, tokens: dict, repeats: int) -> dict[str, list[tuple[float, float]]]:
    """Per-step (wall, CPU) seconds of every run, one of each per repeat (load changes hit all alike); one warm-up."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for repeat in range(repeats + 1):
        for name, run in runs.items():
            value = run(batch, tokens[name], repeat)
            if repeat:
                samples[name].append(value)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=512, help="token steps per timed ONNX Runtime run")
    parser.add_argument("--torch-tokens", type=int, default=64, help="token steps per timed torch run")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--model", action="append", help="model name or path (default: shipped, else stand-ins)")
    parser.add_argument("--stand-ins", action="store_true", help="benchmark stand-ins even when shipped models exist")
    args = parser.parse_args(argv)

    import torch

    from rnnmusic.engine import list_models, load_model

    work = Path(tempfile.mkdtemp(prefix="rnnmusic-bench-"))
    cases = []  # (label, onnx path, torch module, how torch got its weights)
    if args.model:
        for name in args.model:
            model = load_model(name)
            cases.append((model.name, model.path, *torch_twin(model)))
    shipped = [e for e in list_models() if e.shipped and e.info is not None]
    if not args.model and shipped and not args.stand_ins:
        for entry in shipped:
            model = load_model(entry.path)
            cases.append((entry.name, entry.path, *torch_twin(model)))
    if not cases:
        for encoding in ("melody", "polyphony"):
            path, module = stand_in(encoding, work)
            cases.append((f"{encoding} stand-in", path, module, "same weights"))

    print(f"machine: {machine()}; torch threads {torch.get_num_threads()}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at start")
    print(f"ONNX Runtime loops: {args.tokens} token steps per run; torch: {args.torch_tokens}; {args.repeats} runs "
          "of each, interleaved; medians in microseconds per step (all rows of the batch together). Wall: elapsed "
          "time. CPU: time the calling thread ran (ONNX Runtime runs on that thread with one intra-op thread), "
          "which a machine loaded by other processes inflates far less.\n")
    print("| model | batch | engine wall | bare ORT wall | engine CPU | bare ORT CPU | engine / bare (CPU) "
          "| torch eager wall (defaults: oneDNN on) | torch eager wall (1 thread, oneDNN off) "
          "| torch defaults / engine (wall) | torch 1 thread / engine (wall) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    per_step = {}
    for label, path, module, weights in cases:
        engine_model = load_model(path)
        arch = engine_model.info.architecture
        runs = {"engine": EngineRun(engine_model), "bare": BareRun(Path(path), engine_model.threads),
                "torch": TorchRun(module), "torch_off": TorchRun(module, onednn=False, threads=1)}
        tokens = {"engine": args.tokens, "bare": args.tokens, "torch": args.torch_tokens,
                  "torch_off": args.torch_tokens}
        for batch in (1, 8):
            samples = interleaved(runs, batch, tokens, args.repeats)
            wall = {name: statistics.median(v[0] for v in values) * 1e6 for name, values in samples.items()}
            cpu = {name: statistics.median(v[1] for v in values) * 1e6 for name, values in samples.items()}
            ratio = statistics.median(e[1] / b[1] for e, b in zip(samples["engine"], samples["bare"]))
            per_step[(label, batch)] = (wall["engine"], cpu["engine"])
            print(f"| {label} ({arch.cell} {arch.layers}x{arch.hidden}, {arch.vocab_size} tokens; torch: {weights}) "
                  f"| {batch} | {wall['engine']:.0f} | {wall['bare']:.0f} | {cpu['engine']:.0f} | {cpu['bare']:.0f} "
                  f"| {ratio:.2f} | {wall['torch']:.0f} | {wall['torch_off']:.0f} "
                  f"| {wall['torch'] / wall['engine']:.0f} | {wall['torch_off'] / wall['engine']:.1f} |", flush=True)
    print()
    for label, path, *_ in cases:
        engine_model = load_model(path)
        print(f"{label}: the sampling loop alone (masks, sampling, bookkeeping; the network replaced by fixed "
              f"logits) costs {loop_overhead(engine_model, 1):.1f} us CPU per token at batch 1, "
              f"{loop_overhead(engine_model, 8):.1f} us at batch 8")
    for label, *_ in cases:
        (one_wall, one_cpu), (eight_wall, eight_cpu) = per_step[(label, 1)], per_step[(label, 8)]
        print(f"{label}: 8 variations cost {eight_cpu / one_cpu:.2f}x one in CPU time, {eight_wall / one_wall:.2f}x "
              "in wall time (per step, batched)")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
