"""What the piano roll shows: note rectangles in a scene measured in quarter notes and semitones.

Scene x is quarter notes from the start (following the sequence's tempo map, so
bars stay regular when the tempo changes); scene y is ``127 - pitch``, one unit
per semitone. The view scales this to pixels, which is what zooming changes;
every pen is cosmetic so lines stay one pixel wide at any zoom.

Bar selection: the scene holds one range of whole bars, ``[first_bar, end_bar)``
counted from 1 as the ruler shows them, on the bar grid of the seed's meter map
(:class:`rnnmusic.grid.StepGrid`). The user drags it on the bar ruler; code reads
it with :meth:`PianoRollScene.bar_selection` (``None`` when nothing is selected)
or :meth:`PianoRollScene.bar_selection_seconds`, sets it with
:meth:`PianoRollScene.set_bar_selection`, and hears of every change through
``barSelectionChanged(first_bar, end_bar)`` (``(0, 0)`` when it is cleared)::

    roll.scene.barSelectionChanged.connect(lambda first, end: ...)
    roll.scene.set_bar_selection(3, 5)          # bars 3 and 4
    start, end = roll.scene.bar_selection_seconds()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from rnnmusic.grid import StepGrid
from rnnmusic.midi.names import pitch_name
from rnnmusic.notes import Note, NoteSequence, make_notes
from rnnmusic.pianoroll import CONTINUATION_COLOUR, SEED_COLOUR

# 12 steps per quarter holds both the sixteenth and the triplet grid, so every meter's beats land on steps
GRID_STEPS_PER_QUARTER = 12
PITCHES = 128
BLACK_KEYS = frozenset((1, 3, 6, 8, 10))


def is_black(pitch: int) -> bool:
    return pitch % 12 in BLACK_KEYS


class Layer(Enum):
    """Which part of a take a note belongs to; each layer has its own colour."""

    SEED = "seed"
    GENERATED = "generated"
    COMPARE = "compare"


@dataclass(frozen=True)
class RollColors:
    """The roll's colours: the seed and continuation colours of `rnnmusic generate --plot`, so the app and the
    pictures the CLI draws agree, made lighter on a dark palette so both themes read."""

    seed: QColor
    generated: QColor
    compare: QColor
    playhead: QColor
    bar_band: QColor
    selected: QColor

    @classmethod
    def from_palette(cls, palette: QPalette) -> RollColors:
        dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
        seed, generated = QColor(*SEED_COLOUR), QColor(*CONTINUATION_COLOUR)
        return cls(
            seed=seed.lighter(135) if dark else seed,
            generated=generated.lighter(110) if dark else generated,
            compare=QColor("#5fd38d") if dark else QColor("#1e8a4c"),
            playhead=QColor("#ff5050") if dark else QColor("#d01010"),
            bar_band=_translucent(palette.color(QPalette.ColorRole.Highlight), 0.22),
            # selected notes get an outline that is neither note colour: black on light, white on dark
            selected=QColor("#ffffff") if dark else QColor("#000000"),
        )


def _translucent(color: QColor, alpha: float) -> QColor:
    result = QColor(color)
    result.setAlphaF(alpha)
    return result


class NoteItem(QGraphicsRectItem):
    """One note; keeps the note itself and its layer, so edits, tests and tooltips can read them back.

    Notes of the current take (seed and generated layers) can be selected and edited; compared
    takes' outlines cannot.
    """

    def __init__(self, rect: QRectF, note: Note, layer: Layer):
        super().__init__(rect)
        self.note, self.layer = note, layer
        self.pitch, self.velocity = note.pitch, note.velocity
        self.editable = layer is not Layer.COMPARE
        self.styled_selected = False  # whether its pen is the selected one
        if self.editable:
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        where = f"{note.start:.2f}–{note.end:.2f} s"
        self.setToolTip(f"{pitch_name(note.pitch)} ({note.pitch}) · velocity {note.velocity} · {where} · "
                        f"{layer.value}")

    def shape(self) -> QPainterPath:
        # the note itself: Qt would add the pen's width in scene units (half a quarter for a cosmetic pen),
        # so clicks and rubber bands just beside a note would catch it
        path = QPainterPath()
        path.addRect(self.rect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        # the scene styles selected notes itself; Qt's dashed selection box would hide the note's edges
        option.state = option.state & ~QStyle.StateFlag.State_Selected
        super().paint(painter, option, widget)


class PianoRollScene(QGraphicsScene):
    """Notes of the current take (seed and generated) plus outlined notes of takes to compare."""

    barSelectionChanged = Signal(int, int)  # first bar, end bar (exclusive), from 1; (0, 0): cleared

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grid = StepGrid.constant(120.0, GRID_STEPS_PER_QUARTER)
        self.length_quarters = 16.0
        self.colors = RollColors.from_palette(QPalette())
        self._notes: list[NoteItem] = []
        self.playhead = QGraphicsLineItem(0, 0, 0, PITCHES)
        self.playhead.setZValue(10)
        self.playhead.setVisible(False)
        self.addItem(self.playhead)
        self._bars: tuple[int, int] | None = None
        self.bar_band = QGraphicsRectItem()
        self.bar_band.setZValue(0.5)  # over the rows, under the notes
        self.bar_band.setPen(QPen(Qt.PenStyle.NoPen))
        self.bar_band.setVisible(False)
        self.addItem(self.bar_band)
        self.continuation = QGraphicsLineItem(0, 0, 0, PITCHES)  # where the seed ends and the take begins
        self.continuation.setZValue(0.6)
        self.continuation.setVisible(False)
        self.continuation.setToolTip("The generated take starts here; notes to the left are the seed")
        self.addItem(self.continuation)
        self.draft = QGraphicsRectItem()  # the note being drawn, until the mouse is let go
        self.draft.setZValue(4)
        self.draft.setVisible(False)
        self.addItem(self.draft)
        self._content: tuple = (None, None, ())
        self.selectionChanged.connect(self._restyle_selection)
        self.apply_colors(self.colors)
        self._update_rect()

    # -- content -----------------------------------------------------------------
    def set_content(
        self,
        seed: NoteSequence | None,
        generated: NoteSequence | None = None,
        compare: Sequence[NoteSequence] = (),
        continuation_start: float | None = None,
    ) -> None:
        """Replace what is shown; the tempo map comes from the seed (or the generated part).

        ``continuation_start`` (seconds) marks where the generated take begins.
        """
        self._content = (seed, generated, tuple(compare))
        selected = self.selected_notes()
        self.blockSignals(True)  # removing each selected note would say selectionChanged once per note
        try:
            for item in self._notes:
                self.removeItem(item)
        finally:
            self.blockSignals(False)
        self._notes = []
        reference = seed if seed is not None else generated
        if reference is not None:
            self.grid = StepGrid.for_sequence(reference, GRID_STEPS_PER_QUARTER)
        end = 0.0
        for layer, seq in [(Layer.SEED, seed), (Layer.GENERATED, generated)] + [(Layer.COMPARE, c) for c in compare]:
            if seq is None or len(seq) == 0:
                continue
            end = max(end, seq.total_time)
            self._add_notes(seq, layer)
        self.length_quarters = max(16.0, self.to_quarters(end))
        if continuation_start is not None:
            x = float(self.to_quarters(continuation_start))
            self.continuation.setLine(x, 0, x, PITCHES)
        self.continuation.setVisible(continuation_start is not None)
        self._update_rect()
        self.select_notes(selected)  # the same notes stay selected when the take is redrawn
        self._place_bar_band()  # the grid may have changed under the selected bars
        self.update()

    def add_preview(self, notes: Sequence[Note]) -> None:
        """Add notes of a take still being generated (drawn as generated notes) and widen the scene."""
        if not notes:
            return
        self._add_notes(NoteSequence(notes=make_notes(notes)), Layer.GENERATED)
        end = max(n.end for n in notes)
        self.length_quarters = max(self.length_quarters, float(self.to_quarters(end)))
        self._update_rect()

    def _add_notes(self, seq: NoteSequence, layer: Layer) -> None:
        notes = seq.notes
        starts = np.atleast_1d(self.to_quarters(notes["start"]))
        ends = np.atleast_1d(self.to_quarters(notes["end"]))
        for i, note in enumerate(seq.iter_notes()):
            width = max(float(ends[i] - starts[i]), 1.0 / GRID_STEPS_PER_QUARTER)
            rect = QRectF(float(starts[i]), PITCHES - 1 - note.pitch, width, 1.0)
            item = NoteItem(rect, note, layer)
            self._style(item)
            # compare notes sit under the current take, so the current take stays readable
            item.setZValue(1 if layer is Layer.COMPARE else 2)
            self.addItem(item)
            self._notes.append(item)

    def _style(self, item: NoteItem) -> None:
        colors = self.colors
        color = {Layer.SEED: colors.seed, Layer.GENERATED: colors.generated, Layer.COMPARE: colors.compare}[item.layer]
        selected = item.styled_selected = item.isSelected()
        if selected:
            pen = QPen(colors.selected)
        else:
            pen = QPen(color.darker(140) if item.layer is not Layer.COMPARE else color)
        pen.setCosmetic(True)
        pen.setWidth(1 if item.layer is not Layer.COMPARE and not selected else 2)
        item.setPen(pen)
        if item.layer is Layer.COMPARE:
            item.setBrush(Qt.BrushStyle.NoBrush)
        else:
            fill = QColor(color)
            fill.setAlphaF(0.45 + 0.55 * min(item.velocity, 127) / 127)  # louder notes are more solid
            item.setBrush(QBrush(fill))

    def apply_colors(self, colors: RollColors) -> None:
        """Recolour for a new palette (the system switched between light and dark)."""
        self.colors = colors
        pen = QPen(colors.playhead)
        pen.setCosmetic(True)
        pen.setWidth(2)
        self.playhead.setPen(pen)
        self.bar_band.setBrush(QBrush(colors.bar_band))
        draft = QPen(colors.selected)
        draft.setCosmetic(True)
        draft.setStyle(Qt.PenStyle.DashLine)
        self.draft.setPen(draft)
        self.draft.setBrush(QBrush(_translucent(colors.generated, 0.5)))
        marker = QPen(colors.generated)
        marker.setCosmetic(True)
        marker.setWidth(2)
        marker.setStyle(Qt.PenStyle.DashLine)
        self.continuation.setPen(marker)
        for item in self._notes:
            self._style(item)
        self.update()

    def note_items(self, layer: Layer | None = None) -> list[NoteItem]:
        return [n for n in self._notes if layer is None or n.layer is layer]

    def show_draft(self, pitch: int | None, start: float = 0.0, length: float = 0.0) -> None:
        """Show the outline of a note being drawn (None hides it)."""
        if pitch is None:
            self.draft.setVisible(False)
            return
        self.draft.setRect(QRectF(start, PITCHES - 1 - pitch, length, 1.0))
        self.draft.setVisible(True)

    # -- selection ---------------------------------------------------------------------
    def selected_notes(self) -> list[Note]:
        """The selected notes of the current take, in time order."""
        return [item.note for item in self._notes if item.isSelected()]

    def select_notes(self, notes: Sequence[Note]) -> None:
        """Select exactly these notes (by value; each one once) of the current take."""
        wanted = Counter(notes)  # a take of thousands of notes: no search of a list per note
        self.blockSignals(True)  # one selectionChanged for the lot, not one per note
        try:
            for item in self._notes:
                chosen = item.editable and wanted[item.note] > 0
                if chosen:
                    wanted[item.note] -= 1
                item.setSelected(chosen)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def select_all(self) -> None:
        self.select_notes([item.note for item in self._notes if item.editable])

    def _restyle_selection(self) -> None:
        for item in self._notes:
            if item.editable and item.styled_selected != item.isSelected():  # only the notes that changed
                self._style(item)
                # a selected note is drawn over its neighbours so its outline shows whole
                item.setZValue(3 if item.isSelected() else 2)

    # -- time ------------------------------------------------------------------------
    def to_quarters(self, seconds):
        """Seconds (scalar or array) to quarter notes through the tempo map."""
        steps = self.grid.to_steps(seconds)
        return steps / GRID_STEPS_PER_QUARTER

    def bar_lines(self, first: float, last: float) -> tuple[list[tuple[float, int]], list[float]]:
        """Bar lines as (quarter, bar number) and beat lines as quarters, between two scene x positions."""
        total = int(np.ceil(max(last, 0.0) * GRID_STEPS_PER_QUARTER)) + 1
        bars: list[tuple[float, int]] = []
        beats: list[float] = []
        starts = self.grid.bar_starts(total)
        for number, start in enumerate(starts, 1):
            bar_end = starts[number] if number < len(starts) else start + self.grid.steps_per_bar_at(start)
            if bar_end / GRID_STEPS_PER_QUARTER < first:
                continue
            bars.append((start / GRID_STEPS_PER_QUARTER, number))
            _, denominator = self.grid.meter_at(start)
            beat = max(1, 4 * GRID_STEPS_PER_QUARTER // denominator)
            beats.extend(s / GRID_STEPS_PER_QUARTER for s in range(start + beat, bar_end, beat))
        return bars, beats

    # -- bars --------------------------------------------------------------------------
    def bar_start_quarters(self, bar: int) -> float:
        """Where bar ``bar`` (from 1) starts, in quarters; bars past the music follow its last meter."""
        total = max(1, bar) * self.grid.steps_per_bar_at(0)
        while True:
            starts = self.grid.bar_starts(total + 1)
            if len(starts) >= bar:
                return starts[bar - 1] / GRID_STEPS_PER_QUARTER
            total *= 2

    def bar_at(self, quarters: float) -> int:
        """The bar (from 1) that holds scene x ``quarters``."""
        steps = max(0.0, quarters) * GRID_STEPS_PER_QUARTER
        starts = self.grid.bar_starts(int(steps) + 1)
        return max(1, sum(1 for start in starts if start <= steps + 1e-9))

    def bar_selection(self) -> tuple[int, int] | None:
        """The selected bars as (first_bar, end_bar), end exclusive, counted from 1; None when none are."""
        return self._bars

    def set_bar_selection(self, first_bar: int, end_bar: int) -> None:
        """Select bars ``first_bar`` up to, not including, ``end_bar`` (from 1); emits barSelectionChanged."""
        if not 1 <= first_bar < end_bar:
            raise ValueError(f"a bar selection needs 1 <= first_bar < end_bar, not [{first_bar}, {end_bar})")
        if self._bars == (first_bar, end_bar):
            return
        self._bars = (first_bar, end_bar)
        self._place_bar_band()
        self.barSelectionChanged.emit(first_bar, end_bar)

    def clear_bar_selection(self) -> None:
        if self._bars is None:
            return
        self._bars = None
        self._place_bar_band()
        self.barSelectionChanged.emit(0, 0)

    def bar_selection_seconds(self) -> tuple[float, float] | None:
        """The selected bars as (start, end) seconds through the tempo map; None when no bars are selected."""
        if self._bars is None:
            return None
        first, end = (self.bar_start_quarters(bar) * GRID_STEPS_PER_QUARTER for bar in self._bars)
        return float(self.grid.to_seconds(first)), float(self.grid.to_seconds(end))

    def _place_bar_band(self) -> None:
        if self._bars is None:
            self.bar_band.setVisible(False)
            return
        left, right = (self.bar_start_quarters(bar) for bar in self._bars)
        self.bar_band.setRect(QRectF(left, 0, right - left, PITCHES))
        self.bar_band.setVisible(True)

    def set_playhead(self, seconds: float | None) -> None:
        if seconds is None:
            self.playhead.setVisible(False)
            return
        x = float(self.to_quarters(seconds))
        self.playhead.setLine(x, 0, x, PITCHES)
        self.playhead.setVisible(True)

    def _update_rect(self) -> None:
        # two bars of room after the music, so a continuation has somewhere to appear
        self.setSceneRect(QRectF(0, 0, self.length_quarters + 8, PITCHES))
