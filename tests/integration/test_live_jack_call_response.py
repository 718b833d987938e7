"""Call and response through JACK: the player plays, falls silent, and the engine answers.

The in-process test uses a scripted source whose answer is the call moved up an
octave, so the listener can see that the answer continues *this* call; the CLI test
runs a real ONNX model. Timing: the answer must not start before the silence is
complete, and must start on the first beat after it (plus the engine's 50 ms margin),
give or take the JACK and polling delays (15 ms, as in the timing tests).
"""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest
from jack_server import Receiver, delivered, mido_jack, note_ons, record_sends
from live_fakes import PatternSource
from support import reaped

from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, open_input, open_output
from rnnmusic.live.engine import ANSWER_LEAD
from rnnmusic.live.hygiene import sounding_after

pytestmark = pytest.mark.jack

SLACK = 0.015


def play(port, events):
    """Send (delay, bytes) events in order, each after its delay; returns when the last one went out."""
    import mido

    sent = 0.0
    for delay, data in events:
        time.sleep(delay)
        port.send(mido.Message.from_bytes(list(data)))
        sent = time.monotonic()
    return sent


CALL = [  # a broken chord, the last note held by the sustain pedal after its key is released
    (0.0, b"\x90\x3c\x50"), (0.2, b"\x80\x3c\x00"), (0.05, b"\x90\x40\x50"), (0.2, b"\x80\x40\x00"),
    (0.05, b"\xb0\x40\x7f"), (0.0, b"\x90\x43\x50"), (0.2, b"\x80\x43\x00"),
]
PEDAL_UP = (0.4, b"\xb0\x40\x00")


def test_answer_comes_after_the_silence_and_continues_the_call(jack):
    bpm, silence_beats = 120.0, 2.0
    beat = 60.0 / bpm
    log_from = len(jack.log())
    out, port_in = open_output(None, api="jack"), open_input(None, api="jack")
    sent = record_sends(out)
    clock = InternalClock(bpm)
    source = PatternSource(answer_shift=12, step=0.5, length=0.4)
    engine = LiveEngine(source, out, clock, LiveConfig(mode="call-response", silence_beats=silence_beats,
                                                       answer_bars=1.0), input=port_in)
    receiver = Receiver(connect_to="rnnmusic:rnnmusic")
    keyboard = mido_jack().open_output("rnnmusic in:rnnmusic in")
    try:
        engine.start()
        time.sleep(0.3)
        play(keyboard, CALL)
        time.sleep(silence_beats * beat + 0.3)
        assert note_ons(sent) == []  # keys up for longer than the silence, but the pedal holds the last note
        silence_from = play(keyboard, [PEDAL_UP])
        assert engine.wait(timeout=silence_beats * beat + 3.5) is False  # keeps running; the answer plays
    finally:
        engine.stop()
        time.sleep(0.05)
        receiver.close()
        keyboard.close()
        port_in.close()
        out.close()
    assert engine.failure is None and engine.stats.answers == 1
    heard = delivered(receiver, sent, jack, log_from)
    ons = note_ons(heard)
    assert [d[1] for _, d in ons] == [72, 76, 79, 72, 76, 79, 72, 76]  # one bar: the call, an octave up
    silence_end = silence_from + silence_beats * beat
    first_beat = clock.timeline.seconds_at(math.ceil(clock.timeline.beat_at(silence_end + ANSWER_LEAD) - 1e-6))
    assert ons[0][0] > silence_end - SLACK
    assert ons[0][0] == pytest.approx(first_beat, abs=SLACK)
    assert sounding_after([d for _, d in heard]) == set()


def test_cli_call_response_with_a_real_model(jack, live_model):
    keyboard = mido_jack().open_output("keyboard", virtual=True)
    receiver = Receiver(name="synth")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnmusic", "live", "--api", "jack", "--model", str(live_model), "--mode",
         "call-response", "--in", "keyboard", "--out", "synth", "--bpm", "150", "--silence-beats", "2",
         "--answer-bars", "2", "--seed", "5"],
        stderr=subprocess.PIPE, text=True,
    )
    with reaped(proc):
        deadline = time.monotonic() + 60
        while "call-response" not in (line := proc.stderr.readline()) and time.monotonic() < deadline:
            assert line, "rnnmusic live exited before it was ready"
        time.sleep(0.3)
        silence_from = play(keyboard, CALL + [PEDAL_UP])
        time.sleep(2 * 0.4 + 2 * 4 * 0.4 + 1.0)  # the silence, two bars of answer, and a margin
        proc.send_signal(__import__("signal").SIGTERM)
        proc.wait(timeout=30)
    time.sleep(0.05)
    receiver.close()
    keyboard.close()
    assert proc.returncode == 0, proc.stderr.read()
    ons = receiver.note_ons()
    assert ons, "no answer"
    assert ons[0][0] > silence_from + 2 * 0.4 - SLACK  # not before the silence was complete
    assert ons[-1][0] < silence_from + 2 * 0.4 + 0.4 + 2 * 4 * 0.4 + SLACK  # and within the two answer bars
    assert sounding_after(receiver.data()) == set()
