"""The one place MIDI files are read and written.

Reading uses symusic (a C++ parser, two orders of magnitude faster than
pretty_midi) in ticks, and converts ticks to seconds here in float64 through the
file's own tempo map. Every parser failure becomes a :class:`MidiFileError`
naming the file and the reason. Writing uses mido and is atomic: a temporary file
in the same folder, then a rename, so a failure never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from rnnmusic.errors import MidiFileError
from rnnmusic.notes import (
    NOTE_DTYPE,
    ControlChange,
    KeySignature,
    NoteSequence,
    TempoChange,
    TimeSignature,
    Track,
)

# A file longer than this is treated as corrupt: it is what absurd tick values produce.
MAX_SECONDS = 24 * 3600.0
WRITE_TICKS_PER_QUARTER = 480


def read_midi(path: str | os.PathLike, require_notes: bool = True) -> NoteSequence:
    """Read a .mid file into a NoteSequence, or raise MidiFileError naming the file."""
    path = Path(path)
    if path.is_dir():
        raise MidiFileError(path, "is a directory, not a MIDI file")
    if not path.exists():
        raise MidiFileError(path, "no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MidiFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    return read_midi_bytes(data, source=str(path), require_notes=require_notes)


def read_midi_bytes(data: bytes, source: str = "<bytes>", require_notes: bool = True) -> NoteSequence:
    """Parse the bytes of a Standard MIDI File into a NoteSequence."""
    import symusic  # imported here so `import rnnmusic` stays light

    if len(data) == 0:
        raise MidiFileError(source, "is empty (0 bytes)")
    if not data.startswith(b"MThd"):
        raise MidiFileError(source, "is not a Standard MIDI File (no MThd header)")
    try:
        score = symusic.Score.from_midi(data)
    except Exception as exc:  # symusic raises RuntimeError/ValueError with parser detail
        raise MidiFileError(source, f"is not a valid MIDI file ({_short(exc)})") from None
    seq = _score_to_sequence(score, source)
    if require_notes and len(seq.notes) == 0:
        raise MidiFileError(source, "has no notes")
    return seq


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


class _TickClock:
    """Ticks to seconds through a tempo map (float64 throughout)."""

    def __init__(self, tpq: int, tempo_ticks: np.ndarray, qpms: np.ndarray):
        self.tpq = tpq
        self.ticks = tempo_ticks
        self.sec_per_tick = 60.0 / (qpms * tpq)
        spans = np.diff(tempo_ticks) * self.sec_per_tick[:-1]
        self.seconds = np.concatenate([[0.0], np.cumsum(spans)])

    def __call__(self, ticks) -> np.ndarray:
        t = np.asarray(ticks, dtype=np.float64)
        i = np.clip(np.searchsorted(self.ticks, t, side="right") - 1, 0, None)
        return self.seconds[i] + (t - self.ticks[i]) * self.sec_per_tick[i]


def _score_to_sequence(score, source: str) -> NoteSequence:
    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise MidiFileError(source, f"has an invalid time division ({tpq} ticks per quarter)")
    tempo_events = sorted(((int(t.time), float(t.qpm)) for t in score.tempos), key=lambda x: x[0])
    tempo_events = [(tick, qpm) for tick, qpm in tempo_events if qpm > 0]
    if not tempo_events or tempo_events[0][0] > 0:
        tempo_events.insert(0, (0, tempo_events[0][1] if tempo_events else 120.0))
    # keep the last tempo of several at one tick, as a player would
    dedup: dict[int, float] = {}
    for tick, qpm in tempo_events:
        dedup[tick] = qpm
    tempo_ticks = np.array(list(dedup.keys()), dtype=np.float64)
    qpms = np.array(list(dedup.values()), dtype=np.float64)
    clock = _TickClock(tpq, tempo_ticks, qpms)

    note_blocks = []
    controls: list[ControlChange] = []
    tracks: list[Track] = []
    for index, track in enumerate(score.tracks):
        tracks.append(Track(str(track.name), int(track.program), bool(track.is_drum)))
        arrays = track.notes.numpy()
        count = len(arrays["time"])
        if count:
            start_ticks = arrays["time"].astype(np.int64)
            end_ticks = start_ticks + arrays["duration"].astype(np.int64)
            block = np.empty(count, dtype=NOTE_DTYPE)
            block["pitch"] = arrays["pitch"].astype(np.int16) & 0x7F
            block["velocity"] = arrays["velocity"].astype(np.int16) & 0x7F
            block["start"] = clock(start_ticks)
            block["end"] = clock(end_ticks)
            block["program"] = int(track.program)
            block["is_drum"] = bool(track.is_drum)
            block["track"] = index
            note_blocks.append(block)
        for cc in track.controls:
            controls.append(ControlChange(float(clock(int(cc.time))), int(cc.number), int(cc.value), index))

    notes = np.concatenate(note_blocks) if note_blocks else np.empty(0, dtype=NOTE_DTYPE)
    last = float(notes["end"].max()) if len(notes) else 0.0
    if not np.isfinite(last) or last > MAX_SECONDS:
        raise MidiFileError(source, f"has absurd event times (a note ends after {last / 3600:.0f} hours)")

    tempos = tuple(TempoChange(float(s), float(q)) for s, q in zip(clock.seconds, qpms))
    meters = tuple(
        TimeSignature(float(clock(int(ts.time))), int(ts.numerator), int(ts.denominator))
        for ts in score.time_signatures
        if ts.numerator > 0 and ts.denominator > 0
    )
    keys = tuple(
        KeySignature(float(clock(int(ks.time))), _tonic_pitch_class(int(ks.key), bool(ks.tonality)), bool(ks.tonality))
        for ks in score.key_signatures
    )
    return NoteSequence(
        notes=notes,
        tempos=tempos,
        time_signatures=meters,
        key_signatures=keys,
        control_changes=tuple(controls),
        tracks=tuple(tracks),
        source=source,
        total_time=last,
    )


def _tonic_pitch_class(sharps: int, minor: bool) -> int:
    """Key signature (sharps > 0, flats < 0) to the tonic's pitch class."""
    major_tonic = (sharps * 7) % 12
    return (major_tonic + 9) % 12 if minor else major_tonic


