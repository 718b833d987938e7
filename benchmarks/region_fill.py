"""Region fill speed: 4 bars filled with the shipped models at 32 candidates, on one core.

    .venv/bin/python benchmarks/region_fill.py [--repeats 9] [--candidates 32] [--model NAME ...]

For each model (default: the shipped folk and chorale models) a 12-bar piece is made from its
example seed by the engine itself (the seed continued to 12 bars, random seed 0), and bars 5-8
are filled, interleaved and timed one after the other per repeat:

- ``sir``: ``Generator.generate`` with ``RegionSpec(5, 9)`` (SIR over ``--candidates`` fills,
  weighted by the 4 bars after: what the app's Regenerate Selection and ``--region 5-8`` do);
- ``first``: the same region with ``method="first"`` (one fill, no lookahead): a plain 4-bar
  continuation from bar 5, the floor of any region fill;
- ``continue``: the plain continuation of the 4 bars before the region for 4 bars
  (``Generator.generate`` of ``num=1``), what generating used to cost.

Run as a script, the process is pinned to one CPU; ONNX Runtime runs one thread. Times are the median over the
repeats, in milliseconds, from the call to the finished takes, with the process's CPU time beside
them (less inflated than the wall clock when other work shares the core); the load average is
printed with them, since the machines are shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {"folk": ROOT / "examples" / "seed_folk.mid", "chorale": ROOT / "examples" / "seed_chorale.mid"}


def twelve_bars(generator, seed_path: Path):
    """The model's own 12-bar piece from its example seed (the seed continued, random seed 0)."""
    from rnnmusic.engine import GenerateOptions
    from rnnmusic.engine.region_plan import bar_line, piece_bars
    from rnnmusic.engine.units import seed_grid
    from rnnmusic.midi.read import read_midi
    from rnnmusic.transforms import trim

    seed = read_midi(seed_path)
    grid = seed_grid(generator.encoding, seed)
    have = piece_bars(seed, grid)
    piece = generator.generate(seed, GenerateOptions(bars=float(12 - have + 1), seed=0)).sequences[0]
    grid = seed_grid(generator.encoding, piece)
    return trim(piece, 0.0, float(grid.to_seconds(bar_line(grid, 13))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--candidates", type=int, default=32)
    parser.add_argument("--model", action="append", help="shipped model name (default: folk and chorale)")
    args = parser.parse_args(argv)

    from rnnmusic.engine import GenerateOptions, Generator, load_model
    from rnnmusic.engine.region_spec import RegionSpec
    from rnnmusic.sysinfo import describe_machine
    from rnnmusic.transforms import trim

    names = args.model or list(SEEDS)
    setups = {}
    for name in names:
        generator = Generator(load_model(name, threads=1))
        piece = twelve_bars(generator, SEEDS[name])
        plan_start = _bar_seconds(generator, piece, 5)
        before = trim(piece, 0.0, plan_start)
        setups[name] = (generator, piece, before)
    sir, first = RegionSpec(5, 9, candidates=args.candidates), RegionSpec(5, 9, method="first")
    kinds = {
        "sir": lambda g, p, b, k: g.generate(p, GenerateOptions(seed=k, region=sir)),
        "first": lambda g, p, b, k: g.generate(p, GenerateOptions(seed=k, region=first)),
        "continue": lambda g, p, b, k: g.generate(b, GenerateOptions(seed=k, bars=4.0)),
    }
    times: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    for generator, piece, before in setups.values():  # warm-up: first calls allocate
        for run in kinds.values():
            run(generator, piece, before, 0)
    for repeat in range(args.repeats):
        for name, (generator, piece, before) in setups.items():
            for kind, run in kinds.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                run(generator, piece, before, repeat + 1)
                times.setdefault((name, kind), []).append(time.perf_counter() - started)
                cpu.setdefault((name, kind), []).append(time.process_time() - started_cpu)
    print(describe_machine())
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"median of {args.repeats} repeats, one core, ONNX Runtime 1 thread; candidates {args.candidates}")
    print("wall-clock ms (CPU ms of this process in brackets: what a busy machine inflates less)")
    print("| model | encoding | fill bars 5-8, SIR over N | one fill, no lookahead | "
          "plain 4-bar continuation | under 500 ms |")
    print("|---|---|---:|---:|---:|---|")
    for name, (generator, _, _) in setups.items():
        cells = [f"{statistics.median(times[(name, k)]) * 1000:.0f} ({statistics.median(cpu[(name, k)]) * 1000:.0f})"
                 for k in ("sir", "first", "continue")]
        fill = statistics.median(times[(name, "sir")]) * 1000
        print(f"| {name} | {generator.encoding.name} | {' | '.join(cells)} | {'yes' if fill < 500 else 'no'} |")
    return 0


def _bar_seconds(generator, piece, bar: int) -> float:
    from rnnmusic.engine.region_plan import bar_line
    from rnnmusic.engine.units import seed_grid

    grid = seed_grid(generator.encoding, piece)
    return float(grid.to_seconds(bar_line(grid, bar)))


if __name__ == "__main__":
    if hasattr(os, "sched_setaffinity"):  # one core (not inside a test process, which imports main)
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    raise SystemExit(main())
