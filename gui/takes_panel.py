"""The takes list: pick the take to show and play, tick takes to compare, save one, or drag one out.

Dragging works from the list itself (Qt asks the takes model for the MIME data)
and from the "Drag MIDI" handle, which drags the current take: both give a file
URL of a real .mid file plus the MIDI bytes, which is what DAWs and file
managers accept.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rnnmusic.gui.takes import Take, TakesModel


class DragHandle(QLabel):
    """A grip the user drags the current take out by."""

    def __init__(self, panel: TakesPanel):
        super().__init__("⇲ Drag MIDI", panel)
        self.panel = panel
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Drag the current take into a DAW or a file manager as a .mid file")
        self._press: QPoint | None = None

    def make_drag(self) -> QDrag | None:
        """The drag of the current take (None when there is none); exec() is left to the caller."""
        take = self.panel.current_take()
        if take is None:
            return None
        drag = QDrag(self)
        drag.setMimeData(self.panel.takes.mime_for([take]))
        return drag

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        drag = self.make_drag()
        if drag is not None:
            drag.exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None


class TakesPanel(QWidget):
    current_changed = Signal()
    save_requested = Signal()

    def __init__(self, takes: TakesModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.takes = takes
        self.view = QListView(self)
        self.view.setModel(takes)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.selectionModel().currentChanged.connect(lambda *_: self.current_changed.emit())
        takes.modelReset.connect(self.current_changed)
        self.empty_label = QLabel("No takes yet: press Generate (Ctrl+G).", self)
        self.empty_label.setWordWrap(True)
        self.handle = DragHandle(self)
        self.save_button = QPushButton("Save…", self)
        self.save_button.clicked.connect(self.save_requested)
        row = QHBoxLayout()
        row.addWidget(self.handle, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        takes.rowsInserted.connect(self._update)
        takes.modelReset.connect(self._update)
        self.current_changed.connect(self._update)
        self._update()

    def current_take(self) -> Take | None:
        index = self.view.currentIndex()
        return self.takes.take(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        self.view.setCurrentIndex(self.takes.index(row, 0, QModelIndex()))

    def _update(self, *_args) -> None:
        has_takes = self.takes.rowCount() > 0
        self.empty_label.setVisible(not has_takes)
        has_current = self.current_take() is not None
        self.handle.setEnabled(has_current)
        self.save_button.setEnabled(has_current)
