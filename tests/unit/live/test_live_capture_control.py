"""Call capture (with the sustain pedal) and CC control maps, learning included."""

import json
import threading

import pytest
from live_fakes import FakeInput

from rnnmusic.errors import ConfigError
from rnnmusic.live.capture import CallCapture, call_sequence
from rnnmusic.live.control import KEYS, Binding, ControlMap, learn
from rnnmusic.live.messages import control_change, note_off, note_on


def test_capture_collects_notes_and_waits_for_the_silence():
    c = CallCapture(silence_beats=2.0)
    c.handle(note_on(0, 60, 90), 0.0)
    c.handle(note_off(0, 60), 1.0)
    c.handle(note_on(0, 62, 80), 1.0)
    assert not c.ready(10.0)  # a key is still down
    c.handle(note_off(0, 62), 1.5)
    assert not c.ready(3.4) and c.ready(3.5)
    notes = c.take()
    assert [(n.pitch, n.velocity, n.start, n.end) for n in notes] == [(60, 90, 0.0, 1.0), (62, 80, 1.0, 1.5)]
    assert not c.ready(100.0)  # taken: nothing left to answer


def test_sustain_pedal_holds_released_keys_until_lifted():
    c = CallCapture(silence_beats=1.0)
    c.handle(control_change(0, 64, 127), 0.0)
    c.handle(note_on(0, 60, 90), 0.0)
    c.handle(note_off(0, 60), 0.5)
    assert not c.ready(5.0)  # still sounding under the pedal
    c.handle(control_change(0, 64, 0), 3.0)
    assert not c.ready(3.9) and c.ready(4.0)
    assert c.take()[0].end == 3.0


def test_call_sequence_starts_on_the_beat_and_is_in_seconds():
    c = CallCapture(1.0)
    c.handle(note_on(0, 60, 90), 4.5)
    c.handle(note_off(0, 60), 5.25)
    seq = call_sequence(c.take(), bpm=120)
    assert seq.qpm == 120
    assert seq.notes["start"][0] == pytest.approx(0.25) and seq.notes["end"][0] == pytest.approx(0.625)
    assert seq.total_time == pytest.approx(1.0)  # rounded up to whole beats


def test_control_map_turns_values_into_actions():
    cmap = ControlMap([Binding("temperature", 21, low=0.5, high=1.5), Binding("mute", 22, channel=0),
                       Binding("regenerate", 23), Binding("key", 24)])
    assert cmap.match(control_change(5, 21, 127)) == ("temperature", 1.5)
    assert cmap.match(control_change(5, 21, 0)) == ("temperature", 0.5)
    assert cmap.match(control_change(0, 22, 127)) == ("mute", True)
    assert cmap.match(control_change(1, 22, 127)) is None  # bound on channel 1 only
    assert cmap.match(control_change(0, 24, 0)) == ("key", None)
    assert cmap.match(control_change(0, 24, 127)) == ("key", KEYS[-1]) and KEYS[-1] == "B minor"
    assert cmap.match(note_on(0, 21, 100)) is None


def test_regenerate_fires_once_per_press():
    cmap = ControlMap([Binding("regenerate", 23)])
    assert cmap.match(control_change(0, 23, 127)) == ("regenerate", True)
    assert cmap.match(control_change(0, 23, 120)) == ("regenerate", False)
    assert cmap.match(control_change(0, 23, 0)) == ("regenerate", False)
    assert cmap.match(control_change(0, 23, 127)) == ("regenerate", True)


def test_map_round_trips_through_its_file(tmp_path):
    cmap = ControlMap([Binding("temperature", 21), Binding("key", 30, channel=9)])
    path = cmap.save(tmp_path / "map.json")
    assert ControlMap.load(path).bindings == cmap.bindings
    assert json.loads(path.read_text())["version"] == 1


@pytest.mark.parametrize(
    "content, words",
    [("{", "cannot read"), ('{"controls": 3}', "not a control map"),
     ('{"controls": [{"action": "louder", "cc": 1}]}', "unknown control action"),
     ('{"controls": [{"action": "mute", "cc": 200}]}', "0-119"),
     ('{"controls": [{"action": "mute", "cc": 1, "colour": 2}]}', "colour"),
     ('{"controls": [{"action": "mute", "cc": 1}, {"action": "key", "cc": 1}]}', "bound twice"),
     ('{"version": 9, "controls": []}', "newer")],
)
def test_bad_map_file_names_the_file_and_the_problem(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=words) as info:
        ControlMap.load(path)
    assert str(path) in str(info.value)


def test_missing_map_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="--learn"):
        ControlMap.load(tmp_path / "none.json")


def test_learn_binds_each_action_to_the_next_control_moved():
    port = FakeInput()
    prompts = []
    ready = threading.Event()

    def player():
        ready.wait(5)
        for value in (10, 20, 30):  # one knob turned: binds temperature only
            port.feed(control_change(2, 21, value))

    def prompt(text):
        prompts.append(text)
        if text.startswith("move the control for temperature"):
            ready.set()
        if text.startswith("move the control for mute"):
            threading.Timer(0.05, port.feed, args=(control_change(2, 22, 127),)).start()

    threading.Thread(target=player).start()
    cmap = learn(port, actions=("temperature", "mute", "key"), timeout=0.6, settle=0.2, prompt=prompt)
    assert [(b.action, b.cc, b.channel) for b in cmap.bindings] == [("temperature", 21, 2), ("mute", 22, 2)]
    assert any("key: skipped" in p for p in prompts)
