"""The one place MIDI files are read and written.

Reading gives the notes pretty_midi gives, at symusic's speed. symusic (a C++
parser) pairs note-ons and note-offs first-in-first-out, one note per note-off;
pretty_midi lets one note-off end *every* sounding note of its pitch and drops
notes whose note-on and note-off share a tick. The two agree except where notes
of one pitch are stacked on one channel, so each file is read like this:

1. its chunks are checked here (clear errors for truncated files and bad headers);
2. symusic parses it with a sentinel appended to every track: a note-off for
   every pitch of every channel the track plays, far past the track's end, so a
   note-on that symusic would drop unpaired surfaces as a note ending there;
3. zero-length notes are dropped (as pretty_midi does), and if any pitch is
   stacked (a note starting before the previous note of its pitch ends, two at
   one tick, or one left unpaired) the file is read again event by event in
   Python with pretty_midi's rule (:mod:`rnnmusic.midi_exact`). So is a file
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

The exact reader lives in :mod:`rnnmusic.midi_exact` and the writer in
:mod:`rnnmusic.midi_write`; this module is the one entry point for both.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from rnnmusic.errors import MidiFileError
from rnnmusic.midi_exact import KEPT_CONTROLS, ParsedInstrument, ParsedMidi, read_exact, tonic_from_sharps, track_name
from rnnmusic.midi_write import sequence_to_midi_bytes, write_midi
from rnnmusic.notes import (
    NOTE_DTYPE,
    ControlChange,
    KeySignature,
    NoteSequence,
    TempoChange,
    TimeSignature,
    Track,
)

__all__ = [
    "MAX_BYTES", "MAX_NOTES", "MAX_SECONDS", "read_midi", "read_midi_bytes", "read_text_events",
    "sequence_to_midi_bytes", "write_midi",
]

# A file longer than this is treated as corrupt: it is what absurd tick values produce.
MAX_SECONDS = 24 * 3600.0
#: the largest file read and the most notes kept: far beyond real music (a 20-minute piano piece is
#: some 200 kB and 10,000 notes), they bound what reading costs; the encodings bound the rest
#: (:data:`rnnmusic.encodings._common.MAX_TOKENS`)
MAX_BYTES = 8 * 2**20
MAX_NOTES = 1_000_000
#: symusic reserves memory for every event of a track-channel, sentinel note-offs included (about
#: 7 kB each): a file with more track-channels than this is read by the exact reader instead
_MAX_SENTINEL_BLOCKS = 1024

_END_OF_TRACK = b"\xff\x2f\x00"
_EMPTY_TEXT = b"\xff\x01\x00"  # same length as end-of-track, so it can take its place
_SENTINEL_DELTA = 0x0FFFFFFF  # the largest delta a MIDI file can hold (4-byte VLQ)
_SENTINEL_DELTA_VLQ = b"\xff\xff\xff\x7f"  # _SENTINEL_DELTA as a variable-length quantity
_NOTE_ON_STATUS = [bytes((0x90 | channel,)) for channel in range(16)]
#: system common messages and the clock, which symusic takes as a running status
_ODD_STATUS = [bytes((status,)) for status in (0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF8)]
#: per channel: a note-off for every pitch (delta 0; running status after the first)
_SENTINEL_CHANNELS = [
    b"\x00" + bytes((0x80 | channel, 0, 0)) + b"".join(bytes((0, pitch, 0)) for pitch in range(1, 128))
    for channel in range(16)
]


# ---------------------------------------------------------------------------
# reading: public API


def read_midi(path: str | os.PathLike, require_notes: bool = True) -> NoteSequence:
    """Read a .mid file into a NoteSequence, or raise MidiFileError naming the file and the reason."""
    path = Path(path)
    if path.is_dir():
        raise MidiFileError(path, "is a directory, not a MIDI file")
    if not path.exists():
        raise MidiFileError(path, "no such file")
    try:
        _check_size(path.stat().st_size, str(path))
        data = path.read_bytes()
    except OSError as exc:
        raise MidiFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    return read_midi_bytes(data, source=str(path), require_notes=require_notes)


def read_midi_bytes(data: bytes, source: str = "<bytes>", require_notes: bool = True, *,
                    exact: bool = False) -> NoteSequence:
    """Parse the bytes of a Standard MIDI File into a NoteSequence (see the module docstring for the rules).

    ``exact`` reads every file event by event, as only some files are: the two paths must agree on
    every file, and the tests check that they do.
    """
    _check_size(len(data), source)
    chunks = _split_chunks(data, source)
    parsed = None if exact else _read_fast(chunks, source)
    if parsed is None:
        parsed = read_exact(chunks.tracks, chunks.ticks_per_quarter, source, MAX_NOTES)
    seq = _to_sequence(parsed, source)
    if require_notes and len(seq.notes) == 0:
        raise MidiFileError(source, "has no notes")
    return seq


def _check_size(size: int, source: str) -> None:
    if size > MAX_BYTES:
        raise MidiFileError(source, f"is too large ({size:,} bytes; rnnmusic reads MIDI files of up to {MAX_BYTES:,})")


def read_text_events(path: str | os.PathLike) -> list[str]:
    """The text meta events of a file (where rnnmusic records how a take was made)."""
    import mido

    try:
        midi = mido.MidiFile(str(path))
    except Exception as exc:
        raise MidiFileError(path, f"is not a valid MIDI file ({_short(exc)})") from None
    # mido decodes meta text as latin-1; the writer writes UTF-8 (as the reader reads track names)
    texts = [msg.text for track in midi.tracks for msg in track if msg.type == "text"]
    return [text.encode("latin-1").decode("utf-8", errors="replace") for text in texts]


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# ---------------------------------------------------------------------------
# reading: structure


@dataclass
class _Chunks:
    header: bytes  # the whole MThd chunk
    tracks: list[bytes]  # the body of every MTrk chunk, in order
    ticks_per_quarter: int

    def assemble(self, tracks: Sequence[bytes] | None = None) -> bytes:
        bodies = self.tracks if tracks is None else tracks
        return self.header + b"".join(b"MTrk" + struct.pack(">I", len(b)) + b for b in bodies)


def _split_chunks(data: bytes, source: str) -> _Chunks:
    """Check the chunk structure (header, lengths) and return the track bodies; unknown chunks are skipped."""
    if len(data) == 0:
        raise MidiFileError(source, "is empty (0 bytes)")
    if not data.startswith(b"MThd"):
        raise MidiFileError(source, "is not a Standard MIDI File (no MThd header)")
    if len(data) < 14:
        raise MidiFileError(source, f"is truncated (the header needs 14 bytes, the file has {len(data)})")
    length, fmt, declared, division = struct.unpack(">IHHH", data[4:14])
    if length < 6 or 8 + length > len(data):
        raise MidiFileError(source, f"has an invalid header (header length {length})")
    if fmt > 2:
        raise MidiFileError(source, f"has an invalid header (format {fmt}; MIDI files are format 0, 1 or 2)")
    if division & 0x8000:
        raise MidiFileError(source, "uses SMPTE time division, which rnnmusic cannot read (only ticks per quarter)")
    if division == 0:
        raise MidiFileError(source, "has an invalid header (0 ticks per quarter note)")
    tracks: list[bytes] = []
    pos = 8 + length
    while pos + 8 <= len(data) and len(tracks) < declared:
        name = data[pos : pos + 4]
        (size,) = struct.unpack(">I", data[pos + 4 : pos + 8])
        if name != b"MTrk" and not name.isalnum():
            raise MidiFileError(source, f"is corrupt (no track header at byte {pos})")
        if pos + 8 + size > len(data):
            raise MidiFileError(
                source, f"is truncated (track {len(tracks) + 1} needs {size} bytes, {len(data) - pos - 8} remain)"
            )
        if name == b"MTrk":
            tracks.append(data[pos + 8 : pos + 8 + size])
        pos += 8 + size
    if len(tracks) < declared:
        reason = f"is truncated (the header declares {declared} tracks, the file holds {len(tracks)})"
        raise MidiFileError(source, reason)
    header = data[:8] + struct.pack(">HHH", fmt, len(tracks), division) + data[14 : 8 + length]
    return _Chunks(header, tracks, division)


# ---------------------------------------------------------------------------
# reading: the fast path


def _sentinel_channels(body: bytes) -> list[int]:
    """The channels that may play notes in a track: those it has an explicit note-on status byte for."""
    # a channel that plays notes has at least one (running status needs one to start from); other
    # bytes may look like one too, which only adds note-offs
    return [c for c in range(16) if _NOTE_ON_STATUS[c] in body]


def _with_sentinel(body: bytes, channels: list[int]) -> bytes:
    """The track with note-offs for every pitch of ``channels``, far past its end."""
    if not channels:
        return body
    blocks = b"".join(_SENTINEL_CHANNELS[c] for c in channels)
    return body[:-3] + _EMPTY_TEXT + _SENTINEL_DELTA_VLQ + _EMPTY_TEXT + blocks + b"\x00" + _END_OF_TRACK


def _read_fast(chunks: _Chunks, source: str) -> ParsedMidi | None:
    """symusic's reading, or None when this file needs the exact event-by-event reader."""
    import symusic  # imported here so `import rnnmusic` stays light

    if not all(body.endswith(_END_OF_TRACK) for body in chunks.tracks):
        return None  # no sentinel can be placed safely; let the exact reader judge the file
    if any(body.count(b"\xf7") > body.count(b"\xf0") for body in chunks.tracks):
        return None  # an F7 that ends no F0 message may be an escape event, which symusic misreads
    if any(status in body for body in chunks.tracks for status in _ODD_STATUS):
        return None  # (a key of 8 flats, a long delta or a text may hold such a byte too: only slower)
    channels = [_sentinel_channels(body) for body in chunks.tracks]
    if sum(len(c) for c in channels) > _MAX_SENTINEL_BLOCKS:
        return None  # so many track-channels that symusic would take gigabytes (see _MAX_SENTINEL_BLOCKS)
    try:
        bodies = [_with_sentinel(body, c) for body, c in zip(chunks.tracks, channels)]
        score = symusic.Score.from_midi(chunks.assemble(bodies))
    except Exception:
        return None  # the exact reader gives the precise error (or reads what symusic refuses)
    count = sum(len(track.notes) for track in score.tracks)
    if count > MAX_NOTES:
        raise MidiFileError(source, f"has too many notes ({count:,}; rnnmusic reads at most {MAX_NOTES:,})")

    tempos, meters, keys = _meta_events(score)
    if any(event[0] < 0 for event in tempos + meters + keys):
        return None  # symusic's ticks are 32-bit: past 2**31 they wrap around; the exact reader counts on
    if len({tick for tick, _ in tempos}) < len(set(tempos)):
        return None  # different tempos at one tick: symusic's sort may have lost which came last
    tracks = list(score.tracks)
    arrays = [track.notes.numpy() for track in tracks]
    start = np.concatenate([a["time"] for a in arrays]).astype(np.int64) if tracks else np.zeros(0, np.int64)
    if len(start) == 0:
        return ParsedMidi(chunks.ticks_per_quarter, tempos, meters, keys)
    end = start + np.concatenate([a["duration"] for a in arrays])
    pitch = np.concatenate([a["pitch"] for a in arrays]).astype(np.int64)
    velocity = np.concatenate([a["velocity"] for a in arrays]).astype(np.int64)
    owner = np.repeat(np.arange(len(tracks)), [len(a["time"]) for a in arrays])
    if end.max() >= _SENTINEL_DELTA or start.min() < 0 or bool((end < start).any()):
        return None  # an unpaired note-on reached the sentinel, or ticks beyond what symusic holds
    if _stacked(start, end, pitch, owner) or _stacked_across_programs(tracks, start, end, pitch, owner):
        return None
    keep = end > start  # pretty_midi drops note-on/note-off pairs at one tick
    used = np.bincount(owner[keep], minlength=len(tracks)) > 0
    index = np.cumsum(used) - 1  # instruments without notes left are no instruments (as in pretty_midi)
    notes = np.stack([start, end, pitch, velocity, index[owner]])
    if not keep.all():
        notes = notes[:, keep]
    instruments = [_instrument(track) for track, u in zip(tracks, used.tolist()) if u]
    if any(tick < 0 for instrument in instruments for tick, _, _ in instrument.controls):
        return None  # (wrapped ticks, as above)
    return ParsedMidi(chunks.ticks_per_quarter, tempos, meters, keys, instruments=instruments, notes=notes)


