"""The main window driven like a user would: open, generate, switch and compare takes, save, drag out, errors.

Everything is real (widgets, engine, ONNX model, MIDI files) except the blocking
dialogs, which record what they would show.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from rnnmusic.engine import Provenance
from rnnmusic.gui.dialogs import TrackDialog
from rnnmusic.gui.pianoroll_scene import Layer
from rnnmusic.gui.takes import MIDI_MIME
from rnnmusic.midi.read import read_midi, read_midi_bytes, read_text_events


def generate(qtbot, window, variations: int = 1, bars: int = 2, seed: int | None = 5) -> None:
    window.controls.variations.setValue(variations)
    window.controls.bars.setValue(bars)
    if seed is not None:
        window.controls.seed.setValue(seed)
        window.controls.seed_lock.setChecked(True)
    with qtbot.waitSignal(window.runner.done, timeout=60_000):
        window.generate_action.trigger()


def test_open_a_seed_shows_it_and_remembers_it(window, seed_file, settings):
    assert window.open_file(seed_file)
    assert window.seed is not None and len(window.seed) == 16
    assert len(window.roll.scene.note_items(Layer.SEED)) == 16
    assert "seed.mid" in window.windowTitle()
    assert "16 notes" in window.seed_label.text()
    assert settings.recent_files()[0] == str(seed_file.resolve())
    recent = [a for a in window.recent_menu.actions() if not a.isSeparator()]
    assert [a.text() for a in recent] == ["seed.mid", "Clear Menu"]
    recent[-1].trigger()
    assert settings.recent_files() == [] and not window.recent_menu.isEnabled()


def test_open_recent_reopens_the_file(window, seed_file, tmp_path):
    window.open_file(seed_file)
    window.set_seed(None)
    assert window.seed is None
    window.recent_menu.actions()[0].trigger()
    assert window.seed is not None and window.seed_path == str(seed_file.resolve())


def test_file_open_action_uses_the_file_dialog(window, seed_file, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(seed_file), "")))
    window.open_action.trigger()
    assert window.seed_path == str(seed_file)


def test_drop_a_midi_file_onto_the_window(window, seed_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(seed_file))])
    # a drag event takes a QPoint up to PySide6 6.11 (6.12 also takes QPointF)
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert window.seed_path == str(seed_file)


def test_a_text_drop_is_refused(window):
    mime = QMimeData()
    mime.setText("not a file")
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.setAccepted(False)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_a_multi_track_file_asks_which_track(window, two_track_file, monkeypatch):
    shown = []

    def pick_second(dialog: TrackDialog):
        shown.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        dialog.list.setCurrentRow(2)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TrackDialog, "exec", pick_second)
    assert window.open_file(two_track_file)
    assert shown and shown[0][0] == "All tracks together · 21 notes"
    assert shown[0][1].startswith("Lead") and shown[0][2].startswith("Bass")
    assert len(window.seed) == 5  # only the bass notes
    assert set(window.seed.notes["track"].tolist()) == {1}


def test_all_tracks_together_is_the_first_choice(window, two_track_file, monkeypatch):
    monkeypatch.setattr(TrackDialog, "exec", lambda dialog: QDialog.DialogCode.Accepted)  # OK on the default
    assert window.open_file(two_track_file)
    assert len(window.seed) == 21 and set(window.seed.notes["track"].tolist()) == {0, 1}


def test_a_polyphonic_model_continues_every_voice(qtbot, window, two_track_file, model_dir, monkeypatch):
    from model_factory import make_model

    poly = make_model(model_dir / "poly.onnx", encoding="polyphony", hidden=32, name="poly")
    assert window.models.add_file(poly)
    monkeypatch.setattr(TrackDialog, "exec", lambda dialog: QDialog.DialogCode.Accepted)
    window.open_file(two_track_file)
    generate(qtbot, window, bars=2)
    take = window.current_take()
    assert take.seed_part.same_music(window.seed)  # both voices kept as read
    assert len(take.generated_part) > 0
    assert len(window.roll.scene.note_items(Layer.GENERATED)) == len(take.generated_part)


def test_cancelling_the_track_choice_keeps_the_old_seed(window, seed_file, two_track_file, monkeypatch):
    window.open_file(seed_file)
    monkeypatch.setattr(TrackDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    assert not window.open_file(two_track_file)
    assert window.seed_path == str(seed_file)


def test_a_broken_file_shows_a_dialog_and_the_app_carries_on(window, dialogs, broken_file, seed_file):
    window.open_file(seed_file)
    assert not window.open_file(broken_file)
    assert dialogs.titles == ["Cannot open MIDI file"]
    assert "broken.mid" in dialogs.shown[0][1]
    assert window.seed_path == str(seed_file)  # nothing changed
    assert window.open_file(seed_file)  # and it still works
    assert not window.open_file(broken_file.parent / "missing.mid")
    assert "no such file" in dialogs.shown[-1][1]


def test_generate_makes_a_take_drawn_in_two_colours(qtbot, window, seed_file, dialogs):
    window.open_file(seed_file)
    generate(qtbot, window)
    assert dialogs.shown == []
    assert window.takes.rowCount() == 1
    take = window.current_take()
    assert take is not None and take.number == 1
    assert len(take.generated_part) > 0
    assert take.seed_part.same_music(window.seed)  # the engine keeps the seed as read
    scene = window.roll.scene
    assert len(scene.note_items(Layer.SEED)) == len(window.seed)
    assert len(scene.note_items(Layer.GENERATED)) == len(take.generated_part)
    # the seed is 2 bars of 4/4 (8 quarters): the continuation starts right after it
    assert min(n.rect().left() for n in scene.note_items(Layer.GENERATED)) >= 8.0 - 1e-6
    assert window.save_action.isEnabled() and window.controls.generate_button.isEnabled()


def test_the_same_locked_seed_makes_the_same_take(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, seed=11)
    generate(qtbot, window, seed=11)
    first, second = window.takes.take(0), window.takes.take(1)
    assert first.generated_part.same_music(second.generated_part)


def test_an_unlocked_seed_is_redrawn_for_each_generate(qtbot, window, seed_file):
    window.open_file(seed_file)
    window.controls.seed_lock.setChecked(False)
    seeds = set()
    for _ in range(3):
        generate(qtbot, window, seed=None)
        seeds.add(window.current_take().options.seed)
    assert len(seeds) >= 2


def test_variations_switching_and_comparing_takes(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, variations=3, seed=3)
    assert window.takes.rowCount() == 3
    assert window.current_take().number == 1
    shown = [n.pitch for n in window.roll.scene.note_items(Layer.GENERATED)]
    window.takes_panel.select_row(2)
    assert window.current_take().number == 3
    third = [n.pitch for n in window.roll.scene.note_items(Layer.GENERATED)]
    assert third == [n.pitch for n in window.takes.take(2).generated_part.iter_notes()]
    assert third != shown
    # tick take 1 to compare: its new notes appear as outlines under take 3
    window.takes.setData(window.takes.index(0, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    compare = window.roll.scene.note_items(Layer.COMPARE)
    assert len(compare) == len(window.takes.take(0).generated_part)


def test_save_writes_the_take_with_how_it_was_made(qtbot, window, seed_file, tmp_path, monkeypatch, settings):
    window.open_file(seed_file)
    generate(qtbot, window, seed=21)
    target = tmp_path / "out" / "mine"
    target.parent.mkdir()
    asked = []

    def save_name(parent, title, suggested, filters):
        asked.append(suggested)
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    window.save_action.trigger()
    assert asked and asked[0].endswith("seed-take1.mid")
    saved = target.with_suffix(".mid")
    take = window.current_take()
    assert read_midi(saved).same_music(take.sequence, tolerance=1e-3)
    record = Provenance.find(read_text_events(saved))
    assert record is not None and record.model == "tiny" and record.options.seed == 21
    assert record.seed_file == str(seed_file)
    assert settings.get_str("files/save_dir") == str(saved.parent)


def test_save_to_a_missing_folder_shows_a_dialog(qtbot, window, seed_file, tmp_path, dialogs):
    window.open_file(seed_file)
    generate(qtbot, window)
    assert not window.save_take(window.current_take(), tmp_path / "nowhere" / "x.mid")
    assert dialogs.titles == ["Cannot save"]


def test_drag_handle_gives_a_valid_midi_file(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window)
    drag = window.takes_panel.handle.make_drag()
    mime = drag.mimeData()
    path = Path(mime.urls()[0].toLocalFile())
    assert path.suffix == ".mid" and path.is_file()
    take = window.current_take()
    assert read_midi(path).same_music(take.sequence, tolerance=1e-3)
    assert read_midi_bytes(bytes(mime.data(MIDI_MIME))).same_music(take.sequence, tolerance=1e-3)


def test_generating_from_nothing_works_without_a_seed(qtbot, window):
    generate(qtbot, window, bars=1)
    take = window.current_take()
    assert take is not None and len(take.seed_part) == 0 and len(take.generated_part) > 0


def test_no_model_is_a_plain_message(qtbot, window, seed_file, dialogs):
    window.open_file(seed_file)
    window.models.combo.setCurrentIndex(-1)
    window.generate_action.trigger()
    assert dialogs.titles == ["No model"]
    assert not window.runner.running


def test_shortcuts(qtbot, window, seed_file, monkeypatch):
    shortcuts = {a.text(): a.shortcut().toString() for a in
                 (window.open_action, window.save_action, window.generate_action, window.play_action)}
    assert shortcuts == {"&Open…": "Ctrl+O", "&Save Take As…": "Ctrl+S", "&Generate": "Ctrl+G", "Play": "Space"}
    window.open_file(seed_file)
    window.activateWindow()
    window.roll.view.setFocus()
    with qtbot.waitSignal(window.runner.done, timeout=60_000):
        qtbot.keyClick(window.roll.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert window.takes.rowCount() == 1


def test_space_plays_the_current_take_to_the_chosen_port_with_a_moving_playhead(qtbot, window, seed_file):
    from rnnmusic.live.messages import is_note_on

    window.open_file(seed_file)
    generate(qtbot, window, bars=1)
    assert window.transport.set_target("DAW in")
    window.roll.view.setFocus()
    qtbot.keyClick(window.roll.view, Qt.Key.Key_Space)
    assert window.player.playing and window.play_action.text() == "Stop"
    port = window.opened_ports[0]
    assert port.name == "DAW in"
    qtbot.waitUntil(lambda: window.roll.scene.playhead.isVisible() and window.roll.scene.playhead.line().x1() > 0.5,
                    timeout=10_000)
    qtbot.waitUntil(lambda: sum(is_note_on(m) for m in port.messages()) >= 2, timeout=10_000)
    qtbot.keyClick(window.roll.view, Qt.Key.Key_Space)
    assert not window.player.playing and window.play_action.text() == "Play"
    assert not window.roll.scene.playhead.isVisible() and port.closed


def test_playing_to_a_port_that_is_gone_shows_a_dialog(qtbot, window, seed_file, dialogs):
    window.open_file(seed_file)
    window.opened_ports.clear()
    window.player._open_output.refuse = True  # the synth was unplugged after the list was made
    window.transport.set_target("Synth A")
    window.play_action.trigger()
    assert dialogs.titles == ["Cannot play"]
    assert "Synth A" in dialogs.shown[0][1]
    assert not window.player.playing


def test_key_controls_reach_the_engine(qtbot, window, seed_file):
    from rnnmusic.engine.keys import scale_pitch_classes

    window.open_file(seed_file)
    window.controls.key.setCurrentText("The seed's key")
    generate(qtbot, window, bars=2)
    assert window.current_take().key == "C major"  # estimated from the C major seed
    window.controls.key.setCurrentText("F# minor")
    generate(qtbot, window, bars=4)
    take = window.current_take()
    assert take.key == "F# minor"
    allowed = scale_pitch_classes(6, True)
    assert all(allowed[n.pitch % 12] for n in take.generated_part.iter_notes())


def test_the_repetition_control_reaches_the_engine_and_the_take_says_it(qtbot, window, seed_file):
    window.open_file(seed_file)
    window.controls.repetition.setValue(0.8)
    generate(qtbot, window, bars=2)
    take = window.current_take()
    assert take.options.repetition == 0.8 and "repetition 0.80" in take.summary
    assert '"repetition":0.8' in take.provenance  # the record written into the take's MIDI file


def test_takes_of_a_seed_that_was_replaced_are_dropped(qtbot, window, seed_file, two_track_file, monkeypatch):
    monkeypatch.setattr(TrackDialog, "exec", lambda dialog: QDialog.DialogCode.Accepted)
    window.open_file(seed_file)
    with qtbot.waitSignal(window.runner.done, timeout=60_000):
        window.generate_action.trigger()
        window.open_file(two_track_file)  # before the result comes back (it is queued to this thread)
    assert window.seed_path == str(two_track_file)
    assert window.takes.rowCount() == 0
    assert window.controls.generate_button.isEnabled()
