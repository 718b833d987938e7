"""Issue 14, items 3-5 in the real window: takes made again and compared A/B, words for musicians, the model
that fits the opened file, the live panel's MIDI systems, meter and notes kept as a take.

Real widgets, the real engine and real ONNX files (the tiny test model, the shipped
folk and chorale models); the live runs use the real LiveEngine and the recorder
over the live engine's list-backed fake port (the JACK tests play through a server).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gui_support import melody
from live_fakes import FakeOutput, PatternSource
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from support import require

from rnnmusic.engine import GenerateOptions, Provenance
from rnnmusic.gui.dialogs import ALL_TRACKS
from rnnmusic.gui.live_session import LiveSession
from rnnmusic.gui.pianoroll_scene import Layer
from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, Meter
from rnnmusic.live.messages import is_note_on
from rnnmusic.live.recording import RecordingOutput
from rnnmusic.midi.write import write_midi
from rnnmusic.notes import TimeSignature

ROOT = Path(__file__).resolve().parents[2]
ML_WORDS = re.compile(r"\b(tokens?|logits?|nll|nats|softmax)\b", re.IGNORECASE)


def generate(qtbot, window, variations: int = 1, bars: int = 2, seed: int = 5) -> None:
    window.controls.variations.setValue(variations)
    window.controls.bars.setValue(bars)
    window.controls.seed.setValue(seed)
    window.controls.seed_lock.setChecked(True)
    with qtbot.waitSignal(window.runner.done, timeout=60_000):
        window.generate_action.trigger()


# -- takes: make again, A/B ------------------------------------------------------------------
def test_make_again_rebuilds_a_take_from_its_record(qtbot, window, seed_file, second_model):
    window.open_file(seed_file)
    window.controls.temperature.setValue(1.3)
    generate(qtbot, window, variations=3, bars=4, seed=9)
    window.takes_panel.select_row(1)
    original = window.current_take()
    assert original.record.variation == 2 and original.options.temperature == 1.3
    # what the controls and the model menu say now must not matter: the record does
    window.controls.temperature.setValue(0.4)
    window.controls.seed.setValue(1)
    assert window.models.add_file(second_model)
    panel = window.takes_panel
    assert panel.again_button.isEnabled()
    with qtbot.waitSignal(window.runner.done, timeout=60_000):
        qtbot.mouseClick(panel.again_button, Qt.MouseButton.LeftButton)
    assert window.takes.rowCount() == 4
    again = window.current_take()
    assert again.number == 4 and again.model_name == "tiny"
    assert again.generated_part.same_music(original.generated_part)  # note for note
    assert again.options == original.options and again.record.variation == 2
    assert Provenance.from_text(again.provenance).take_hash == Provenance.from_text(original.provenance).take_hash
    assert window.statusBar().currentMessage() == "Take 4 is Take 2 made again"


def test_a_b_switches_takes_at_the_same_place_while_playing(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, variations=2, bars=8, seed=4)
    panel = window.takes_panel
    assert not panel.ab_button.isEnabled()  # nothing to switch with yet
    panel.select_row(1)
    assert panel.ab_button.isEnabled() and panel.other_row() == 0
    assert window.transport.set_target("DAW in")
    window.play_action.trigger()
    qtbot.wait(1500)
    qtbot.mouseClick(panel.ab_button, Qt.MouseButton.LeftButton)
    assert window.current_take().number == 1 and window.player.playing
    place = window._play_offset
    assert 1.2 < place < 3.0  # where take 2 had got to
    port = window.opened_ports[-1]
    assert len(window.opened_ports) == 2  # take 1 plays on its own port run
    qtbot.waitUntil(lambda: any(is_note_on(m) for m in port.messages()), timeout=10_000)
    first = next(m for m in port.messages() if is_note_on(m))
    take = window.takes.take(0).sequence
    after = [n for n in take.iter_notes() if n.start >= place - 1e-6]
    assert first[1] == after[0].pitch  # take 1 went on from that place, not from its start
    qtbot.waitUntil(lambda: window.roll.scene.playhead.line().x1() > window.roll.scene.to_quarters(place),
                    timeout=5000)
    assert panel.other_row() == 1
    qtbot.mouseClick(panel.ab_button, Qt.MouseButton.LeftButton)
    assert window.current_take().number == 2
    window.player.stop()


def test_delete_and_rename_from_the_panel(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, variations=2)
    panel = window.takes_panel
    panel.select_row(0)
    qtbot.mouseClick(panel.rename_button, Qt.MouseButton.LeftButton)
    editor = panel.view.focusWidget()
    assert editor is not panel.view and editor.text() == "Take 1"
    editor.setText("bright")
    panel.view.commitData(editor)  # what the list's editor does on Return
    assert window.takes.take(0).title == "bright"
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert [t.number for t in window.takes.takes()] == [2]
    assert window.current_take().number == 2


# -- words for musicians -------------------------------------------------------------------------
def test_no_tooltip_speaks_of_tokens_logits_nll_nats_or_softmax(qtbot, window, seed_file):
    window.open_file(seed_file)
    generate(qtbot, window, variations=2)
    window.live_dock.show()
    window.models.details_button.setChecked(True)
    window.show_train_dialog()  # a window of the app too: its tooltips count
    tips = {}
    for widget in window.findChildren(QWidget):
        if widget.toolTip():
            tips[f"{type(widget).__name__} {widget.objectName()}"] = widget.toolTip()
    for action in window.findChildren(type(window.generate_action)):
        tips[f"action {action.text()}"] = action.toolTip() + " " + action.statusTip()
    for name, model in (("takes", window.takes), ("models", window.models.models)):
        for row in range(model.rowCount()):
            tips[f"{name} row {row}"] = str(model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole))
    assert len(tips) > 20  # the check saw the app's widgets, not an empty window
    assert any(w.toolTip() for w in window.train_dialog.findChildren(QWidget))  # the training dialog's are in
    assert {name: tip for name, tip in tips.items() if ML_WORDS.search(tip)} == {}


def test_the_key_menu_spells_keys_as_musicians_do(window):
    keys = [window.controls.key.itemText(i) for i in range(window.controls.key.count())]
    for key in ("Bb major", "Eb major", "F# minor", "Db major", "C# minor", "Eb minor"):
        assert key in keys
    assert not [k for k in keys if re.match(r"^(A#|D#|G#) major$", k)]


@pytest.fixture
def bare_window(qtbot, settings, ports, dialogs, tmp_path, monkeypatch):
    """The real window with only the shipped models (no model added by hand)."""
    monkeypatch.setenv("RNNMUSIC_MODELS", str(tmp_path / "no-user-models"))
    from gui_support import FakeOpener

    from rnnmusic.gui import main_window
    from rnnmusic.gui.app import create_window

    monkeypatch.setattr(main_window, "choose_track", lambda parent, seq: ALL_TRACKS)
    win = create_window(settings, ports=ports, audio_factory=None, open_output=FakeOpener())
    qtbot.addWidget(win)
    win.show()
    yield win
    win.runner.cancel()
    win.runner.wait(10_000)


def test_the_app_picks_the_model_that_fits_the_opened_file_unless_the_user_chose(bare_window, settings):
    folk, chorale = ROOT / "examples" / "seed_folk.mid", ROOT / "examples" / "seed_chorale.mid"
    names = [e.name for e in bare_window.models.models.entries()]
    require({"folk", "chorale"} <= set(names) and folk.is_file() and chorale.is_file(),
            "the shipped models and example seeds")
    models = bare_window.models
    models.select_path(models.models.entries()[names.index("chorale")].path)  # as a last session left it
    assert bare_window.open_file(folk)
    assert models.current().name == "folk"
    assert "folk" in bare_window.statusBar().currentMessage()
    assert bare_window.open_file(chorale)
    assert models.current().name == "chorale"
    # the user picks folk: it stays, whatever is opened next
    row = names.index("folk")
    models.combo.setCurrentIndex(row)
    models.combo.activated.emit(row)
    assert bare_window.open_file(chorale)
    assert models.current().name == "folk"


# -- live in the app -----------------------------------------------------------------------------------
def test_the_live_panel_offers_only_this_platforms_midi_systems(window):
    from rnnmusic.live.ports import platform_apis

    combo = window.live.api
    systems = [combo.itemData(i) for i in range(combo.count())]
    assert systems == list(platform_apis())
    assert platform_apis("linux") == ("alsa", "jack")
    assert platform_apis("darwin") == ("coremidi", "jack") and platform_apis("win32") == ("winmm",)
    if systems == ["alsa", "jack"]:
        assert [combo.itemText(i) for i in range(combo.count())] == ["ALSA", "JACK"]


def test_a_midi_system_that_cannot_be_reached_is_told_in_the_apps_words(qtbot, window, dialogs):
    from rnnmusic.cli.live import midi_system_words
    from rnnmusic.errors import PortError
    from rnnmusic.gui.ports import MidiPorts
    from rnnmusic.live.ports import MidiSystemError

    failure = MidiSystemError("alsa", "ALSA error initializing MIDI client", ("jack",))

    def unreachable(api):
        raise failure

    ports = MidiPorts(lister=unreachable)
    ports.set_api("alsa")
    assert ports.problem == ("cannot use the ALSA MIDI system (ALSA error initializing MIDI client); "
                             "try choosing JACK under MIDI system")
    with pytest.raises(PortError, match=r"; try --api jack$"):  # the command line names its option
        with midi_system_words():
            raise failure

    def refuse(request):
        raise failure

    window.live.factory = refuse  # starting live play hits the same wall
    assert not window.live.start()
    assert dialogs.shown == [("Cannot start live play", ports.problem)]
    assert "--" not in dialogs.shown[0][1]


class RecordingFactory:
    """Starts a real LiveEngine over a fake port and a pattern source, with the recorder the app uses."""

    def __init__(self):
        self.requests, self.outputs = [], []

    def __call__(self, request):
        self.requests.append(request)
        output = FakeOutput()
        self.outputs.append(output)
        seed = request.seed
        meter = Meter.parse(request.meter) if request.meter else Meter(seed.time_signatures[0].numerator,
                                                                       seed.time_signatures[0].denominator)
        clock = InternalClock(request.bpm, meter)
        recording = RecordingOutput(output, clock)
        engine = LiveEngine(PatternSource(step=0.5, length=0.25), recording, clock, LiveConfig(realtime=False))
        engine.start()
        record = Provenance(model="pattern", model_hash="0" * 64, options=GenerateOptions(seed=3), live=True)
        return LiveSession(engine, output, recording, record, request.model)


def test_live_notes_are_drawn_in_the_roll_and_kept_as_a_take_in_the_seeds_meter(qtbot, window, tmp_path):
    seed = melody(bars=2).evolve(time_signatures=(TimeSignature(0.0, 3, 4),))
    assert window.open_file(write_midi(seed, tmp_path / "three_four.mid"))
    window.live_dock.show()
    live = window.live
    assert live.meter.currentText() == "The seed's (3/4)"
    factory = RecordingFactory()
    live.factory = factory
    live.bpm.setValue(300.0)
    assert live.start()
    assert factory.requests[0].meter is None  # the clock takes the seed's meter
    assert live.engine.clock.meter == Meter(3, 4)
    qtbot.waitUntil(lambda: len(window.roll.scene.note_items(Layer.GENERATED)) >= 6, timeout=10_000)
    qtbot.waitUntil(lambda: live.display.text().startswith("bar 3"), timeout=10_000)
    assert live.display.text().endswith("· 300.0 BPM")
    assert not live.keep_button.isEnabled()  # while playing
    live.stop()
    played = [m[1] for m in factory.outputs[0].messages() if is_note_on(m)]
    drawn = window.roll.scene.note_items(Layer.GENERATED)
    assert [n.pitch for n in sorted(drawn, key=lambda n: n.rect().x())] == played
    assert live.keep_button.isEnabled()
    qtbot.mouseClick(live.keep_button, Qt.MouseButton.LeftButton)
    take = window.current_take()
    assert take is not None and take.live and not take.can_make_again
    assert not live.keep_button.isEnabled() and window.takes.rowCount() == 1  # kept once
    assert take.seed_part.same_music(window.seed)
    notes = list(take.generated_part.iter_notes())
    assert [n.pitch for n in notes] == played
    # the seed is 8 beats long: the live part starts on the next bar line, beat 9 (4.5 s at 120 BPM)
    assert take.continuation_start == pytest.approx(4.5)
    assert notes[0].start == pytest.approx(4.5, abs=0.05)  # the first live note on that bar line
    assert notes[1].start - notes[0].start == pytest.approx(0.25, abs=0.05)  # an eighth at the seed's 120 BPM
    assert "played live" in window.takes.data(window.takes.index(0, 0))


@pytest.mark.jack
def test_live_play_through_jack_is_drawn_and_kept_note_for_note(qtbot, window, seed_file, tmp_path):
    from integration.jack_server import JackServer, Receiver, jackd_available

    require(jackd_available(), "jackd (JACK server)")
    from rnnmusic.gui.ports import _list_ports, choose

    window.open_file(seed_file)
    window.live_dock.show()
    live = window.live
    live.bpm.setValue(300.0)
    with JackServer() as jack:  # noqa: F841  (exports its name to this process's JACK clients)
        receiver = Receiver(name="app synth")  # a synth's input, there before play starts
        try:
            window.ports._lister = _list_ports  # the app's real listing instead of the tests' fixed names
            live.api.setCurrentIndex(live.api.findData("jack"))  # lists JACK's ports
            assert choose(live.output, "test app synth:app synth")
            assert live.start()
            qtbot.waitUntil(lambda: len(receiver.note_ons()) >= 6, timeout=30_000)
            qtbot.waitUntil(lambda: len(window.roll.scene.note_items(Layer.GENERATED)) >= 4, timeout=10_000)
            assert live.display.text().startswith("bar ")
            live.stop()
            qtbot.wait(100)  # the last note-offs on their way through JACK
        finally:
            receiver.close()
    heard = [data[1] for _, data in receiver.note_ons()]
    drawn = sorted(window.roll.scene.note_items(Layer.GENERATED), key=lambda n: n.rect().x())
    assert [n.pitch for n in drawn] == heard  # the roll shows exactly what the synth heard
    qtbot.mouseClick(live.keep_button, Qt.MouseButton.LeftButton)
    take = window.current_take()
    assert take is not None and take.live and take.model_name == "tiny"
    assert [n.pitch for n in take.generated_part.iter_notes()] == heard
    assert take.seed_part.same_music(window.seed)
    assert window.save_take(take, tmp_path / "live.mid")
    from rnnmusic.midi.read import read_text_events

    record = Provenance.find(read_text_events(tmp_path / "live.mid"))
    assert record is not None and record.live and record.options.seed == take.options.seed
