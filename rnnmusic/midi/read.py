"""Reading MIDI files and bytes into a NoteSequence: the one entry point, whichever reader does the work.

Reading gives the notes pretty_midi gives, at symusic's speed. symusic (a C++
parser) pairs note-ons and note-offs first-in-first-out, one note per note-off;
pretty_midi lets one note-off end *every* sounding note of its pitch and drops
notes whose note-on and note-off share a tick. The two agree except where notes
of one pitch are stacked on one channel, so each file is read like this:

1. its chunks are checked (clear errors for truncated files and bad headers);
2. symusic parses it with a sentinel appended to every track: a note-off for
   every pitch of every channel the track plays, far past the track's end, so a
   note-on that symusic would drop unpaired surfaces as a note ending there;
3. zero-length notes are dropped (as pretty_midi does), and if any pitch is
   stacked (a note starting before the previous note of its pitch ends, two at
   one tick, or one left unpaired) the file is read again event by event in
   Python with pretty_midi's rule (:mod:`rnnmusic.midi.parse`). So is a file
   with different tempos at one tick (symusic's sort may lose which came last),
   one with a pitch stacked across a program change (symusic files the notes
   under two programs, so the stack is seen among tracks of one name and drum
   flag, which tracks of one MIDI track share), one with ticks past 2**31, one
   with a sysex escape (F7) event, which symusic reads as delta times, one with
   a system common or clock byte (F1-F6, F8: no message of a file; symusic makes
   it a running status), and one symusic refuses. Typical files never take that path.

Tracks of the NoteSequence are what pretty_midi calls instruments: one per
(MIDI track, channel, program), listed by MIDI track, then channel, then program;
channel 10 is drums. Two deliberate differences from pretty_midi: tempo, meter
and key events count on any track (pretty_midi reads them from the first track
only), and a note belongs to the program in force at its note-on (pretty_midi:
at its note-off; they differ only for a program change inside a held note).
A tempo event of 0 microseconds per quarter (an infinite tempo) is no tempo on
both paths: the tempo in force goes on, and a file with no other reads at 120 qpm.
Only the pedal controllers are kept (64 sustain, 66 sostenuto, 67 soft): nothing
downstream uses the others and a file may hold tens of thousands of them.

Text meta events (where rnnmusic records how a take was made) are read by the same
chunk check and the same event parser (:func:`read_text_events`), not by another library.
The chunks are checked in :mod:`rnnmusic.midi.chunks`, symusic's path is
:mod:`rnnmusic.midi.fast`, and both leave a :class:`~rnnmusic.midi.parsed.ParsedMidi`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from rnnmusic.errors import MidiFileError
from rnnmusic.midi.chunks import MAX_BYTES, check_size, split_chunks
from rnnmusic.midi.fast import read_fast
from rnnmusic.midi.parse import read_exact
from rnnmusic.midi.parsed import ParsedMidi
from rnnmusic.notes import (
    NOTE_DTYPE,
    ControlChange,
    KeySignature,
    NoteSequence,
    TempoChange,
    TimeSignature,
    Track,
)

__all__ = ["MAX_BYTES", "MAX_NOTES", "MAX_SECONDS", "read_midi", "read_midi_bytes", "read_text_events"]

# A file longer than this is treated as corrupt: it is what absurd tick values produce.
MAX_SECONDS = 24 * 3600.0
#: the most notes kept: far beyond real music (a 20-minute piano piece has some 10,000), it bounds what
#: reading costs with :data:`~rnnmusic.midi.chunks.MAX_BYTES`; the encodings bound the rest
#: (:data:`rnnmusic.encodings.checks.MAX_TOKENS`)
MAX_NOTES = 1_000_000


# ---------------------------------------------------------------------------
# reading: public API


def read_midi(path: str | os.PathLike, require_notes: bool = True) -> NoteSequence:
    """Read a .mid file into a NoteSequence, or raise MidiFileError naming the file and the reason."""
    return read_midi_bytes(_read_file(Path(path)), source=str(path), require_notes=require_notes)


def _read_file(path: Path) -> bytes:
    if path.is_dir():
        raise MidiFileError(path, "is a directory, not a MIDI file")
    if not path.exists():
        raise MidiFileError(path, "no such file")
    try:
        check_size(path.stat().st_size, str(path))
        return path.read_bytes()
    except OSError as exc:
        raise MidiFileError(path, f"cannot be read ({exc.strerror or exc})") from None


def read_midi_bytes(data: bytes, source: str = "<bytes>", require_notes: bool = True, *,
                    exact: bool = False) -> NoteSequence:
    """Parse the bytes of a Standard MIDI File into a NoteSequence (see the module docstring for the rules).

    ``exact`` reads every file event by event, as only some files are: the two paths must agree on
    every file, and the tests check that they do.
    """
    check_size(len(data), source)
    chunks = split_chunks(data, source)
    parsed = None if exact else read_fast(chunks, source, MAX_NOTES)
    if parsed is None:
        parsed = read_exact(chunks.tracks, chunks.ticks_per_quarter, source, MAX_NOTES)
    seq = _to_sequence(parsed, source)
    if require_notes and len(seq.notes) == 0:
        raise MidiFileError(source, "has no notes")
    return seq


def read_text_events(path: str | os.PathLike) -> list[str]:
    """The text meta events of a file, in file order (where rnnmusic records how a take was made).

    Read by the exact parser, which keeps them: a take's file is small, and one parser means one
    set of rules for what counts as a valid file.
    """
    data = _read_file(Path(path))
    chunks = split_chunks(data, str(path))
    return read_exact(chunks.tracks, chunks.ticks_per_quarter, str(path), MAX_NOTES).texts


# ---------------------------------------------------------------------------
# reading: ticks to a NoteSequence


class _TickClock:
    """Ticks to seconds through a tempo map (float64 throughout): piecewise linear, so np.interp does it."""

    def __init__(self, tpq: int, tempo_ticks: np.ndarray, qpms: np.ndarray):
        sec_per_tick = 60.0 / (qpms * tpq)
        self.seconds = np.concatenate([[0.0], np.cumsum(np.diff(tempo_ticks) * sec_per_tick[:-1])])
        far = tempo_ticks[-1] + 2.0**40  # the last tempo runs on: a point far beyond any file's ticks
        self._ticks = np.append(tempo_ticks, far)
        self._secs = np.append(self.seconds, self.seconds[-1] + 2.0**40 * sec_per_tick[-1])

    def __call__(self, ticks) -> np.ndarray:
        return np.interp(np.asarray(ticks, dtype=np.float64), self._ticks, self._secs)


def _tempo_clock(parsed: ParsedMidi) -> tuple[_TickClock, np.ndarray]:
    by_tick: dict[int, float] = {}
    for tick, qpm in sorted(parsed.tempos, key=lambda t: t[0]):  # stable: file order within a tick
        # of several tempos at one tick the last wins, as a player would; a tempo repeating the one
        # in force is no change (as in pretty_midi)
        if 0 < qpm < math.inf and (not by_tick or qpm != by_tick[max(by_tick)] or tick == max(by_tick)):
            by_tick[tick] = qpm
    if not by_tick or min(by_tick) > 0:
        by_tick[0] = by_tick[min(by_tick)] if by_tick else 120.0
    ticks = np.array(sorted(by_tick), dtype=np.float64)
    qpms = np.array([by_tick[int(t)] for t in ticks], dtype=np.float64)
    return _TickClock(parsed.ticks_per_quarter, ticks, qpms), qpms


def _note_order(columns: np.ndarray) -> np.ndarray:
    """Indices that sort note columns by (start, end, pitch, instrument): the order NoteSequence keeps."""
    start, end, pitch, instrument = columns[0], columns[1], columns[2], columns[4]
    if len(start) and start.min() >= 0 and end.max() < 2**28 and not (np.diff(instrument) < 0).any():
        # rows come grouped by instrument, so a stable sort of one packed key is enough, and it is
        # several times faster than a four-key lexsort
        return np.argsort(start << 35 | end << 7 | pitch, kind="stable")
    return np.lexsort(columns[[4, 2, 1, 0]])


def _to_sequence(parsed: ParsedMidi, source: str) -> NoteSequence:
    clock, qpms = _tempo_clock(parsed)
    # NoteSequence keeps its notes sorted by (start, end, pitch, track); ticks sort as seconds do, so
    # sorting the plain columns here and handing over a read-only array spares NoteSequence its sort
    # of the structured array, which would be the slowest step of reading
    columns = parsed.notes[:, _note_order(parsed.notes)]
    times = clock(columns[:2].ravel()).reshape(2, -1)
    instrument = columns[4]
    notes = np.empty(columns.shape[1], dtype=NOTE_DTYPE)
    notes["start"], notes["end"] = times
    notes["pitch"], notes["velocity"], notes["track"] = columns[2], columns[3], instrument
    notes["program"] = np.array([i.program for i in parsed.instruments], dtype=np.int16)[instrument]
    notes["is_drum"] = np.array([i.is_drum for i in parsed.instruments], dtype=bool)[instrument]
    notes.flags.writeable = False

    controls = [
        (tick, number, value, index) for index, i in enumerate(parsed.instruments) for tick, number, value in i.controls
    ]
    # format-1 files often repeat the meter and key on every track: keep each distinct event once
    meters = sorted({m for m in parsed.meters if m[1] > 0 and m[2] > 0})
    keys = sorted(set(parsed.keys))
    meta = [t for t, *_ in parsed.tempos + meters + keys]
    last_tick = max([int(columns[1].max()) if len(notes) else 0] + [c[0] for c in controls] + meta)
    # one clock call for every other event: the call, not the arithmetic, is what costs
    seconds = clock([last_tick] + [c[0] for c in controls] + [t for t, *_ in meters + keys]).tolist()
    last = seconds[0]
    if not np.isfinite(last) or last > MAX_SECONDS:
        hours = f"{last / 3600:.0f} hours" if np.isfinite(last) else "an endless time"
        raise MidiFileError(source, f"has absurd event times (an event {hours} in; the file is probably corrupt)")
    control_times = seconds[1 : 1 + len(controls)]
    meter_times = seconds[1 + len(controls) : 1 + len(controls) + len(meters)]
    key_times = seconds[1 + len(controls) + len(meters) :]
    return NoteSequence(
        notes=notes,
        tempos=tuple(TempoChange(float(s), float(q)) for s, q in zip(clock.seconds, qpms)),
        time_signatures=tuple(TimeSignature(s, n, d) for s, (_, n, d) in zip(meter_times, meters)),
        key_signatures=tuple(KeySignature(s, tonic, minor) for s, (_, tonic, minor) in zip(key_times, keys)),
        control_changes=tuple(ControlChange(s, n, v, i) for s, (_, n, v, i) in zip(control_times, controls)),
        tracks=tuple(Track(i.name, i.program, i.is_drum) for i in parsed.instruments),
        source=source,
        total_time=float(times[1].max()) if len(notes) else 0.0,
    )
