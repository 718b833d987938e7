"""The live panel: starts the real LiveEngine, shows bar/beat/tempo, panics, stops, and reports failures.

Fast tests run the real engine on the live engine's own list-backed fake port and
pattern source; the last test plays a real model through a real JACK server.
"""

from __future__ import annotations

import pytest
from live_fakes import FakeOutput, PatternSource
from PySide6.QtCore import Qt
from support import require

from rnnmusic.errors import PortError
from rnnmusic.gui.live_panel import LivePanel, LiveRequest
from rnnmusic.gui.live_session import LiveSession
from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, Meter
from rnnmusic.live.messages import is_note_on


class FakeModels:
    """The one thing the panel asks the model picker: the chosen entry."""

    def __init__(self, path="model.onnx"):
        self.path = path

    def current(self):
        return type("Entry", (), {"path": self.path})() if self.path else None


class PatternFactory:
    """Starts a real LiveEngine over a fake port and a pattern source, recording the request."""

    def __init__(self):
        self.requests: list[LiveRequest] = []
        self.outputs: list[FakeOutput] = []

    def __call__(self, request: LiveRequest) -> LiveSession:
        self.requests.append(request)
        output = FakeOutput()
        self.outputs.append(output)
        clock = InternalClock(request.bpm, Meter.parse(request.meter or "4/4"))
        config = LiveConfig(mode=request.mode, realtime=False, regenerate_bars=float(request.new_bars))
        engine = LiveEngine(PatternSource(), output, clock, config)
        engine.start()
        return LiveSession(engine, output)


@pytest.fixture
def panel(qtbot, ports, settings, dialogs):
    ports.refresh()
    factory = PatternFactory()
    widget = LivePanel(ports, FakeModels(), settings, factory)
    widget.factory_log = factory
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def test_ports_clock_and_mode_choices(panel):
    outputs = [panel.output.itemText(i) for i in range(panel.output.count())]
    inputs = [panel.input.itemText(i) for i in range(panel.input.count())]
    assert outputs[1:] == ["Synth A", "DAW in"] and "virtual" in outputs[0]
    assert inputs == ["None", "Keyboard"]
    assert [panel.clock.itemData(i) for i in range(panel.clock.count())] == ["internal", "midi"]
    assert [panel.mode.itemData(i) for i in range(panel.mode.count())] == ["continuous", "call-response"]
    panel.clock.setCurrentIndex(1)
    assert not panel.bpm.isEnabled()  # MIDI clock sets the tempo


def test_start_shows_the_clock_plays_notes_panics_and_stops(qtbot, panel):
    panel.output.setCurrentIndex(1)
    panel.bpm.setValue(240.0)
    panel.meter.setCurrentText("3/4")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.engine is not None and panel.start_button.text() == "Stop"
    request = panel.factory_log.requests[0]
    assert (request.output, request.input, request.bpm, request.meter, request.mode) == \
        ("Synth A", None, 240.0, "3/4", "continuous")
    assert not panel.output.isEnabled() and panel.panic_button.isEnabled()
    output = panel.factory_log.outputs[0]
    qtbot.waitUntil(lambda: any(is_note_on(m) for m in output.messages()), timeout=10_000)
    qtbot.waitUntil(lambda: panel.display.text().startswith("bar "), timeout=10_000)
    assert panel.display.text().endswith("· 240.0 BPM")
    sent = len(output.messages())
    qtbot.mouseClick(panel.panic_button, Qt.MouseButton.LeftButton)
    assert any(m[0] & 0xF0 == 0xB0 and m[1] == 123 for m in output.messages()[sent:])  # All Notes Off
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.engine is None and panel.display.text() == "stopped"
    assert output.closed and panel.output.isEnabled()


