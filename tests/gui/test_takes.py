"""The takes model: parts of a take, compare check boxes, and drag-out MIME data that is real MIDI."""

from __future__ import annotations

import dataclasses

import mido
import pytest
from gui_support import melody
from PySide6.QtCore import Qt

from rnnmusic.engine import GenerateOptions
from rnnmusic.engine.provenance import Provenance
from rnnmusic.gui.takes import MIDI_MIME, Take, TakeRole, TakesModel
from rnnmusic.midi.read import read_midi, read_midi_bytes, read_text_events
from rnnmusic.notes import Note, make_notes


def make_take(number: int = 1, source: str = "/music/my seed.mid") -> Take:
    seed = melody(bars=1).evolve(source=source)  # 2 s long at 120 BPM
    new = make_notes([Note(64, 90, 2.0, 2.5), Note(67, 90, 2.5, 3.0)])
    import numpy as np

    full = seed.with_notes(np.concatenate([seed.notes, new]))
    options = GenerateOptions(bars=1.0, temperature=1.0, seed=7, repetition=0.8)
    record = Provenance(model="tiny", model_hash="ab" * 32, options=options, seed_file=source)
    return Take(number, full, 2.0, record, key="Bb major", model_path="/models/tiny.onnx")


def test_a_take_splits_into_seed_and_generated_parts():
    take = make_take()
    assert len(take.seed_part) == 8
    assert [n.pitch for n in take.generated_part.iter_notes()] == [64, 67]
    assert take.file_name() == "my_seed-take1.mid"
    assert take.summary == ("tiny · temperature 1.00 · top-p off · key Bb major · repetition 0.80 · "
                            "random seed 7")


def test_model_rows_and_compare_checks(qtbot):
    model = TakesModel()
    model.add([make_take(model.next_number()), make_take(model.next_number())])
    assert model.rowCount() == 2
    index = model.index(1, 0)
    assert model.data(index).splitlines() == ["Take 2 · 2 new notes", model.take(1).summary]
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


def test_the_list_shows_model_temperature_top_p_key_repetition_and_random_seed():
    model = TakesModel()
    take = make_take()
    model.add([take])
    index = model.index(0, 0)
    shown = model.data(index)
    for words in ("tiny", "temperature 1.00", "top-p off", "key Bb major", "repetition 0.80", "random seed 7"):
        assert words in shown
    assert "region" not in shown  # only a take made for a region names one
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "random seed: 7" in tip and "key: Bb major" in tip


@pytest.mark.parametrize(("bars", "shown"), [((5, 9), "region bars 5-8"), ((3, 4), "region bar 3"),
                                             ((9, None), "region from bar 9")])
def test_a_region_take_shows_its_bars(bars, shown):
    from rnnmusic.engine import RegionSpec

    take = make_take()
    options = take.options.replace(region=RegionSpec(*bars))
    region_take = dataclasses.replace(take, record=dataclasses.replace(take.record, options=options))
    assert region_take.region == bars
    assert region_take.summary.endswith(shown)
    assert not region_take.can_make_again  # a region's variations are made by the region actions
    assert take.region is None


def test_rename_and_delete(qtbot):
    model = TakesModel()
    model.add([make_take(model.next_number()), make_take(model.next_number()), make_take(model.next_number())])
    index = model.index(1, 0)
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert model.data(index, Qt.ItemDataRole.EditRole) == "Take 2"
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(index, "  slow   ending ", Qt.ItemDataRole.EditRole)
    assert model.take(1).title == "slow ending" and model.data(index).startswith("slow ending · ")
    assert model.take(1).number == 2  # the number stays: files and A/B know the take by it
    model.setData(index, "", Qt.ItemDataRole.EditRole)
    assert model.take(1).title == "Take 2"
    model.setData(model.index(2, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    model.remove(2)
    model.remove(0)
    assert [t.number for t in model.takes()] == [2] and model.compared() == []
    assert model.row_of(2) == 0 and model.row_of(3) == -1
    assert model.next_number() == 4  # numbers are not given out again


def test_a_live_take_says_so_and_cannot_be_made_again():
    from rnnmusic.gui.takes import live_take

    take = make_take()
    assert take.can_make_again
    played = live_take(5, take.sequence, take.continuation_start, take.record, None, take.model_path)
    assert played.live and not played.can_make_again
    assert played.summary.endswith("key any · repetition 0.80 · random seed 7 · played live")
    assert Provenance.from_text(played.provenance).live  # the saved file says it too
    assert not Provenance.from_text(take.provenance).live
