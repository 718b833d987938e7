"""Regenerate while playing (issue 13, item 4): which beats are made again, which are kept.

A PatternSource plays ``PITCHES`` one note per half beat, counting on through a rewind
(as a model's random generator moves on), so the pitch at beat b tells which pass made
it: index 2b before any press; after a press, the index the pattern had reached.
"""

import math

import pytest
from live_fakes import FakeInput, FakeOutput, ManualClock, PatternSource
from test_live_engine import T0, make, note_ons, play

from rnnmusic.live.clock import InternalClock, Meter
from rnnmusic.live.config import LiveConfig
from rnnmusic.live.control import Binding, ControlMap
from rnnmusic.live.engine import LiveEngine
from rnnmusic.live.hygiene import sounding_after
from rnnmusic.live.messages import control_change, note_off, note_on

PITCHES = (60, 62, 64, 65, 67, 69, 71)  # seven: a rewind of whole beats never lands on the same pitch
REGENERATE = ControlMap([Binding("regenerate", 23)])


def pattern(step=0.5, length=0.25):
    return PatternSource(PITCHES, step=step, length=length)


def played(out, until_beat=math.inf):
    """(beat, pitch) of every note-on sent, at 120 BPM from T0 (the manual clock steps 5 ms)."""
    beats = [((t - T0) * 2, d[1]) for t, d in note_ons(out)]
    assert all(0 <= b - round(b * 4) / 4 < 0.0101 for b, _ in beats)  # each on its sixteenth, 5 ms at most late
    return [(round(b * 4) / 4, p) for b, p in beats if b < until_beat]


def playing(until, source=None, controls=REGENERATE, **config):
    """An engine playing ``source`` (the pattern) from T0 until ``until``, its transport running from beat 0."""
    now, out, inp, clock, source, engine = make(source=source or pattern(), controls=controls, **config)
    engine.step()
    clock.start(at=T0)
    play(engine, now, until)
    return now, out, inp, clock, source, engine


def press(inp, engine):
    inp.feed(control_change(0, 23, 127))
    inp.feed(control_change(0, 23, 0))
    engine.step()


def test_a_press_makes_the_bars_from_the_next_bar_line_again_and_keeps_the_rest():
    now, out, inp, clock, source, engine = playing(T0 + 0.75, regenerate_bars=2.0)  # beat 1.5
    # one bar is queued ahead, to beat 6
    assert source.position == 6.0
    press(inp, engine)
    assert source.rewinds == [(6.0, 4.0)]  # back to the next bar line, beat 4
    assert source.position == 12.0  # and the two bars from there made at once
    play(engine, now, T0 + 6.6)
    notes = played(out, until_beat=13.0)
    assert [b for b, _ in notes] == [k / 2 for k in range(26)]
    # before beat 4: as first made (index 2b); from beat 4 on: the pattern went on from index 12, not 8
    assert notes == [(b, PITCHES[int(2 * b) % 7] if b < 4 else PITCHES[int(2 * b + 4) % 7]) for b, _ in notes]
    assert engine.stats.regenerations == 1 and engine.stats.underruns == 0
    assert engine.stats.regenerate_first >= 0.0 and engine.stats.regenerate_all >= engine.stats.regenerate_first
    engine.stop()
    assert sounding_after(out.messages()) == set()


def test_a_second_press_makes_other_bars_again():
    now, out, inp, clock, source, engine = playing(T0 + 0.75, regenerate_bars=2.0)
    press(inp, engine)
    play(engine, now, T0 + 1.25)  # beat 2.5: the same next bar line
    press(inp, engine)
    assert source.rewinds == [(6.0, 4.0), (12.0, 4.0)]
    play(engine, now, T0 + 6.1)
    notes = played(out, until_beat=12.0)
    first_pass = [PITCHES[int(2 * b + 4) % 7] for b, _ in notes if b >= 4]
    assert [p for b, p in notes if b >= 4] == [PITCHES[int(2 * b + 20) % 7] for b, _ in notes if b >= 4]
    assert [p for b, p in notes if b >= 4] != first_pass
    assert [p for b, p in notes if b < 4] == [PITCHES[int(2 * b) % 7] for b, _ in notes if b < 4]


def test_a_note_sounding_across_the_bar_line_keeps_its_note_off():
    now, out, inp, clock, source, engine = playing(T0 + 0.6, source=pattern(step=1.0, length=1.5))  # beat 1.2
    press(inp, engine)
    play(engine, now, T0 + 2.6)
    across = PITCHES[3]  # beat 3 to 4.5, over the bar line the new bars start on
    offs = [t for t, d in out.sent if d in (note_off(0, across), note_on(0, across, 0))]
    assert offs and offs[0] == pytest.approx(T0 + 2.25, abs=0.0051)  # ended as it was made, not at the cut
    assert played(out)[3:5] == [(3.0, across), (4.0, PITCHES[6])]  # beat 4: index 6 (queued to 6 at the press)
    engine.stop()
    assert sounding_after(out.messages()) == set()


