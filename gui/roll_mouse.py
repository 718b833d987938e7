"""Mouse and keys on the piano roll: what a press, a drag or a key asks to do to the notes.

The roll never edits notes itself. A gesture is previewed by moving the note
items on screen, and when it ends the view emits one request (move, resize,
draw) in scene units: quarter notes and semitones, snapped to
:data:`SNAP_QUARTERS`. Whoever listens (the window's note editor) makes the edit
undoable and redraws the take, so the preview items are thrown away.

Gestures (select mode):
  click a note: select it (Ctrl+click: add or remove it); drag a note: move the
  selection; drag a note's right edge: lengthen or shorten the selection; drag on
  empty space: select with a rubber band; double-click empty space: draw a note.
Draw mode: press on empty space and drag to the length wanted.
Keys: Up/Down move the selection a semitone (Shift: an octave), Left/Right a
sixteenth (Shift: lengthen or shorten). Deleting is the window's Edit > Delete.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from rnnmusic.gui.pianoroll_scene import PITCHES, NoteItem
from rnnmusic.notes import Note

if TYPE_CHECKING:
    from rnnmusic.gui.pianoroll_view import RollView

#: what the mouse and keys do in the roll, as Help > Keyboard Shortcuts lists it
GESTURES = (
    ("Select a note", "Click it (Ctrl+click adds or removes it)"),
    ("Select notes in a box", "Drag on empty space"),
    ("Move the selection", "Drag a selected note; Up/Down (Shift: an octave); Left/Right"),
    ("Lengthen or shorten the selection", "Drag a note's right end; Shift+Left/Right"),
    ("Draw a note", "Double-click empty space, or drag there in Draw mode"),
    ("Select bars", "Drag across the bar numbers (Shift+click extends, right-click clears)"),
    ("Zoom", "Ctrl+wheel (Ctrl+Shift+wheel: taller rows)"),
)

SNAP_QUARTERS = 0.25  # a sixteenth note
EDGE_PX = 5  # how near a note's right end a press grabs the end rather than the note
DRAW_QUARTERS = 1.0  # the length of a note drawn by a click or a double-click


def snap(quarters: float, step: float = SNAP_QUARTERS) -> float:
    return round(quarters / step) * step


def snap_down(quarters: float, step: float = SNAP_QUARTERS) -> float:
    return math.floor(quarters / step + 1e-9) * step


def pitch_at(y: float) -> int:
    """The pitch of the row at scene y."""
    return max(0, min(PITCHES - 1, PITCHES - 1 - int(math.floor(y))))


class Gesture(Enum):
    MOVE = "move"
    RESIZE = "resize"
    DRAW = "draw"


@dataclass
class Drag:
    kind: Gesture
    press: QPointF  # scene position of the press
    items: list[NoteItem] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # the items' widths before a resize
    quarters: float = 0.0
    semitones: int = 0


class RollMouse:
    """The gestures of one :class:`RollView`; the view hands it its mouse and key events."""

    def __init__(self, view: RollView):
        self.view = view
        self.drag: Drag | None = None

    # -- mouse ---------------------------------------------------------------------------
    def press(self, event: QMouseEvent) -> bool:
        """Handle a press; False leaves it to the view (a rubber band on empty space)."""
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        where = self.view.mapToScene(event.position().toPoint())
        item = self._note_at(event)
        if item is None:
            if not self.view.draw_mode:
                return False
            start = snap_down(where.x())
            self.drag = Drag(Gesture.DRAW, QPointF(start, where.y()))
            self.view.show_draft(pitch_at(where.y()), start, DRAW_QUARTERS)
            return True
        toggle = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if toggle:
            item.setSelected(not item.isSelected())
            return True
        if not item.isSelected():
            self.view.roll.select_notes([item.note])
        selected = [i for i in self.view.roll.note_items() if i.isSelected()]
        right_px = self.view.mapFromScene(QPointF(item.rect().right(), 0)).x()
        near_end = right_px - event.position().x() <= EDGE_PX
        kind = Gesture.RESIZE if near_end else Gesture.MOVE
        self.drag = Drag(kind, where, selected, [i.rect().width() for i in selected])
        return True

    def move(self, event: QMouseEvent) -> bool:
        drag = self.drag
        if drag is None:
            self._hover(event)
            return False
        where = self.view.mapToScene(event.position().toPoint())
        if drag.kind is Gesture.DRAW:
            length = max(snap(where.x() - drag.press.x()), SNAP_QUARTERS)
            self.view.show_draft(pitch_at(drag.press.y()), drag.press.x(), length)
            drag.quarters = length
            return True
        drag.quarters = snap(where.x() - drag.press.x())
        if drag.kind is Gesture.MOVE:
            drag.semitones = pitch_at(where.y()) - pitch_at(drag.press.y())
            for item in drag.items:
                item.setPos(drag.quarters, -drag.semitones)  # a preview: the edit redraws the take
        else:
            for item, width in zip(drag.items, drag.widths):
                rect = item.rect()
                rect.setWidth(max(width + drag.quarters, SNAP_QUARTERS / 4))
                item.setRect(rect)
        return True

    def release(self, event: QMouseEvent) -> bool:
        drag, self.drag = self.drag, None
        if drag is None:
            return False
        notes = [item.note for item in drag.items]
        if drag.kind is Gesture.DRAW:
            self.view.show_draft(None)
            length = drag.quarters or DRAW_QUARTERS
            self.view.note_draw_requested.emit(pitch_at(drag.press.y()), drag.press.x(), length)
        elif drag.kind is Gesture.MOVE and (drag.quarters or drag.semitones):
            self._undo_preview(drag)
            self.view.notes_move_requested.emit(notes, drag.quarters, drag.semitones)
        elif drag.kind is Gesture.RESIZE and drag.quarters:
            self._undo_preview(drag)
            self.view.notes_resize_requested.emit(notes, drag.quarters)
        return True

    def double_click(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton or self._note_at(event) is not None:
            return False
        where = self.view.mapToScene(event.position().toPoint())
        self.view.note_draw_requested.emit(pitch_at(where.y()), snap_down(where.x()), DRAW_QUARTERS)
        return True

    def _undo_preview(self, drag: Drag) -> None:
        # if nobody takes the request the take is not redrawn, so the items must go back by themselves
        for item, width in zip(drag.items, drag.widths):
            item.setPos(0, 0)
            rect = item.rect()
            rect.setWidth(width)
            item.setRect(rect)

    def _note_at(self, event: QMouseEvent) -> NoteItem | None:
        for item in self.view.items(event.position().toPoint()):
            if isinstance(item, NoteItem) and item.editable:
                return item
        return None

    def _hover(self, event: QMouseEvent) -> None:
        item = self._note_at(event)
        cursor = Qt.CursorShape.ArrowCursor
        if item is not None:
            right_px = self.view.mapFromScene(QPointF(item.rect().right(), 0)).x()
            near_end = right_px - event.position().x() <= EDGE_PX
            cursor = Qt.CursorShape.SizeHorCursor if near_end else Qt.CursorShape.SizeAllCursor
        elif self.view.draw_mode:
            cursor = Qt.CursorShape.CrossCursor
        self.view.viewport().setCursor(cursor)

    # -- keys ------------------------------------------------------------------------------
    def key(self, event: QKeyEvent) -> bool:
        notes: list[Note] = self.view.roll.selected_notes()
        if not notes:
            return False
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            semitones = 12 if shift else 1
            self.view.notes_move_requested.emit(notes, 0.0, semitones if key == Qt.Key.Key_Up else -semitones)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            quarters = SNAP_QUARTERS if key == Qt.Key.Key_Right else -SNAP_QUARTERS
            if shift:
                self.view.notes_resize_requested.emit(notes, quarters)
            else:
                self.view.notes_move_requested.emit(notes, quarters, 0)
        else:
            return False
        return True
