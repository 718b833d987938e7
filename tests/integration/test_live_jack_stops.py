"""No note is left sounding, whatever ends the music: checked by a JACK client listening to the engine.

Each test makes sure notes are sounding when the stop comes (long, overlapping notes,
or waiting for one), then replays everything the listener received as a synth would
(`sounding_after`) and expects silence, with All Notes Off at the end.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from jack_server import ClockSender, Receiver, delivered, mido_jack, note_ons, record_sends
from live_fakes import PatternSource
from support import reaped

from rnnmusic.live import InternalClock, LiveConfig, LiveEngine, MidiClockFollower, open_input, open_output
from rnnmusic.live.hygiene import clearing_messages, sounding_after

pytestmark = pytest.mark.jack

ALL_NOTES_OFF = bytes((0xB0, 123, 0))
PERIOD = 64 / 48000


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def long_notes():
    return PatternSource([60, 64, 67, 72], step=0.5, length=2.0)  # always two to four notes sounding


def data(messages):
    return [d for _, d in messages]


def test_normal_stop_ends_every_note(jack):
    log_from = len(jack.log())
    out = open_output(None, api="jack")
    sent = record_sends(out)
    receiver = Receiver(connect_to="rnnmusic:rnnmusic")
    engine = LiveEngine(long_notes(), out, InternalClock(180), LiveConfig())
    try:
        engine.start()
        assert wait_for(lambda: len(sounding_after(data(sent))) >= 2)
    finally:
        engine.stop()
        time.sleep(0.05)
        receiver.close()
        out.close()
    heard = data(delivered(receiver, sent, jack, log_from))
    assert sounding_after(heard) == set()
    assert heard[-1] == ALL_NOTES_OFF


def test_exception_in_generation_ends_every_note(jack):
    log_from = len(jack.log())
    out = open_output(None, api="jack")
    sent = record_sends(out)
    receiver = Receiver(connect_to="rnnmusic:rnnmusic")
    source = PatternSource([60, 64, 67, 72], step=0.5, length=2.0, fail_after=6.0)
    engine = LiveEngine(source, out, InternalClock(240), LiveConfig(lookahead_bars=0.25))
    try:
        engine.start()
        assert engine.wait(timeout=30)
        time.sleep(0.05)
        assert isinstance(engine.failure, RuntimeError)
        before_stop = len(sent)
    finally:
        engine.stop()
        time.sleep(0.05)
        receiver.close()
        out.close()
    heard = delivered(receiver, sent, jack, log_from)
    assert note_ons(sent[:before_stop]) and sounding_after(data(sent[:before_stop])) == set()  # ended before stop()
    assert sounding_after(data(heard)) == set()


def test_transport_stop_silences_at_once_and_start_plays_again(jack):
    log_from = len(jack.log())
    out = open_output(None, api="jack")
    sent = record_sends(out)
    port_in = open_input(None, api="jack")  # rnnmusic in:rnnmusic in
    clock = MidiClockFollower(initial_bpm=120)
    engine = LiveEngine(long_notes(), out, clock, LiveConfig(), input=port_in)
    receiver = Receiver(connect_to="rnnmusic:rnnmusic")
    daw = ClockSender("rnnmusic in:rnnmusic in")
    try:
        engine.start()
        daw.start()  # the clock runs while the transport is stopped, as DAWs do
        time.sleep(0.3)
        assert note_ons(sent) == []  # no transport, no notes
        daw.start_transport()
        assert wait_for(lambda: len(sounding_after(data(sent))) >= 2)
        stopped_at = daw.send(b"\xfc")
        assert wait_for(lambda: sent and sent[-1][1] == ALL_NOTES_OFF, timeout=5)
        time.sleep(0.5)
        restarted_at = time.monotonic()
        count = len(note_ons(sent))
        daw.start_transport()
        assert wait_for(lambda: len(note_ons(sent)) > count)
    finally:
        daw.close()
        engine.stop()
        time.sleep(0.05)
        receiver.close()
        port_in.close()
        out.close()
    heard = delivered(receiver, sent, jack, log_from)
    silent_at = next(t for t, d in heard if t > stopped_at and d == ALL_NOTES_OFF)
    stopped = [(t, d) for t, d in heard if t < restarted_at]
    assert sounding_after(data(stopped)) == set()
    assert note_ons([(t, d) for t, d in stopped if t > stopped_at]) == []  # nothing new after Stop
    # "at once": Stop crosses JACK twice (two periods each) and the input thread; 20 ms is generous
    assert silent_at - stopped_at < 0.020
    assert note_ons([(t, d) for t, d in heard if t > restarted_at])  # and Start plays again
    assert sounding_after(data(heard)) == set()


def live_command(model, *extra):
    return [sys.executable, "-m", "rnnmusic", "live", "--api", "jack", "--model", str(model), "--bpm", "200",
            "--seed", "3", *extra]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_rnnmusic_live_ends_every_note(jack, live_model, signum):
    receiver = Receiver(name="synth")
    try:  # closed whatever happens: a port left open would make "synth" ambiguous for the tests after this one
        proc = subprocess.Popen(live_command(live_model, "--out", "synth"), stderr=subprocess.PIPE, text=True)
        with reaped(proc):
            assert wait_for(lambda: sounding_after(receiver.data()), timeout=60), "no note ever sounded"
            signalled_at = time.monotonic()
            proc.send_signal(signum)
            proc.wait(timeout=30)
        time.sleep(0.05)
    finally:
        receiver.close()
    stderr = proc.stderr.read()
    assert proc.returncode == 0, stderr
    assert sounding_after(receiver.data()) == set()
    assert any(t >= signalled_at and d == ALL_NOTES_OFF for t, d in receiver.messages)


def test_lost_input_port_ends_every_note_and_exits_1(jack, live_model):
    player = mido_jack().open_output("keyboard", virtual=True)  # a controller that will be unplugged
    receiver = Receiver(name="synth")
    proc = subprocess.Popen(live_command(live_model, "--out", "synth", "--in", "keyboard", "--max-note-beats", "64"),
                            stderr=subprocess.PIPE, text=True)
    with reaped(proc):
        assert wait_for(lambda: sounding_after(receiver.data()), timeout=60), "no note ever sounded"
        player.close()
        proc.wait(timeout=30)
    time.sleep(0.05)
    receiver.close()
    stderr = proc.stderr.read()
    assert proc.returncode == 1
    assert "MIDI input" in stderr and "has gone away" in stderr and "Traceback" not in stderr
    assert sounding_after(receiver.data()) == set()


def test_lost_output_port_exits_1_with_one_line(jack, live_model):
    receiver = Receiver(name="synth")
    proc = subprocess.Popen(live_command(live_model, "--out", "synth"), stderr=subprocess.PIPE, text=True)
    with reaped(proc):
        assert wait_for(lambda: receiver.note_ons(), timeout=60)
        receiver.close()
        proc.wait(timeout=30)
    stderr = proc.stderr.read()
    assert proc.returncode == 1
    assert "MIDI output" in stderr and "has gone away" in stderr and "Traceback" not in stderr


@pytest.mark.slow
def test_after_kill_9_the_next_run_clears_its_channel_before_its_first_note(jack, live_model):
    receiver = Receiver(name="synth")
    killed = subprocess.Popen(live_command(live_model, "--out", "synth"), stderr=subprocess.DEVNULL)
    with reaped(killed):
        assert wait_for(lambda: sounding_after(receiver.data()), timeout=60), "no note ever sounded"
        killed.kill()  # SIGKILL: no note-off, no All Notes Off
        killed.wait(timeout=30)
    time.sleep(0.05)
    hung = sounding_after(receiver.data())
    assert hung, "the kill left nothing sounding: the test proves nothing"
    first_run, ons_before = len(receiver.messages), len(receiver.note_ons())
    proc = subprocess.Popen(live_command(live_model, "--out", "synth", "--duration-bars", "1"),
                            stderr=subprocess.PIPE, text=True)
    with reaped(proc):
        assert wait_for(lambda: len(receiver.note_ons()) > ons_before, timeout=60)
        proc.wait(timeout=30)
    time.sleep(0.05)
    receiver.close()
    second = receiver.data()[first_run:]
    first_on = next(i for i, d in enumerate(second) if d[0] & 0xF0 == 0x90 and d[2] > 0)
    assert second[:first_on] == clearing_messages([0])  # channel 1, before anything else
    assert sounding_after(receiver.data()[:first_run] + second[:first_on]) == set()
    assert sounding_after(receiver.data()) == set()
