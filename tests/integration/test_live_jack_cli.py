"""`rnnmusic ports` and the command-line side of `rnnmusic live` against a real JACK server."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from jack_server import Receiver, mido_jack
from support import reaped

pytestmark = pytest.mark.jack


def rnnmusic(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "rnnmusic", *args], capture_output=True, text=True, timeout=timeout)


def test_ports_lists_inputs_and_outputs(jack):
    keyboard = mido_jack().open_output("keyboard", virtual=True)
    receiver = Receiver(name="synth")
    try:
        result = rnnmusic("ports", "--api", "jack")
    finally:
        receiver.close()
        keyboard.close()
    assert result.returncode == 0, result.stderr
    text = result.stdout
    inputs, outputs = text.split("outputs")
    assert "keyboard" in inputs and "synth" not in inputs  # rnnmusic can read the keyboard...
    assert "test synth:synth" in outputs  # ...and play to the synth


def test_a_missing_port_is_one_line_listing_the_ports_that_exist(jack, live_model):
    receiver = Receiver(name="synth")
    try:
        result = rnnmusic("live", "--api", "jack", "--model", str(live_model), "--out", "Yamaha")
    finally:
        receiver.close()
    assert result.returncode == 1
    message = [line for line in result.stderr.splitlines() if line.startswith("rnnmusic live: error")]
    assert len(message) == 1 and "no MIDI output port matches 'Yamaha'" in message[0]
    assert "'test synth:synth'" in message[0] and "Traceback" not in result.stderr


def test_bad_options_are_one_line_errors(jack, live_model, tmp_path):
    result = rnnmusic("live", "--api", "jack", "--model", str(live_model), "--learn")
    assert result.returncode == 1 and "--cc-map" in result.stderr
    bad = tmp_path / "map.json"
    bad.write_text('{"controls": [{"action": "louder", "cc": 1}]}')
    result = rnnmusic("live", "--api", "jack", "--model", str(live_model), "--cc-map", str(bad))
    assert result.returncode == 1 and str(bad) in result.stderr and "louder" in result.stderr
    result = rnnmusic("live", "--api", "jack", "--model", str(live_model), "--meter", "5/3")
    assert result.returncode == 1 and "meter" in result.stderr


def test_learn_saves_the_controls_then_plays(jack, live_model, tmp_path):
    import mido

    cc_map = tmp_path / "controls.json"
    keyboard = mido_jack().open_output("knobs", virtual=True)
    receiver = Receiver(name="synth")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnmusic", "live", "--api", "jack", "--model", str(live_model), "--in", "knobs",
         "--out", "synth", "--learn", "--cc-map", str(cc_map), "--duration-bars", "1", "--bpm", "240"],
        stderr=subprocess.PIPE, text=True,
    )
    controls = {"temperature": 21, "repetition": 25, "regenerate": 22, "mute": 23, "key": 24}
    with reaped(proc):
        for _ in controls:
            line = proc.stderr.readline()
            action = line.split("move the control for ")[1].split()[0]
            time.sleep(0.1)
            keyboard.send(mido.Message("control_change", channel=2, control=controls[action], value=64))
            assert f"{action}: cc {controls[action]}" in proc.stderr.readline()
        proc.wait(timeout=60)
    time.sleep(0.05)
    receiver.close()
    keyboard.close()
    assert proc.returncode == 0, proc.stderr.read()
    saved = json.loads(cc_map.read_text())
    assert {(c["action"], c["cc"], c["channel"]) for c in saved["controls"]} == {
        (action, cc, 2) for action, cc in controls.items()}
    assert receiver.note_ons()  # and then it played
