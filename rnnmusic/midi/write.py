"""Writing NoteSequences as MIDI files and bytes.

A format-1 file: the first track holds tempos, meters, keys and text events, then
one track per (track, program, drum) of the notes, drums on channel 10. The
resolution is chosen so one tick is at most 1 ms at the slowest tempo, so reading
a written file gives every time back within 1 ms. Writing is atomic
(:mod:`rnnmusic.atomic`): a failure never leaves half a file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnmusic.atomic import atomic_write_bytes
from rnnmusic.errors import MidiFileError
from rnnmusic.midi.names import tonic_name
from rnnmusic.midi.parsed import DRUM_CHANNEL
from rnnmusic.notes import NoteSequence, Track

#: (tick, order within a tick, mido message); mido has no type hints, so its messages are Any
_Event = tuple[int, int, Any]

#: the tempos a set-tempo event can hold: 2**24 - 1 and 1 microseconds per quarter
_SLOWEST_QPM = 60_000_000 / 0xFFFFFF
_FASTEST_QPM = 60_000_000.0


def write_midi(seq: NoteSequence, path: str | os.PathLike, text_events: Sequence[str] = ()) -> Path:
    """Write a format-1 MIDI file atomically; ``text_events`` go into the first track as text meta events."""
    path = Path(path)
    data = sequence_to_midi_bytes(seq, text_events)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise MidiFileError(path, f"cannot be written: folder {folder} does not exist")
    try:
        return atomic_write_bytes(path, data)
    except OSError as exc:
        raise MidiFileError(path, f"cannot be written ({exc.strerror or exc})") from None


def sequence_to_midi_bytes(seq: NoteSequence, text_events: Sequence[str] = ()) -> bytes:
    """Encode a NoteSequence as the bytes of a format-1 Standard MIDI File.

    The first track holds tempos, meters, keys and ``text_events``; then one track per
    (track, program, drum) of the notes, drums on channel 10. MIDI sounds a pitch once
    per channel, so where notes of one pitch overlap in a track the earlier one is ended
    where the later starts (of notes starting together, the longest, then loudest, is kept).
    """
    import mido

    tpq, tracks = _tracks(seq, text_events)
    midi = mido.MidiFile(type=1, ticks_per_beat=tpq)
    midi.tracks.extend(_to_track(events) for events in tracks)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def timed_messages(seq: NoteSequence) -> list[tuple[float, bytes]]:
    """(seconds from the start, raw bytes) of every channel message of ``seq``'s file, in the order it plays them.

    What a player of the written file would send (channels, programs, tempo map), computed from the
    events the writer makes rather than by reading the bytes back.
    """
    tpq, tracks = _tracks(seq, ())
    # tempo events are in the first track, at the ticks they are written at; of several at one tick the last
    # (in the order written) is the one in force
    tempo_at: dict[int, int] = {0: 500_000}
    for tick, _, message in sorted(tracks[0], key=lambda e: (e[0], e[1])):
        if message.type == "set_tempo":
            tempo_at[tick] = message.tempo
    tempo_ticks = np.array(sorted(tempo_at), dtype=np.float64)
    seconds_per_tick = np.array([tempo_at[int(t)] for t in tempo_ticks]) / 1e6 / tpq
    tempo_seconds = np.concatenate([[0.0], np.cumsum(np.diff(tempo_ticks) * seconds_per_tick[:-1])])
    # every track's events in its own order, then all by tick, ties in track order (as a file plays them)
    ordered = [event for events in tracks for event in sorted(events, key=lambda e: (e[0], e[1]))]
    channel = sorted((e for e in ordered if not e[2].is_meta), key=lambda e: e[0])
    ticks = np.array([tick for tick, _, _ in channel], dtype=np.float64)
    i = np.clip(np.searchsorted(tempo_ticks, ticks, side="right") - 1, 0, None)
    seconds = tempo_seconds[i] + (ticks - tempo_ticks[i]) * seconds_per_tick[i]
    return [(float(t), bytes(message.bytes())) for t, (_, _, message) in zip(seconds, channel)]


def _tracks(seq: NoteSequence, text_events: Sequence[str]) -> tuple[int, list[list[_Event]]]:
    """The ticks per quarter and, per track of the file, its events as (tick, order within a tick, mido message)."""
    import mido

    tpq = _ticks_per_quarter(seq)
    to_ticks = _seconds_to_ticks(seq, tpq)
    tracks: list[list[_Event]] = []
    meta: list[_Event] = [(0, 0, mido.MetaMessage("text", text=_as_utf8(t))) for t in text_events]
    for time, qpm in _writable_tempos(seq):
        meta.append((int(to_ticks(time)), 1, mido.MetaMessage("set_tempo", tempo=round(60_000_000 / qpm))))
    for ts in seq.time_signatures:
        message = mido.MetaMessage("time_signature", numerator=ts.numerator, denominator=ts.denominator)
        meta.append((int(to_ticks(ts.time)), 2, message))
    for ks in seq.key_signatures:
        message = mido.MetaMessage("key_signature", key=_mido_key(ks.key, ks.minor))
        meta.append((int(to_ticks(ks.time)), 3, message))
    tracks.append(meta)

    notes = seq.notes
    parts = sorted(set(zip(notes["track"].tolist(), notes["is_drum"].tolist(), notes["program"].tolist())))
    with_notes = {p[0] for p in parts}
    parts += [(t, _track_info(seq, t).is_drum, _track_info(seq, t).program) for t in _control_tracks(seq, with_notes)]
    melodic = [c for c in range(16) if c != DRUM_CHANNEL]
    controls_written: set[int] = set()
    for number, (track, is_drum, program) in enumerate(parts):
        channel = DRUM_CHANNEL if is_drum else melodic[number % len(melodic)]
        info = _track_info(seq, track)
        events: list[_Event] = []
        if info.name:
            events.append((0, 0, mido.MetaMessage("track_name", name=_as_utf8(info.name))))
        events.append((0, 0, mido.Message("program_change", channel=channel, program=program)))
        if track not in controls_written:  # a track's controls go with its first part only
            controls_written.add(track)
            for cc in seq.control_changes:
                if cc.track == track:
                    message = mido.Message("control_change", channel=channel, control=cc.number, value=cc.value)
                    events.append((int(to_ticks(cc.time)), 1, message))
        mine = notes[(notes["track"] == track) & (notes["is_drum"] == is_drum) & (notes["program"] == program)]
        for pitch, velocity, on, off in _monophonic_per_pitch(mine, to_ticks):
            # note-offs sort before note-ons at one tick so a repeated pitch is not cut short
            events.append((on, 3, mido.Message("note_on", channel=channel, note=pitch, velocity=max(1, velocity))))
            events.append((off, 2, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        tracks.append(events)
    return tpq, tracks


def _writable_tempos(seq: NoteSequence) -> list[tuple[float, float]]:
    """(seconds, qpm) of each tempo, moved into what a tempo event holds (1 .. 2**24 - 1 us per quarter).

    Ticks are counted at these tempos too, so every time in seconds is written as it is.
    """
    return [(t.time, min(max(t.qpm, _SLOWEST_QPM), _FASTEST_QPM)) for t in seq.tempos]


def _ticks_per_quarter(seq: NoteSequence) -> int:
    """A resolution fine enough that one tick is at most 1 ms at the slowest tempo (a multiple of 480)."""
    slowest = min(qpm for _, qpm in _writable_tempos(seq))
    needed = 60_000.0 / slowest  # ticks per quarter for a 1 ms tick
    return int(min(32640, max(480, 480 * np.ceil(needed / 480))))


def _seconds_to_ticks(seq: NoteSequence, tpq: int):
    tempo_seconds = np.array([time for time, _ in _writable_tempos(seq)])
    qpms = np.array([qpm for _, qpm in _writable_tempos(seq)])
    tempo_ticks = np.zeros(len(qpms))
    tempo_ticks[1:] = np.cumsum(np.diff(tempo_seconds) * qpms[:-1] / 60.0 * tpq)

    def to_ticks(seconds) -> np.ndarray:
        s = np.maximum(np.asarray(seconds, dtype=np.float64), 0.0)  # a file starts at 0: earlier events play then
        i = np.clip(np.searchsorted(tempo_seconds, s, side="right") - 1, 0, None)
        return np.rint(tempo_ticks[i] + (s - tempo_seconds[i]) * qpms[i] / 60.0 * tpq).astype(np.int64)

    return to_ticks


def _monophonic_per_pitch(notes: np.ndarray, to_ticks) -> list[tuple[int, int, int, int]]:
    """(pitch, velocity, on tick, off tick) with no two notes of one pitch sounding at once."""
    on, off = to_ticks(notes["start"]), to_ticks(notes["end"])
    off = np.maximum(off, on + 1)  # a note must last at least one tick to survive a reader
    pitch, velocity = notes["pitch"].astype(np.int64), notes["velocity"].astype(np.int64)
    order = np.lexsort((-velocity, -off, on, pitch))  # by pitch, start, longest (then loudest) first
    pitch, on, off, velocity = pitch[order], on[order], off[order], velocity[order]
    first = np.append(True, (pitch[1:] != pitch[:-1]) | (on[1:] != on[:-1]))  # the longest of those starting together
    pitch, on, off, velocity = pitch[first], on[first], off[first], velocity[first]
    overlapped = np.append((pitch[1:] == pitch[:-1]) & (on[1:] < off[:-1]), False)
    off = np.where(overlapped, np.append(on[1:], 0), off)  # end where the next note of the pitch starts
    return list(zip(pitch.tolist(), velocity.tolist(), on.tolist(), off.tolist()))


def _track_info(seq: NoteSequence, track: int) -> Track:
    return seq.tracks[track] if 0 <= track < len(seq.tracks) else Track()


def _control_tracks(seq: NoteSequence, with_notes: set[int]) -> list[int]:
    return sorted({c.track for c in seq.control_changes} - with_notes)


def _as_utf8(text: str) -> str:
    """``text`` spelled so that mido, which writes meta text as latin-1, writes its UTF-8 bytes (the reader's)."""
    return text.encode("utf-8").decode("latin-1")


#: the largest delta time a MIDI file holds (a 4-byte variable-length quantity)
_MAX_DELTA = 0x0FFFFFFF


def _to_track(events):
    import mido

    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        while tick - now > _MAX_DELTA:  # a longer silence is bridged by empty meta events every reader skips
            track.append(mido.MetaMessage("sequencer_specific", data=(), time=_MAX_DELTA))
            now += _MAX_DELTA
        message.time = tick - now
        now = tick
        track.append(message)
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _mido_key(tonic: int, minor: bool) -> str:
    """mido's name for a key ('Db', 'F#m'), from which it writes the key signature's sharps or flats."""
    return tonic_name(tonic, minor) + ("m" if minor else "")
