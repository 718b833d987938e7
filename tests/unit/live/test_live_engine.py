"""The live engine with fake ports, a scripted note source and a manual clock.

Threads only where they are the point.
"""

import time

import pytest
from live_fakes import FakeInput, FakeOutput, ManualClock, PatternSource

from rnnmusic.errors import ConfigError, PortError
from rnnmusic.live.clock import InternalClock, MidiClockFollower
from rnnmusic.live.config import LiveConfig, note_entries
from rnnmusic.live.control import Binding, ControlMap
from rnnmusic.live.engine import LiveEngine
from rnnmusic.live.hygiene import clearing_messages, sounding_after
from rnnmusic.live.messages import control_change, note_off, note_on
from rnnmusic.notes import Note

T0 = 10.0


def make(mode="continuous", midi_clock=False, source=None, controls=None, **config):
    now = ManualClock(T0)
    out, inp = FakeOutput(now=now), FakeInput(now=now)
    clock = MidiClockFollower(now=now) if midi_clock else InternalClock(120, now=now)
    source = source or PatternSource(step=0.5, length=0.25)
    engine = LiveEngine(source, out, clock, LiveConfig(mode=mode, realtime=False, **config), input=inp,
                        controls=controls, now=now)
    return now, out, inp, clock, source, engine


def play(engine, now, until, dt=0.005, each=None):
    """Run the generation step and the sender by hand until ``until`` (no threads, no sleeping)."""
    while now() < until - 1e-12:
        now.advance(dt)
        if each:
            each(now())
        engine.step()
        engine.scheduler.run_due()


def note_ons(out):
    return [(t, d) for t, d in out.sent if d[0] & 0xF0 == 0x90 and d[2] > 0]


def test_continuous_notes_go_out_on_their_beats_in_order():
    now, out, inp, clock, source, engine = make()
    engine.step()  # prepares the first bar while stopped
    clock.start(at=T0 + 0.1)
    play(engine, now, T0 + 4.0)
    ons = note_ons(out)
    assert len(ons) == 16  # 3.9 s at 120 BPM, a note every half beat
    for k, (t, data) in enumerate(ons):
        assert t == pytest.approx(T0 + 0.1 + k * 0.25, abs=0.0051)  # the manual clock steps 5 ms
        assert data[1] == (60, 62, 64, 65)[k % 4]


def test_generation_stays_one_bar_ahead_and_no_further():
    now, out, inp, clock, source, engine = make(lookahead_bars=1.0)
    engine.step()
    clock.start(at=T0)
    for _ in range(50):
        play(engine, now, now() + 0.1)
        assert source.position <= clock.timeline.beat_at(now()) + 4.0 + 1.0 + 1e-9
        assert source.position >= clock.timeline.beat_at(now()) + 4.0 - 1e-9
    assert engine.stats.underruns == 0 and engine.stats.min_lead > 1.9


def test_note_entries_apply_channel_velocity_scale_and_the_length_cap():
    config = LiveConfig(channel=9, velocity_scale=1.5, max_note_beats=2.0)
    ids = iter(range(1, 100)).__next__
    entries = note_entries([Note(60, 100, 0.0, 10.0), Note(61, 10, 1.0, 1.5)], 4.0, config, ids)
    assert entries == [(4.0, bytes((0x99, 60, 127)), 1), (5.0, bytes((0x99, 61, 15)), 2),
                       (5.5, bytes((0x89, 61, 0)), 2), (6.0, bytes((0x89, 60, 0)), 1)]


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match="mode"):
        LiveConfig(mode="jam")
    with pytest.raises(ConfigError, match="channel must be 1-16"):
        LiveConfig(channel=16)
    with pytest.raises(ConfigError, match="lookahead"):
        LiveConfig(lookahead_bars=0)
    with pytest.raises(ConfigError, match="--in"):
        LiveEngine(PatternSource(), FakeOutput(), InternalClock(), LiveConfig(mode="call-response"))


def clock_ticks(inp, bpm, start, count):
    interval = 60.0 / bpm / 24
    for i in range(count):
        yield start + i * interval


def test_midi_clock_start_plays_from_beat_zero_and_stop_silences_at_once():
    now, out, inp, clock, source, engine = make(midi_clock=True, source=PatternSource(step=0.5, length=0.4))
    engine.step()  # prepared at bar 0 while stopped
    ticks = list(clock_ticks(inp, 120, T0 + 0.02, 24 * 3))
    inp.feed(b"\xfa", T0 + 0.01)

    def each(t):
        while ticks and ticks[0] <= t:
            inp.feed(b"\xf8", ticks.pop(0))

    play(engine, now, T0 + 0.9, each=each)  # beat 1.76: the note of beat 1.5 still sounds
    ons = note_ons(out)
    assert ons and ons[0][0] == pytest.approx(T0 + 0.02, abs=0.006)  # beat 0 is the first tick
    assert len(ons) == 4
    assert sounding_after(out.messages())  # a note is sounding...
    inp.feed(b"\xfc", now())
    assert sounding_after(out.messages()) == set()  # ...and the Stop ended it before any more stepping
    assert out.messages()[-1] == control_change(0, 123, 0)
    sent = len(out.sent)
    play(engine, now, T0 + 2.0)
    assert len(out.sent) == sent  # stopped: nothing more


