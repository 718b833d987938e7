"""Pure NoteSequence -> NoteSequence transforms: quantise, sustain, transpose, trim, split into bars, pick tracks.

Each takes a sequence and returns a new one (sequences are immutable); none reads
files or holds state, so they compose freely in data pipelines and tests.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from rnnmusic.errors import ConfigError
from rnnmusic.grid import StepGrid
from rnnmusic.notes import SUSTAIN_CC, ControlChange, KeySignature, NoteSequence, TempoChange, TimeSignature, Track

#: steps per quarter used to find bar lines: whole steps for every meter down to x/64
_BAR_STEPS_PER_QUARTER = 48
#: times closer than this count as equal, so a note on a bar line computed two ways lands in one bar
_EPS = 1e-6


def quantize(seq: NoteSequence, steps_per_quarter: int = 4) -> NoteSequence:
    """Snap note starts and ends (and control changes) to the nearest step of the sequence's own grid.

    The grid follows the tempo map (see :class:`rnnmusic.grid.StepGrid`): 4 steps per
    quarter is a sixteenth grid, 3, 6 or 12 hold triplets. A note whose start and end
    snap to one step is kept one step long rather than dropped, so quantising never
    loses a note; encodings that cannot hold such notes drop and count them themselves.
    """
    grid = StepGrid.for_sequence(seq, steps_per_quarter)
    notes = seq.notes.copy()
    start = grid.quantize(notes["start"])
    end = np.maximum(grid.quantize(notes["end"]), start + 1)
    notes["start"] = grid.to_seconds(start)
    notes["end"] = grid.to_seconds(end)
    controls = tuple(replace(c, time=float(grid.to_seconds(grid.quantize(c.time)))) for c in seq.control_changes)
    total = float(grid.to_seconds(grid.quantize(seq.total_time)))
    return replace(seq, notes=notes, control_changes=controls, total_time=total)


def apply_sustain(seq: NoteSequence) -> NoteSequence:
    """Lengthen notes held by the sustain pedal (CC64 >= 64) to the pedal's release, track by track.

    As pedalled on a piano (and as Magenta's note_seq does it): a note released while the
    pedal is down sounds until the pedal comes up, or until its pitch is struck again on its
    track, whichever is first; no note becomes shorter. A pedal never released holds to the
    end of the piece. The pedal events stay in the sequence, so applying twice changes nothing.
    """
    notes = seq.notes.copy()
    piece_end = max([seq.total_time] + [c.time for c in seq.control_changes])
    for track in np.unique(notes["track"]).tolist():
        downs, ups = _pedal_spans(seq.control_changes, track, piece_end)
        if not len(downs):
            continue
        mine = np.flatnonzero(notes["track"] == track)
        end = notes["end"][mine]
        span = np.searchsorted(downs, end, side="right") - 1
        held = (span >= 0) & (end < ups[np.clip(span, 0, None)])
        extended = np.where(held, ups[np.clip(span, 0, None)], end)
        # a re-struck pitch ends the sustained note (never cutting it below its own end)
        restrike = _next_start_same_pitch(notes["pitch"][mine], notes["start"][mine])
        notes["end"][mine] = np.where(held, np.maximum(end, np.minimum(extended, restrike)), end)
    return replace(seq, notes=notes)


def _pedal_spans(controls: Sequence[ControlChange], track: int, piece_end: float) -> tuple[np.ndarray, np.ndarray]:
    """Times the sustain pedal of ``track`` goes down and comes back up (sorted, paired)."""
    downs, ups = [], []
    for cc in controls:
        if cc.track != track or cc.number != SUSTAIN_CC:
            continue
        pressed = cc.value >= 64
        if pressed and len(downs) == len(ups):
            downs.append(cc.time)
        elif not pressed and len(downs) > len(ups):
            ups.append(cc.time)
    if len(downs) > len(ups):
        ups.append(piece_end)
    return np.array(downs, dtype=np.float64), np.array(ups, dtype=np.float64)


def _next_start_same_pitch(pitch: np.ndarray, start: np.ndarray) -> np.ndarray:
    """For each note, the start of the next note of its pitch (inf if none)."""
    order = np.lexsort((start, pitch))
    following = np.full(len(pitch), np.inf)
    same = pitch[order][1:] == pitch[order][:-1]
    following[order[:-1][same]] = start[order][1:][same]
    return following


def transpose(seq: NoteSequence, semitones: int, min_pitch: int = 0, max_pitch: int = 127) -> tuple[NoteSequence, int]:
    """Shift every pitched note by ``semitones``; drums stay where they are (their pitch is an instrument).

    Notes that would leave ``min_pitch..max_pitch`` are dropped, and their number is
    returned beside the sequence: ``(transposed, dropped)``, so a data pipeline can
    skip a transposition that loses notes. Key signatures move with the notes.
    """
    notes = seq.notes.copy()
    pitched = ~notes["is_drum"]
    notes["pitch"][pitched] += semitones
    outside = pitched & ((notes["pitch"] < min_pitch) | (notes["pitch"] > max_pitch))
    keys = tuple(replace(k, key=(k.key + semitones) % 12) for k in seq.key_signatures)
    return replace(seq, notes=notes[~outside], key_signatures=keys), int(outside.sum())


def trim(seq: NoteSequence, start: float, end: float) -> NoteSequence:
    """The part of ``seq`` from ``start`` to ``end`` seconds, moved to begin at 0.

    Notes that start inside keep their start and are cut at ``end``; notes that start
    before ``start`` are left out (as Magenta's extract_subsequence does). The tempo,
    meter, key and every controller's value in force at ``start`` are carried to time 0,
    so a sustain pedal held across ``start`` is still held.
    """
    if not end > start >= 0:
        raise ValueError(f"trim needs 0 <= start < end, got {start} and {end}")
    notes = seq.notes[(seq.notes["start"] >= start - _EPS) & (seq.notes["start"] < end - _EPS)].copy()
    notes["end"] = np.minimum(notes["end"], end) - start
    notes["start"] = np.maximum(notes["start"] - start, 0.0)
    return replace(
        seq,
        notes=notes,
        tempos=tuple(_window(seq.tempos, start, end)),
        time_signatures=tuple(_window(seq.time_signatures, start, end)),
        key_signatures=tuple(_window(seq.key_signatures, start, end)),
        control_changes=_window_controls(seq.control_changes, start, end),
        total_time=end - start,
    )


def _window(events: Sequence[TempoChange | TimeSignature | KeySignature], start: float, end: float) -> list:
    """Events inside [start, end) shifted to start at 0, led by the one in force at ``start``."""
    before = [e for e in events if e.time <= start + _EPS]
    inside = [replace(e, time=e.time - start) for e in events if start + _EPS < e.time < end - _EPS]
    return ([replace(before[-1], time=0.0)] if before else []) + inside


def _window_controls(controls: Sequence[ControlChange], start: float, end: float) -> tuple[ControlChange, ...]:
    in_force: dict[tuple[int, int], ControlChange] = {}
    for cc in controls:
        if cc.time <= start + _EPS:
            in_force[(cc.track, cc.number)] = replace(cc, time=0.0)
    inside = [replace(cc, time=cc.time - start) for cc in controls if start + _EPS < cc.time < end - _EPS]
    return tuple(in_force.values()) + tuple(inside)


def bar_times(seq: NoteSequence) -> list[float]:
    """Seconds of every bar line from 0 to the first bar line at or after the end, following meter changes."""
    grid = StepGrid.for_sequence(seq, _BAR_STEPS_PER_QUARTER)
    total = max(1, math.ceil(grid.to_steps(seq.total_time) - 1e-6))
    longest = max(grid.steps_per_bar_at(step) for step, _, _ in grid.meter_steps)
    lines = grid.bar_starts(total + longest + 1)  # reaches past the end by at least one bar line
    closing = next(step for step in lines if step >= total)
    steps = [step for step in lines if step < total] + [closing]
    return [float(t) for t in grid.to_seconds(np.array(steps))]


def split_bars(seq: NoteSequence, bars_per_chunk: int = 1) -> list[NoteSequence]:
    """Cut ``seq`` into chunks of ``bars_per_chunk`` bars (see :func:`bar_times` and :func:`trim`).

    Bar lines follow the meters, a pickup bar included; the last chunk may hold fewer
    bars. Bars without notes give chunks without notes: rests are part of the music.
    A note crossing a chunk's end is cut there and does not continue in the next chunk.
    """
    if bars_per_chunk < 1:
        raise ValueError("bars_per_chunk must be at least 1")
    lines = bar_times(seq)
    cuts = lines[::bars_per_chunk]
    if cuts[-1] != lines[-1]:
        cuts.append(lines[-1])
    return [trim(seq, a, b) for a, b in zip(cuts[:-1], cuts[1:])]


def select_tracks(seq: NoteSequence, tracks: Sequence[int]) -> NoteSequence:
    """Only the given tracks, renumbered 0, 1, ... in the order given (their controls come along)."""
    available = max(len(seq.tracks), int(seq.notes["track"].max()) + 1 if len(seq.notes) else 0)
    wanted = list(dict.fromkeys(int(t) for t in tracks))
    missing = [t for t in wanted if not 0 <= t < available]
    if missing:
        raise ConfigError(f"no track {missing[0]}; this piece has tracks 0 to {available - 1}")
    renumber = np.full(max(available, 1), -1, dtype=np.int16)
    renumber[wanted] = np.arange(len(wanted))
    notes = seq.notes[renumber[seq.notes["track"]] >= 0].copy()
    notes["track"] = renumber[notes["track"]]
    controls = tuple(replace(c, track=int(renumber[c.track])) for c in seq.control_changes if c.track in wanted)
    infos = tuple(seq.tracks[t] if t < len(seq.tracks) else Track() for t in wanted) if seq.tracks else ()
    return replace(seq, notes=notes, control_changes=controls, tracks=infos)


def at_tempo(seq: NoteSequence, qpm: float) -> NoteSequence:
    """The same music at one constant tempo: every time keeps its place in quarter notes."""
    quarters = StepGrid.for_sequence(seq, 1)  # one step per quarter note

    def moved(seconds):
        return np.asarray(quarters.to_steps(seconds)) * 60.0 / qpm

    notes = seq.notes.copy()
    notes["start"] = moved(notes["start"])
    notes["end"] = moved(notes["end"])
    return replace(
        seq,
        notes=notes,
        tempos=(TempoChange(0.0, float(qpm)),),
        time_signatures=tuple(TimeSignature(float(moved(m.time)), m.numerator, m.denominator)
                              for m in seq.time_signatures),
        key_signatures=tuple(KeySignature(float(moved(k.time)), k.key, k.minor) for k in seq.key_signatures),
        control_changes=tuple(ControlChange(float(moved(c.time)), c.number, c.value, c.track)
                              for c in seq.control_changes),
        total_time=0.0,
    )
