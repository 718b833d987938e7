"""Putting a live run together: the steps `rnnmusic live` and the desktop app's live panel share.

Each front end turns its own inputs (flags, widgets) into plain values and calls these;
neither repeats how a clock is chosen, when an input port is needed, or how the ports
are opened and closed again on failure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rnnmusic.live.clock import InternalClock, Meter, MidiClockFollower
from rnnmusic.live.config import LiveConfig
from rnnmusic.live.port_base import MidiInput, MidiOutput
from rnnmusic.notes import NoteSequence


def make_clock(kind: str, bpm: float | None, meter: str | None, seed: NoteSequence | None = None):
    """The internal clock or a MIDI-clock follower; tempo and meter default to the seed's, else 120 BPM in 4/4."""
    if bpm is None:
        bpm = seed.qpm if seed is not None else 120.0
    if meter:
        parsed = Meter.parse(meter)
    elif seed is not None:
        first = seed.time_signatures[0]
        parsed = Meter(first.numerator, first.denominator)
    else:
        parsed = Meter()
    return MidiClockFollower(parsed, initial_bpm=bpm) if kind == "midi" else InternalClock(bpm, parsed)


def needs_input(config: LiveConfig, clock_kind: str, in_port: str | None, listens: bool = False) -> bool:
    """Whether a run must open an input port: to hear a player, follow a clock, or read controls."""
    return (in_port is not None or config.mode == "call-response" or clock_kind == "midi" or config.pass_through
            or listens)


@contextlib.contextmanager
def open_ports(out: str | None, in_port: str | None, api: str | None, virtual_name: str | None,
               with_input: bool) -> Iterator[tuple[MidiOutput, MidiInput | None]]:
    """Open the output (and, when asked, the input) port; both are closed again however the block ends."""
    from rnnmusic.live.ports import DEFAULT_VIRTUAL_NAME, open_input, open_output

    name = virtual_name or DEFAULT_VIRTUAL_NAME
    output = open_output(out, api, name)
    port_in = None
    try:
        port_in = open_input(in_port, api, name) if with_input else None
        yield output, port_in
    finally:
        if port_in is not None:
            port_in.close()
        output.close()
