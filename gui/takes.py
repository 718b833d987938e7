"""Takes: the continuations generated (or played live) for the current seed, as a Qt list model.

Each take carries the engine's record of how it was made (:class:`Provenance`), so
the list shows model, temperature, top-p, key, repetition, random seed and region,
and "make again" feeds the same record back to the engine. The list view, the
compare check boxes, renaming and drag-out all work from this one model, so no
widget keeps its own copy of the takes. Dragging a take out gives
a real ``.mid`` file (written to a private temporary folder) as a file URL, plus
the MIDI bytes themselves for applications that take data rather than files.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt, QUrl

from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.provenance import Provenance
from rnnmusic.midi.write import sequence_to_midi_bytes
from rnnmusic.notes import NoteSequence

if TYPE_CHECKING:
    from rnnmusic.gui.engine_bridge import Generated

MIDI_MIME = "audio/midi"
TakeRole = Qt.ItemDataRole.UserRole + 1
_EPS = 1e-6


@dataclass(frozen=True)
class Take:
    """One take (the seed plus its continuation, as the engine composed it or as it was played live) and its
    record: the engine's account of how it was made (model, options with the random seed, variation)."""

    number: int
    sequence: NoteSequence
    continuation_start: float  # seconds: notes from here on are the model's
    record: Provenance
    key: str | None = None  # the key the notes were kept to ("auto" resolved), or None for any key
    model_path: str = ""  # the model file, to make the take again
    name: str = ""  # the user's name for it ("" shows "Take N")
    #: seconds where the model's notes end: the bar line after a region it filled (the notes from there
    #: on are the piece's own again); None: at the take's end
    new_until: float | None = None
    #: the music as it was made, once it has been changed (an edit, a kept variation); None: never changed
    as_made: NoteSequence | None = None

    @property
    def title(self) -> str:
        return self.name or f"Take {self.number}"

    @property
    def model_name(self) -> str:
        return self.record.model

    @property
    def options(self) -> GenerateOptions:
        return self.record.options

    @property
    def provenance(self) -> str:
        """The record as the text event saved in the take's MIDI file."""
        return self.saved_record.to_text()

    @property
    def live(self) -> bool:
        return self.record.live

    @cached_property
    def edited(self) -> bool:
        """Whether its notes differ from those it was made with (undoing every edit makes it unedited again)."""
        return self.as_made is not None and not self.sequence.same_music(self.as_made)

    @property
    def saved_record(self) -> Provenance:
        """The record written into its MIDI file: the one it was made with, marked edited when it was."""
        return replace(self.record, edited=True) if self.edited else self.record

    @property
    def region(self) -> tuple[int, int | None] | None:
        """Bars [first, end) from 1 that the take wrote anew (end None: from that bar on), or None: the whole
        continuation. Filled by the options' region, when the engine made the take for one."""
        region = self.options.region
        return None if region is None else (region.start_bar, region.end_bar)

    def facts(self) -> list[tuple[str, str]]:
        """What made the take, as (what, value) pairs in a musician's words, in a fixed order."""
        options = self.options
        facts = [("model", self.model_name),
                 ("temperature", f"{options.temperature:.2f}"),
                 ("top-p", "off" if options.top_p is None else f"{options.top_p:.2f}"),
                 ("key", "the seed's" if self.key == "auto" else self.key or "any"),
                 ("repetition", "model's own" if options.repetition is None else f"{options.repetition:.2f}"),
                 ("random seed", str(options.seed))]
        if options.region is not None:
            facts.append(("region", options.region.describe_bars()))
        if self.live:
            facts.append(("played", "live"))
        if self.edited:
            facts.append(("edited", "by hand"))
        return facts

    @property
    def summary(self) -> str:
        """One line of the facts: "folk · temperature 0.90 · top-p off · key G major · ... · random seed 2024"."""
        return " · ".join(value if what == "model" else f"{what} {value}" for what, value in self.facts())

    @property
    def can_make_again(self) -> bool:
        """A generated take comes back note for note from its record; a live one depended on the clock, and a
        region's variation on the piece as it was then (the region actions make those)."""
        return not self.live and bool(self.model_path) and self.options.region is None

    @cached_property
    def _is_new(self) -> np.ndarray:
        """A mask over the take's notes: True for the notes the model wrote."""
        starts = self.sequence.notes["start"]
        new = starts >= self.continuation_start - _EPS
        return new if self.new_until is None else new & (starts < self.new_until - _EPS)

    @cached_property
    def seed_part(self) -> NoteSequence:
        """The notes the take kept from the music it was made from."""
        return self.sequence.with_notes(self.sequence.notes[~self._is_new])

    @cached_property
    def generated_part(self) -> NoteSequence:
        return self.sequence.with_notes(self.sequence.notes[self._is_new])

    def file_name(self) -> str:
        stem = Path(self.sequence.source).stem if self.sequence.source else "seed"
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem) or "seed"
        return f"{stem}-take{self.number}.mid"

    def midi_bytes(self) -> bytes:
        return sequence_to_midi_bytes(self.sequence, [self.provenance])


