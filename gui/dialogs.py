"""Small dialogs: plain error messages and choosing one track of a multi-track file.

Every error a user can cause (a broken MIDI file, a missing port, a bad model)
goes through :func:`show_error`, so the app reports it in one way and keeps running.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from rnnmusic.notes import NoteSequence

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
