"""Editing a take in the real window with the mouse and keys: draw, move, resize, delete, velocity, undo, redo.

The window, the engine, the tiny ONNX model and the take are real; edits are real
mouse presses and key presses on the piano roll's viewport.
"""

from __future__ import annotations

import pytest
from gui_support import drag, roll_point
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog
from test_main_window import generate

from rnnmusic.gui.pianoroll_scene import Layer
from rnnmusic.notes import Note

BEAT = 0.5  # seconds per quarter at the seed's 120 BPM


def in_order(notes) -> list[Note]:
    return sorted(notes, key=lambda n: (n.start, n.pitch, n.end, n.velocity))


def notes_of(window) -> list[Note]:
    return list(window.current_take().sequence.iter_notes())


def free_pitch(window) -> int:
    """A pitch no note of the take uses (three above the highest), where a press meets empty space."""
    return min(max(n.pitch for n in notes_of(window)) + 3, 127)


def item_of(window, note: Note):
    return next(i for i in window.roll.scene.note_items() if i.note == note and i.editable)


def centre_of(window, item) -> QPoint:
    rect = item.rect()
    return roll_point(window.roll, rect.left() + min(rect.width() / 2, 0.2), item.pitch)


@pytest.fixture
def take_window(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, bars=2, seed=7)
    window.roll.view.set_zoom(60, 14)  # big enough to aim at a sixteenth
    return window


def test_draw_move_resize_delete_then_undo_and_redo_all_of_it(qtbot, take_window):
    window, view = take_window, take_window.roll.view
    original = notes_of(window)
    pitch = free_pitch(window)
    # draw: Draw mode, press at quarter 9 and drag to quarter 10.5 (a dotted quarter, snapped to sixteenths)
    window.draw_action.setChecked(True)
    drag(qtbot, view.viewport(), roll_point(window.roll, 9.05, pitch), roll_point(window.roll, 10.55, pitch))
    window.draw_action.setChecked(False)
    drawn = [n for n in notes_of(window) if n not in original]
    assert len(drawn) == 1 and len(notes_of(window)) == len(original) + 1
    note = drawn[0]
    assert note.pitch == pitch
    assert (note.start, note.end) == pytest.approx((9 * BEAT, 10.5 * BEAT))
    assert window.roll.scene.selected_notes() == [note]  # what was just drawn stays selected
    assert window.editor.stack.undoText() == "Draw note"

    # move: drag the note two rows up and one quarter later
    start = centre_of(window, item_of(window, note))
    end = QPoint(start.x() + int(view.px_per_quarter), start.y() - int(2 * view.row_px))
    drag(qtbot, view.viewport(), start, end)
    moved = window.roll.scene.selected_notes()
    assert len(moved) == 1 and moved[0].pitch == pitch + 2
    assert (moved[0].start, moved[0].end) == pytest.approx((10 * BEAT, 11.5 * BEAT))
    assert note not in notes_of(window) and moved[0] in notes_of(window)

    # resize: drag the right end half a quarter to the left
    item = item_of(window, moved[0])
    right = roll_point(window.roll, item.rect().right() - 0.02, moved[0].pitch)
    drag(qtbot, view.viewport(), right, QPoint(right.x() - int(view.px_per_quarter / 2), right.y()))
    resized = window.roll.scene.selected_notes()[0]
    assert (resized.start, resized.end) == pytest.approx((10 * BEAT, 11 * BEAT))

    # delete with the Delete key
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert notes_of(window) == original
    assert len(window.roll.scene.note_items(Layer.GENERATED)) == len(window.current_take().generated_part)

    texts = []
    while window.editor.stack.canUndo():
        texts.append(window.editor.stack.undoText())
        window.undo_action.trigger()
    assert texts == ["Delete 1 note", "Resize 1 note", "Move 1 note", "Draw note"]
    assert notes_of(window) == original
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert note in notes_of(window)  # Ctrl+Shift+Z redid the drawing
    for _ in range(3):
        window.redo_action.trigger()
    assert notes_of(window) == original and not window.editor.stack.canRedo()


def test_keys_and_velocity_edit_the_selection(qtbot, take_window, monkeypatch):
    window, view = take_window, take_window.roll.view
    original = notes_of(window)
    generated = list(window.current_take().generated_part.iter_notes())
    window.roll.scene.select_notes(generated)
    assert window.delete_action.isEnabled() and window.louder_action.isEnabled()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Up)  # a semitone up
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # an octave down
    qtbot.keyClick(view, Qt.Key.Key_Right)  # a sixteenth later
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # a sixteenth longer
    now = in_order(window.roll.scene.selected_notes())
    expected = in_order(generated)
    assert [n.pitch for n in now] == [n.pitch - 11 for n in expected]
    assert [n.start for n in now] == pytest.approx([n.start + BEAT / 4 for n in expected])
    assert [n.end - n.start for n in now] == pytest.approx([n.end - n.start + BEAT / 4 for n in expected])
    seed_notes = list(window.current_take().seed_part.iter_notes())
    assert [n for n in original if n.start < window.current_take().continuation_start] == seed_notes  # untouched

    window.louder_action.trigger()
    assert [n.velocity for n in in_order(window.roll.scene.selected_notes())] == [min(127, n.velocity + 10)
                                                                                  for n in now]
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *args: (64, True)))
    window.velocity_action.trigger()
    assert {n.velocity for n in window.roll.scene.selected_notes()} == {64}
    assert window.editor.stack.undoText() == f"Velocity of {len(generated)} notes"
    for _ in range(6):
        window.undo_action.trigger()
    assert notes_of(window) == original