def test_new_bars_writes_the_next_bars_again_while_playing(qtbot, panel):
    assert not panel.new_bars_button.isEnabled()  # nothing to write again before playing
    panel.output.setCurrentIndex(1)
    panel.bpm.setValue(240.0)
    panel.new_bars_count.setValue(2)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.factory_log.requests[0].new_bars == 2 and not panel.new_bars_count.isEnabled()
    output = panel.factory_log.outputs[0]
    qtbot.waitUntil(lambda: any(is_note_on(m) for m in output.messages()), timeout=10_000)
    engine = panel.engine.engine
    assert engine.config.regenerate_bars == 2.0 and engine.stats.regenerations == 0
    qtbot.keyClick(panel, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # the button's Alt+N
    qtbot.waitUntil(lambda: engine.stats.regenerations == 1, timeout=10_000)
    qtbot.mouseClick(panel.new_bars_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: engine.stats.regenerations == 2, timeout=10_000)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.new_bars_button.isEnabled()


def test_a_port_that_cannot_open_is_a_plain_message(panel, dialogs):
    def refuse(request):
        raise PortError("no MIDI output port matches 'Synth A'; output ports: none")

    panel.factory = refuse
    assert not panel.start()
    assert dialogs.titles == ["Cannot start live play"]
    assert panel.engine is None and panel.start_button.text() == "Start" and not panel.start_button.isChecked()


def test_losing_the_port_while_playing_stops_with_a_message(qtbot, panel, dialogs):
    assert panel.start()
    output = panel.factory_log.outputs[0]
    qtbot.waitUntil(lambda: len(output.messages()) > 0, timeout=10_000)
    output.lost = True  # the synth was unplugged
    qtbot.waitUntil(lambda: panel.engine is None, timeout=10_000)
    assert dialogs.titles == ["Live play stopped"]
    assert "gone" in dialogs.shown[0][1]


def test_no_model_is_a_plain_message(panel, dialogs):
    panel.models = FakeModels(path=None)
    assert not panel.start()
    assert dialogs.titles == ["Cannot start live play"]


def test_settings_are_kept(qtbot, ports, settings, dialogs):
    ports.refresh()
    first = LivePanel(ports, FakeModels(), settings, PatternFactory())
    qtbot.addWidget(first)
    first.output.setCurrentIndex(2)
    first.output.activated.emit(2)
    first.mode.setCurrentIndex(1)
    first.bpm.setValue(96.0)
    first.new_bars_count.setValue(8)
    first.save()
    second = LivePanel(ports, FakeModels(), settings, PatternFactory())
    qtbot.addWidget(second)
    assert second.output.currentText() == "DAW in"
    assert second.mode.currentData() == "call-response"
    assert second.bpm.value() == 96.0 and second.new_bars_count.value() == 8


@pytest.mark.jack
def test_a_real_model_plays_into_a_real_jack_port(qtbot, ports, settings, dialogs, tiny_model, seed_file):
    from integration.jack_server import JackServer, jackd_available

    require(jackd_available(), "jackd (JACK server)")
    from rnnmusic.gui.live_session import start_live
    from rnnmusic.live.ports import open_input
    from rnnmusic.midi.read import read_midi

    with JackServer() as jack:  # noqa: F841  (exports its name to this process's JACK clients)
        received: list[bytes] = []
        request = LiveRequest(model=str(tiny_model), output=None, input=None, api="jack", clock="internal",
                              bpm=300.0, meter="4/4", mode="continuous", temperature=1.0, top_p=None, key=None,
                              seed=read_midi(seed_file))
        session = start_live(request)  # a virtual output port "rnnmusic" on JACK
        listener = open_input("rnnmusic", api="jack", virtual_name="listener")
        try:
            listener.set_callback(lambda data, arrived: received.append(data))
            qtbot.waitUntil(lambda: sum(is_note_on(m) for m in received) >= 3, timeout=20_000)
            assert not session.stopped and session.failure is None
        finally:
            listener.close()
            session.stop()
        assert session.engine.output.closed  # stop closed the ports it opened
