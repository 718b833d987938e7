"""Generate runs off the GUI thread: the event loop keeps running (timer ticks, zoom) and Cancel stops it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer

from rnnmusic.gui.controls_panel import MAX_BARS
from rnnmusic.gui.pianoroll_scene import Layer

TICKS = 30


@pytest.fixture(scope="module")
def big_model(model_dir):
    """A model slow enough per step (2 x 256 LSTM) that a long take takes many seconds."""
    from model_factory import make_model

    return make_model(model_dir / "big.onnx", hidden=256, layers=2, name="big")


def test_event_loop_runs_during_a_long_generation_and_cancel_stops_it(qtbot, window, seed_file, big_model, dialogs):
    window.open_file(seed_file)
    assert window.models.add_file(big_model)
    window.controls.bars.setValue(MAX_BARS)
    window.controls.variations.setValue(16)
    progress: list[float] = []
    window.runner.progress.connect(progress.append)
    ticks = {"during": 0}
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.__setitem__("during", ticks["during"] + window.runner.running))
    timer.start()

    window.generate_action.trigger()
    assert window.runner.running
    assert not window.controls.generate_button.isEnabled() and window.controls.cancel_button.isEnabled()
    # the GUI thread keeps serving events: timer ticks and a zoom, all while the engine works
    qtbot.waitUntil(lambda: (ticks["during"] >= TICKS and max(progress, default=0.0) > 0)
                    or not window.runner.running, timeout=120_000)
    assert window.runner.running, "generation ended before the event loop had run; make it longer"
    width = window.roll.view.transform().m11()
    window.zoom_in_action.trigger()
    assert window.roll.view.transform().m11() > width
    assert 0 < window.controls.progress.value() < window.controls.progress.maximum()
    qtbot.waitUntil(lambda: len(window.roll.scene.note_items(Layer.GENERATED)) > 0)  # the take grows on screen

    with qtbot.waitSignal(window.runner.cancelled, timeout=60_000):
        qtbot.mouseClick(window.controls.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.running)
    timer.stop()
    assert ticks["during"] >= TICKS
    assert window.takes.rowCount() == 0  # a cancelled generation leaves no half take
    assert window.roll.scene.note_items(Layer.GENERATED) == []
    assert dialogs.shown == []  # cancelling is not an error
    assert window.controls.generate_button.isEnabled() and not window.controls.cancel_button.isEnabled()
    assert window.statusBar().currentMessage() == "Generation cancelled"
