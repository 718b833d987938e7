"""Regenerate on a key press: a note number on the control input instead of a CC (issue 13, item 4)."""

import json
import threading

import pytest
from live_fakes import FakeInput

from rnnmusic.errors import ConfigError
from rnnmusic.live.control import Binding, ControlMap, learn
from rnnmusic.live.messages import control_change, note_off, note_on


def test_a_bound_key_fires_regenerate_and_its_release_is_consumed():
    cmap = ControlMap([Binding("regenerate", note=36, channel=9), Binding("mute", 36)])
    assert cmap.match(note_on(9, 36, 100)) == ("regenerate", True)
    assert cmap.match(note_off(9, 36)) == ("regenerate", False)
    assert cmap.match(note_on(9, 36, 0)) == ("regenerate", False)  # velocity 0 is a note-off
    assert cmap.match(note_on(0, 36, 100)) is None  # bound on channel 10 only
    assert cmap.match(note_on(9, 37, 100)) is None
    assert cmap.match(control_change(9, 36, 127)) == ("mute", True)  # cc 36 is another control


def test_a_key_binding_on_any_channel_round_trips_through_its_file(tmp_path):
    cmap = ControlMap([Binding("regenerate", note=48), Binding("temperature", 21)])
    path = cmap.save(tmp_path / "map.json")
    saved = json.loads(path.read_text())["controls"]
    assert saved[0] == {"action": "regenerate", "channel": None, "low": 0.0, "high": 1.0, "note": 48}
    assert "note" not in saved[1] and saved[1]["cc"] == 21
    loaded = ControlMap.load(path)
    assert loaded.bindings == cmap.bindings and loaded.match(note_on(3, 48, 1)) == ("regenerate", True)


@pytest.mark.parametrize("content, words", [
    ('{"controls": [{"action": "mute", "note": 36}]}', "only regenerate can be bound to a note; bind mute to a cc"),
    ('{"controls": [{"action": "regenerate", "note": 36, "cc": 20}]}', "or note (a key), not both"),
    ('{"controls": [{"action": "regenerate", "note": 128}]}', "note must be a note number 0-127, not 128"),
    ('{"controls": [{"action": "regenerate", "note": true}]}', "note must be a note number 0-127, not True"),
    ('{"controls": [{"action": "regenerate", "channel": 2}]}', "needs action and cc (or note, for regenerate)"),
    ('{"controls": [{"action": "regenerate", "note": 5}, {"action": "regenerate", "note": 5, "channel": null}]}',
     "note 5 is bound twice"),
])
def test_a_bad_key_binding_is_one_message_naming_the_file(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        ControlMap.load(path)
    assert str(info.value).startswith(f"{path}: ") and words in str(info.value)


def test_learn_binds_regenerate_to_a_key_pressed():
    port = FakeInput()
    prompts = []

    def prompt(text):
        prompts.append(text)
        if text.startswith("move the control for regenerate"):
            threading.Timer(0.05, lambda: (port.feed(note_on(9, 38, 90)), port.feed(note_off(9, 38)))).start()
        if text.startswith("move the control for mute"):
            threading.Timer(0.05, port.feed, args=(note_on(9, 40, 90),)).start()  # a key cannot mute

    cmap = learn(port, actions=("regenerate", "mute"), timeout=0.6, settle=0.2, prompt=prompt)
    assert cmap.bindings == (Binding("regenerate", note=38, channel=9),)
    assert "(or press its key)" in prompts[0] and "  regenerate: note 38 on channel 10" in prompts
    assert "  mute: skipped" in prompts
