"""Cold start: `rnnmusic generate` of 8 bars, from a fresh process to the written file.

    .venv/bin/python benchmarks/cold_start.py [--runs 10] [--model NAME|PATH] [--seed-file SEED.mid]

Runs the installed ``rnnmusic`` command ``--runs`` times, each a new process, and reports the
wall time from spawning it to its exit with the MIDI file written (median, min, max). Then, in
one more fresh process each: where the time goes (imports, reading the seed, loading the
model, generating, writing) and ``python -X importtime`` of the same command, summed over the
top-level imports, with the heaviest listed.

Model and seed: the shipped folk model and examples/seed_folk.mid when they exist; otherwise a
stand-in of the shipped size (training's default LSTM 2x256, random weights, exported here
first, not timed) and a two-bar tune written here.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

PHASES = """
import time, sys
t0 = time.perf_counter()
from rnnmusic.engine import GenerateOptions, Generator, load_model
from rnnmusic.midi.read import read_midi
from rnnmusic.midi.write import write_midi
t1 = time.perf_counter()
seed = read_midi(sys.argv[1])
t2 = time.perf_counter()
model = load_model(sys.argv[2])
t3 = time.perf_counter()
take = Generator(model).continue_sequence(seed, GenerateOptions(bars=8, seed=1))[0]
t4 = time.perf_counter()
write_midi(take, sys.argv[3])
t5 = time.perf_counter()
print(f"{t1-t0:.4f} {t2-t1:.4f} {t3-t2:.4f} {t4-t3:.4f} {t5-t4:.4f}")
"""


def _command() -> list[str]:
    script = Path(sys.executable).with_name("rnnmusic")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rnnmusic"]


def _inputs(args, work: Path) -> tuple[str, Path]:
    from rnnmusic.engine import list_models

    model = args.model
    if model is None:
        shipped = [e for e in list_models() if e.shipped and e.encoding_name == "melody"]
        if shipped:
            model = str(shipped[0].path)
        else:
            from generation import stand_in

            model = str(stand_in("melody", work)[0])
            print("no shipped melody model yet: a stand-in of the shipped size (LSTM 2x256) is used")
    seed = Path(args.seed_file) if args.seed_file else ROOT / "examples" / "seed_folk.mid"
    if not seed.exists():
        from rnnmusic.midi.write import write_midi
        from rnnmusic.notes import Note, NoteSequence, TempoChange, make_notes

        tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72, 71, 67, 64, 60]
        notes = make_notes([Note(p, 90, i * 0.25, (i + 1) * 0.25) for i, p in enumerate(tune)])
        seed = write_midi(NoteSequence(notes=notes, tempos=(TempoChange(0.0, 120.0),)), work / "seed.mid")
        print("no examples/seed_folk.mid yet: a two-bar tune written here is the seed")
    return model, seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--model", help="model name or path (default: shipped folk, else a stand-in)")
    parser.add_argument("--seed-file", help="seed MIDI file (default examples/seed_folk.mid, else a written tune)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="rnnmusic-cold-"))
    model, seed = _inputs(args, work)
    out = work / "take.mid"
    cli_args = ["generate", str(seed), "--model", model, "--bars", "8", "--seed", "1", "-o", str(out)]
    command = _command() + cli_args
    print(f"command: {' '.join(command)}")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    walls = []
    for run in range(args.runs + 1):
        out.unlink(missing_ok=True)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0 or not out.exists():
            print(done.stderr, file=sys.stderr)
            return 1
        if run:  # the first run warms the file cache, as a second invocation by a user would find it
            walls.append(wall)
    print(f"wall, fresh process to written file: median {statistics.median(walls):.3f} s, "
          f"min {min(walls):.3f} s, max {max(walls):.3f} s over {len(walls)} runs")

    phases = subprocess.run([sys.executable, "-c", PHASES, str(seed), model, str(work / "phases.mid")],
                            capture_output=True, text=True, check=True).stdout.split()
    names = ("imports", "read seed", "load model", "generate 8 bars", "write MIDI")
    print("inside one fresh process: " + ", ".join(f"{n} {float(v) * 1000:.0f} ms" for n, v in zip(names, phases)))

    traced = subprocess.run([sys.executable, "-X", "importtime", "-m", "rnnmusic", *cli_args],
                            capture_output=True, text=True)
    top = []
    for line in traced.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and match.group(3) == "":  # a top-level import: its cumulative time includes its children
            top.append((int(match.group(2)), match.group(4)))
    total = sum(us for us, _ in top)
    heaviest = ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in sorted(top, reverse=True)[:6])
    print(f"python -X importtime: {total / 1000:.0f} ms of imports in all; heaviest: {heaviest}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
