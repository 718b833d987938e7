"""Write the test MIDI files: small pieces made here with mido (nothing downloaded).

Each file shows one thing a MIDI reader must get right; the broken ones in broken/
are what a user's library may hold. Run ``python tests/data/make_test_midi.py`` to
rewrite them; tests/unit/midi/test_test_data.py checks the committed files still
equal what this script writes, so they cannot drift.
"""

from __future__ import annotations

import hashlib
import io
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import mido

HERE = Path(__file__).resolve().parent
TPQ = 480
BAR = 4 * TPQ

Event = tuple[int, mido.Message | mido.MetaMessage]  # (absolute tick, message)


# ---------------------------------------------------------------------------
# helpers


def track(events: list[Event], name: str | None = None) -> mido.MidiTrack:
    """A track from absolute-tick events (stable order within a tick, as given)."""
    result = mido.MidiTrack()
    if name is not None:
        result.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for tick, message in sorted(events, key=lambda e: e[0]):
        result.append(message.copy(time=tick - now))
        now = tick
    result.append(mido.MetaMessage("end_of_track", time=0))
    return result


def note(pitch: int, start: int, length: int, velocity: int = 80, channel: int = 0) -> list[Event]:
    """A note as note_on plus note_on with velocity 0 (the form that makes running status)."""
    return [
        (start, mido.Message("note_on", note=pitch, velocity=velocity, channel=channel)),
        (start + length, mido.Message("note_on", note=pitch, velocity=0, channel=channel)),
    ]


def notes(pitches_lengths: list[tuple[int, int]], start: int = 0, channel: int = 0, velocity: int = 80) -> list[Event]:
    """A line of notes one after the other; pitch None is a rest."""
    events: list[Event] = []
    tick = start
    for pitch, length in pitches_lengths:
        if pitch is not None:
            events += note(pitch, tick, length, velocity, channel)
        tick += length
    return events


def tempo(tick: int, qpm: float) -> Event:
    return (tick, mido.MetaMessage("set_tempo", tempo=round(60_000_000 / qpm)))


def meter(tick: int, numerator: int, denominator: int) -> Event:
    return (tick, mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))


def program(channel: int, number: int, tick: int = 0) -> Event:
    return (tick, mido.Message("program_change", channel=channel, program=number))


def to_bytes(tracks: list[mido.MidiTrack], file_type: int = 1, tpq: int = TPQ) -> bytes:
    midi = mido.MidiFile(type=file_type, ticks_per_beat=tpq)
    midi.tracks.extend(tracks)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# the readable files


def format0_multichannel() -> bytes:
    """Format 0: one track, three channels with their own programs, drums on channel 10."""
    events = [tempo(0, 100), meter(0, 4, 4), program(0, 0), program(1, 32), program(9, 0)]
    events += notes([(72, 480), (74, 480), (76, 480), (77, 480)] * 2, channel=0)
    events += notes([(48, 960), (43, 960)] * 2, channel=1, velocity=70)
    for beat in range(8):
        events += note(36 if beat % 2 == 0 else 38, beat * TPQ, 120, 100, channel=9)
        events += note(42, beat * TPQ + 240, 60, 60, channel=9)
    return to_bytes([track(events, "band")], file_type=0)


def format1_piano() -> bytes:
    """Format 1: a conductor track and a two-hand piano piece on two tracks, with a key signature."""
    conductor = track(
        [
            tempo(0, 90),
            meter(0, 4, 4),
            (0, mido.MetaMessage("key_signature", key="G")),
            (0, mido.MetaMessage("text", text="test piece")),
        ],
        "conductor",
    )
    right = [program(0, 0)] + notes([(67, 480), (71, 480), (74, 960), (72, 480), (71, 480), (69, 960), (67, 1920)])
    chords = []
    for bar, root in enumerate([43, 48, 50, 43]):
        for offset in (0, 7, 12):
            chords += note(root + offset, bar * BAR, BAR - 60, 64, channel=1)
    left = [program(1, 0)] + chords
    return to_bytes([conductor, track(right, "right hand"), track(left, "left hand")])


