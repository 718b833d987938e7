"""A long session with the real app, run by test_app_soak.py in a child pytest (not collected on its own).

A user opens a large two-hand piano file, generates ten takes while switching
models, plays the last take and closes the window. A Qt binding that corrupts
Python's reference counts aborts the process somewhere in here; running it in a
child turns that abort into a failed test instead of a dead test run.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import mido
from PySide6.QtWidgets import QDialog

from rnnmusic.gui.dialogs import TrackDialog
from rnnmusic.gui.pianoroll_scene import Layer
from rnnmusic.live.messages import is_note_on

# the helpers that write the committed test files (tests/data is not a package)
_spec = importlib.util.spec_from_file_location(
    "make_test_midi", Path(__file__).parents[1] / "data" / "make_test_midi.py"
)
midi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(midi)

BARS = 80
NOTES_PER_BAR = 16 + 6 + 8  # sixteenths in the right hand, two triads inside, octaves in the bass
GENERATES = 10


def piano_piece(path: Path) -> Path:
    """A format 1 piano piece on three tracks: 80 bars of 2,400 notes, about the size of a sonata movement."""
    quarter = midi.TPQ
    right, inner, left = [midi.program(0, 0)], [midi.program(1, 0)], [midi.program(2, 0)]
    for bar in range(BARS):
        start, root = bar * midi.BAR, (0, 5, 7, 9)[bar % 4]
        for step in range(16):
            pitch = 72 + root + (0, 4, 7, 12, 7, 4, 2, 5)[(step + bar) % 8]
            right += midi.note(pitch, start + step * quarter // 4, quarter // 4 - 10, 70 + step % 4 * 12)
        for half in (0, 2 * quarter):
            for pitch in (60, 64, 67):
                inner += midi.note(pitch + root, start + half, 2 * quarter - 30, 60, channel=1)
        for beat in range(4):
            bass, onset = 36 + root + (0, 7)[beat % 2], start + beat * quarter
            left += (
                midi.note(bass, onset, quarter - 20, 80, channel=2)
                + midi.note(bass + 12, onset, quarter - 20, 64, 2)
            )
    conductor = midi.track([midi.tempo(0, 120), midi.meter(0, 4, 4)], "conductor")
    tracks = [conductor, midi.track(right, "right hand"), midi.track(inner, "inner"), midi.track(left, "left hand")]
    path.write_bytes(midi.to_bytes(tracks))
    return path


def test_open_a_large_piano_file_generate_switch_models_play_and_close(
    qtbot, window, second_model, model_dir, tmp_path, monkeypatch
):
    from model_factory import make_model

    poly = make_model(model_dir / "soak_poly.onnx", encoding="polyphony", hidden=32, name="soak_poly")
    assert window.models.add_file(second_model) and window.models.add_file(poly)
    monkeypatch.setattr(TrackDialog, "exec", lambda dialog: QDialog.DialogCode.Accepted)  # all tracks together
    piece = piano_piece(tmp_path / "sonata.mid")
    assert len(mido.MidiFile(piece).tracks) == 4

    assert window.open_file(piece)
    assert len(window.seed) == BARS * NOTES_PER_BAR
    assert len(window.roll.scene.note_items(Layer.SEED)) == BARS * NOTES_PER_BAR

    window.controls.bars.setValue(2)
    window.controls.seed_lock.setChecked(True)
    models = window.models.combo.count()
    for number in range(GENERATES):
        window.models.combo.setCurrentIndex(number % models)  # a different model for each take
        window.controls.seed.setValue(number)
        with qtbot.waitSignal(window.runner.done, timeout=120_000):
            window.generate_action.trigger()
        assert window.takes.rowCount() == number + 1
        take = window.current_take()
        assert take.model_name == window.models.current().name
        assert len(window.roll.scene.note_items(Layer.GENERATED)) == len(take.generated_part)

    assert window.transport.set_target("DAW in")
    window.play_action.trigger()
    assert window.player.playing
    port = window.opened_ports[0]
    playhead = window.roll.scene.playhead
    qtbot.waitUntil(lambda: sum(is_note_on(m) for m in port.messages()) >= 40, timeout=30_000)
    qtbot.waitUntil(lambda: playhead.isVisible() and playhead.line().x1() > 2.0, timeout=30_000)
    window.play_action.trigger()
    assert not window.player.playing and port.closed

    window.close()
    assert not window.isVisible()
