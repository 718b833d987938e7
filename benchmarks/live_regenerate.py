"""Live regenerate (issue 13, item 4): from a press to the new bars being scheduled.

    .venv/bin/python benchmarks/live_regenerate.py [--presses 20] [--bars 1,4,16] [--bpm 120] [--json OUT.json]

A :class:`LiveEngine` plays the shipped models (or stand-ins of the shipped size, LSTM 2x256
with random weights, when models/*.onnx are not there) continuing nothing, with its own
threads and the real clock, to a list-backed output (the port plays no part in this). Once
per bar, at a random point in the bar before its last beat, :meth:`LiveEngine.regenerate`
is called (what a regenerate CC or key does on the input thread); each press throws away
the queued bars from the next bar line and makes ``N`` bars from there. Reported per model
and ``N``, in ms, p50 / max over the presses: press to the first new chunk scheduled (it
must beat the bar line, at least 50 ms away), and press to all ``N`` bars scheduled; that
time per beat made (p50: what a one-beat chunk costs on the machine as loaded then, to set
the rest against); plus the underruns (chunks scheduled after their first beat was due).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # live_fakes.FakeOutput: a list-backed output port
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_timing import models  # noqa: E402  # the shipped models, or stand-ins of their size

from rnnmusic.sysinfo import describe_machine  # noqa: E402


def run(model_path: Path, bars: float, presses: int, bpm: float, seed: int) -> dict:
    from live_fakes import FakeOutput

    from rnnmusic.engine import GenerateOptions, Generator, load_model_file
    from rnnmusic.live import InternalClock, LiveConfig, LiveEngine

    stream = Generator(load_model_file(model_path)).open_stream(None, GenerateOptions(seed=seed))
    clock = InternalClock(bpm)
    per_bar = clock.meter.beats_per_bar
    engine = LiveEngine(stream, FakeOutput(now=time.monotonic), clock, LiveConfig(regenerate_bars=bars))
    rng = random.Random(seed)
    first, whole = [], []
    engine.start()
    try:
        while not clock.timeline.running:
            time.sleep(0.001)
        for _ in range(presses):
            bar = int(engine.beat() // per_bar) + 1
            at = bar * per_bar + rng.uniform(0.0, per_bar - 1.0)
            while engine.beat() < at:
                time.sleep(0.001)
            engine.regenerate()
            deadline = time.monotonic() + 30.0
            while engine.stats.regenerations <= len(whole) or math.isnan(engine.stats.regenerate_all):
                if engine.wait(0.001) or time.monotonic() > deadline:
                    raise RuntimeError(f"no regeneration within 30 s ({engine.failure!r})")
            first.append(engine.stats.regenerate_first)
            whole.append(engine.stats.regenerate_all)
    finally:
        engine.stop()
    if engine.failure is not None:
        raise engine.failure
    ms = lambda values: {"p50": statistics.median(values) * 1e3, "max": max(values) * 1e3}  # noqa: E731
    per_beat = statistics.median(whole) / (bars * per_bar) * 1e3
    return {"model": model_path.stem, "bars": bars, "presses": presses, "first_chunk_ms": ms(first),
            "all_bars_ms": ms(whole), "per_beat_ms": per_beat, "underruns": engine.stats.underruns,
            "chunks": engine.stats.chunks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20, help="presses per model and N (default 20)")
    parser.add_argument("--bars", default="1,4,16", help="values of N, the bars each press makes (default 1,4,16)")
    parser.add_argument("--bpm", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="OUT.json", help="also write the results as JSON")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    results = {"machine": describe_machine(python=True, extra=[f"load average at start {load:.1f}"]), "rows": []}
    print(results["machine"], flush=True)
    print("| model | N bars | first new chunk p50 / max (ms) | all N bars p50 / max (ms) | per beat (ms) | underruns |")
    print("|---|---:|---|---|---:|---:|")
    for path in models():
        for bars in (float(b) for b in args.bars.split(",")):
            row = run(path, bars, args.presses, args.bpm, args.seed)
            results["rows"].append(row)
            f, w = row["first_chunk_ms"], row["all_bars_ms"]
            print(f"| {row['model']} | {bars:g} | {f['p50']:.1f} / {f['max']:.1f} | {w['p50']:.1f} / {w['max']:.1f} "
                  f"| {row['per_beat_ms']:.1f} | {row['underruns']} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
