"""The piano-roll widget: a zoomable note view with a keyboard strip on the left and a bar ruler on top.

The keyboard and the ruler are painted from the view's own mapping, so they can
never drift out of line with the notes when the view scrolls or zooms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QGridLayout, QWidget

from rnnmusic.gui.pianoroll_scene import PITCHES, PianoRollScene, RollColors, is_black
from rnnmusic.gui.roll_mouse import RollMouse
from rnnmusic.midi.names import pitch_name
from rnnmusic.notes import NoteSequence

# zoomed right out a long piece still fits: 300 bars of 4/4 in 600 px
MIN_PX_PER_QUARTER, MAX_PX_PER_QUARTER = 0.5, 400.0
MIN_ROW_PX, MAX_ROW_PX = 3.0, 40.0
ZOOM_STEP = 1.25
FIT_MAX_ROW_PX = 16.0  # fitting a few notes must not blow them up to keyboard-key size
FIT_MIN_ROW_PX = 9.0  # thinner rows and the key names cannot be read: scroll to the rest instead
READABLE_PX_PER_QUARTER = 8.0  # a new take is shown whole with the seed only when bars stay this wide
LABEL_PX = 10  # the key names' font size
KEYBOARD_WIDTH = 56
BLACK_KEY_SHARE = 0.62  # of the strip's width
RULER_HEIGHT = 20


def _pen(color: QColor, width: int = 1) -> QPen:
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidth(width)
    return pen


class RollView(QGraphicsView):
    """The note area: rows shaded like a keyboard, bar and beat lines, Ctrl+wheel zooms.

    Mouse and keys edit notes through :class:`~rnnmusic.gui.roll_mouse.RollMouse`, which only asks:
    the ``*_requested`` signals carry each edit (notes by value, quarters, semitones) to whoever
    makes it.
    """

    zoomed = Signal()
    resized = Signal()
    user_zoomed = Signal()  # the user zoomed or scrolled: whatever was fitted is no longer wanted
    notes_move_requested = Signal(object, float, int)  # notes, quarters later, semitones higher
    notes_resize_requested = Signal(object, float)  # notes, quarters longer
    note_draw_requested = Signal(int, float, float)  # pitch, start and length in quarters

    def __init__(self, scene: PianoRollScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.roll = scene  # the view only borrows the scene; this reference keeps it alive
        self.px_per_quarter = 40.0
        self.row_px = 10.0
        self.draw_mode = False  # pressing on empty space draws a note instead of starting a rubber band
        self.mouse = RollMouse(self)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        # always there, so fitting the roll never makes a scroll bar come or go (which would change its size)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setMouseTracking(True)  # the cursor tells a note's body from its resizable end
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.actionTriggered.connect(lambda _action: self.user_zoomed.emit())
        self._apply_zoom()

    def show_draft(self, pitch: int | None, start: float = 0.0, length: float = 0.0) -> None:
        self.roll.show_draft(pitch, start, length)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if not self.mouse.press(event):
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self.mouse.move(event):
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if not self.mouse.release(event):
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if not self.mouse.double_click(event):
            super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.mouse.key(event):
            super().keyPressEvent(event)

    def set_zoom(self, px_per_quarter: float, row_px: float) -> None:
        self.px_per_quarter = min(max(px_per_quarter, MIN_PX_PER_QUARTER), MAX_PX_PER_QUARTER)
        self.row_px = min(max(row_px, MIN_ROW_PX), MAX_ROW_PX)
        self._apply_zoom()

    def _apply_zoom(self) -> None:
        self.setTransform(QTransform.fromScale(self.px_per_quarter, self.row_px))
        self.zoomed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            factor = ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.set_zoom(self.px_per_quarter, self.row_px * factor)
            else:
                self.set_zoom(self.px_per_quarter * factor, self.row_px)
            self.user_zoomed.emit()
            event.accept()
            return
        super().wheelEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        shade = palette.color(QPalette.ColorRole.AlternateBase)
        if shade == base:
            shade = base.darker(108) if base.lightness() > 128 else base.lighter(130)
        painter.fillRect(rect, base)
        top = max(0, int(math.floor(rect.top())))
        bottom = min(PITCHES, int(math.ceil(rect.bottom())))
        for row in range(top, bottom):
            pitch = PITCHES - 1 - row
            if is_black(pitch):
                painter.fillRect(QRectF(rect.left(), row, rect.width(), 1), shade)
        text = palette.color(QPalette.ColorRole.Text)
        beat_color, bar_color, octave_color = QColor(text), QColor(text), QColor(text)
        beat_color.setAlphaF(0.10)
        bar_color.setAlphaF(0.35)
        octave_color.setAlphaF(0.18)
        painter.setPen(_pen(octave_color))
        for row in range(top, bottom + 1):
            if (PITCHES - row) % 12 == 0:  # line under every C
                painter.drawLine(QPointF(rect.left(), row), QPointF(rect.right(), row))
        bars, beats = self.roll.bar_lines(rect.left(), rect.right())
        if self.px_per_quarter >= 8:  # beat lines would only blur at very small zoom
            painter.setPen(_pen(beat_color))
            for x in beats:
                painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        painter.setPen(_pen(bar_color))
        for x, _ in bars:
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))


class KeyboardStrip(QWidget):
    """Piano keys beside the rows, labelled with pitch names (every C, or every key when rows are tall)."""

    def __init__(self, view: RollView, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self.setFixedWidth(KEYBOARD_WIDTH)
        view.verticalScrollBar().valueChanged.connect(self.update)
        view.zoomed.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(KEYBOARD_WIDTH, 200)

    def labels(self) -> list[tuple[int, str]]:
        """(pitch, label) of every key that gets a label at the current zoom."""
        every_key = self.view.row_px >= 12
        return [(p, pitch_name(p)) for p in range(PITCHES) if every_key or p % 12 == 0]

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#f4f4f4"))
        offset = self.view.viewport().mapToGlobal(QPoint(0, 0)).y() - self.mapToGlobal(QPoint(0, 0)).y()
        labelled = dict(self.labels())
        font = painter.font()
        font.setPixelSize(LABEL_PX)
        painter.setFont(font)
        for pitch in range(PITCHES):
            top = self.view.mapFromScene(QPointF(0, PITCHES - 1 - pitch)).y() + offset
            bottom = self.view.mapFromScene(QPointF(0, PITCHES - pitch)).y() + offset
            if bottom < 0 or top > self.height():
                continue
            row = QRectF(0, top, self.width(), bottom - top)
            if is_black(pitch):
                painter.fillRect(QRectF(0, top, self.width() * BLACK_KEY_SHARE, bottom - top), QColor("#202020"))
            else:
                painter.setPen(QColor("#b0b0b0"))
                if pitch % 12 in (0, 5):  # the white-key boundaries below C and F
                    painter.drawLine(QPointF(0, bottom), QPointF(self.width(), bottom))
            if pitch in labelled:
                black = is_black(pitch)
                painter.setPen(QColor("#ffffff") if black else QColor("#303030"))
                align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                # a black key's name goes on the black key itself, where white text can be read
                box = QRectF(0, top, self.width() * BLACK_KEY_SHARE, bottom - top) if black else row
                grow = max(0.0, (LABEL_PX + 2 - box.height()) / 2)  # a thin row's name may spill over its edges
                painter.drawText(box.adjusted(0, -grow, -3, grow), align, labelled[pitch])
        painter.setPen(QColor("#808080"))
        painter.drawLine(self.width() - 1, 0, self.width() - 1, self.height())


class BarRuler(QWidget):
    """Bar numbers above the roll; dragging across it selects whole bars (the scene keeps the selection).

    Press on a bar and drag to select from that bar to the one under the mouse; a
    click selects one bar, Shift+click extends the selection to the clicked bar and
    a right-click clears it.
    """

    def __init__(self, view: RollView, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self.setFixedHeight(RULER_HEIGHT)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drag across bar numbers to select bars (right-click clears)")
        self._anchor: int | None = None  # the bar the drag started on
        view.horizontalScrollBar().valueChanged.connect(self.update)
        view.zoomed.connect(self.update)
        view.roll.barSelectionChanged.connect(lambda *_: self.update())

    def _scene_x(self, x: float) -> float:
        offset = self.view.viewport().mapToGlobal(QPoint(0, 0)).x() - self.mapToGlobal(QPoint(0, 0)).x()
        return self.view.mapToScene(QPoint(int(x - offset), 0)).x()

    def _widget_x(self, quarters: float) -> float:
        offset = self.view.viewport().mapToGlobal(QPoint(0, 0)).x() - self.mapToGlobal(QPoint(0, 0)).x()
        return self.view.mapFromScene(QPointF(quarters, 0)).x() + offset

    def bar_under(self, x: float) -> int:
        """The bar (from 1) under widget x."""
        return self.view.roll.bar_at(self._scene_x(x))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        scene = self.view.roll
        if event.button() == Qt.MouseButton.RightButton:
            scene.clear_bar_selection()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        bar = self.bar_under(event.position().x())
        current = scene.bar_selection()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and current is not None:
            self._anchor = current[0] if bar >= current[0] else current[1] - 1
        else:
            self._anchor = bar
        self._select_to(bar)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None:
            self._select_to(self.bar_under(event.position().x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._anchor = None

    def _select_to(self, bar: int) -> None:
        assert self._anchor is not None
        self.view.roll.set_bar_selection(min(self._anchor, bar), max(self._anchor, bar) + 1)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Button))
        selected = self.view.roll.bar_selection()
        if selected is not None:
            left, right = (self._widget_x(self.view.roll.bar_start_quarters(bar)) for bar in selected)
            painter.fillRect(QRectF(left, 0, right - left, self.height()), palette.color(QPalette.ColorRole.Highlight))
        painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
        left = self.view.mapToScene(0, 0).x()
        right = self.view.mapToScene(self.view.viewport().width(), 0).x()
        bars, _ = self.view.roll.bar_lines(left, right)
        # label every n-th bar so numbers never overlap when zoomed out
        bar_px = self.view.px_per_quarter * 4
        every = max(1, math.ceil(28 / max(bar_px, 1e-6)))
        for x, number in bars:
            px = self._widget_x(x)
            inside = selected is not None and selected[0] <= number < selected[1]
            role = QPalette.ColorRole.HighlightedText if inside else QPalette.ColorRole.ButtonText
            painter.setPen(palette.color(role))
            painter.drawLine(int(px), self.height() - 6, int(px), self.height())
            if (number - 1) % every == 0:
                painter.drawText(int(px) + 3, self.height() - 6, str(number))


class PianoRoll(QWidget):
    """The whole piano roll: ruler, keyboard strip and the note view, with zoom and playhead controls."""

    colors_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = PianoRollScene(self)
        self.view = RollView(self.scene, self)
        self.keyboard = KeyboardStrip(self.view, self)
        self.ruler = BarRuler(self.view, self)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.ruler, 0, 1)
        layout.addWidget(self.keyboard, 1, 0)
        layout.addWidget(self.view, 1, 1)
        self.setMinimumSize(320, 200)
        self._refit: Callable[[], None] | None = None  # the fit to make again when the roll changes size
        self._fitting = False
        self.view.resized.connect(self._on_resized)
        self.view.user_zoomed.connect(self._stop_fitting)

    def set_content(
        self, seed: NoteSequence | None, generated: NoteSequence | None = None, compare: Sequence[NoteSequence] = (),
        continuation_start: float | None = None,
    ) -> None:
        self.scene.set_content(seed, generated, compare, continuation_start)
        self.ruler.update()

    def add_preview(self, notes) -> None:
        """Draw notes of a take as it is generated, keeping the newest in view."""
        self.scene.add_preview(notes)
        self.ruler.update()
        x = float(self.scene.to_quarters(max(n.end for n in notes)))
        self.view.ensureVisible(QRectF(x, self.view.mapToScene(0, 0).y(), 0.01, 0.01), 40, 0)

    def set_playhead(self, seconds: float | None) -> None:
        """Move the playhead (None hides it) and keep it on screen while playing."""
        self.scene.set_playhead(seconds)
        if seconds is not None:
            x = self.scene.playhead.line().x1()
            self.view.ensureVisible(QRectF(x, self.view.mapToScene(0, 0).y(), 0.01, 0.01), 40, 0)

    def zoom_in(self) -> None:
        self._refit = None
        self.view.set_zoom(self.view.px_per_quarter * ZOOM_STEP, self.view.row_px)

    def zoom_out(self) -> None:
        self._refit = None
        self.view.set_zoom(self.view.px_per_quarter / ZOOM_STEP, self.view.row_px)

    # -- fitting -----------------------------------------------------------------------
    # A fit is kept until the user zooms or scrolls: when the roll changes size (the window is
    # first shown, resized, a dock closed) it is made again for the new size.
    def fit(self) -> None:
        """Zoom so all the music fits the width and its pitch range the height."""
        self._keep_fitted(lambda: self.fit_quarters(0.0, self.scene.length_quarters))

    def follow_take(self, start_seconds: float) -> None:
        """Show a new take that starts at ``start_seconds``: all the music when its bars stay readable,
        else the take with the bar of the seed before it."""
        whole = self._fit_width() / (self.scene.length_quarters + 1)
        if whole >= READABLE_PX_PER_QUARTER:
            self.fit()
            return
        bar = self.scene.bar_at(float(self.scene.to_quarters(start_seconds)))
        left = self.scene.bar_start_quarters(max(1, bar - 1))
        self._keep_fitted(lambda: self.fit_quarters(left, self.scene.length_quarters))

    def fit_quarters(self, left: float, right: float) -> None:
        """Zoom so scene x ``left``..``right`` fills the width, and the notes there the height, and show them."""
        span = max(right - left, 1.0) + 1.0  # half a quarter of room either side
        items = [n for n in self.scene.note_items() if n.rect().right() > left and n.rect().left() < right]
        items = items or self.scene.note_items()
        row_px = self.view.row_px
        if items:
            # an octave of room around the notes, and never closer in than two octaves
            low, high = min(n.pitch for n in items), max(n.pitch for n in items)
            rows = max(high - low + 1 + 12, 24)
            row_px = min(max(max(self.view.viewport().height() - 8, 100) / rows, FIT_MIN_ROW_PX), FIT_MAX_ROW_PX)
        self.view.set_zoom(self._fit_width() / span, row_px)
        middle = PITCHES - 1 - (low + high) / 2 if items else PITCHES - 1 - 60
        seen = self.view.viewport().width() / self.view.px_per_quarter
        self.view.centerOn(max(left - 0.5, 0.0) + seen / 2, middle)

    def center_on_notes(self) -> None:
        """Scroll (without zooming) so the notes' pitch range is in the middle, from the start."""
        items = self.scene.note_items()
        pitches = [n.pitch for n in items] or [60]
        middle = PITCHES - 1 - (min(pitches) + max(pitches)) / 2
        seen = self.view.viewport().width() / self.view.px_per_quarter
        self.view.centerOn(seen / 2, middle)

    def visible_quarters(self) -> QRectF:
        """The part of the scene on screen: x in quarters, y in rows (row 0 is pitch 127)."""
        return self.view.mapToScene(self.view.viewport().rect()).boundingRect()

    def _fit_width(self) -> float:
        return max(self.view.viewport().width() - 8, 100)

    def _keep_fitted(self, fit: Callable[[], None]) -> None:
        self._refit = fit
        self._fitting = True
        try:
            fit()
        finally:
            self._fitting = False

    def _on_resized(self) -> None:
        if self._refit is not None and not self._fitting:
            self._keep_fitted(self._refit)

    def _stop_fitting(self) -> None:
        if not self._fitting:
            self._refit = None

    def apply_palette(self, palette: QPalette) -> None:
        self.scene.apply_colors(RollColors.from_palette(palette))
        self.view.viewport().update()
        self.colors_changed.emit()

    def legend_html(self) -> str:
        """What each colour means, for a status line."""
        c = self.scene.colors
        swatch = "<span style='color:{}'>■</span> {}"
        outline = "<span style='color:{}'>□</span> {}"
        return " &nbsp; ".join((swatch.format(c.seed.name(), "seed"), swatch.format(c.generated.name(), "generated"),
                                f"<span style='color:{c.generated.name()}'>┆</span> take starts",
                                outline.format(c.compare.name(), "compared"), outline.format(c.selected.name(),
                                                                                             "selected")))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette(self.palette())
        super().changeEvent(event)