def _instrument(track) -> ParsedInstrument:
    controls: list[tuple[int, int, int]] = []
    if len(track.controls):
        cc = track.controls.numpy()
        wanted = np.zeros(len(cc["number"]), dtype=bool)
        for number in KEPT_CONTROLS:
            wanted |= cc["number"] == number
        if wanted.any():
            columns = (cc["time"][wanted].tolist(), cc["number"][wanted].tolist(), cc["value"][wanted].tolist())
            controls = list(zip(*columns))
    return ParsedInstrument(track_name(str(track.name)), int(track.program), bool(track.is_drum), controls)


def _meta_events(score) -> tuple[list, list, list]:
    # tempo 0 (0 us per quarter) would be an infinite qpm: no tempo, as in the exact reader
    tempos = [(int(t.time), float(t.qpm)) for t in score.tempos if t.mspq > 0]
    meters = [(int(m.time), int(m.numerator), int(m.denominator)) for m in score.time_signatures]
    keys = [
        (int(k.time), tonic_from_sharps(int(k.key), bool(k.tonality)), bool(k.tonality)) for k in score.key_signatures
    ]
    return tempos, meters, keys


def _stacked(start: np.ndarray, end: np.ndarray, pitch: np.ndarray, owner: np.ndarray) -> bool:
    """True when a pitch sounds twice at once in one track: there FIFO pairing and pretty_midi may differ."""
    group = owner * 128 + pitch
    if len(owner) and owner.max() < 256 and not (np.diff(start) < 0)[owner[1:] == owner[:-1]].any():
        # symusic lists each track's notes by start: a stable sort by (track, pitch) keeps that order
        # within each pitch, and on 16-bit keys numpy sorts by radix, several times faster
        order = np.argsort(group.astype(np.int16), kind="stable")
    else:
        order = np.lexsort((start, group))
    g, s, e = group[order], start[order], end[order]
    same = g[1:] == g[:-1]
    return bool(np.any(same & ((s[1:] < e[:-1]) | (s[1:] == s[:-1]))))


def _stacked_across_programs(tracks, start: np.ndarray, end: np.ndarray, pitch: np.ndarray, owner: np.ndarray) -> bool:
    """True when a pitch sounds twice at once in tracks that may be one channel under two programs.

    symusic makes a track per (MIDI track, channel, program), and those of one MIDI track share its
    name and drum flag: a stack there is looked for among tracks of one name and drum flag with more
    than one program (other MIDI tracks of that name only cost a file the exact reader).
    """
    keys = [(str(track.name), bool(track.is_drum)) for track in tracks]
    programs: dict[tuple[str, bool], set[int]] = {}
    for key, track in zip(keys, tracks):
        programs.setdefault(key, set()).add(int(track.program))
    groups = {key: index for index, key in enumerate(k for k, p in programs.items() if len(p) > 1)}
    if not groups:
        return False
    group = np.array([groups.get(key, -1) for key in keys])[owner]
    split = group >= 0
    return _stacked(start[split], end[split], pitch[split], group[split])


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