def tempo_changes() -> bytes:
    """Four tempos, one of them at a note's midpoint, so seconds depend on the whole map."""
    tempos = [tempo(0, 120), tempo(BAR, 60), tempo(2 * BAR + TPQ // 2, 150), tempo(3 * BAR, 90)]
    conductor = track(tempos + [meter(0, 4, 4)])
    melody = notes([(60 + step, TPQ) for step in range(16)])
    return to_bytes([conductor, track(melody, "melody")])


def meter_changes() -> bytes:
    """4/4, then 3/4, then 6/8, with a tempo change at the 3/4 bar."""
    conductor = track([tempo(0, 120), meter(0, 4, 4), meter(BAR, 3, 4), tempo(BAR, 100), meter(BAR + 3 * TPQ, 6, 8)])
    line = [(60, TPQ)] * 4 + [(62, TPQ)] * 3 + [(64, TPQ // 2)] * 6 + [(65, TPQ // 2)] * 6
    return to_bytes([conductor, track(notes(line), "melody")])


def drums() -> bytes:
    """A drum track on channel 10 (with a program number, which GM drums ignore) and a bass."""
    kit = [program(9, 25)]
    for step in range(16):
        tick = step * TPQ // 2
        kit += note(42, tick, 60, 70, channel=9)
        if step % 4 == 0:
            kit += note(36, tick, 60, 110, channel=9)
        if step % 4 == 2:
            kit += note(38, tick, 60, 100, channel=9)
    bass = [program(2, 33)] + notes([(36, 960), (43, 960), (41, 960), (43, 960)], channel=2)
    return to_bytes([track([tempo(0, 110)]), track(kit, "drums"), track(bass, "bass")])


def sustain() -> bytes:
    """Short piano notes under the sustain pedal, pressed and released twice; one re-struck pitch."""
    pedal = lambda tick, value: (tick, mido.Message("control_change", control=64, value=value))  # noqa: E731
    events = [program(0, 0), pedal(0, 127), pedal(BAR - 10, 0), pedal(BAR, 100), pedal(2 * BAR - 10, 0)]
    events += notes([(60, 240), (64, 240), (67, 240), (None, 240), (60, 240)])  # 60 struck twice under the pedal
    events += notes([(62, 240), (65, 240), (None, 480), (69, 480)], start=BAR)
    events += note(48, 2 * BAR, 480)  # after the pedal: unchanged
    return to_bytes([track([tempo(0, 120)]), track(events, "piano")])


def _on(tick: int, pitch: int, velocity: int = 80) -> Event:
    return (tick, mido.Message("note_on", note=pitch, velocity=velocity))


def _off(tick: int, pitch: int) -> Event:
    return (tick, mido.Message("note_off", note=pitch, velocity=64))


def overlapping() -> bytes:
    """Notes of one pitch stacked on one channel, every note-on with its own note-off."""
    events = [
        # on, on, off, off: pretty_midi ends both at the first note-off (first-in-first-out would not)
        _on(0, 60, 90), _on(240, 60, 70), _off(480, 60), _off(720, 60),
        # two note-ons at one tick, two note-offs
        _on(960, 62, 90), _on(960, 62, 70), _off(1200, 62), _off(1440, 62),
        # a note-off and a new note-on of the pitch at one tick (a repeated note): no overlap
        _on(1920, 64), _off(2400, 64), _on(2400, 64, 60), _off(2880, 64),
    ]
    return to_bytes([track([tempo(0, 120)]), track(events, "stacked")])


def unpaired() -> bytes:
    """Note-ons without a note-off of their own, and a note-off with nothing to end."""
    events = [
        # two note-ons, one note-off: pretty_midi ends both
        _on(0, 60, 90), _on(240, 60, 70), _off(480, 60),
        # two note-ons at one tick, one note-off
        _on(960, 62, 90), _on(960, 62, 70), _off(1440, 62),
        # a note-on that is never ended: dropped
        _on(1920, 64),
        # a note-off with nothing sounding: ignored
        _off(2000, 65),
        _on(2400, 67), _off(2880, 67),
    ]
    return to_bytes([track([tempo(0, 120)]), track(events, "unpaired")])


def zero_length() -> bytes:
    """Notes whose note-on and note-off share a tick (dropped), beside normal ones."""
    events = notes([(60, 480), (62, 480)])
    events += note(64, 240, 0) + note(65, 960, 0)
    events += [(1200, mido.Message("note_on", note=67, velocity=80)), (1200, mido.Message("note_off", note=67))]
    events += note(67, 1200, 240)  # the same pitch again at that tick, with a length: kept
    return to_bytes([track([tempo(0, 120)]), track(events, "zero")])


def running_status() -> bytes:
    """Hand-written bytes: one status byte, then many events relying on running status."""
    body = bytearray(b"\x00\xff\x51\x03\x07\xa1\x20")  # tempo 120
    body += b"\x00\x90\x3c\x50"  # note_on C4
    body += b"\x83\x60\x3c\x00"  # +480: (running) note_on velocity 0 = note-off
    body += b"\x00\x3e\x50"  # (running) note_on D4
    body += b"\x83\x60\x3e\x00"
    body += b"\x00\xb0\x40\x7f"  # sustain on (new status)
    body += b"\x00\x40\x00"  # (running) sustain off
    body += b"\x00\x90\x40\x60\x00\x43\x60"  # E4 and G4 together, second by running status
    body += b"\x87\x40\x40\x00\x00\x43\x00"  # +960: both off
    body += b"\x00\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TPQ)
    return header + b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def pickup() -> bytes:
    """A waltz tune that starts with a one-beat pickup bar (1/4), then 3/4."""
    key = (0, mido.MetaMessage("key_signature", key="F"))
    conductor = track([tempo(0, 132), meter(0, 1, 4), meter(TPQ, 3, 4), key])
    tune = [(60, TPQ), (65, TPQ), (65, TPQ), (69, TPQ), (67, 2 * TPQ), (65, TPQ), (64, 2 * TPQ), (62, TPQ)]
    tune += [(60, 3 * TPQ)]
    return to_bytes([conductor, track(notes(tune), "tune")])


def no_tempo() -> bytes:
    """No tempo or meter event at all: readers must assume 120 qpm and 4/4."""
    return to_bytes([track(notes([(60, 480), (64, 480), (67, 960)]), "plain")])


def minor_key_triplets() -> bytes:
    """Eighth-note triplets in A minor (a grid of 3 steps per quarter fits them exactly)."""
    conductor = track([tempo(0, 96), meter(0, 2, 4), (0, mido.MetaMessage("key_signature", key="Am"))])
    line = [(69, 160), (72, 160), (76, 160), (74, 160), (72, 160), (71, 160), (69, 960)]
    return to_bytes([conductor, track(notes(line), "triplets")])


READABLE: dict[str, Callable[[], bytes]] = {
    "format0_multichannel.mid": format0_multichannel,
    "format1_piano.mid": format1_piano,
    "tempo_changes.mid": tempo_changes,
    "meter_changes.mid": meter_changes,
    "drums.mid": drums,
    "sustain.mid": sustain,
    "overlapping.mid": overlapping,
    "unpaired.mid": unpaired,
    "zero_length.mid": zero_length,
    "running_status.mid": running_status,
    "pickup.mid": pickup,
    "no_tempo.mid": no_tempo,
    "minor_key_triplets.mid": minor_key_triplets,
}


# ---------------------------------------------------------------------------
# the broken files


def random_bytes() -> bytes:
    """1 KiB of reproducible noise (SHA-256 in counter mode, the same on every Python)."""
    return b"".join(hashlib.sha256(f"rnnmusic-{i}".encode()).digest() for i in range(32))


def truncated() -> bytes:
    """A valid file cut off in the middle of its second track."""
    whole = format1_piano()
    return whole[: len(whole) * 2 // 3]


def no_notes() -> bytes:
    """A valid file with tempo, meter, a pedal and a program change but not a single note."""
    events = [program(0, 5), (480, mido.Message("control_change", control=64, value=127))]
    return to_bytes([track([tempo(0, 120), meter(0, 3, 4)]), track(events, "silent")])


def absurd_ticks() -> bytes:
    """A note pushed 32 days into the file by the largest delta a MIDI file can hold."""
    events = note(60, 0, 480) + note(62, 0x0FFFFFFF, 480)
    return to_bytes([track([tempo(0, 60)] + events, "absurd")], tpq=96)


def bad_header() -> bytes:
    """An MThd chunk claiming format 7."""
    good = no_tempo()
    return good[:8] + struct.pack(">H", 7) + good[10:]


def garbage_track() -> bytes:
    """A good header and a track of data bytes with no status byte to give them meaning."""
    body = b"\x00\x3c\x50\x00\x3c\x00\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, TPQ) + b"MTrk" + struct.pack(">I", len(body)) + body


BROKEN: dict[str, Callable[[], bytes]] = {
    "empty.mid": lambda: b"",
    "random.mid": random_bytes,
    "truncated.mid": truncated,
    "no_notes.mid": no_notes,
    "absurd_ticks.mid": absurd_ticks,
    "bad_header.mid": bad_header,
    "garbage_track.mid": garbage_track,
}


def write_all(folder: Path) -> list[Path]:
    """Write every test file under ``folder`` (broken ones under folder/broken); return their paths."""
    written = []
    (folder / "broken").mkdir(parents=True, exist_ok=True)
    for files, where in ((READABLE, folder), (BROKEN, folder / "broken")):
        for name, make in files.items():
            path = where / name
            path.write_bytes(make())
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
