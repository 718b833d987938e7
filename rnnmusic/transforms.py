"""Pure NoteSequence -> NoteSequence transforms: the sustain pedal applied, a window cut out, one tempo.

Each takes a sequence and returns a new one (sequences are immutable); none reads
files or holds state, so they compose freely in data pipelines and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from rnnmusic.grid import StepGrid
from rnnmusic.notes import SUSTAIN_CC, ControlChange, KeySignature, NoteSequence, TempoChange, TimeSignature

#: times closer than this count as equal, so an event on a window's edge computed two ways falls on one side of it
_EPS = 1e-6


def apply_sustain(seq: NoteSequence) -> NoteSequence:
    """Lengthen notes held by the sustain pedal (CC64 >= 64) to the pedal's release, track by track.

    As pedalled on a piano (and as Magenta's note_seq does it): a note released while the
    pedal is down sounds until the pedal comes up, or until its pitch is struck again on its
    track, whichever is first; no note becomes shorter. A pedal never released holds to the
    end of the piece. The pedal events stay in the sequence, so applying twice changes nothing.
    """
    if not any(c.number == SUSTAIN_CC for c in seq.control_changes):
        return seq  # no pedal: nothing changes, and an encoder calling this on every seed pays no copy
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
    downs: list[float] = []
    ups: list[float] = []
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
