"""Bar selection on the ruler: dragging selects whole bars, the roll shades them, and Play can loop them."""

from __future__ import annotations

import pytest
from gui_support import melody, ruler_x
from PySide6.QtCore import QPoint, Qt

from rnnmusic.live.messages import is_note_on
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes


def test_dragging_on_the_ruler_selects_whole_bars_and_shades_them(qtbot, roll):
    waltz = NoteSequence(notes=make_notes([Note(60 + i, 80, i * 0.5, i * 0.5 + 0.5) for i in range(24)]),
                         time_signatures=(TimeSignature(0.0, 3, 4),))  # 3/4 at 120 BPM: a bar is 1.5 s
    roll.set_content(waltz)
    roll.view.set_zoom(30, 10)
    changes: list[tuple[int, int]] = []
    roll.scene.barSelectionChanged.connect(lambda first, end: changes.append((first, end)))
    # press inside bar 2 (quarters 3..6), drag to inside bar 4 (quarters 9..12)
    qtbot.mousePress(roll.ruler, Qt.MouseButton.LeftButton, pos=QPoint(ruler_x(roll, 4.5), 10))
    qtbot.mouseMove(roll.ruler, QPoint(ruler_x(roll, 7.5), 10))
    qtbot.mouseMove(roll.ruler, QPoint(ruler_x(roll, 10.0), 10))
    qtbot.mouseRelease(roll.ruler, Qt.MouseButton.LeftButton, pos=QPoint(ruler_x(roll, 10.0), 10))
    assert changes == [(2, 3), (2, 4), (2, 5)]
    assert roll.scene.bar_selection() == (2, 5)
    band = roll.scene.bar_band
    assert band.isVisible()
    assert (band.rect().left(), band.rect().right()) == pytest.approx((3.0, 12.0))
    assert roll.scene.bar_selection_seconds() == pytest.approx((1.5, 6.0))
    # dragging backwards from bar 3 to bar 1 selects bars 1-3; Shift+click extends; right-click clears
    qtbot.mousePress(roll.ruler, Qt.MouseButton.LeftButton, pos=QPoint(ruler_x(roll, 7.0), 10))
    qtbot.mouseMove(roll.ruler, QPoint(ruler_x(roll, 1.0), 10))
    qtbot.mouseRelease(roll.ruler, Qt.MouseButton.LeftButton, pos=QPoint(ruler_x(roll, 1.0), 10))
    assert roll.scene.bar_selection() == (1, 4)
    qtbot.mouseClick(roll.ruler, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(ruler_x(roll, 13.0), 10))
    assert roll.scene.bar_selection() == (1, 6)
    qtbot.mouseClick(roll.ruler, Qt.MouseButton.RightButton, pos=QPoint(ruler_x(roll, 2.0), 10))
    assert roll.scene.bar_selection() is None and changes[-1] == (0, 0)
    assert not band.isVisible() and roll.scene.bar_selection_seconds() is None


def test_bars_follow_the_meter_map_and_tempo_map(roll):
    # two bars of 4/4 at 120 BPM, then 6/8 at 60 BPM: bar 3 starts at 4 s, a 6/8 bar is 3 quarters (3 s)
    seq = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 10.0)]),
                       tempos=(TempoChange(0.0, 120.0), TempoChange(4.0, 60.0)),
                       time_signatures=(TimeSignature(0.0, 4, 4), TimeSignature(4.0, 6, 8)))
    roll.set_content(seq)
    scene = roll.scene
    assert [scene.bar_start_quarters(b) for b in (1, 2, 3, 4, 5)] == [0.0, 4.0, 8.0, 11.0, 14.0]
    assert scene.bar_at(10.9) == 3 and scene.bar_at(11.0) == 4
    scene.set_bar_selection(3, 5)
    assert scene.bar_selection_seconds() == pytest.approx((4.0, 10.0))
    with pytest.raises(ValueError, match="first_bar < end_bar"):
        scene.set_bar_selection(4, 4)
    assert scene.bar_selection() == (3, 5)  # a refused selection changes nothing


def test_loop_plays_the_selected_bars_over_and_over(qtbot, window, seed_file):
    window.open_file(seed_file)  # 2 bars of eighths at 120 BPM: C major up (bar 1) and down (bar 2)
    window.roll.scene.set_bar_selection(2, 3)
    window.loop_action.setChecked(True)
    assert window.transport.set_target("DAW in")
    positions: list[float] = []
    window.player.position.connect(positions.append)
    window.play_action.trigger()
    assert window.player.loop == pytest.approx((2.0, 4.0))
    port = window.opened_ports[0]
    bar_two = [n.pitch for n in window.seed.iter_notes() if n.start >= 2.0]
    # the second bar twice over, and nothing of the first: it loops, well past the end of the seed
    qtbot.waitUntil(lambda: sum(is_note_on(m) for m in port.messages()) >= len(bar_two) + 2, timeout=15_000)
    window.play_action.trigger()
    played = [m[1] for m in port.messages() if is_note_on(m)]
    assert played[:len(bar_two) + 2] == bar_two + bar_two[:2]
    assert positions and all(2.0 <= p < 4.0 for p in positions)  # the playhead stays in the looped bars
    window.loop_action.setChecked(False)
    assert window.loop_range(window.seed) is None


def test_a_new_seed_clears_the_bar_selection(window, seed_file):
    window.open_file(seed_file)
    window.roll.scene.set_bar_selection(1, 2)
    window.open_file(seed_file)
    assert window.roll.scene.bar_selection() is None


def test_a_loop_of_nothing_is_refused_with_a_message():
    from rnnmusic.errors import RnnmusicError
    from rnnmusic.gui.playback import loop_section

    with pytest.raises(RnnmusicError, match="0 <= start < end"):
        loop_section(melody(), 2.0, 2.0)
