"""Regions in the app: select bars, regenerate / fill / continue them with the shipped folk model, audition a
variation in place, keep it, undo and redo. Real window, real engine, real model file, real MIDI files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_support import ruler_x
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from rnnmusic.engine import GenerateOptions, Generator, Provenance, RegionSpec, load_model_file
from rnnmusic.gui.pianoroll_scene import Layer
from rnnmusic.gui.playback import loop_section
from rnnmusic.gui.region_actions import bar_count, bar_seconds
from rnnmusic.live.messages import is_note_on
from rnnmusic.midi.read import read_midi
from rnnmusic.midi.write import write_midi
from rnnmusic.notes import NoteSequence

ROOT = Path(__file__).resolve().parents[2]
FOLK = ROOT / "models" / "folk.onnx"
FOLK_SEED = ROOT / "examples" / "seed_folk.mid"
_EPS = 1e-6


@pytest.fixture(scope="module")
def tune_file(tmp_path_factory) -> Path:
    """A 16-bar tune in 2/4 at 120 BPM (a bar is a second): the shipped folk seed continued by the shipped
    folk model for 12 bars, written as a MIDI file."""
    takes = Generator(load_model_file(FOLK)).generate(read_midi(FOLK_SEED), GenerateOptions(bars=12, seed=11))
    return write_midi(takes.sequences[0], tmp_path_factory.mktemp("tune") / "tune.mid")


@pytest.fixture
def folk(window, tune_file):
    """The window with the shipped folk model chosen, the tune open, a locked random seed, two variations."""
    assert window.models.add_file(FOLK)
    assert window.open_file(tune_file)
    assert bar_count(window.seed) == 16
    window.controls.variations.setValue(2)
    window.controls.seed.setValue(5)
    window.controls.seed_lock.setChecked(True)
    window.roll.fit()
    return window


def select_on_ruler(qtbot, window, first: int, last: int) -> None:
    """Drag on the ruler from the middle of bar ``first`` to the middle of bar ``last`` (inclusive)."""
    roll, scene = window.roll, window.roll.scene

    def middle(bar: int) -> int:
        return ruler_x(roll, (scene.bar_start_quarters(bar) + scene.bar_start_quarters(bar + 1)) / 2)

    qtbot.mousePress(roll.ruler, Qt.MouseButton.LeftButton, pos=QPoint(middle(first), 10))
    qtbot.mouseMove(roll.ruler, QPoint(middle((first + last) // 2), 10))
    qtbot.mouseMove(roll.ruler, QPoint(middle(last), 10))
    qtbot.mouseRelease(roll.ruler, Qt.MouseButton.LeftButton, pos=QPoint(middle(last), 10))


def wait_for_takes(qtbot, window, count: int) -> None:
    qtbot.waitUntil(lambda: window.takes.rowCount() == count and not window.runner.running, timeout=60_000)


def notes_in(seq: NoteSequence, start: float, end: float = np.inf) -> np.ndarray:
    starts = seq.notes["start"]
    return seq.notes[(starts >= start - _EPS) & (starts < end - _EPS)]


def notes_ending_by(seq: NoteSequence, seconds: float) -> np.ndarray:
    return seq.notes[seq.notes["end"] <= seconds + _EPS]


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and bool(np.array_equal(a, b))


def test_regenerating_bars_5_to_8_changes_them_and_keeps_everything_else(qtbot, folk):
    window, regions = folk, folk.regions
    assert not regions.regenerate_action.isEnabled()  # no bars selected yet
    select_on_ruler(qtbot, window, 5, 8)
    assert window.roll.scene.bar_selection() == (5, 9)
    assert regions.regenerate_action.isEnabled() and not regions.keep_action.isEnabled()
    tune = window.seed
    start, end = bar_seconds(tune, 5), bar_seconds(tune, 9)
    assert (start, end) == pytest.approx((4.0, 8.0))  # 2/4 at 120 BPM
    qtbot.keyClick(window.roll.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.runner.running and not regions.regenerate_action.isEnabled()
    wait_for_takes(qtbot, window, 2)

    for row in range(2):
        take = window.takes.take(row)
        assert take is not None and regions.variation(take) is not None
        new = take.sequence
        assert same(notes_ending_by(new, start), notes_ending_by(tune, start))  # bars 1-4 note for note
        assert same(notes_in(new, end), notes_in(tune, end))  # bars 9-16 note for note
        inside = notes_in(new, start, end)
        assert len(inside) and not same(inside, notes_in(tune, start, end))  # bars 5-8 are new
        assert same(take.generated_part.notes, inside)  # the roll's generated colour is the region alone
        record = Provenance.from_text(take.provenance)  # the record the take's file keeps says so
        assert record is not None and record.options.region == RegionSpec(5, 9)
        label = window.takes.data(window.takes.index(row, 0))
        assert "bars 5-8" in label
    first = window.takes.take(0)
    assert window.current_take() is first
    assert len(window.roll.scene.note_items(Layer.GENERATED)) == len(first.generated_part)
    assert window.roll.scene.bar_selection() == (5, 9)
    assert regions.keep_action.isEnabled()
    # the other variation compared as outlines over the first: both versions of the region on screen
    window.takes.setData(window.takes.index(1, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    compared = window.roll.scene.note_items(Layer.COMPARE)
    assert len(compared) == len(window.takes.take(1).generated_part)


def test_a_variation_is_auditioned_in_place_bars_4_to_9_looped(qtbot, folk):
    window = folk
    window.roll.scene.set_bar_selection(5, 9)
    window.regions.regenerate_action.trigger()
    wait_for_takes(qtbot, window, 2)
    assert window.transport.set_target("DAW in")
    window.play_action.trigger()
    assert window.player.loop == pytest.approx((bar_seconds(window.seed, 4), bar_seconds(window.seed, 10)))
    assert window.player.loop == pytest.approx((3.0, 9.0))
    heard = loop_section(window.current_take().sequence, 3.0, 9.0)  # bar 4, the new bars 5-8, bar 9
    expected = heard.notes["pitch"].tolist()[:4]
    port = window.opened_ports[0]
    qtbot.waitUntil(lambda: sum(is_note_on(m) for m in port.messages()) >= 4, timeout=15_000)
    window.play_action.trigger()
    assert [m[1] for m in port.messages() if is_note_on(m)][:4] == expected
    # with auditioning off, a variation plays like any take: straight through
    window.regions.audition_action.setChecked(False)
    assert window.loop_range(window.current_take().sequence) is None


def test_keep_replaces_the_piece_and_undo_and_redo_restore_it_exactly(qtbot, folk):
    window, regions = folk, folk.regions
    tune = window.seed
    window.roll.scene.set_bar_selection(5, 9)
    regions.regenerate_action.trigger()
    wait_for_takes(qtbot, window, 2)
    window.takes_panel.select_row(1)
    chosen = window.current_take().sequence
    qtbot.keyClick(window.roll.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Keep
    assert window.seed is chosen and same(window.seed.notes, chosen.notes)
    assert window.current_take() is None  # the piece (the seed) is shown, now with the kept bars
    assert window.roll.scene.bar_selection() == (5, 9)
    shown = sorted((n.pitch, round(n.rect().left(), 6)) for n in window.roll.scene.note_items())
    assert len(shown) == len(chosen)
    assert window.undo_action.isEnabled() and "Take 2" in window.undo_action.text()
    qtbot.keyClick(window.roll.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Undo
    assert window.seed is tune and same(window.seed.notes, tune.notes)
    window.redo_action.trigger()
    assert window.seed is chosen
    window.undo_action.trigger()
    assert same(window.seed.notes, tune.notes)
    # opening a file again starts afresh: nothing of the old piece is left to undo
    window.open_file(window.seed_path)
    assert not window.undo_stack.canUndo() and window.takes.rowCount() == 0


def test_regions_of_a_take_are_kept_into_that_take(qtbot, folk):
    window, regions = folk, folk.regions
    window.controls.variations.setValue(1)
    window.controls.bars.setValue(4)
    window.generate_action.trigger()  # a plain continuation: bars 17-20
    wait_for_takes(qtbot, window, 1)
    take = window.current_take()
    assert bar_count(take.sequence) == 20
    before = take.sequence
    window.roll.scene.set_bar_selection(15, 19)  # across the seed's end into the continuation
    regions.regenerate_action.trigger()
    wait_for_takes(qtbot, window, 2)
    variation = window.current_take()
    start, end = bar_seconds(before, 15), bar_seconds(before, 19)
    assert same(notes_in(variation.sequence, end), notes_in(before, end))
    assert same(notes_ending_by(variation.sequence, start), notes_ending_by(before, start))
    assert regions.keep()
    assert window.current_take().number == take.number  # the take is shown, with the kept bars
    assert window.current_take().sequence is variation.sequence
    window.undo_action.trigger()
    assert window.current_take().sequence is before
    assert window.seed is not None and same(window.seed.notes, read_midi(window.seed_path).notes)


def test_fill_writes_new_bars_into_a_gap(qtbot, folk, tune_file, tmp_path):
    window, regions = folk, folk.regions
    tune = window.seed
    start, end = bar_seconds(tune, 5), bar_seconds(tune, 9)
    starts = tune.notes["start"]
    gap = tune.with_notes(tune.notes[(starts < start - _EPS) | (starts >= end - _EPS)])
    assert len(notes_in(gap, start, end)) == 0
    assert window.open_file(write_midi(gap, tmp_path / "gap.mid"))
    window.roll.fit()
    select_on_ruler(qtbot, window, 5, 8)
    regions.fill_action.trigger()
    wait_for_takes(qtbot, window, 2)
    for row in range(2):
        filled = window.takes.take(row).sequence
        assert len(notes_in(filled, start, end)) > 0  # the gap has music now
        assert same(notes_in(filled, end), notes_in(window.seed, end))


def test_fill_with_nothing_after_the_selection_says_to_continue_instead(qtbot, folk, dialogs):
    window = folk
    window.roll.scene.set_bar_selection(15, 17)  # the last two bars: nothing comes after them
    assert not window.regions.fill()
    assert dialogs.titles == ["Nothing to fill towards"]
    assert "Continue from Here" in dialogs.shown[0][1] and "bars 15-16" in dialogs.shown[0][1]
    assert not window.runner.running and window.takes.rowCount() == 0


def test_continue_from_a_bar_right_clicked_in_the_roll(qtbot, folk):
    window, regions = folk, folk.regions
    window.controls.bars.setValue(3)
    scene, view = window.roll.scene, window.roll.view
    middle_of_bar_9 = (scene.bar_start_quarters(9) + scene.bar_start_quarters(10)) / 2
    pos = view.mapFromScene(QPointF(middle_of_bar_9, 127 - 70))
    seen: list[str] = []

    def choose_in_menu() -> None:  # the menu runs its own event loop: pick from it as a user would
        menu = QApplication.activePopupWidget()
        seen.extend(a.text() for a in menu.actions())
        next(a for a in menu.actions() if a.text() == "Continue from Bar 9").trigger()
        menu.close()

    QTimer.singleShot(200, choose_in_menu)
    right_click = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), right_click)  # what a right-click on the roll delivers
    assert "&Regenerate Selection" in seen and "&Keep Variation" in seen
    assert scene.bar_selection() == (9, 10)  # the bar under the click was selected
    wait_for_takes(qtbot, window, 2)
    tune = window.seed
    start = bar_seconds(tune, 9)
    for row in range(2):
        take = window.takes.take(row)
        assert same(notes_ending_by(take.sequence, start), notes_ending_by(tune, start))
        assert bar_count(take.sequence) == 11  # bars 1-8 kept, 3 new ones
        assert "from bar 9" in window.takes.data(window.takes.index(row, 0))
    window.takes_panel.select_row(0)
    assert scene.bar_selection() == (9, 12)
    assert regions.audition_range(window.current_take()) == pytest.approx((7.0, 11.0))  # from bar 8 on


def test_continue_from_here_without_a_selection_starts_at_the_playhead(qtbot, folk, dialogs):
    window, regions = folk, folk.regions
    assert not regions.continue_from()  # no selection, no playhead: no bar to start from
    assert dialogs.titles == ["No bar to continue from"]
    assert window.transport.set_target("DAW in")
    window.play_action.trigger()  # the tune, straight through from bar 1
    scene = window.roll.scene
    qtbot.waitUntil(lambda: scene.playhead.isVisible() and scene.playhead.line().x1() > 2.5, timeout=15_000)
    here = scene.bar_at(scene.playhead.line().x1())
    assert here >= 2
    regions.continue_action.trigger()
    window.play_action.trigger()  # stop
    wait_for_takes(qtbot, window, 2)
    assert regions.variation(window.current_take()).spec == RegionSpec(here)


def test_a_region_past_the_end_is_refused_in_a_message(qtbot, folk, dialogs):
    window = folk
    window.roll.scene.set_bar_selection(20, 23)  # the ruler goes on past the tune's 16 bars
    window.regions.regenerate_action.trigger()
    qtbot.waitUntil(lambda: not window.runner.running, timeout=30_000)
    assert dialogs.titles == ["Generation failed"]
    message = dialogs.shown[0][1]
    assert "bars 20-22" in message and "16 bars" in message
    assert window.takes.rowCount() == 0 and window.regions.regenerate_action.isEnabled()
