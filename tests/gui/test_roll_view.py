"""What the piano roll shows in the real window: fitted on open, most of the window, Fit and zoom,
a new take and the playhead kept in view, and seed, take and selection told apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import melody
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from test_main_window import generate

from rnnmusic.gui.pianoroll_scene import Layer
from rnnmusic.gui.pianoroll_view import FIT_MIN_ROW_PX
from rnnmusic.midi.read import read_midi
from rnnmusic.midi.write import write_midi

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def long_seed(tmp_path: Path) -> Path:
    """68 bars of 4/4 (a long seed: its continuation starts at bar 69)."""
    return write_midi(melody(bars=68), tmp_path / "long.mid")


def visible(window):
    return window.roll.visible_quarters()


def visible_pitches(window) -> tuple[float, float]:
    rect = visible(window)
    return 127 - rect.bottom() + 1, 127 - rect.top()


def assert_fitted(window, seq) -> None:
    """All of ``seq`` on screen, in rows tall enough to read the key names, not all 128 keys squeezed in."""
    rect = visible(window)
    quarters = window.roll.scene.to_quarters(seq.total_time)
    assert rect.left() <= 0.01 and rect.right() >= quarters
    low, high = visible_pitches(window)
    pitches = [n.pitch for n in seq.iter_notes()]
    assert low <= min(pitches) and max(pitches) <= high
    assert window.roll.view.row_px >= FIT_MIN_ROW_PX
    assert high - low < 80  # the roll is not showing every key


def test_a_real_file_opens_fitted_even_when_opened_before_the_window_shows(qtbot, settings, ports, dialogs):
    from rnnmusic.gui.app import create_window

    seed_path = ROOT / "examples" / "seed_folk.mid"
    window = create_window(settings, ports=ports, audio_factory=None)
    qtbot.addWidget(window)
    assert window.open_file(seed_path)  # as `rnnmusic gui SEED.mid` does: before show()
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    assert_fitted(window, read_midi(seed_path))
    labels = dict(window.roll.keyboard.labels())
    low, high = visible_pitches(window)
    assert [p for p in labels if low <= p <= high]  # key names on screen to read
    # the window grows: the fit is made again for the new size
    width = window.roll.view.px_per_quarter
    window.resize(window.width() + 300, window.height())
    qtbot.waitUntil(lambda: window.roll.view.px_per_quarter > width * 1.2)
    assert_fitted(window, read_midi(seed_path))


def test_the_roll_gets_most_of_the_window(window):
    QApplication.processEvents()
    assert window.width() == 1200
    assert window.roll.width() > window.width() / 2


def test_a_long_seed_opens_whole_and_fit_brings_it_back_after_zooming(qtbot, window, long_seed):
    window.open_file(long_seed)
    assert_fitted(window, window.seed)
    fitted = window.roll.view.px_per_quarter
    for _ in range(4):
        window.zoom_in_action.trigger()
    assert window.roll.view.px_per_quarter > fitted * 2
    assert visible(window).right() < window.roll.scene.to_quarters(window.seed.total_time)
    window.roll.view.setFocus()
    qtbot.keyClick(window.roll.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # View > Fit
    assert window.roll.view.px_per_quarter == pytest.approx(fitted)
    assert_fitted(window, window.seed)


def test_a_new_take_of_a_long_seed_is_brought_into_view(qtbot, window, long_seed):
    window.open_file(long_seed)
    window.zoom_in_action.trigger()  # the user looks at the start of the seed, zoomed in
    window.roll.view.horizontalScrollBar().setValue(0)
    generate(qtbot, window, bars=4)
    take = window.current_take()
    new = window.roll.scene.note_items(Layer.GENERATED)
    assert new and len(new) == len(take.generated_part)
    rect = visible(window)
    assert all(rect.contains(item.rect()) for item in new), "the new take is off-screen"
    assert window.roll.scene.bar_at(rect.left()) >= 60  # zoomed to the take, not the whole 72 bars
    assert window.roll.view.px_per_quarter >= 8  # with bars wide enough to read


def test_a_short_take_is_shown_whole_with_its_seed(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, bars=2)
    rect = visible(window)
    assert all(rect.contains(item.rect()) for item in window.roll.scene.note_items())


def test_the_playhead_is_followed_through_a_long_take(window, long_seed):
    window.open_file(long_seed)
    window.zoom_in_action.trigger()
    window.zoom_in_action.trigger()
    window.zoom_in_action.trigger()
    for seconds in (10.0, 60.0, 120.0):
        window.roll.set_playhead(seconds)
        x = window.roll.scene.playhead.line().x1()
        assert x == pytest.approx(seconds * 2)  # 120 BPM: two quarters a second
        rect = visible(window)
        assert rect.left() <= x <= rect.right()


def test_seed_take_and_selection_are_told_apart(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, bars=2)
    scene = window.roll.scene
    take = window.current_take()
    # a dashed line where the take begins, in the take's colour
    assert scene.continuation.isVisible()
    assert scene.continuation.line().x1() == pytest.approx(scene.to_quarters(take.continuation_start))
    assert scene.continuation.pen().style() == Qt.PenStyle.DashLine
    seed_item, new_item = scene.note_items(Layer.SEED)[0], scene.note_items(Layer.GENERATED)[0]
    assert seed_item.brush().color().rgb() != new_item.brush().color().rgb()
    scene.select_notes([new_item.note])
    selected = scene.note_items(Layer.GENERATED)[0]
    assert selected.isSelected()
    assert selected.pen().color() == scene.colors.selected and selected.pen().width() == 2
    assert selected.pen().color() not in (scene.colors.seed, scene.colors.generated)
    assert seed_item.pen().color() != scene.colors.selected
    assert "selected" in window.legend.text()
    # with no take on screen (a new seed) the marker goes
    window.open_file(seed_file)
    assert not scene.continuation.isVisible()
