"""Timelines, meters, the internal clock and the MIDI beat clock follower (fed synthetic ticks)."""

import random

import pytest
from live_fakes import ManualClock

from rnnmusic.errors import ConfigError
from rnnmusic.live.clock import InternalClock, Meter, MidiClockFollower, Timeline, Transport

PERIOD = 64 / 48000  # a JACK period: arrival times are late by up to this much


def test_timeline_converts_both_ways_and_a_stopped_one_never_arrives():
    tl = Timeline(10.0, 4.0, 0.5)
    assert tl.seconds_at(6.0) == 11.0 and tl.beat_at(11.0) == 6.0 and tl.bpm == 120.0
    stopped = tl.stopped(11.0)
    assert not stopped.running and stopped.anchor_beat == 6.0 and stopped.seconds_at(7.0) == float("inf")


@pytest.mark.parametrize("text, per_bar", [("4/4", 4.0), ("3/4", 3.0), ("6/8", 3.0), ("7/8", 3.5)])
def test_meter_parse(text, per_bar):
    assert Meter.parse(text).beats_per_bar == per_bar


@pytest.mark.parametrize("text", ["4", "4/3", "0/4", "x/4", "4/4/4"])
def test_bad_meter_is_a_config_error(text):
    with pytest.raises(ConfigError, match="meter"):
        Meter.parse(text)


def test_internal_clock_tempo_change_keeps_the_beat_reached():
    now = ManualClock(0.0)
    clock = InternalClock(120, now=now)
    events = []
    clock.subscribe(lambda e, tl: events.append(e))
    clock.start(at=1.0)
    now.set(3.0)  # beat 4
    clock.set_bpm(60)
    assert clock.timeline.beat_at(3.0) == pytest.approx(4.0)
    assert clock.timeline.seconds_at(5.0) == pytest.approx(4.0)
    clock.stop()
    assert events == [Transport.START, Transport.TEMPO, Transport.STOP]


def test_bpm_out_of_range_is_refused():
    with pytest.raises(ConfigError, match="BPM"):
        InternalClock(0)


def feed_ticks(follower, bpm, count, start, jitter=PERIOD, rng=None):
    """Send ``count`` ticks at ``bpm`` from ``start``; each arrives up to one JACK period late."""
    rng = rng or random.Random(1)
    interval = 60.0 / bpm / 24
    for i in range(count):
        follower.handle(b"\xf8", start + i * interval + rng.uniform(0, jitter))
    return start + count * interval


def test_follower_start_puts_beat_zero_on_the_first_tick():
    f = MidiClockFollower(initial_bpm=100)
    events = []
    f.subscribe(lambda e, tl: events.append((e, tl.running)))
    f.handle(b"\xfa", 0.99)
    f.handle(b"\xf8", 1.0)
    assert events[:2] == [(Transport.START, False), (Transport.START, True)]
    assert f.timeline.anchor_beat == 0.0 and f.timeline.anchor_time == 1.0


@pytest.mark.parametrize("bpm", [90, 120, 174])
def test_follower_tempo_estimate_from_jittery_ticks(bpm):
    f = MidiClockFollower(initial_bpm=100)
    f.handle(b"\xfa", 0.0)
    feed_ticks(f, bpm, 24 * 4, 0.001)
    assert f.timeline.bpm == pytest.approx(bpm, rel=0.005)
    # beat 4 is the 97th tick: the fitted line puts it within one JACK period of the true time
    assert f.timeline.seconds_at(4.0) == pytest.approx(0.001 + 4 * 60.0 / bpm + PERIOD / 2, abs=PERIOD)


@pytest.mark.parametrize("old, new", [(120, 90), (90, 174), (174, 120)])
def test_follower_tracks_a_tempo_change_within_one_beat(old, new):
    f = MidiClockFollower(initial_bpm=old)
    f.handle(b"\xfa", 0.0)
    t = feed_ticks(f, old, 24 * 4, 0.001)
    t = feed_ticks(f, new, 12, t)  # half a beat at the new tempo: a plain one-beat fit would still be halfway
    assert f.timeline.bpm == pytest.approx(new, rel=0.03)
    feed_ticks(f, new, 12, t)
    assert f.timeline.bpm == pytest.approx(new, rel=0.01)


def test_follower_position_counts_ticks_and_continue_starts_from_song_position():
    f = MidiClockFollower()
    f.handle(b"\xfa", 0.0)
    t = feed_ticks(f, 120, 48, 0.01, jitter=0)
    f.handle(b"\xfc", t)
    assert not f.running and f.timeline.anchor_beat == pytest.approx(2.0, abs=0.01)
    f.handle(bytes((0xF2, 32, 0)), t + 0.1)  # sixteenth 32 = beat 8
    f.handle(b"\xfb", t + 0.2)
    f.handle(b"\xf8", t + 0.21)
    assert f.running and f.timeline.anchor_beat == 8.0


def test_follower_ticks_while_stopped_keep_the_tempo_but_not_the_position():
    f = MidiClockFollower(initial_bpm=60)
    feed_ticks(f, 150, 48, 0.0, jitter=0)
    assert not f.timeline.running and f.timeline.bpm == pytest.approx(150)
    assert f.timeline.anchor_beat == 0.0


def test_follower_treats_a_clock_gone_quiet_as_stop():
    f = MidiClockFollower()
    events = []
    f.subscribe(lambda e, tl: events.append(e))
    f.handle(b"\xfa", 0.0)
    t = feed_ticks(f, 120, 24, 0.0, jitter=0)
    assert not f.check(t + 0.2)
    assert f.check(t + 1.0) and events[-1] is Transport.STOP and not f.timeline.running


def test_follower_counts_a_tick_lost_on_the_way():
    f = MidiClockFollower()
    f.handle(b"\xfa", 0.0)
    interval = 60.0 / 120 / 24
    for k in range(24 * 3):
        if k != 40:  # this one never arrives
            f.handle(b"\xf8", 0.01 + k * interval)
    assert f.timeline.anchor_beat == pytest.approx(71 / 24)  # the last tick sent was tick 71
    assert f.timeline.seconds_at(3.0) == pytest.approx(0.01 + 72 * interval, abs=1e-6)


def test_follower_does_not_mistake_a_halved_tempo_for_lost_ticks():
    f = MidiClockFollower()
    f.handle(b"\xfa", 0.0)
    t = feed_ticks(f, 120, 48, 0.01, jitter=0)
    feed_ticks(f, 60, 24, t, jitter=0)
    assert f.timeline.anchor_beat == pytest.approx(71 / 24)
    assert f.timeline.bpm == pytest.approx(60, rel=0.01)
