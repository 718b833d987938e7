"""What each piano-roll edit does to a sequence: pure functions, NoteSequence in, NoteSequence out.

The roll reports edits in its own units (quarter notes and semitones, on the
screen's bar grid); these functions turn them into seconds through the
sequence's own tempo map (:class:`rnnmusic.grid.StepGrid`), so a note moved by a
quarter moves by one beat even where the tempo changes. Notes are named by their
values (:class:`rnnmusic.notes.Note`): two notes that are equal in every field
are the same sound, so either may be the one edited. Each function returns the
new sequence and the edited notes as they now are, which is what stays selected.
The functions use no Qt; the undo commands (:mod:`rnnmusic.gui.note_editing`) call them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from rnnmusic.errors import RnnmusicError
from rnnmusic.grid import StepGrid
from rnnmusic.gui.pianoroll_scene import GRID_STEPS_PER_QUARTER as STEPS_PER_QUARTER
from rnnmusic.notes import Note, NoteSequence, make_notes

MIN_QUARTERS = 1.0 / STEPS_PER_QUARTER  # the shortest note an edit leaves
LOWEST, HIGHEST = 0, 127
DEFAULT_VELOCITY = 90

Edited = tuple[NoteSequence, list[Note]]


def _grid(seq: NoteSequence) -> StepGrid:
    return StepGrid.for_sequence(seq, STEPS_PER_QUARTER)


def _all_quarters(grid: StepGrid, seconds: Sequence[float]) -> np.ndarray:
    """Many times at once (a selection may be thousands of notes): seconds to quarters."""
    return np.atleast_1d(grid.to_steps(np.asarray(seconds, dtype=np.float64))) / STEPS_PER_QUARTER


def _all_seconds(grid: StepGrid, quarters: np.ndarray) -> list[float]:
    return np.atleast_1d(grid.to_seconds(quarters * STEPS_PER_QUARTER)).tolist()


def _seconds(grid: StepGrid, quarters: float) -> float:
    return float(grid.to_seconds(quarters * STEPS_PER_QUARTER))


def without(seq: NoteSequence, notes: Sequence[Note]) -> list[Note]:
    """The notes of ``seq`` less ``notes`` (each removed once); RnnmusicError naming a note ``seq`` lacks."""
    wanted = Counter(notes)
    kept = []
    for note in seq.iter_notes():
        if wanted[note] > 0:
            wanted[note] -= 1
        else:
            kept.append(note)
    missing = [note for note, count in wanted.items() if count > 0]
    if missing:
        note = missing[0]
        raise RnnmusicError(f"the note {note.pitch} at {note.start:.3f} s is not in the take any more")
    return kept


def _replaced(seq: NoteSequence, old: Sequence[Note], new: list[Note]) -> Edited:
    # evolve keeps the sequence's length (a take may end in silence); notes past it lengthen it
    return seq.evolve(notes=make_notes(without(seq, old) + new)), new


def moved(seq: NoteSequence, notes: Sequence[Note], quarters: float, semitones: int) -> Edited:
    """``notes`` later by ``quarters`` and higher by ``semitones``, held inside 0..127 and after time 0."""
    if not notes:
        return seq, []
    grid = _grid(seq)
    semitones = max(LOWEST - min(n.pitch for n in notes), min(semitones, HIGHEST - max(n.pitch for n in notes)))
    starts, ends = _all_quarters(grid, [n.start for n in notes]), _all_quarters(grid, [n.end for n in notes])
    quarters = max(quarters, -float(starts.min()))
    new = [replace(n, pitch=n.pitch + semitones) for n in notes]
    if quarters:  # else the times stay exactly as they were, not as a round trip through the grid gives them
        new = [replace(n, start=start, end=end) for n, start, end in
               zip(new, _all_seconds(grid, starts + quarters), _all_seconds(grid, ends + quarters))]
    return _replaced(seq, notes, new)


def resized(seq: NoteSequence, notes: Sequence[Note], quarters: float) -> Edited:
    """``notes`` longer by ``quarters`` (shorter when negative), never shorter than :data:`MIN_QUARTERS`."""
    if not quarters or not notes:
        return seq, list(notes)
    grid = _grid(seq)
    starts, ends = _all_quarters(grid, [n.start for n in notes]), _all_quarters(grid, [n.end for n in notes])
    lengths = np.maximum(ends - starts + quarters, MIN_QUARTERS)
    new = [replace(n, end=end) for n, end in zip(notes, _all_seconds(grid, starts + lengths))]
    return _replaced(seq, notes, new)


def deleted(seq: NoteSequence, notes: Sequence[Note]) -> Edited:
    return _replaced(seq, notes, [])


def drawn(seq: NoteSequence, pitch: int, start_quarters: float, length_quarters: float,
          velocity: int | None = None) -> Edited:
    """A new note; it takes the instrument and track most of the sequence's notes have, and their usual velocity."""
    if not LOWEST <= pitch <= HIGHEST:
        raise RnnmusicError(f"a note needs a MIDI pitch from 0 to 127, not {pitch}")
    grid = _grid(seq)
    start = max(start_quarters, 0.0)
    end = start + max(length_quarters, MIN_QUARTERS)
    voices = Counter((n.program, n.is_drum, n.track) for n in seq.iter_notes())
    program, is_drum, track = voices.most_common(1)[0][0] if voices else (0, False, 0)
    if velocity is None:
        velocities = sorted(int(v) for v in seq.notes["velocity"])
        velocity = velocities[len(velocities) // 2] if velocities else DEFAULT_VELOCITY
    note = Note(pitch, velocity, _seconds(grid, start), _seconds(grid, end), program, is_drum, track)
    return _replaced(seq, [], [note])


def with_velocity(seq: NoteSequence, notes: Sequence[Note], velocity: int | None = None, change: int = 0) -> Edited:
    """``notes`` at ``velocity``, or with ``change`` added to each; kept within 1..127 (0 would be a note-off)."""
    new = [replace(n, velocity=max(1, min(127, (n.velocity if velocity is None else velocity) + change)))
           for n in notes]
    return _replaced(seq, notes, new)
