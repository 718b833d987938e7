"""Plugin timing: onset error against the host's grid, the LV2 plugin path beside the virtual-port path.

    .venv/bin/python benchmarks/plugin_timing.py [--seconds 20] [--bpm 150] [--json OUT.json]

One private JACK server (dummy driver, 64 frames at 48 kHz, synchronous mode, *no* real-time
threads: everything at ordinary priority) and one independent receiver (the probe,
packaging/lv2/tools/jack_probe.c), which stamps each MIDI event with its JACK frame.

- plugin path: the rnnmusic LV2 plugin in jalv, fed by `rnnmusic serve` (the shipped melody model),
  the probe as timebase master at --bpm and jack_transport playing. Error of each note-on: its
  frame minus the frame of the nearest sixteenth of the host's BBT at that frame.
- virtual-port path: benchmarks/live_timing.py's measurement, reused: `LiveEngine` (internal clock
  at --bpm, scripted sixteenths, sender thread at ordinary priority) sending through JACK from
  Python, as `rnnmusic live` does, to a listener in another process. It has no host grid, so its
  error is measured against its own schedule with the constant part taken out: each note-on's and
  note-off's arrival latency minus their median (live_timing's "arrival jitter", in wall-clock
  time; the dummy driver's frame clock is not locked to wall-clock time, so frames cannot be used
  for a sender timed by the wall clock). That leaves out any error of following a DAW's clock,
  so it flatters this path.

Each path idle (no load added; the machine may be shared) and loaded (two processes spinning, one
per core). Reported: |error| p50 / p99 / max in ms, and the share of onsets within one frame.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from jack_server import JackServer, busy_cpu  # noqa: E402
from lv2_rig import Rig, build_plugin, grid_errors_frames  # noqa: E402


def summary(errors_frames: list[float], rate: int) -> dict:
    ms = sorted(abs(e) / rate * 1e3 for e in errors_frames)
    if not ms:
        return {"onsets": 0}
    pick = lambda q: ms[min(len(ms) - 1, int(round(q * (len(ms) - 1))))]  # noqa: E731
    return {"onsets": len(ms), "p50": pick(0.5), "p99": pick(0.99), "max": ms[-1],
            "within_1_frame": sum(abs(e) <= 1.0 for e in errors_frames) / len(ms)}


def plugin_run(jack: JackServer, model: Path, seconds: float, bpm: float) -> dict:
    from rnnmusic.serve.protocol import Segment, find_segments

    with Rig(jack, model, bpm=bpm) as rig:
        rig.transport("play")
        time.sleep(seconds)
        rig.transport("stop")
        time.sleep(0.5)
        events = rig.probes[0].events()
        pid = rig.hosts[0].proc.pid
        seg = Segment.open(next(p for p in find_segments() if f"-{pid}-" in p.name))
        counters = seg.counters()
        seg.close()
    return {**summary(grid_errors_frames(events, jack.rate), jack.rate), **counters}


def virtual_port_run(seconds: float, bpm: float) -> dict:
    """benchmarks/live_timing.py's measurement, reused: LiveEngine at ordinary priority through JACK."""
    from live_timing import timing_run

    notes = max(16, int(seconds * bpm / 60 * 4))  # sixteenths
    r = timing_run(notes, bpm, realtime=False)
    jitter, latency = r["arrival_jitter"], r["arrival_latency"]
    return {"onsets": r["received"], "p50": jitter["p50"], "p99": jitter["p99"], "max": jitter["max"],
            "latency": latency, "within_1_frame": None}


def _machine(jack: JackServer) -> str:
    import platform
    import subprocess

    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    jalv = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "jalv"], capture_output=True, text=True).stdout
    return (f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, Python {platform.python_version()}, "
            f"jalv {jalv}, load average at start {os.getloadavg()[0]:.1f}")


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="played per row (default 20)")
    parser.add_argument("--bpm", type=float, default=150.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    from rnnmusic.engine import default_model_for

    build_plugin()
    model = default_model_for(None).path
    results: dict = {}
    with JackServer(rate=48000, period=64, realtime=False, sync=True) as jack:
        results["machine"] = _machine(jack)
        for load in ("idle", "loaded"):
            for path, measure in (("plugin", lambda: plugin_run(jack, model, args.seconds, args.bpm)),
                                  ("virtual port", lambda: virtual_port_run(args.seconds, args.bpm))):
                if load == "loaded":
                    with busy_cpu(2):
                        time.sleep(0.5)
                        row = measure()
                else:
                    row = measure()
                results[f"{path} / {load}"] = row
                print(f"{path:>12} {load:>6}: {json.dumps(row)}", flush=True)
    print(f"\nMachine: {results['machine']}\n")
    print("| path | load | measured | error p50 / p99 / max (ms) | within 1 frame | dropped late |")
    print("|---|---|---:|---|---:|---:|")
    for key, row in results.items():
        if key == "machine" or not row.get("onsets"):
            continue
        path, load = key.split(" / ")
        within = "-" if row["within_1_frame"] is None else f"{100 * row['within_1_frame']:.0f}%"
        measured = f"{row['onsets']} note-ons" if path == "plugin" else f"{row['onsets']} messages"
        late = f"{row['late']} of {row['late'] + row['played']}" if "late" in row else "-"
        print(f"| {path} | {load} | {measured} | {row['p50']:.3f} / {row['p99']:.3f} / {row['max']:.3f} | {within} "
              f"| {late} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(run())