def test_a_press_just_before_a_bar_line_starts_at_the_one_after():
    # beat 3.96: the next bar line is nearer than the 50 ms margin
    now, out, inp, clock, source, engine = playing(T0 + 1.98, regenerate_bars=1.0)
    assert source.position == 8.0
    press(inp, engine)
    assert source.rewinds == []  # the queue ends at beat 8, the bar line after the next: nothing to drop
    assert source.position == 12.0  # the bar from beat 8 is made at once
    play(engine, now, T0 + 4.4)
    assert played(out, 9.0) == [(k / 2, PITCHES[k % 7]) for k in range(18)]  # nothing changed before it


def test_a_press_while_stopped_makes_the_prepared_bars_again():
    now, out, inp, clock, source, engine = make(source=pattern(), controls=REGENERATE, regenerate_bars=2.0)
    engine.step()  # the first bar, ready for the transport
    press(inp, engine)
    assert source.rewinds == [(4.0, 0.0)] and source.position == 8.0
    clock.start(at=T0)
    play(engine, now, T0 + 1.0)
    assert played(out, 2.0) == [(k / 2, PITCHES[(k + 8) % 7]) for k in range(4)]


def test_a_key_on_the_control_input_presses_regenerate_and_is_not_played():
    controls = ControlMap([Binding("regenerate", note=36, channel=9)])
    now, out, inp, clock, source, engine = playing(T0 + 0.75, controls=controls, pass_through=True)
    inp.feed(note_on(9, 36, 100))
    inp.feed(note_off(9, 36))
    inp.feed(note_on(9, 38, 100))  # another key is the player's: passed through
    engine.step()
    assert source.rewinds == [(6.0, 4.0)] and engine.stats.regenerations == 1
    assert not [d for d in out.messages() if d[0] & 0x0F == 9 and d[1] == 36]
    assert note_on(9, 38, 100) in out.messages()


def test_in_an_odd_meter_chunks_end_on_each_bar_line_and_the_press_cuts_at_one():
    now = ManualClock(T0)
    out, inp = FakeOutput(now=now), FakeInput(now=now)
    clock = InternalClock(120, Meter(7, 8), now=now)  # 3.5 quarter notes a bar
    source = pattern()
    engine = LiveEngine(source, out, clock, LiveConfig(realtime=False, regenerate_bars=2.0), input=inp,
                        controls=REGENERATE, now=now)
    engine.step()
    clock.start(at=T0)
    play(engine, now, T0 + 0.5)  # beat 1: queued to 4.5, in chunks [3, 3.5) and [3.5, 4.5) at the bar line
    assert source.position == 4.5
    press(inp, engine)
    assert source.rewinds == [(4.5, 3.5)] and source.position == 10.5


def test_a_press_in_an_answer_makes_only_the_rest_of_the_answer_again():
    now, out, inp, clock, source, engine = make(mode="call-response", source=pattern(), controls=REGENERATE,
                                                silence_beats=2.0, answer_bars=2.0, regenerate_bars=4.0)
    engine.step()
    clock.start(at=T0)
    call = [(T0 + 0.5, note_on(0, 67, 90)), (T0 + 0.75, note_off(0, 67)), (T0 + 0.75, note_on(0, 69, 90)),
            (T0 + 0.9, note_off(0, 69)), (T0 + 0.9, note_on(0, 71, 90)), (T0 + 1.1, note_off(0, 71))]

    def each(t):
        while call and call[0][0] <= t:
            at, data = call.pop(0)
            inp.feed(data, at)

    play(engine, now, T0 + 3.0, each=each)  # the answer began on beat 5 and runs to beat 13
    answer = [p + 12 for p in (67, 69, 71)]
    assert played(out)[0] == (5.0, answer[0])
    press(inp, engine)
    played_from = source.position
    play(engine, now, T0 + 8.0)
    notes = played(out)
    assert [b for b, _ in notes] == [5 + k / 2 for k in range(16)]  # the answer's two bars, no more
    assert [p for b, p in notes if b < 8] == [answer[int(2 * (b - 5)) % 3] for b, _ in notes if b < 8]
    assert [p for b, p in notes if b >= 8] == [answer[int(2 * (b - 5) + 4) % 3] for b, _ in notes if b >= 8]
    assert source.position == played_from and engine.stats.regenerations == 1
