"""The piano roll: notes in the right place and colour, bar and beat lines, keyboard labels, zoom, playhead."""

from __future__ import annotations

import pytest
from gui_support import melody
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QPalette, QWheelEvent

from rnnmusic.gui.pianoroll_scene import Layer, RollColors
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes


def test_seed_generated_and_compare_notes_get_their_own_layers_and_colours(roll):
    seed = melody(bars=1)
    generated = NoteSequence(notes=make_notes([Note(67, 100, 2.0, 2.5), Note(69, 100, 2.5, 3.0)]))
    other = NoteSequence(notes=make_notes([Note(72, 100, 2.0, 3.0)]))
    roll.set_content(seed, generated, [other])
    scene = roll.scene
    assert len(scene.note_items(Layer.SEED)) == len(seed)
    assert [n.pitch for n in scene.note_items(Layer.GENERATED)] == [67, 69]
    assert [n.pitch for n in scene.note_items(Layer.COMPARE)] == [72]
    seed_fill = scene.note_items(Layer.SEED)[0].brush().color().rgb()
    new_fill = scene.note_items(Layer.GENERATED)[0].brush().color().rgb()
    assert seed_fill != new_fill
    assert scene.note_items(Layer.COMPARE)[0].brush().style() == Qt.BrushStyle.NoBrush  # outlines only


def test_notes_sit_at_quarter_positions_through_the_tempo_map(roll):
    # 120 BPM for 2 s (4 quarters), then 60 BPM: a note at 3 s is at quarter 5
    seq = NoteSequence(
        notes=make_notes([Note(60, 80, 0.0, 0.5), Note(62, 80, 3.0, 4.0)]),
        tempos=(TempoChange(0.0, 120.0), TempoChange(2.0, 60.0)),
    )
    roll.set_content(seq)
    rects = {n.pitch: n.rect() for n in roll.scene.note_items()}
    assert rects[60].left() == pytest.approx(0.0)
    assert rects[60].width() == pytest.approx(1.0)
    assert rects[62].left() == pytest.approx(5.0)
    assert rects[62].width() == pytest.approx(1.0)
    assert rects[62].top() == 127 - 62  # higher pitches are higher up


def test_bar_and_beat_lines_follow_the_meter(roll):
    waltz = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 6.0)]), time_signatures=(TimeSignature(0.0, 3, 4),))
    roll.set_content(waltz)
    bars, beats = roll.scene.bar_lines(0.0, 9.0)
    assert [x for x, _ in bars][:4] == [0.0, 3.0, 6.0, 9.0]
    assert [number for _, number in bars][:3] == [1, 2, 3]
    assert beats[:4] == [1.0, 2.0, 4.0, 5.0]


def test_keyboard_labels_every_c_and_every_key_when_zoomed_in(roll):
    roll.view.set_zoom(40, 6)
    labels = dict(roll.keyboard.labels())
    assert labels[60] == "C4" and 61 not in labels
    roll.view.set_zoom(40, 16)
    labels = dict(roll.keyboard.labels())
    assert labels[61] == "C#4"


def test_zoom_buttons_and_ctrl_wheel_change_the_scale(roll):
    roll.set_content(melody(bars=4))
    before = roll.view.transform().m11()
    roll.zoom_in()
    assert roll.view.transform().m11() > before
    roll.zoom_out()
    roll.zoom_out()
    assert roll.view.transform().m11() < before
    wide = roll.view.transform().m11()
    wheel = QWheelEvent(QPointF(100, 100), QPointF(100, 100), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    roll.view.wheelEvent(wheel)
    assert roll.view.transform().m11() > wide
    rows = roll.view.transform().m22()
    shift_wheel = QWheelEvent(QPointF(100, 100), QPointF(100, 100), QPoint(0, 0), QPoint(0, 120),
                              Qt.MouseButton.NoButton,
                              Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
                              Qt.ScrollPhase.NoScrollPhase, False)
    roll.view.wheelEvent(shift_wheel)
    assert roll.view.transform().m22() > rows


def test_fit_shows_the_whole_take(roll):
    roll.set_content(melody(bars=16))
    roll.fit()
    visible = roll.view.mapToScene(roll.view.viewport().rect()).boundingRect()
    assert visible.right() >= roll.scene.length_quarters
    for note in roll.scene.note_items():  # every note on screen, up and down too
        assert visible.contains(note.rect())
    assert roll.view.row_px > 6  # and not squeezed to the full 128-key range


def test_playhead_moves_in_quarters_and_hides(roll):
    roll.set_content(melody(bars=2))
    roll.set_playhead(1.0)  # 1 s at 120 BPM is quarter 2
    assert roll.scene.playhead.isVisible()
    assert roll.scene.playhead.line().x1() == pytest.approx(2.0)
    roll.set_playhead(None)
    assert not roll.scene.playhead.isVisible()


def test_colours_follow_a_dark_palette(roll):
    roll.set_content(melody(bars=1))
    light = RollColors.from_palette(roll.palette())
    dark = QPalette(roll.palette())
    dark.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
    dark.setColor(QPalette.ColorRole.Highlight, Qt.GlobalColor.darkCyan)
    roll.setPalette(dark)  # a PaletteChange event recolours the scene
    assert roll.scene.colors.generated != light.generated
    assert roll.scene.colors.seed != light.seed


def test_redrawing_a_selection_says_selection_changed_once_not_once_per_note(roll):
    # a take of thousands of notes redrawn after an edit: one signal per removed note made that quadratic
    seq = melody(bars=25)  # 200 notes
    roll.set_content(seq)
    roll.scene.select_all()
    said: list[int] = []
    roll.scene.selectionChanged.connect(lambda: said.append(1))
    roll.set_content(seq)
    assert len(said) <= 1
    assert len(roll.scene.selected_notes()) == len(seq)  # the same notes selected again
    assert all(item.pen().color() == roll.scene.colors.selected for item in roll.scene.note_items())
