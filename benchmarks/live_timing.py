"""Live timing: how close to the schedule the live engine sends, and how evenly the notes arrive.

    .venv/bin/python benchmarks/live_timing.py [--notes 2000] [--bpm 180] [--sender both|rt|normal]
                                               [--underrun-bars 32] [--json OUT.json]

Part 1, timing. A private JACK server (dummy driver, 64 frames at 48 kHz; real-time threads
where the system allows, as a musician's JACK runs) carries ``--notes`` sixteenth notes at
``--bpm`` from a :class:`LiveEngine` (scripted notes, so only timing is measured) to a listener
in another process (so its work does not compete with the engine's). Reported:

- sender lateness: when the sender thread sent each note-on/off minus its scheduled time;
- arrival latency: when the listener received it (rtmidi's arrival stamps) minus the scheduled
  time, and arrival jitter: how far each arrival latency is from their median;

each as p50/p99/max, idle and with both cores kept busy by two other processes, with the
sender thread at real-time priority (SCHED_FIFO) and at normal priority.

Part 2, underruns. The real generation stream (the shipped models, or stand-ins of the shipped
size, LSTM 2x256 with random weights, when models/*.onnx are not there) plays at 240 BPM for
``--underrun-bars`` bars, idle and loaded. An underrun is a chunk queued after its first beat
was due; "least lead" is the smallest margin by which a chunk was early.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))  # the JACK test harness
sys.path.insert(0, str(ROOT / "tests"))  # live_fakes.PatternSource: a fixed pattern instead of a model
sys.path.insert(0, str(ROOT / "benchmarks"))

from jack_server import JackServer, Receiver  # noqa: E402

from rnnmusic.sysinfo import describe_machine  # noqa: E402

LISTENER = "bench"


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p99/max in milliseconds."""
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]  # noqa: E731
    return {"p50": pick(0.5) * 1e3, "p99": pick(0.99) * 1e3, "max": ordered[-1] * 1e3}


