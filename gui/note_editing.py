"""Undo and redo for every note edit, with Qt's undo framework (QUndoStack, QUndoCommand).

The roll asks for an edit (move these notes, draw one here); :class:`NoteEditor`
works out the new sequence with :mod:`rnnmusic.gui.note_edits` and pushes a
:class:`NoteEdit` onto its QUndoStack. A command holds the whole sequence before
and after (both immutable, so holding them costs no copying), which makes undo
exact however the edit changed the notes. Applying a sequence is the window's
job, through the ``apply`` callback: the command names what it edits (a take by
number, or the seed) so undo still reaches the right take after the user has
switched to another.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from rnnmusic.errors import RnnmusicError
from rnnmusic.gui import note_edits
from rnnmusic.notes import Note, NoteSequence

#: what is being edited (the window's key for a take or the seed) and its notes now
Current = Callable[[], "tuple[Hashable, NoteSequence] | None"]
#: put a sequence in place of what ``target`` names and select ``notes`` in it
Apply = Callable[[Hashable, NoteSequence, list[Note]], None]


class NoteEdit(QUndoCommand):
    """One edit of one take's (or the seed's) notes; undo puts the sequence back as it was."""

    def __init__(self, text: str, apply: Apply, target: Hashable, before: tuple[NoteSequence, list[Note]],
                 after: tuple[NoteSequence, list[Note]]):
        super().__init__(text)
        self.apply, self.target, self.before, self.after = apply, target, before, after

    def redo(self) -> None:
        self.apply(self.target, *self.after)

    def undo(self) -> None:
        self.apply(self.target, *self.before)


def _count(notes: Sequence[Note]) -> str:
    return "1 note" if len(notes) == 1 else f"{len(notes)} notes"


class NoteEditor(QObject):
    """Turns edit requests into undoable commands on ``stack`` (the window's one undo stack, which other
    undoable actions share); an edit that changes nothing is not pushed."""

    def __init__(self, current: Current, apply: Apply, stack: QUndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.current, self.apply, self.stack = current, apply, stack

    def _push(self, text: str, before_selection: Sequence[Note],
              edit: Callable[[NoteSequence], note_edits.Edited]) -> bool:
        now = self.current()
        if now is None:
            return False
        target, seq = now
        try:
            after, selected = edit(seq)
        except RnnmusicError:
            return False  # the roll showed notes that are no longer there: nothing to do
        if after.same_music(seq, tolerance=1e-9):
            return False
        self.stack.push(NoteEdit(text, self.apply, target, (seq, list(before_selection)), (after, selected)))
        return True

    def move(self, notes: Sequence[Note], quarters: float, semitones: int) -> bool:
        return self._push(f"Move {_count(notes)}", notes, lambda s: note_edits.moved(s, notes, quarters, semitones))

    def resize(self, notes: Sequence[Note], quarters: float) -> bool:
        return self._push(f"Resize {_count(notes)}", notes, lambda s: note_edits.resized(s, notes, quarters))

    def delete(self, notes: Sequence[Note]) -> bool:
        return bool(notes) and self._push(f"Delete {_count(notes)}", notes, lambda s: note_edits.deleted(s, notes))

    def draw(self, pitch: int, start_quarters: float, length_quarters: float) -> bool:
        return self._push("Draw note", [],
                          lambda s: note_edits.drawn(s, pitch, start_quarters, length_quarters))

    def set_velocity(self, notes: Sequence[Note], velocity: int) -> bool:
        return self._push(f"Velocity of {_count(notes)}", notes,
                          lambda s: note_edits.with_velocity(s, notes, velocity=velocity))

    def change_velocity(self, notes: Sequence[Note], change: int) -> bool:
        return self._push(f"Velocity of {_count(notes)}", notes,
                          lambda s: note_edits.with_velocity(s, notes, change=change))
