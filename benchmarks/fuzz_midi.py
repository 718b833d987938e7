"""The long MIDI fuzz run: many seeded mutation cases through the reader, every encoding and the writer.

    .venv/bin/python benchmarks/fuzz_midi.py [--cases 10000] [--seed 1] [--timeout 60] [--cap-mb 1024]

The cases and the harness are those of the CI fuzz test (tests/midi_fuzzer.py, where the
mutations are described); this only runs more of them. Prints the machine, files tried, read,
refused, read differently by the two reading paths, crashed, hung and past the memory cap, the
worker's peak resident memory and the time, then every failing case (its index reproduces it:
``midi_fuzzer.cases(seed, index + 1)``). Exits 1 when any case disagreed, crashed, hung or blew
up. Record results in docs/benchmarks.md under "MIDI fuzzing".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from midi_fuzzer import OUTCOMES, Report, fuzz  # noqa: E402

from rnnmusic.sysinfo import describe_machine  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="how many cases to run")
    parser.add_argument("--seed", type=int, default=1, help="the seed of the cases")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a case may take before it counts as hung")
    parser.add_argument("--cap-mb", type=int, default=1024, help="address space a case may add (MiB)")
    args = parser.parse_args(argv)

    start = time.monotonic()
    last = [start]

    def progress(report: Report) -> None:
        if time.monotonic() - last[0] >= 30:
            last[0] = time.monotonic()
            print(f"  {report.tried:,} cases: {_counts(report)}", flush=True)

    report = fuzz(args.seed, args.cases, args.timeout, args.cap_mb, progress)
    wall = time.monotonic() - start
    print(f"machine: {describe_machine(python=True)}")
    print(f"cases: {report.tried:,} (seed {args.seed}, timeout {args.timeout:g} s, cap {args.cap_mb} MiB per case)")
    print(f"outcomes: {_counts(report)}")
    print(f"worker memory: {report.base_rss / 2**20:.0f} MiB at start, peak {report.peak_rss / 2**20:.0f} MiB")
    print(f"time: {wall:.0f} s ({report.tried / wall:.0f} cases/s)")
    for case, outcome, detail in report.failures:
        print(f"case {case.index} ({case.kind}): {outcome}\n{detail}")
    return 1 if report.failures else 0


def _counts(report: Report) -> str:
    return ", ".join(f"{name} {report.counts[name]:,}" for name in OUTCOMES)


if __name__ == "__main__":
    sys.exit(main())
