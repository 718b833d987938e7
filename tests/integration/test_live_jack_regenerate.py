"""Regenerate while playing, through a real JACK server (issue 13, item 4).

A real ONNX melody model plays at 120 BPM with two bars of lookahead; in the middle
of a bar a controller sends the regenerate CC into the engine's input port. What a
synth received is then checked against what the engine had scheduled before the
press: every note before the next bar line arrived note for note as scheduled (its
note-off included, also where it sounds over the bar line), the bars after it are
the newly made ones and not those thrown away, and no note is left sounding.

Notes are compared on the model's sixteenth grid: each time a synth heard is taken to
the nearest sixteenth (125 ms here), so a note cannot be taken for its neighbour; how
close to the grid they come is for the timing tests and benchmarks/live_timing.py.
"""

from __future__ import annotations

import math
import time

import pytest
from jack_server import Receiver, delivered, mido_jack, record_sends

from rnnmusic.engine import GenerateOptions, Generator, load_model_file
from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, open_input, open_output
from rnnmusic.live.control import Binding, ControlMap
from rnnmusic.live.hygiene import sounding_after
from rnnmusic.live.messages import is_note_off, is_note_on

pytestmark = pytest.mark.jack

BPM = 120.0
CC = 22


def scheduled_notes(pushes):
    """(pitch, start beat, end beat) of every note in the scheduler entries, paired by note id."""
    starts, notes = {}, []
    for beat, data, note_id in sorted((e for entries in pushes for e in entries), key=lambda e: e[0]):
        if is_note_on(data):
            starts[note_id] = (data[1], beat)
        elif note_id in starts:
            pitch, start = starts.pop(note_id)
            notes.append((pitch, start, beat))
    return sorted(notes, key=lambda n: (n[1], n[0]))


def heard_notes(messages, beat_at):
    """(pitch, start, end) of every note a synth heard, each time on the nearest sixteenth: a note-on until
    its key's next note-off, or until a note-on of the same key restarts it."""
    grid = lambda t: round(beat_at(t) * 4) / 4  # noqa: E731
    sounding, notes = {}, []
    for t, data in messages:
        if is_note_on(data):
            if data[1] in sounding:
                notes.append((data[1], sounding.pop(data[1]), grid(t)))
            sounding[data[1]] = grid(t)
        elif is_note_off(data) and data[1] in sounding:
            notes.append((data[1], sounding.pop(data[1]), grid(t)))
    return sorted(notes, key=lambda n: (n[1], n[0]))


def as_heard(notes, heard):
    """``notes`` as a synth hears them: a note that a later note of its key restarts ends there."""
    restarts = {(p, s) for p, s, _ in heard}
    return [(p, s, min([e] + [r for q, r in restarts if q == p and s < r < e])) for p, s, e in notes]


def test_a_regenerate_cc_replaces_the_bars_after_the_next_bar_line_and_keeps_those_before(jack, live_model):
    import mido

    stream = Generator(load_model_file(live_model)).open_stream(None, GenerateOptions(seed=11))
    log_from = len(jack.log())
    out, port_in = open_output(None, api="jack"), open_input(None, api="jack")
    sent = record_sends(out)
    clock = InternalClock(BPM)  # 4/4: a bar line every 4 beats
    engine = LiveEngine(stream, out, clock, LiveConfig(lookahead_bars=2.0, regenerate_bars=2.0), input=port_in,
                        controls=ControlMap([Binding("regenerate", CC)]))
    # What the generation thread did to the queue, in order: ("push", entries) or ("cancel", beat). The press
    # takes effect where the engine cuts the queue, a moment after the CC was sent; a chunk of the old
    # bars may still be queued in between (and then thrown away), so the cut is the line, not the clock.
    queue_events: list[tuple[str, object]] = []
    push_many, cancel_from = engine.scheduler.push_many, engine.scheduler.cancel_from

    def pushing(entries):
        entries = list(entries)
        queue_events.append(("push", entries))
        push_many(entries)

    def cancelling(beat):
        queue_events.append(("cancel", beat))
        return cancel_from(beat)

    engine.scheduler.push_many, engine.scheduler.cancel_from = pushing, cancelling
    receiver = Receiver(connect_to="rnnmusic:rnnmusic")
    knobs = mido_jack().open_output("rnnmusic in:rnnmusic in")
    try:
        engine.start()
        while not (clock.timeline.running and engine.beat() >= 6.0):  # the middle of the second bar
            assert not engine.wait(0.005), engine.failure
        pressed = time.monotonic()
        knobs.send(mido.Message("control_change", control=CC, value=127))
        knobs.send(mido.Message("control_change", control=CC, value=0))
        while engine.beat() < 17.0:  # the two new bars (beats 8 to 16) and a beat of what follows
            assert not engine.wait(0.01), engine.failure
        timeline = clock.timeline
    finally:
        engine.stop()
        time.sleep(0.05)
        receiver.close()
        knobs.close()
        port_in.close()
        out.close()
    assert engine.failure is None and engine.stats.regenerations == 1
    cut = 8.0  # the next bar line after the press
    assert 6.0 <= timeline.beat_at(pressed) < cut - 1.0
    cuts = [i for i, (kind, beat) in enumerate(queue_events) if kind == "cancel" and beat != -math.inf]
    assert [queue_events[i][1] for i in cuts] == [cut]  # the press cut the queue once, at the next bar line
    before = scheduled_notes([e for kind, e in queue_events[:cuts[0]] if kind == "push"])
    after = scheduled_notes([e for kind, e in queue_events[cuts[0]:] if kind == "push"])
    messages = delivered(receiver, sent, jack, log_from)
    heard = heard_notes(messages, timeline.beat_at)
    queued_to = max(n[1] for n in before)
    assert queued_to >= cut + 4  # more than a bar past the cut was queued when the CC came, to be thrown away

    # before the bar line: note for note as scheduled, note-offs included (over the bar line too)
    kept = [n for n in before if n[1] < cut]
    assert kept and [n for n in heard if n[1] < cut] == as_heard(kept, heard)
    # from it: the bars made after the press, not those thrown away
    thrown = [(p, s) for p, s, _ in before if cut <= s <= queued_to]
    made = [n for n in after if cut <= n[1] < cut + 8]
    assert thrown and made and min(n[1] for n in after) >= cut
    assert [(p, s) for p, s, _ in made if s <= queued_to] != thrown
    assert [n for n in heard if cut <= n[1] < cut + 8] == as_heard(made, heard)
    assert sounding_after([d for _, d in messages]) == set()
