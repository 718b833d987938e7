"""What a live run shows (the status text and `rnnmusic live`'s status line) and keeps (the recording port and
where its notes land after a seed), with the live engine's fakes."""

from __future__ import annotations

import io

import pytest
from live_fakes import FakeOutput, ManualClock, PatternSource

from rnnmusic.cli.live import StatusLine
from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, Meter, MidiClockFollower
from rnnmusic.live.messages import control_change, note_off, note_on
from rnnmusic.live.recording import LivePlacement, RecordingOutput
from rnnmusic.live.status import LiveStatus, live_status
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes


def test_status_text_counts_bars_and_beats_of_the_meter():
    now = ManualClock(10.0)
    clock = InternalClock(120.0, Meter(6, 8), now=now)
    assert live_status(clock, 0.0).text() == "starting · 120.0 BPM"
    clock.start(10.0)
    assert live_status(clock, 0.0) == LiveStatus(1, 1, 120.0, False)
    assert live_status(clock, 2.6).text() == "bar 1 · beat 6 · 120.0 BPM"  # 6/8 is counted in eighths
    assert live_status(clock, 3.0).text() == "bar 2 · beat 1 · 120.0 BPM"


def test_status_text_says_when_it_waits_for_and_is_locked_to_midi_clock():
    follower = MidiClockFollower(Meter(3, 4), initial_bpm=100.0)
    assert live_status(follower, 0.0).text() == "waiting for MIDI clock · 100.0 BPM"
    follower.handle(b"\xfa", 1.0)  # Start, then a beat of ticks at 120 BPM
    for tick in range(25):
        follower.handle(b"\xf8", 1.0 + tick * 0.5 / 24)
    status = live_status(follower, 4.0)
    assert status.running and status.bar == 2 and status.beat == 2
    assert status.text().endswith("· 120.0 BPM · locked to MIDI clock")


def statuses():
    return [LiveStatus(None, None, 120.0, True), LiveStatus(1, 1, 120.0, True), LiveStatus(1, 2, 120.0, True),
            LiveStatus(2, 1, 121.0, True), LiveStatus(2, 2, 121.0, True)]


def test_the_status_line_is_rewritten_in_place_on_a_terminal():
    out = io.StringIO()
    line = StatusLine(out, tty=True)
    for status in statuses():
        line.show(status)
    line.show(statuses()[-1])  # nothing new: nothing written
    line.finish("Ctrl-C")
    text = out.getvalue()
    shown = text.split("\r")[1:]
    assert shown[0].startswith("waiting for MIDI clock") and len(shown) == 5
    assert shown[1].startswith("bar 1 · beat 1 · 120.0 BPM · locked to MIDI clock")
    assert len(shown[1]) >= len(shown[0])  # padded over the longer text before it
    assert shown[-1] == "bar 2 · beat 2 · 121.0 BPM · locked to MIDI clock\n" \
        "rnnmusic live: stopped at bar 2, beat 2 (Ctrl-C); every note ended\n"


def test_the_status_line_is_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    line = StatusLine(out, tty=False)
    for status in statuses() + [LiveStatus(None, None, 121.0, True)]:
        line.show(status)
    line.finish("SIGTERM")
    assert "\r" not in out.getvalue()
    assert out.getvalue().splitlines() == [
        "waiting for MIDI clock · 120.0 BPM",
        "bar 1 · beat 1 · 120.0 BPM · locked to MIDI clock",  # once a bar, not every beat
        "bar 2 · beat 1 · 121.0 BPM · locked to MIDI clock",
        "waiting for MIDI clock · 121.0 BPM",  # the DAW stopped
        "rnnmusic live: stopped before the clock started (SIGTERM); every note ended",
    ]


def test_the_recording_port_passes_everything_on_and_keeps_the_notes_in_beats():
    now = ManualClock(0.0)
    clock = InternalClock(120.0, now=now)
    inner = FakeOutput()
    port = RecordingOutput(inner, clock, now=now)
    clock.start(0.0)
    port.send(note_on(0, 60, 90))
    now.set(0.25)
    port.send(note_on(0, 64, 80))
    now.set(0.5)
    port.send(note_off(0, 60))
    assert port.new_notes() == [Note(60, 90, 0.0, 1.0)]
    port.send(note_on(0, 60, 70))  # struck again while 64 sounds
    now.set(1.0)
    port.send(control_change(0, 123, 0))  # All Notes Off ends both
    assert port.new_notes() == [Note(64, 80, 0.5, 2.0), Note(60, 70, 1.0, 2.0)]
    assert port.new_notes() == []
    assert [n.pitch for n in port.notes()] == [60, 64, 60]
    assert len(inner.messages()) == 5
    port.close()
    assert inner.closed and port.closed


def test_the_recording_port_keeps_what_a_real_engine_played():
    inner = FakeOutput()
    clock = InternalClock(600.0)
    recording = RecordingOutput(inner, clock)
    engine = LiveEngine(PatternSource(pitches=(60, 62, 64)), recording, clock, LiveConfig(realtime=False))
    engine.start()
    try:
        engine.wait(1.5)
    finally:
        engine.stop()
    notes = recording.notes()
    assert len(notes) >= 8
    assert [n.pitch for n in notes[:6]] == [60, 62, 64, 60, 62, 64]
    assert all(abs(b.start - a.start - 1.0) < 0.1 for a, b in zip(notes, notes[1:]))  # one a beat
    assert inner.messages().count(note_on(0, 60, 100)) == sum(n.pitch == 60 for n in notes)


def test_live_notes_go_after_the_seed_on_its_next_bar_line_at_its_tempo():
    seed = NoteSequence(notes=make_notes([Note(60, 80, 0.0, 3.5)]), tempos=(TempoChange(0.0, 60.0),),
                        time_signatures=(TimeSignature(0.0, 3, 4),))
    place = LivePlacement(seed, 4.0, 180.0, (4, 4))  # the run played 4/4 at 180: the take reads at 60 in 3/4
    assert place.continuation_start == pytest.approx(6.0)  # bar 3 starts at beat 6 = 6 s at 60 BPM
    # the run's first note came in its bar 3 (beats 8-12): that bar starts on the seed's bar line
    placed = place.place([Note(62, 90, 9.5, 10.0), Note(64, 90, 10.0, 11.0)])
    assert [(n.start, n.end) for n in placed] == [(7.5, 8.0), (8.0, 9.0)]
    take = place.take([Note(62, 90, 9.5, 10.0)])
    assert len(take) == 2 and take.qpm == 60.0 and take.time_signatures[0].numerator == 3


def test_without_a_seed_the_take_has_the_runs_tempo_and_meter():
    place = LivePlacement(None, 3.0, 90.0, (3, 4))
    assert place.continuation_start == 0.0
    take = place.take([Note(60, 90, 3.0, 4.0)])
    assert take.qpm == 90.0 and (take.time_signatures[0].numerator, take.time_signatures[0].denominator) == (3, 4)
    assert take.notes["start"][0] == 0.0