def test_midi_clock_continue_resumes_on_the_bar_of_the_song_position():
    now, out, inp, clock, source, engine = make(midi_clock=True)
    inp.feed(bytes((0xF2, 24, 0)), T0)  # sixteenth 24 = beat 6: the next bar line is beat 8
    engine.step()
    inp.feed(b"\xfb", T0 + 0.01)
    ticks = list(clock_ticks(inp, 120, T0 + 0.02, 24 * 4))

    def each(t):
        while ticks and ticks[0] <= t:
            inp.feed(b"\xf8", ticks.pop(0))

    play(engine, now, T0 + 1.9, each=each)
    ons = note_ons(out)
    assert ons[0][0] == pytest.approx(T0 + 0.02 + 2 * 0.5, abs=0.006)  # beat 8, two beats after beat 6


def test_midi_clock_continue_plays_from_the_song_position_when_its_first_tick_beats_the_generator():
    """On a busy machine the first tick after Continue can arrive before the generation thread has
    seen the Continue: the music must still start at the Song Position's bar, on that tick."""
    now, out, inp, clock, source, engine = make(midi_clock=True)
    engine.step()
    ticks = list(clock_ticks(inp, 120, T0 + 0.02, 24 * 2))
    inp.feed(b"\xfa", T0 + 0.01)

    def each(t):
        while ticks and ticks[0] <= t:
            inp.feed(b"\xf8", ticks.pop(0))

    play(engine, now, T0 + 1.0, each=each)
    inp.feed(b"\xfc", now())
    play(engine, now, T0 + 1.5)  # stopped: the engine prepares the bar it stopped in
    continued = now()
    inp.feed(bytes((0xF2, 64, 0)), continued)  # bar 5 (beat 16), Continue and its first tick, all at once
    inp.feed(b"\xfb", continued)
    inp.feed(b"\xf8", continued)
    ticks = list(clock_ticks(inp, 120, continued + 60.0 / 120 / 24, 24 * 2))
    before = len(note_ons(out))
    engine.scheduler.run_due()  # the sender thread gets there first: the bar it had queued must be gone
    assert note_ons(out)[before:] == []
    play(engine, now, continued + 0.9, each=each)
    after = note_ons(out)[before:]
    assert after and after[0][0] == pytest.approx(continued, abs=0.006)  # beat 16 is that first tick
    assert [round((t - continued) / 0.25) for t, _ in after] == list(range(len(after)))  # then every half beat
    assert len(after) == 4


def test_exception_in_generation_ends_every_note_and_is_reported():
    out = FakeOutput(now=time.monotonic)
    source = PatternSource(step=0.25, length=4.0, fail_after=2.0)
    engine = LiveEngine(source, out, InternalClock(240), LiveConfig(realtime=False, lookahead_bars=0.25))
    engine.start()
    try:
        assert engine.wait(timeout=20)
    finally:
        engine.stop()
    assert isinstance(engine.failure, RuntimeError)
    assert note_ons(out) and sounding_after(out.messages()) == set()


@pytest.mark.parametrize("which", ["input", "output"])
def test_a_lost_port_stops_the_engine_with_a_port_error(which):
    out, inp = FakeOutput(now=time.monotonic), FakeInput(now=time.monotonic)
    engine = LiveEngine(PatternSource(step=0.25, length=2.0), out, InternalClock(240),
                        LiveConfig(realtime=False), input=inp)
    engine.start()
    try:
        deadline = time.monotonic() + 10
        while not note_ons(out) and time.monotonic() < deadline:
            time.sleep(0.01)
        (inp if which == "input" else out).lost = True
        assert engine.wait(timeout=10)
    finally:
        engine.stop()
    assert isinstance(engine.failure, PortError) and "gone" in str(engine.failure)
    if which == "input":  # the output still works, so every note was ended on it
        assert sounding_after(out.messages()) == set()


def test_program_change_goes_before_the_notes_and_stop_sends_all_notes_off():
    out = FakeOutput(now=time.monotonic)
    engine = LiveEngine(PatternSource(), out, InternalClock(), LiveConfig(realtime=False, program=5, channel=3))
    engine.start()
    engine.stop()
    assert out.messages()[len(clearing_messages([3]))] == bytes((0xC3, 5))
    assert out.messages()[-1] == control_change(3, 123, 0)


