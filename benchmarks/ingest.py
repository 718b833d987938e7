"""MIDI ingest speed: rnnmusic's reader vs pretty_midi, side by side, one process (per core).

    .venv/bin/python benchmarks/ingest.py [--files 200] [--notes 2000] [--repeats 5] [--pm-repeats 3]

Writes ``--files`` MIDI files of about ``--notes`` notes each into a temporary folder
(our own generator, seeded: a piano part with chords and sustain pedal, a bass on its own
program, drums on channel 10, two tempo changes and a meter change), then reads them
all with :func:`rnnmusic.midi.read.read_midi` and with ``pretty_midi.PrettyMIDI``, each
``--repeats`` times, and prints files/s (median) for each, by wall clock and by CPU
time, and the notes each found (they must agree, or the script exits 1).

A second set holds the same music with notes of one pitch stacked on one channel (a
re-struck key before its note-off, as some sequencers write it): rnnmusic reads those
with its exact event-by-event reader, so that line shows the slow path.
Record results in docs/benchmarks.md under "MIDI ingest".
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import mido

from rnnmusic.sysinfo import describe_machine

TPQ = 480


def piece(rng: random.Random, notes: int, stacked: bool) -> mido.MidiFile:
    """About ``notes`` notes over three parts; ``stacked`` re-strikes some piano notes before they end."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TPQ)
    bars = max(1, notes // 20)  # per bar: 8 piano notes (melody + chord), 4 bass, 8 drum hits
    conductor = [(0, mido.MetaMessage("set_tempo", tempo=500_000)), (0, mido.MetaMessage("time_signature"))]
    conductor += [(bars // 3 * 4 * TPQ, mido.MetaMessage("set_tempo", tempo=600_000))]
    conductor += [(bars * 2 // 3 * 4 * TPQ, mido.MetaMessage("set_tempo", tempo=450_000))]
    conductor += [(bars // 2 * 4 * TPQ, mido.MetaMessage("time_signature", numerator=3, denominator=4))]
    piano, bass, drums = [(0, mido.Message("program_change", program=0))], [], []
    bass.append((0, mido.Message("program_change", channel=1, program=33)))
    for bar in range(bars):
        t0 = bar * 4 * TPQ
        root = rng.choice([48, 50, 53, 55, 57])
        piano.append((t0, mido.Message("control_change", control=64, value=127)))
        piano.append((t0 + 4 * TPQ - 10, mido.Message("control_change", control=64, value=0)))
        for beat in range(4):
            pitch = root + 24 + rng.choice([0, 2, 4, 5, 7, 9, 11, 12])  # above the chord: no shared pitch
            _note(piano, 0, pitch, t0 + beat * TPQ, TPQ - rng.randrange(0, 60), rng.randrange(50, 110))
            if stacked and beat == 1:
                _note(piano, 0, pitch, t0 + beat * TPQ + TPQ // 2, TPQ // 4, 60)  # struck again while sounding
        for offset in (0, 4, 7, 12):
            _note(piano, 0, root + offset, t0, 4 * TPQ - 30, rng.randrange(40, 80))
        for beat in range(4):
            _note(bass, 1, root - 12 + rng.choice([0, 7, 12]), t0 + beat * TPQ, TPQ - 40, 90)
        for eighth in range(8):
            hit = 36 if eighth % 4 == 0 else 38 if eighth % 4 == 2 else 42
            _note(drums, 9, hit, t0 + eighth * TPQ // 2, 30, 100)
    for name, events in (("conductor", conductor), ("piano", piano), ("bass", bass), ("drums", drums)):
        midi.tracks.append(_track(name, events))
    return midi


def _note(events: list, channel: int, pitch: int, start: int, length: int, velocity: int) -> None:
    events.append((start, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
    events.append((start + length, mido.Message("note_on", channel=channel, note=pitch, velocity=0)))


def _track(name: str, events: list) -> mido.MidiTrack:
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    now = 0
    for tick, message in sorted(events, key=lambda e: (e[0], e[1].type == "note_on" and e[1].velocity > 0)):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track"))
    return track


def write_files(folder: Path, count: int, notes: int, stacked: bool, seed: int) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        path = folder / f"{'stacked' if stacked else 'piece'}_{i:04d}.mid"
        piece(rng, notes, stacked).save(str(path))
        paths.append(path)
    return paths


def time_reader(read, paths: list[Path], repeats: int) -> tuple[float, float, int]:
    """Median files/s over the repeats by wall clock and by CPU time, and the notes found (the same every repeat).

    CPU time is what one core spends; on a shared machine the wall clock also counts waiting for
    other processes, so the two differ by how busy the machine is.
    """
    wall, cpu, found = [], [], 0
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        found = sum(read(path) for path in paths)
        wall.append(len(paths) / (time.perf_counter() - start))
        cpu.append(len(paths) / (time.process_time() - start_cpu))
    return statistics.median(wall), statistics.median(cpu), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pm-repeats", type=int, default=3, help="pretty_midi is slow: fewer repeats")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import pretty_midi

    from rnnmusic.midi import read as midi_read

    exact_calls = []
    real_exact = midi_read.read_exact
    midi_read.read_exact = lambda *a: exact_calls.append(1) or real_exact(*a)  # count slow-path files

    def ours(path: Path) -> int:
        return len(midi_read.read_midi(path))

    def theirs(path: Path) -> int:
        return sum(len(inst.notes) for inst in pretty_midi.PrettyMIDI(str(path)).instruments)

    print(f"MIDI ingest: {args.files} files of ~{args.notes} notes, one process, median of {args.repeats} repeats "
          f"({args.pm_repeats} for pretty_midi)")
    print(
        f"machine: {describe_machine(python=True)}; "
        f"symusic {_version('symusic')}, pretty_midi {_version('pretty_midi')}"
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="rnnmusic-ingest-") as tmp:
        for stacked in (False, True):
            paths = write_files(Path(tmp), args.files, args.notes, stacked, args.seed)
            exact_calls.clear()
            our_wall, our_cpu, our_notes = time_reader(ours, paths, args.repeats)
            slow = len(exact_calls) // args.repeats
            pm_wall, pm_cpu, pm_notes = time_reader(theirs, paths, args.pm_repeats)
            title = "files with stacked same-pitch notes" if stacked else "typical files"
            print(f"\n{title}:")
            print(f"  {'reader':<20} {'files/s (wall)':>15} {'files/s (CPU)':>14} {'notes found':>12}")
            print(f"  {'rnnmusic read_midi':<20} {our_wall:>15,.0f} {our_cpu:>14,.0f} {our_notes:>12,}   "
                  f"({slow} of {len(paths)} files took the exact reader)")
            print(f"  {'pretty_midi':<20} {pm_wall:>15,.0f} {pm_cpu:>14,.0f} {pm_notes:>12,}")
            print(f"  speed-up: {our_wall / pm_wall:,.0f}x (wall), {our_cpu / pm_cpu:,.0f}x (CPU)")
            if our_notes != pm_notes:
                print(f"  MISMATCH: rnnmusic found {our_notes} notes, pretty_midi {pm_notes}")
                failed = True
    return 1 if failed else 0


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    sys.exit(main())