def test_a_rubber_band_selects_the_notes_it_touches(qtbot, take_window):
    window, view = take_window, take_window.roll.view
    seed = list(window.current_take().seed_part.iter_notes())
    first_bar = [n for n in seed if n.start < 2.0]  # the seed's first bar: quarters 0 to 4
    top = max(n.pitch for n in first_bar) + 1
    bottom = min(n.pitch for n in first_bar) - 1
    window.roll.view.centerOn(2.0, 127 - (top + bottom) / 2)
    start, end = roll_point(window.roll, 0.02, top), roll_point(window.roll, 3.97, bottom)
    drag(qtbot, view.viewport(), start, end)
    assert in_order(window.roll.scene.selected_notes()) == in_order(first_bar)
    window.select_all_action.trigger()
    assert len(window.roll.scene.selected_notes()) == len(notes_of(window))
    # Ctrl+click takes one note out of the selection
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     centre_of(window, item_of(window, seed[0])))
    assert seed[0] not in window.roll.scene.selected_notes()
    assert len(window.roll.scene.selected_notes()) == len(notes_of(window)) - 1


def test_undo_brings_back_the_take_it_changed(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, variations=2, bars=1, seed=3)
    first = window.current_take()
    before = list(first.sequence.iter_notes())
    window.roll.scene.select_all()
    window.delete_action.trigger()
    assert len(window.current_take().sequence) == 0
    window.takes_panel.select_row(1)
    assert window.current_take().number == 2
    window.undo_action.trigger()
    assert window.current_take().number == 1  # back on screen
    assert list(window.current_take().sequence.iter_notes()) == before
    assert len(window.takes.take(1).sequence) > 0  # the other take was never touched


def test_compared_notes_cannot_be_edited(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, variations=2, bars=1, seed=3)
    window.takes.setData(window.takes.index(1, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    window.select_all_action.trigger()
    assert window.roll.scene.note_items(Layer.COMPARE)
    assert not any(i.isSelected() for i in window.roll.scene.note_items(Layer.COMPARE))
    assert len(window.roll.scene.selected_notes()) == len(window.current_take().sequence)


def test_drawing_into_the_seed_then_generating_continues_the_drawn_seed(qtbot, window, seed_file):
    window.open_file(seed_file)
    window.roll.view.set_zoom(60, 14)
    pitch = max(n.pitch for n in window.seed.iter_notes()) + 2
    qtbot.mouseDClick(window.roll.view.viewport(), Qt.MouseButton.LeftButton,
                      pos=roll_point(window.roll, 7.1, pitch))  # the seed's last beat
    assert len(window.seed) == 17 and "17 notes" in window.seed_label.text()
    drawn = [n for n in window.seed.iter_notes() if n.pitch == pitch]
    assert len(drawn) == 1 and drawn[0].start == pytest.approx(7 * BEAT) and drawn[0].end == pytest.approx(8 * BEAT)
    generate(qtbot, window, bars=1)
    assert window.current_take().seed_part.same_music(window.seed)


def test_an_empty_roll_can_be_drawn_into(qtbot, window):
    window.roll.view.set_zoom(60, 14)
    window.draw_action.trigger()  # the D shortcut's action
    assert window.roll.view.draw_mode
    qtbot.mouseClick(window.roll.view.viewport(), Qt.MouseButton.LeftButton, pos=roll_point(window.roll, 1.0, 64))
    assert window.seed is not None and [(n.pitch, n.start, n.end) for n in window.seed.iter_notes()] == [
        (64, pytest.approx(BEAT), pytest.approx(2 * BEAT))]
    window.undo_action.trigger()
    assert len(window.seed) == 0


def test_no_edit_while_a_take_is_being_generated(qtbot, window, seed_file):
    window.open_file(seed_file)
    window.controls.bars.setValue(8)
    with qtbot.waitSignal(window.runner.done, timeout=60_000):
        window.generate_action.trigger()
        assert window.runner.running
        assert not window.editor.draw(100, 1.0, 1.0)  # the roll shows the take growing, not one to edit
        assert len(window.seed) == 16 and window.editor.stack.count() == 0
    assert window.editor.draw(100, 1.0, 1.0)  # once it is made, the new take can be edited
    assert window.editor.stack.undoText() == "Draw note"


def test_an_edited_take_says_so_in_the_list_and_in_the_file_it_is_saved_to(qtbot, take_window, tmp_path):
    from rnnmusic.engine.provenance import Provenance
    from rnnmusic.midi.read import read_text_events

    window, view = take_window, take_window.roll.view
    made = window.current_take()
    assert not made.edited and ("edited", "by hand") not in made.facts()
    window.roll.scene.select_notes(list(made.generated_part.iter_notes())[:1])
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Up)
    edited = window.current_take()
    assert edited.edited and ("edited", "by hand") in edited.facts()
    assert "edited by hand" in window.takes.data(window.takes.index(window.takes.row_of(edited.number), 0))
    assert window.save_take(edited, tmp_path / "edited.mid")
    record = Provenance.find(read_text_events(tmp_path / "edited.mid"))
    assert record.edited and record.take_hash == made.record.take_hash  # how it began, marked as changed since
    window.undo_action.trigger()  # every edit undone: the take is as it was made again
    assert not window.current_take().edited and not Provenance.from_text(window.current_take().provenance).edited
