"""The engine follows a DAW's MIDI beat clock through JACK: 90, 120 and 174 BPM, and tempo changes mid-stream.

The test plays the DAW: it sends Start and 0xF8 ticks (24 per quarter) from a thread
and records when each tick left. The engine plays a note on every beat, so the note
of beat b should reach the listener when tick 24*b was sent: the engine predicts that
moment from the ticks before it. Error sources: each tick reaches the engine up to two
JACK periods late (1.33 ms each), which the engine's straight-line fit averages but
cannot know; the note takes up to two periods back; the listener drains its queue
every millisecond (its timestamps come from rtmidi, so that adds no error). So the
median error must be within 4 periods + 1 ms, and every beat within 15 ms (a beat at
174 BPM is 345 ms). After a tempo change the engine has one beat to catch up (the
issue's requirement): the first beat after a change is allowed 30 ms.
"""

from __future__ import annotations

import statistics
import time

import pytest
from jack_server import ClockSender, Receiver, delivered, note_ons, record_sends
from live_fakes import PatternSource

from rnnmusic.live import LiveConfig, LiveEngine, MidiClockFollower, open_input, open_output
from rnnmusic.live.hygiene import sounding_after

pytestmark = pytest.mark.jack

PERIOD = 64 / 48000
MEDIAN_TOLERANCE = 4 * PERIOD + 0.001
MAX_TOLERANCE = 0.015
CATCH_UP_TOLERANCE = 0.030


def follow(jack, bpm: float, beats: int, changes: dict[int, float] | None = None):
    """Run the engine on the DAW's clock for ``beats`` beats; (arrival - tick time) per beat, and the engine."""
    log_from = len(jack.log())
    out = open_output(None, api="jack")
    sent = record_sends(out)
    port_in = open_input(None, api="jack")
    clock = MidiClockFollower(initial_bpm=100)  # deliberately wrong: the ticks must set it right
    engine = LiveEngine(PatternSource(list(range(48, 48 + beats + 8)), step=1.0, length=0.5), out, clock,
                        LiveConfig(), input=port_in)
    receiver = Receiver(connect_to="rnnmusic:rnnmusic")
    daw = ClockSender("rnnmusic in:rnnmusic in", bpm=bpm, changes=changes)
    estimates = {}
    try:
        engine.start()
        daw.start()
        time.sleep(0.5)  # a DAW's clock runs before play is pressed: the engine learns the tempo
        daw.start_transport()
        deadline = time.monotonic() + 120
        while (daw.start_index is None or len(daw.tick_times) < daw.start_index + 24 * beats + 1) \
                and time.monotonic() < deadline:
            time.sleep(0.01)
            if clock.timeline.running:
                estimates[int(clock.timeline.anchor_beat)] = clock.timeline.bpm
        time.sleep(0.1)
        daw.send(b"\xfc")
        time.sleep(0.05)
    finally:
        daw.close()
        engine.stop()
        time.sleep(0.05)
        receiver.close()
        port_in.close()
        out.close()
    assert engine.failure is None
    messages = delivered(receiver, sent, jack, log_from)
    ons = note_ons(messages)
    assert [d[1] for _, d in ons][: beats] == list(range(48, 48 + beats))  # every beat, in order, from beat 0
    errors = [ons[b][0] - daw.beat_time(b) for b in range(beats)]
    assert sounding_after([d for _, d in messages]) == set()
    return errors, estimates


def check(errors, skip=()):
    steady = [e for b, e in enumerate(errors) if b not in skip]
    assert statistics.median(steady) == pytest.approx(0.0, abs=MEDIAN_TOLERANCE), steady
    assert max(abs(e) for e in steady) < MAX_TOLERANCE, steady
    for b in skip:
        assert abs(errors[b]) < CATCH_UP_TOLERANCE, (b, errors[b])


@pytest.mark.parametrize("bpm", [90, 120, 174])
def test_engine_plays_on_the_beats_of_an_external_clock(jack, bpm):
    errors, estimates = follow(jack, bpm, beats=12)
    check(errors)
    assert statistics.median(list(estimates.values())[-4:]) == pytest.approx(bpm, rel=0.01)


def test_engine_follows_tempo_changes_mid_stream_within_a_beat(jack):
    errors, estimates = follow(jack, 120, beats=24, changes={8: 174, 16: 90})
    check(errors, skip=(9, 17))