def _key_to_sharps(key: int, minor: bool) -> int:
    major_tonic = (key + 3) % 12 if minor else key % 12
    sharps = (major_tonic * 7) % 12  # circle of fifths position
    return sharps - 12 if sharps > 6 else sharps


# ---------------------------------------------------------------------------
# writing


def write_midi(seq: NoteSequence, path: str | os.PathLike, text_events: Sequence[str] = ()) -> Path:
    """Write a format-1 MIDI file atomically; ``text_events`` go into the first track as text meta events."""
    path = Path(path)
    data = sequence_to_midi_bytes(seq, text_events)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise MidiFileError(path, f"cannot be written: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MidiFileError(path, f"cannot be written ({exc.strerror or exc})") from None
    return path


def sequence_to_midi_bytes(seq: NoteSequence, text_events: Sequence[str] = ()) -> bytes:
    """Encode a NoteSequence as the bytes of a format-1 Standard MIDI File."""
    import io

    import mido

    tpq = WRITE_TICKS_PER_QUARTER
    tempo_seconds = np.array([t.time for t in seq.tempos])
    qpms = np.array([t.qpm for t in seq.tempos])
    tempo_ticks = np.zeros(len(qpms))
    if len(qpms) > 1:
        tempo_ticks[1:] = np.cumsum(np.diff(tempo_seconds) * qpms[:-1] / 60.0 * tpq)

    def to_ticks(seconds) -> np.ndarray:
        s = np.asarray(seconds, dtype=np.float64)
        i = np.clip(np.searchsorted(tempo_seconds, s, side="right") - 1, 0, None)
        return np.rint(tempo_ticks[i] + (s - tempo_seconds[i]) * qpms[i] / 60.0 * tpq).astype(np.int64)

    midi = mido.MidiFile(type=1, ticks_per_beat=tpq)
    meta: list[tuple[int, int, mido.MetaMessage]] = []
    for text in text_events:
        meta.append((0, 0, mido.MetaMessage("text", text=text)))
    for tempo, tick in zip(seq.tempos, to_ticks(tempo_seconds)):
        meta.append((int(tick), 1, mido.MetaMessage("set_tempo", tempo=int(round(60_000_000 / tempo.qpm)))))
    for ts in seq.time_signatures:
        meta.append(
            (int(to_ticks(ts.time)), 2, mido.MetaMessage("time_signature", numerator=ts.numerator, denominator=ts.denominator))
        )
    for ks in seq.key_signatures:
        name = _mido_key_name(ks.key, ks.minor)
        meta.append((int(to_ticks(ks.time)), 3, mido.MetaMessage("key_signature", key=name)))
    midi.tracks.append(_to_track(meta))

    track_indices = sorted(set(seq.notes["track"].tolist()) | {c.track for c in seq.control_changes})
    next_channel = 0
    for track_index in track_indices:
        in_track = seq.notes[seq.notes["track"] == track_index]
        info = seq.tracks[track_index] if 0 <= track_index < len(seq.tracks) else None
        is_drum = bool(in_track["is_drum"][0]) if len(in_track) else bool(info and info.is_drum)
        program = int(in_track["program"][0]) if len(in_track) else (info.program if info else 0)
        if is_drum:
            channel = 9
        else:
            channel = next_channel
            next_channel = next_channel + 1 if next_channel + 1 != 9 else 10
            channel %= 16
        events: list[tuple[int, int, object]] = []
        if info and info.name:
            events.append((0, 0, mido.MetaMessage("track_name", name=info.name)))
        if not is_drum:
            events.append((0, 1, mido.Message("program_change", channel=channel, program=program)))
        starts, ends = to_ticks(in_track["start"]), to_ticks(in_track["end"])
        for pitch, velocity, on, off in zip(in_track["pitch"].tolist(), in_track["velocity"].tolist(), starts, ends):
            off = max(int(off), int(on) + 1)  # a note must last at least one tick to survive a reader
            # note-offs sort before note-ons at one tick so a repeated pitch is not cut short
            events.append((int(on), 3, mido.Message("note_on", channel=channel, note=pitch, velocity=max(1, velocity))))
            events.append((off, 2, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        for cc in seq.control_changes:
            if cc.track == track_index:
                events.append(
                    (int(to_ticks(cc.time)), 1, mido.Message("control_change", channel=channel, control=cc.number, value=cc.value))
                )
        midi.tracks.append(_to_track(events))

    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _to_track(events):
    import mido

    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        message.time = tick - now
        now = tick
        track.append(message)
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


_MAJOR_NAMES = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
_MINOR_NAMES = ["Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm"]


def _mido_key_name(key: int, minor: bool) -> str:
    return (_MINOR_NAMES if minor else _MAJOR_NAMES)[key % 12]


def read_text_events(path: str | os.PathLike) -> list[str]:
    """The text meta events of a file (where rnnmusic records how a take was made)."""
    import mido

    try:
        midi = mido.MidiFile(str(path))
    except Exception as exc:
        raise MidiFileError(path, f"is not a valid MIDI file ({_short(exc)})") from None
    return [msg.text for track in midi.tracks for msg in track if msg.type == "text"]
