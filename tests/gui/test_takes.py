"""The takes model: parts of a take, compare check boxes, and drag-out MIME data that is real MIDI."""

from __future__ import annotations

import mido
import pytest
from gui_support import melody
from PySide6.QtCore import Qt

from rnnmusic.gui.takes import MIDI_MIME, Take, TakeRole, TakesModel
from rnnmusic.midi.read import read_midi, read_midi_bytes, read_text_events
from rnnmusic.notes import Note, make_notes


def make_take(number: int = 1, source: str = "/music/my seed.mid") -> Take:
    seed = melody(bars=1).evolve(source=source)  # 2 s long at 120 BPM
    new = make_notes([Note(64, 90, 2.0, 2.5), Note(67, 90, 2.5, 3.0)])
    import numpy as np

    full = seed.with_notes(np.concatenate([seed.notes, new]))
    return Take(number, full, 2.0, "tiny", {"T": 1.0, "seed": 7}, provenance='{"rnnmusic_take":1}')


def test_a_take_splits_into_seed_and_generated_parts():
    take = make_take()
    assert len(take.seed_part) == 8
    assert [n.pitch for n in take.generated_part.iter_notes()] == [64, 67]
    assert take.file_name() == "my_seed-take1.mid"
    assert "tiny" in take.summary and "T 1.0" in take.summary


def test_model_rows_and_compare_checks(qtbot):
    model = TakesModel()
    model.add([make_take(model.next_number()), make_take(model.next_number())])
    assert model.rowCount() == 2
    index = model.index(1, 0)
    assert model.data(index) == "Take 2 · 2 new notes"
    assert model.data(index, TakeRole).number == 2
    assert model.compared() == []
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert [t.number for t in model.compared()] == [2]
    assert model.compared(excluding=model.take(1)) == []
    assert model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled
    model.clear()
    assert model.rowCount() == 0 and model.next_number() == 1


def test_drag_out_gives_a_real_midi_file_and_the_bytes(tmp_path):
    model = TakesModel()
    take = make_take()
    model.add([take])
    mime = model.mimeData([model.index(0, 0)])
    try:
        urls = mime.urls()
        assert len(urls) == 1 and urls[0].isLocalFile()
        path = urls[0].toLocalFile()
        assert path.endswith("my_seed-take1.mid")
        dropped = read_midi(path)  # what a DAW or file manager would get
        assert dropped.same_music(take.sequence, tolerance=1e-3)
        assert read_text_events(path) == [take.provenance]
        data = bytes(mime.data(MIDI_MIME))
        assert read_midi_bytes(data).same_music(take.sequence, tolerance=1e-3)
        mido.MidiFile(path)  # a second, independent reader agrees it is a Standard MIDI File
    finally:
        model.cleanup()
    assert not __import__("os").path.exists(path)


@pytest.mark.parametrize("role", [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole])
def test_invalid_rows_have_no_data(role):
    model = TakesModel()
    assert model.data(model.index(3, 0), role) is None
