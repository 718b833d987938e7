"""Notes arrive in order and on the beat through a real JACK server (dummy driver, 64 frames at 48 kHz).

Tolerances: JACK hands MIDI over once per period (64/48000 s = 1.33 ms), so a message
sent at any moment reaches the receiving client in the next period: up to two periods
(2.7 ms) after it was sent; the receiver stamps each message with rtmidi's own
arrival times, and 1 ms more covers the sender thread waking. So the median error
must stay within 2 periods + 1 ms, and every note within 15 ms: far
less than the 125 ms between sixteenths at 120 BPM (no note can be taken for its
neighbour), while still tolerating the odd scheduling hiccup on a shared 2-core test
machine. The benchmark (benchmarks/live_timing.py) measures the real distribution.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import pytest
from jack_server import Receiver, delivered, note_ons, record_sends
from live_fakes import PatternSource

from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, open_output
from rnnmusic.live.hygiene import sounding_after

pytestmark = pytest.mark.jack

PERIOD = 64 / 48000
MEDIAN_TOLERANCE = 2 * PERIOD + 0.001
MAX_TOLERANCE = 0.015


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_notes_arrive_in_order_and_on_the_beat(jack):
    pitches = [60, 62, 64, 65, 67, 69, 71, 72]
    log_from = len(jack.log())
    out = open_output(None, api="jack")  # the engine's virtual port, rnnmusic:rnnmusic
    sent = record_sends(out)
    receiver = Receiver(connect_to="rnnmusic:rnnmusic")
    clock = InternalClock(bpm=120)
    engine = LiveEngine(PatternSource(pitches, step=0.25, length=0.2), out, clock, LiveConfig())
    try:
        engine.start()
        assert wait_for(lambda: clock.timeline.running and engine.beat() >= 16.0)  # four bars
    finally:
        engine.stop()
        time.sleep(0.05)  # the last messages are one JACK period away
        receiver.close()
        out.close()
    assert engine.failure is None
    messages = delivered(receiver, sent, jack, log_from)
    ons = note_ons(messages)
    assert len(ons) >= 64
    assert [d[1] for _, d in ons] == [pitches[k % len(pitches)] for k in range(len(ons))]  # all of them, in order
    errors = [t - clock.timeline.seconds_at(k * 0.25) for k, (t, _) in enumerate(ons)]
    assert statistics.median(errors) == pytest.approx(0.0, abs=MEDIAN_TOLERANCE)
    assert max(abs(e) for e in errors) < MAX_TOLERANCE, sorted(errors)[-5:]
    assert sounding_after([d for _, d in messages]) == set()


def test_cli_plays_a_real_model_on_the_sixteenth_grid(jack, live_model):
    """`rnnmusic live` with an ONNX melody model: every note starts on the 16th grid at the set tempo."""
    receiver = Receiver(name="daw")
    bpm = 150.0
    proc = subprocess.run(
        [sys.executable, "-m", "rnnmusic", "live", "--api", "jack", "--model", str(live_model), "--out", "daw",
         "--bpm", str(bpm), "--duration-bars", "4", "--seed", "7"],
        capture_output=True, text=True, timeout=120,
    )
    time.sleep(0.05)
    receiver.close()
    assert proc.returncode == 0, proc.stderr
    assert "playing to" in proc.stderr
    ons = receiver.note_ons()
    assert len(ons) >= 4
    sixteenth = 60.0 / bpm / 4
    first = ons[0][0]
    phases = [(t - first) / sixteenth for t, _ in ons]
    residuals = [(p - round(p)) * sixteenth for p in phases]
    assert statistics.median(residuals) == pytest.approx(0.0, abs=MEDIAN_TOLERANCE)
    assert max(abs(r - statistics.median(residuals)) for r in residuals) < MAX_TOLERANCE
    assert sounding_after(receiver.data()) == set()
