"""`rnnmusic live` in a terminal and in a log against a real JACK server: a status line (bar, beat, BPM,
waiting for or locked to the MIDI clock), rewritten in place on a terminal, plain lines otherwise, and a
line on stop."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest
from jack_server import ClockSender, Receiver
from support import reaped

from rnnmusic.live.hygiene import sounding_after

pytestmark = pytest.mark.jack


def live_command(model, *args):
    return [sys.executable, "-m", "rnnmusic", "live", "--api", "jack", "--model", str(model), "--seed", "3",
            "--no-realtime", *args]


def test_in_a_log_the_status_is_one_line_a_bar_and_the_stop_is_said(jack, live_model):
    receiver = Receiver(name="status log")
    try:
        done = subprocess.run(live_command(live_model, "--virtual-name", "statuslog", "--out", "status log",
                                           "--bpm", "240", "--duration-bars", "3"),
                              capture_output=True, text=True, timeout=120)
        time.sleep(0.05)
    finally:
        receiver.close()
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "\r" not in done.stderr
    bars = [line for line in lines if line.startswith("bar ")]
    assert bars[:3] == ["bar 1 · beat 1 · 240.0 BPM", "bar 2 · beat 1 · 240.0 BPM", "bar 3 · beat 1 · 240.0 BPM"]
    assert len(bars) == len(set(bars)) <= 4  # one line a bar, not one a beat
    assert re.fullmatch(r"rnnmusic live: stopped at bar 4, beat 1 \(3 bars played\); every note ended", lines[-1])
    assert receiver.note_ons() and sounding_after(receiver.data()) == set()


def test_on_a_terminal_the_status_is_rewritten_in_place(jack, live_model):
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(live_command(live_model, "--virtual-name", "statustty", "--bpm", "300"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    seen = b""
    with reaped(proc):
        deadline = time.monotonic() + 60
        while b"bar 3 \xc2\xb7 beat 2" not in seen and time.monotonic() < deadline:
            if select.select([controller], [], [], 0.5)[0]:
                seen += os.read(controller, 4096)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and select.select([controller], [], [], 0.2)[0]:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
    os.close(controller)
    text = seen.decode().replace("\r\n", "\n")  # the terminal turns a line end into CR LF
    assert proc.returncode == 0, text
    updates = text.split("\r")
    beats = [u.split("\n")[0].strip() for u in updates if u.startswith("bar ")]
    assert "bar 1 · beat 1 · 300.0 BPM" in beats and "bar 1 · beat 2 · 300.0 BPM" in beats  # every beat, in place
    assert "bar 3 · beat 2 · 300.0 BPM" in beats
    last = text.rstrip("\n").split("\n")[-1]
    assert re.fullmatch(r"rnnmusic live: stopped at bar \d+, beat \d \(Ctrl-C\); every note ended", last), last


def test_following_a_daws_clock_it_says_it_waits_then_that_it_is_locked(jack, live_model):
    proc = subprocess.Popen(live_command(live_model, "--virtual-name", "statusclock", "--clock", "midi"),
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    with reaped(proc):
        while "Ctrl-C stops" not in (line := proc.stderr.readline()):
            assert line, "rnnmusic live exited before it was ready"
        daw = ClockSender("statusclock in:statusclock in", bpm=150.0)
        try:
            daw.start()
            lines.append(proc.stderr.readline().rstrip("\n"))  # the first status: no Start yet
            time.sleep(0.5)
            daw.start_transport()
            while len([ln for ln in lines if ln.startswith("bar ")]) < 2:
                line = proc.stderr.readline()
                assert line, "rnnmusic live exited while following the clock"
                lines.append(line.rstrip("\n"))
        finally:
            daw.close()
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
    lines += rest.splitlines()
    assert lines[0].startswith("waiting for MIDI clock · ")
    locked = [ln for ln in lines if ln.startswith("bar ")]
    assert locked[0].startswith("bar 1 · beat 1 · ") and locked[0].endswith(" BPM · locked to MIDI clock")
    assert re.search(r"· 1(49|50|51)\.\d BPM", locked[1])  # the DAW's tempo, learned from its ticks
    assert lines[-1].startswith("rnnmusic live: stopped ") and lines[-1].endswith("(SIGTERM); every note ended")
    assert proc.returncode == 0
