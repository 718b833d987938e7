"""Small dialogs: plain error messages, choosing one track of a multi-track file, a note velocity, and Help.

Every error a user can cause (a broken MIDI file, a missing port, a bad model)
goes through :func:`show_error`, so the app reports it in one way and keeps running.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rnnmusic import __version__
from rnnmusic.notes import NoteSequence

# a source checkout has the documentation beside the package
_SOURCE_ROOT = Path(__file__).resolve().parent.parent

# General MIDI family names, enough to tell a piano track from a bass track at a glance
_GM_FAMILIES = (
    "Piano", "Chromatic percussion", "Organ", "Guitar", "Bass", "Strings", "Ensemble", "Brass",
    "Reed", "Pipe", "Synth lead", "Synth pad", "Synth effects", "Ethnic", "Percussive", "Sound effects",
)  # fmt: skip


ALL_TRACKS = -1  # what choose_track returns for "all tracks together"


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Tell the user what went wrong, in one plain sentence, and return to the app."""
    QMessageBox.warning(parent, title, message)


def note_tracks(seq: NoteSequence) -> list[int]:
    """Indices of the tracks that hold notes, in file order."""
    return sorted(set(seq.notes["track"].tolist()))


def track_label(seq: NoteSequence, index: int) -> str:
    """A line describing one track: its name, instrument and number of notes."""
    notes = seq.notes[seq.notes["track"] == index]
    info = seq.tracks[index] if 0 <= index < len(seq.tracks) else None
    name = info.name if info and info.name else f"Track {index + 1}"
    if len(notes) and bool(notes["is_drum"][0]):
        instrument = "Drums"
    else:
        program = int(notes["program"][0]) if len(notes) else (info.program if info else 0)
        instrument = f"{_GM_FAMILIES[program // 8]} (program {program})"
    return f"{name} · {instrument} · {len(notes)} notes"


def only_track(seq: NoteSequence, index: int) -> NoteSequence:
    """The sequence with the notes of one track only (tempo, meter and keys kept)."""
    return seq.with_notes(seq.notes[seq.notes["track"] == index])


class TrackDialog(QDialog):
    """Asks which track of a multi-track file to use as the seed."""

    def __init__(self, seq: NoteSequence, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Choose a track")
        self.tracks = note_tracks(seq)
        self.list = QListWidget(self)
        # first and preselected: a polyphonic model wants every voice (four-part chorales come as four tracks)
        together = QListWidgetItem(f"All tracks together · {len(seq)} notes")
        together.setData(Qt.ItemDataRole.UserRole, ALL_TRACKS)
        self.list.addItem(together)
        for index in self.tracks:
            item = QListWidgetItem(track_label(seq, index))
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        name = seq.source.rsplit("/", 1)[-1] or "This file"
        layout.addWidget(QLabel(f"{name} has {len(self.tracks)} tracks with notes. Continue which?", self))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def chosen_track(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))


def choose_track(parent: QWidget | None, seq: NoteSequence) -> int | None:
    """The track to use: the only one, the one the user picks, ALL_TRACKS, or None when cancelled."""
    tracks = note_tracks(seq)
    if len(tracks) <= 1:
        return tracks[0] if tracks else None
    dialog = TrackDialog(seq, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen_track()


def ask_velocity(parent: QWidget | None, current: int) -> int | None:
    """A velocity from 1 to 127 for the selected notes, or None when the user cancels."""
    value, ok = QInputDialog.getInt(parent, "Set velocity", "Velocity of the selected notes (1–127):",
                                    current, 1, 127, 1)
    return int(value) if ok else None


class ShortcutsDialog(QDialog):
    """Every action's keyboard shortcut, plus what the mouse does in the piano roll."""

    def __init__(self, actions: Sequence[QAction], gestures: Sequence[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(a.text().replace("&", "").rstrip("…"), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                for a in actions if not a.shortcut().isEmpty()]
        rows += list(gestures)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Action", "Keys or mouse"])
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 520)

    def rows(self) -> list[tuple[str, str]]:
        cells = [(self.table.item(r, 0), self.table.item(r, 1)) for r in range(self.table.rowCount())]
        return [(what.text(), keys.text()) for what, keys in cells if what is not None and keys is not None]


def documentation_text() -> str:
    """Where the documentation is: the files of a source checkout, else the command line's own help."""
    readme, docs = _SOURCE_ROOT / "README.md", _SOURCE_ROOT / "docs"
    lines = ["<p>Every command has its own help: <code>rnnmusic --help</code>, "
             "<code>rnnmusic generate --help</code>, …</p>"]
    if readme.is_file():
        lines.insert(0, f"<p>The guide is <a href='{readme.as_uri()}'>{readme}</a>; more (how it fits together, "
                        f"live play, the plugin, benchmarks) is in <a href='{docs.as_uri()}'>{docs}</a>.</p>")
    else:
        lines.insert(0, "<p>The guide is README.md, and more is in the docs/ folder, of rnnmusic's source "
                        "distribution.</p>")
    return "".join(lines)


def show_documentation(parent: QWidget | None) -> None:
    QMessageBox.information(parent, "rnnmusic documentation", documentation_text())


def about_text() -> str:
    python = ".".join(map(str, sys.version_info[:3]))
    return (f"<h3>rnnmusic {__version__}</h3><p>Music continued by recurrent neural networks: open a MIDI idea, "
            "pick a model, get takes; or play live into a DAW.</p>"
            f"<p>MIT licence. Python {python}, PySide6 {pyside_version}.</p>")


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "About rnnmusic", about_text())
