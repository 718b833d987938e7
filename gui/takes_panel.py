"""The takes list: pick the take to show and play, tick takes to compare, switch A/B, rename, delete, make a
take again from its record, save one, or drag one out.

A/B switches between the current take and the one current before it (the window
keeps the playback position, so the two are heard at the same place).

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
    QGridLayout,
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
    make_again_requested = Signal(object)  # the Take to make again
    ab_requested = Signal()

    def __init__(self, takes: TakesModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.takes = takes
        self.view = QListView(self)
        self.view.setModel(takes)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setWordWrap(True)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self._previous: int | None = None  # number of the take current before this one: A/B's other side
        self.empty_label = QLabel("No takes yet: press Generate (Ctrl+G).", self)
        self.empty_label.setWordWrap(True)
        self.handle = DragHandle(self)
        self.save_button = QPushButton("Save…", self)
        self.save_button.clicked.connect(self.save_requested)
        self.again_button = QPushButton("Make again", self)
        self.again_button.setToolTip("Make this take again from what it records: the same model, settings "
                                     "and random seed give the same notes")
        self.again_button.clicked.connect(self._make_again)
        self.ab_button = QPushButton("A/B", self)
        self.ab_button.setToolTip("Switch between this take and the one shown before it, at the same place "
                                  "in the music while playing (Ctrl+B)")
        self.ab_button.clicked.connect(self.ab_requested)
        self.rename_button = QPushButton("Rename", self)
        self.rename_button.setToolTip("Give the take a name of your own (or double-click it)")
        self.rename_button.clicked.connect(lambda: self.view.edit(self.view.currentIndex()))
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setToolTip("Remove the take from the list")
        self.delete_button.clicked.connect(self.delete_current)
        actions = QGridLayout()
        actions.addWidget(self.again_button, 0, 0)
        actions.addWidget(self.ab_button, 0, 1)
        actions.addWidget(self.rename_button, 1, 0)
        actions.addWidget(self.delete_button, 1, 1)
        row = QHBoxLayout()
        row.addWidget(self.handle, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        layout.addLayout(row)
        takes.rowsInserted.connect(self._update)
        takes.rowsRemoved.connect(self._update)
        takes.modelReset.connect(self._forget_previous)
        self.current_changed.connect(self._update)
        self._update()

    def current_take(self) -> Take | None:
        index = self.view.currentIndex()
        return self.takes.take(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        self.view.setCurrentIndex(self.takes.index(row, 0, QModelIndex()))

    def other_row(self) -> int:
        """The row of A/B's other take (the one current before this one), or -1 when there is none."""
        return -1 if self._previous is None else self.takes.row_of(self._previous)

    def delete_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.takes.remove(index.row())

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        before = self.takes.take(previous.row()) if previous.isValid() else None
        now = self.takes.take(current.row()) if current.isValid() else None
        if before is not None and before is not now:
            self._previous = before.number
        self.current_changed.emit()

    def _forget_previous(self) -> None:
        self._previous = None
        self.current_changed.emit()

    def _make_again(self) -> None:
        take = self.current_take()
        if take is not None and take.can_make_again:
            self.make_again_requested.emit(take)

    def _update(self, *_args) -> None:
        has_takes = self.takes.rowCount() > 0
        self.empty_label.setVisible(not has_takes)
        take = self.current_take()
        has_current = take is not None
        for widget in (self.handle, self.save_button, self.rename_button, self.delete_button):
            widget.setEnabled(has_current)
        self.again_button.setEnabled(take is not None and take.can_make_again)
        self.ab_button.setEnabled(has_current and self.other_row() >= 0)
