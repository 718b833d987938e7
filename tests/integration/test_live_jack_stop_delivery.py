"""A stop by signal delivers its last messages: 20 stops per clock mode and signal, nothing left sounding.

JACK hands MIDI over in the period after it is written, so note-offs sent just before
a port closes can vanish (issue 12, item 11). Each round starts a child process that
plays through the same stop path as `rnnmusic live` (``rnnmusic.cli.live._play`` and
``rnnmusic.live.setup.open_ports``) with a quick-starting pattern source instead of a
model, waits until notes sound, signals it, and replays what the synth received.
Children run a few at a time, each to its own synth port, to keep the test short.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from jack_server import ClockSender, Receiver
from support import reaped

from rnnmusic.live.hygiene import sounding_after

pytestmark = [pytest.mark.jack, pytest.mark.slow]

ROUNDS = 20
AT_ONCE = 10  # children playing at the same time (each to its own synth)
ALL_NOTES_OFF = bytes((0xB0, 123, 0))


def wait_for(predicate, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


class Round:
    """One child playing into one synth (a Receiver), with a DAW clock when it follows MIDI clock."""

    def __init__(self, index: int, clock: str) -> None:
        self.name = f"stop{index}"
        self.synth = Receiver(name=f"{self.name} synth")
        self.proc = subprocess.Popen([sys.executable, __file__, clock, self.name, f"{self.name} synth"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        self.daw: ClockSender | None = None
        self.clock = clock

    def play(self) -> None:
        assert self.proc.stdout.readline().strip() == "ready", self.proc.stderr.read()
        if self.clock == "midi":
            self.daw = ClockSender(f"{self.name} in:{self.name} in", bpm=240)
            self.daw.start()
            self.daw.start_transport()

    def sounding(self) -> bool:
        return len(sounding_after(self.synth.data())) >= 2

    def finish(self) -> tuple[int, str, list[bytes]]:
        """Wait for the child; the caller has let anything still on its way arrive (a lost message never does)."""
        if self.daw is not None:
            self.daw.close()
        self.synth.close()
        return self.proc.returncode, self.proc.stderr.read(), self.synth.data()


@pytest.mark.parametrize("clock", ["internal", "midi"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_playing_leaves_nothing_sounding_every_time(jack, clock, signum):
    failures = []
    for first in range(0, ROUNDS, AT_ONCE):
        rounds = [Round(first + k, clock) for k in range(AT_ONCE)]
        try:
            for r in rounds:
                r.play()
            for r in rounds:
                assert wait_for(r.sounding), f"{r.name}: no notes sounded"
                r.proc.send_signal(signum)
            for r in rounds:
                r.proc.wait(timeout=30)
            time.sleep(0.1)
            for r in rounds:
                code, stderr, received = r.finish()
                assert code == 0, stderr
                left = sounding_after(received)
                if left or ALL_NOTES_OFF not in received:
                    failures.append((r.name, sorted(left), [d.hex() for d in received[-4:]]))
        finally:
            for r in rounds:
                with reaped(r.proc):
                    pass
    assert failures == [], f"{len(failures)} of {ROUNDS} stops left notes sounding: {failures}"


def _child(clock_kind: str, name: str, synth: str) -> None:
    """Play long overlapping notes until a signal, through the CLI's own stop path."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal, even when started in background
    from live_fakes import PatternSource

    from rnnmusic.cli.live import _play
    from rnnmusic.live import LiveConfig, LiveEngine
    from rnnmusic.live.setup import make_clock, open_ports

    clock = make_clock(clock_kind, 240.0, None)
    with open_ports(synth, None, "jack", name, clock_kind == "midi") as (output, port_in):
        source = PatternSource([60, 64, 67, 72], step=0.25, length=1.0)  # always several notes sounding
        engine = LiveEngine(source, output, clock, LiveConfig(realtime=False), input=port_in)
        print("ready", flush=True)
        _play(engine, None, clock.meter.beats_per_bar)


if __name__ == "__main__":
    _child(*sys.argv[1:4])