@pytest.mark.parametrize("pass_through, channels", [(False, [2]), (True, list(range(16)))])
def test_start_clears_the_channels_it_uses_before_anything_else(pass_through, channels):
    """A killed earlier run left notes, a pedal or a bend on: the first bytes of a run end them."""
    now, out, inp, clock, source, engine = make(channel=2, pass_through=pass_through)
    engine.start()
    try:
        clock.start(at=T0)
        play(engine, now, T0 + 1.0)
    finally:
        engine.stop()
    cleared = clearing_messages(channels)
    assert out.messages()[: len(cleared)] == cleared
    for channel in channels:
        for cc in (64, 120, 121, 123):
            assert control_change(channel, cc, 0) in cleared
    assert note_ons(out)  # and then it played
    hung = [note_on(channel, 60, 100) for channel in channels] + [control_change(c, 64, 127) for c in channels]
    assert sounding_after(hung + out.messages()[: len(cleared)]) == set()


def test_call_response_answers_after_the_silence_with_a_continuation_of_the_call():
    now, out, inp, clock, source, engine = make(mode="call-response", silence_beats=2.0, answer_bars=1.0)
    engine.step()
    clock.start(at=T0)
    play(engine, now, T0 + 0.5)
    assert note_ons(out) == []  # nothing to answer yet
    call = [(T0 + 0.5, note_on(0, 67, 90)), (T0 + 0.75, note_off(0, 67)), (T0 + 0.75, note_on(0, 69, 90)),
            (T0 + 1.1, note_off(0, 69))]

    def each(t):
        while call and call[0][0] <= t:
            at, data = call.pop(0)
            inp.feed(data, at)

    play(engine, now, T0 + 5.0, each=each)
    assert [int(p) for p in source.primed[0].notes["pitch"]] == [67, 69]
    ons = note_ons(out)
    silence_end = T0 + 1.1 + 2 * 0.5
    assert ons[0][0] >= silence_end and ons[0][0] == pytest.approx(T0 + 2.5, abs=0.006)  # next beat after it
    assert [d[1] for _, d in ons] == [79, 81, 79, 81, 79, 81, 79, 81][: len(ons)]  # the call, an octave up
    assert len(ons) == 8  # one bar of half-beat notes, then quiet again
    assert engine.stats.answers == 1


def test_pass_through_forwards_the_player_and_panic_ends_what_it_forwarded():
    now, out, inp, clock, source, engine = make(mode="call-response", pass_through=True)
    inp.feed(note_on(4, 50, 70))
    assert out.messages() == [note_on(4, 50, 70)]
    engine.scheduler.panic()
    assert sounding_after(out.messages()) == set()


def test_cc_controls_change_temperature_mute_and_regenerate():
    controls = ControlMap([Binding("temperature", 21), Binding("mute", 22), Binding("regenerate", 23),
                           Binding("key", 24)])
    now, out, inp, clock, source, engine = make(controls=controls)
    engine.step()
    clock.start(at=T0)
    play(engine, now, T0 + 0.3)
    inp.feed(control_change(0, 21, 127))
    inp.feed(control_change(0, 24, 6))  # the second of 25 steps: no constraint, C major, C minor, ...
    engine.step()
    assert source.options == {"temperature": 2.0, "key": "C major"}
    queued = engine.scheduler.pending()
    assert queued > 0  # a bar is queued, to be thrown away below
    inp.feed(control_change(0, 23, 127))
    source.pitches = [90]  # what is generated from now on
    engine.step()
    play(engine, now, T0 + 2.6)
    kept = {d[1] for t, d in note_ons(out) if t < T0 + 2.0 - 0.006}
    later = [d[1] for t, d in note_ons(out) if t >= T0 + 2.0 - 0.006]
    assert 90 not in kept  # the rest of the bar playing when the CC came stays as it was
    assert later and set(later) == {90}  # from the next bar line (beat 4) it was thrown away and made again
    inp.feed(control_change(0, 22, 127))
    assert engine.scheduler.muted and sounding_after(out.messages()) == set()
    count = len(note_ons(out))
    play(engine, now, T0 + 3.6)
    assert len(note_ons(out)) == count
    assert no_cc_passed_through(out)


def no_cc_passed_through(out):
    """Mapped CCs are consumed: only the engine's own All Notes Off may appear."""
    return all(d[0] & 0xF0 != 0xB0 or d[1] == 123 for d in out.messages())


def test_max_note_length_guard_ends_a_stuck_note():
    now, out, inp, clock, source, engine = make(mode="call-response", pass_through=True, max_note_beats=2.0)
    engine.step()
    clock.start(at=T0)
    inp.feed(note_on(0, 40, 90))  # the player's keyboard never sends the note-off
    play(engine, now, T0 + 1.2)
    assert sounding_after(out.messages()) == {(0, 40)}
    play(engine, now, T0 + 1.6)
    assert sounding_after(out.messages()) == set() and engine.stats.guarded == 1
