"""Where a live run is, in words: bar, beat, tempo and whether it waits for or follows the clock.

The terminal (`rnnmusic live`) and the app's live panel both show this one text, so
they never disagree about what the run is doing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rnnmusic.live.clock import BeatClock, MidiClockFollower


@dataclass(frozen=True)
class LiveStatus:
    """A moment of a live run: ``bar`` and ``beat`` count from 1 and are None while the clock is stopped."""

    bar: int | None
    beat: int | None
    bpm: float
    follows_midi_clock: bool

    @property
    def running(self) -> bool:
        return self.bar is not None

    def text(self) -> str:
        """"bar 3 · beat 2 · 120.0 BPM", "waiting for MIDI clock · 120.0 BPM", "bar 1 · ... · locked to MIDI clock"."""
        tempo = f"{self.bpm:.1f} BPM"
        if not self.running:
            return f"waiting for MIDI clock · {tempo}" if self.follows_midi_clock else f"starting · {tempo}"
        text = f"bar {self.bar} · beat {self.beat} · {tempo}"
        return text + " · locked to MIDI clock" if self.follows_midi_clock else text


def live_status(clock: BeatClock, beat: float) -> LiveStatus:
    """The status of a run whose clock is ``clock`` and which is at ``beat`` (quarter notes) now."""
    timeline = clock.timeline
    follows = isinstance(clock, MidiClockFollower)
    if not timeline.running:
        return LiveStatus(None, None, timeline.bpm, follows)
    per_bar = clock.meter.beats_per_bar
    beat_length = 4.0 / clock.meter.denominator  # a beat of the meter, in quarter notes (an eighth in 6/8)
    bar, in_bar = divmod(max(0.0, beat), per_bar)
    return LiveStatus(int(bar) + 1, int(math.floor(in_bar / beat_length + 1e-9)) + 1, timeline.bpm, follows)