def make_takes(generated: Generated, next_number: Callable[[], int], seed_file: str,
               variations: Sequence[int] | None = None) -> list[Take]:
    """One Take per variation the engine made (or per 1-based variation in ``variations``), numbered on."""
    result = generated.takes
    wanted = range(1, len(result.sequences) + 1) if variations is None else variations
    return [
        Take(next_number(), result.sequences[variation - 1], result.continuation_start,
             generated.record(variation, seed_file), result.key, generated.model_path)
        for variation in wanted
    ]


def live_take(number: int, sequence: NoteSequence, continuation_start: float, record: Provenance,
              key: str | None, model_path: str) -> Take:
    """A take of notes played live (the record says so: it cannot be made again note for note)."""
    return Take(number, sequence, continuation_start, replace(record, live=True), key, model_path)


class TakesModel(QAbstractListModel):
    """The takes of the current seed; a checked take is drawn as an outline for comparison."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._takes: list[Take] = []
        self._compare: set[int] = set()  # take numbers, so checks survive rows being added
        self._next_number = 1
        self._drag_dir: Path | None = None

    # -- contents ----------------------------------------------------------------------
    def add(self, takes: list[Take]) -> None:
        if not takes:
            return
        first = len(self._takes)
        self.beginInsertRows(QModelIndex(), first, first + len(takes) - 1)
        self._takes.extend(takes)
        self.endInsertRows()

    def remove(self, row: int) -> None:
        """Delete a take from the list (its number is not given out again)."""
        take = self.take(row)
        if take is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._takes[row]
        self._compare.discard(take.number)
        self.endRemoveRows()

    def rename(self, row: int, name: str) -> bool:
        """Give a take a name of the user's; an empty name gives it back its number's."""
        take = self.take(row)
        if take is None:
            return False
        self._takes[row] = replace(take, name=" ".join(name.split()))
        index = self.index(row, 0)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def next_number(self) -> int:
        """The number the next take gets (numbers are never reused while a seed is open)."""
        number = self._next_number
        self._next_number += 1
        return number

    def clear(self) -> None:
        self.beginResetModel()
        self._takes.clear()
        self._compare.clear()
        self._next_number = 1
        self.endResetModel()

    def take(self, row: int) -> Take | None:
        return self._takes[row] if 0 <= row < len(self._takes) else None

    def row_of(self, number: int) -> int:
        """The row of the take numbered ``number`` (-1 when there is none, or it was deleted)."""
        return next((row for row, t in enumerate(self._takes) if t.number == number), -1)

    def set_sequence(self, row: int, sequence: NoteSequence) -> bool:
        """Put ``sequence`` in place of the take's music (a kept variation, an edit); False for no such row."""
        take = self.take(row)
        if take is None:
            return False
        as_made = take.as_made if take.as_made is not None else take.sequence
        self._takes[row] = replace(take, sequence=sequence, as_made=as_made)
        index = self.index(row, 0)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        return True

    def takes(self) -> list[Take]:
        return list(self._takes)

    def compared(self, excluding: Take | None = None) -> list[Take]:
        """The checked takes, without the one shown as current."""
        return [t for t in self._takes if t.number in self._compare and t is not excluding]

    # -- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._takes)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        take = self.take(index.row()) if index.isValid() else None
        if take is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{take.title} · {len(take.generated_part)} new notes\n{take.summary}"
        if role == Qt.ItemDataRole.EditRole:
            return take.title
        if role == Qt.ItemDataRole.ToolTipRole:
            facts = "\n".join(f"{what}: {value}" for what, value in take.facts())
            return f"{facts}\nTick to compare with the current take; double-click to rename; drag out as a MIDI file."
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if take.number in self._compare else Qt.CheckState.Unchecked
        if role == TakeRole:
            return take
        return None

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        take = self.take(index.row()) if index.isValid() else None
        if take is not None and role == Qt.ItemDataRole.EditRole:
            return self.rename(index.row(), str(value))
        if take is None or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        (self._compare.add if checked else self._compare.discard)(take.number)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemIsDragEnabled
        )

    # -- drag out ------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", MIDI_MIME]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes) -> QMimeData:
        takes = [self.take(i.row()) for i in indexes if i.isValid()]
        return self.mime_for([t for t in takes if t is not None])

    def mime_for(self, takes: list[Take]) -> QMimeData:
        """File URLs of freshly written .mid files, plus the first take's bytes as audio/midi."""
        mime = QMimeData()
        urls = []
        for take in takes:
            data = take.midi_bytes()
            path = self._drag_folder() / take.file_name()
            path.write_bytes(data)
            urls.append(QUrl.fromLocalFile(str(path)))
            if len(urls) == 1:
                mime.setData(MIDI_MIME, data)
        mime.setUrls(urls)
        return mime

    def _drag_folder(self) -> Path:
        # the receiving app may read the file after the drop finishes, so it lives until the app quits
        if self._drag_dir is None:
            self._drag_dir = Path(tempfile.mkdtemp(prefix="rnnmusic-drag-"))
        return self._drag_dir

    def cleanup(self) -> None:
        if self._drag_dir is not None:
            shutil.rmtree(self._drag_dir, ignore_errors=True)
            self._drag_dir = None