@contextlib.contextmanager
def busy_cores(count: int):
    """``count`` processes spinning at ordinary priority (the 'loaded' condition)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.5 if procs else 0)
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def listen(count: int, out: str) -> int:
    """Listener process: record what arrives on a virtual port until ``count`` messages or SIGTERM."""
    receiver = Receiver(name=LISTENER)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    print("ready", flush=True)
    while not stop and len(receiver.messages) < count:
        time.sleep(0.05)
    time.sleep(0.1)
    receiver.close()
    Path(out).write_text(json.dumps([[t, d.hex()] for t, d in receiver.messages]))
    return 0


@contextlib.contextmanager
def listener(count: int):
    """A listener process; yields a function returning what it received (after stopping it)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "arrivals.json"
        proc = subprocess.Popen([sys.executable, __file__, "--listen", str(count), "--out", str(out)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"

        def finish() -> list[tuple[float, bytes]]:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            return [(t, bytes.fromhex(h)) for t, h in json.loads(out.read_text())]

        try:
            yield finish
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def timing_run(notes: int, bpm: float, realtime: bool) -> dict:
    from live_fakes import PatternSource

    from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, open_output

    messages = 2 * notes  # a note-on and a note-off each
    with listener(messages) as finish:
        out = open_output(LISTENER, api="jack")
        clock = InternalClock(bpm)
        source = PatternSource([60, 62, 64, 65, 67, 69, 71, 72], step=0.25, length=0.125)
        engine = LiveEngine(source, out, clock, LiveConfig(record=messages, realtime=realtime))
        engine.start()
        try:
            while engine.scheduler.recorded < messages and not engine.wait(0.1):
                pass
        finally:
            engine.stop()
            out.close()
        arrivals = [(t, d) for t, d in finish() if d[0] & 0xE0 == 0x80][:messages]  # note-ons and note-offs
    sched = engine.scheduler
    lateness = list(sched.lateness[:messages])
    latency = [t - due for (t, _), due in zip(arrivals, sched.due_times[:messages])]
    middle = statistics.median(latency)
    return {
        "sender_realtime": sched.realtime,
        "messages": len(lateness),
        "received": len(arrivals),
        "lateness": percentiles(lateness),
        "late_over_1ms": sum(x > 0.001 for x in lateness),
        "late_over_2ms": sum(x > 0.002 for x in lateness),
        "arrival_latency": percentiles(latency),
        "arrival_jitter": percentiles([abs(x - middle) for x in latency]),
    }


class TimedSource:
    """A NoteSource wrapper that keeps how long each chunk took to generate."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.seconds: list[float] = []
        self.notes = 0

    @property
    def position(self) -> float:
        return self.stream.position

    def next_notes(self, beats: float):
        start = time.perf_counter()
        notes = self.stream.next_notes(beats)
        self.seconds.append(time.perf_counter() - start)
        self.notes += len(notes)
        return notes

    def __getattr__(self, name):
        return getattr(self.stream, name)


def models() -> list[Path]:
    shipped = sorted((ROOT / "models").glob("*.onnx"))
    if shipped:
        return shipped
    from generation import stand_in  # benchmarks/generation.py: training's default LSTM 2x256

    folder = Path(tempfile.mkdtemp(prefix="live-bench-"))
    return [stand_in(encoding, folder)[0] for encoding in ("melody", "polyphony")]


def underrun_run(model_path: Path, bars: float, bpm: float) -> dict:
    from rnnmusic.engine import GenerateOptions, Generator, load_model_file
    from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, open_output

    model = load_model_file(model_path)
    source = TimedSource(Generator(model).open_stream(None, GenerateOptions(seed=1)))
    with listener(10**9) as finish:
        out = open_output(LISTENER, api="jack")
        clock = InternalClock(bpm)
        engine = LiveEngine(source, out, clock, LiveConfig())
        engine.start()
        try:
            while not engine.wait(0.1) and engine.beat() < bars * 4:
                pass
        finally:
            engine.stop()
            out.close()
        finish()
    if engine.failure is not None:
        raise engine.failure
    return {
        "model": model_path.name,
        "bars": bars,
        "notes": source.notes,
        "chunks": engine.stats.chunks,
        "underruns": engine.stats.underruns,
        "least_lead_ms": engine.stats.min_lead * 1e3,
        "chunk_ms": percentiles(source.seconds),
    }


def machine(jack: JackServer) -> str:
    version = subprocess.run(["jackd", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return describe_machine(python=True, extra=[
        f"Linux {platform.release()}", version, f"JACK real-time threads: {'yes' if jack.realtime_granted else 'no'}",
        f"load average at start {load:.1f}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--bpm", type=float, default=180.0)
    parser.add_argument("--sender", choices=("both", "rt", "normal"), default="both",
                        help="sender thread priority to measure (default both)")
    parser.add_argument("--underrun-bars", type=float, default=32.0, help="bars per model (0 skips part 2)")
    parser.add_argument("--underrun-bpm", type=float, default=240.0)
    parser.add_argument("--json", metavar="OUT.json", help="also write the results as JSON")
    parser.add_argument("--listen", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.listen:
        return listen(args.listen, args.out)

    results: dict = {"timing": [], "underruns": []}
    with JackServer(rate=48000, period=64) as jack:
        results["machine"] = machine(jack)
        print(results["machine"], flush=True)
        priorities = {"both": (True, False), "rt": (True,), "normal": (False,)}[args.sender]
        for realtime in priorities:
            for condition, busy in (("idle", 0), ("loaded", 2)):
                with busy_cores(busy):
                    row = timing_run(args.notes, args.bpm, realtime)
                row.update(condition=condition, sender="SCHED_FIFO" if row["sender_realtime"] else "normal")
                results["timing"].append(row)
                print(json.dumps(row), flush=True)
        if args.underrun_bars > 0:
            for path in models():
                for condition, busy in (("idle", 0), ("loaded", 2)):
                    with busy_cores(busy):
                        row = underrun_run(path, args.underrun_bars, args.underrun_bpm)
                    row["condition"] = condition
                    results["underruns"].append(row)
                    print(json.dumps(row), flush=True)
        results["jack_xruns"] = jack.log().count("XRun: client")
    print_tables(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def print_tables(results: dict, args) -> None:
    print(f"\n{args.notes} sixteenths at {args.bpm:g} BPM through JACK (64 frames, 48 kHz); ms, p50 / p99 / max")
    print("| sender thread | load | sender lateness | arrival latency | arrival jitter | late > 1 ms | late > 2 ms |")
    print("|---|---|---|---|---|---:|---:|")
    for row in results["timing"]:
        cells = [" / ".join(f"{row[k][q]:.2f}" for q in ("p50", "p99", "max"))
                 for k in ("lateness", "arrival_latency", "arrival_jitter")]
        print(f"| {row['sender']} | {row['condition']} | {' | '.join(cells)} | {row['late_over_1ms']} of "
              f"{row['messages']} | {row['late_over_2ms']} |")
    if results["underruns"]:
        print(f"\ngeneration at {args.underrun_bpm:g} BPM, {args.underrun_bars:g} bars per model")
        print("| model | load | notes | chunks | underruns | least lead (ms) | chunk time p50 / p99 / max (ms) |")
        print("|---|---|---:|---:|---:|---:|---|")
        for row in results["underruns"]:
            chunk = " / ".join(f"{row['chunk_ms'][q]:.1f}" for q in ("p50", "p99", "max"))
            print(f"| {row['model']} | {row['condition']} | {row['notes']} | {row['chunks']} | {row['underruns']} | "
                  f"{row['least_lead_ms']:.0f} | {chunk} |")
    print(f"\nJACK client xruns during the run: {results['jack_xruns']}")


if __name__ == "__main__":
    sys.exit(main())
