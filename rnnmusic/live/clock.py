"""Where the beat is: an internal clock (BPM and meter) or a follower of a DAW's MIDI beat clock.

Both publish a :class:`Timeline`, an immutable line from beats (quarter notes) to
monotonic seconds. A new timeline is swapped in whole, so the sender thread can
read the current one without a lock and convert a note's beat to its send time at
the last moment: a tempo change reaches notes that are already scheduled.

The MIDI clock follower fits a straight line (least squares) through the arrival
times of the last beat of 0xF8 ticks (24 per quarter note). That averages away the
arrival jitter (JACK hands messages over once per period, 1.3 ms at 64 frames and
48 kHz) and still tracks a tempo change within one beat; when the ticks clearly
leave the line it restarts the fit from the newest ticks, so a jump is followed in
a few ticks rather than a whole beat. A tick lost on the way (seen on an overloaded
JACK server that drops a client's late cycle) is recognised and counted.
"""

from __future__ import annotations

import enum
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from rnnmusic.errors import ConfigError
from rnnmusic.live.messages import CLOCK, CLOCKS_PER_QUARTER, CONTINUE, SONG_POSITION, START, STOP


@dataclass(frozen=True)
class Timeline:
    """Beats (quarter notes) to monotonic seconds: a straight line through an anchor; stopped means never."""

    anchor_time: float
    anchor_beat: float
    seconds_per_beat: float
    running: bool = True

    @property
    def bpm(self) -> float:
        return 60.0 / self.seconds_per_beat

    def seconds_at(self, beat: float) -> float:
        if not self.running:
            return math.inf
        return self.anchor_time + (beat - self.anchor_beat) * self.seconds_per_beat

    def beat_at(self, seconds: float) -> float:
        if not self.running:
            return self.anchor_beat
        return self.anchor_beat + (seconds - self.anchor_time) / self.seconds_per_beat

    def stopped(self, at: float) -> "Timeline":
        """This timeline frozen at the beat reached at time ``at``."""
        return Timeline(at, self.beat_at(at), self.seconds_per_beat, running=False)


@dataclass(frozen=True)
class Meter:
    numerator: int = 4
    denominator: int = 4

    @classmethod
    def parse(cls, text: str) -> "Meter":
        """'4/4', '3/4', '6/8' ...; ConfigError otherwise."""
        try:
            num, den = (int(part) for part in text.split("/"))
        except ValueError:
            raise ConfigError(f"meter must look like 4/4 or 6/8, got {text!r}") from None
        if not 1 <= num <= 32 or den not in (1, 2, 4, 8, 16, 32):
            raise ConfigError(f"meter {text!r} is not usable: numerator 1-32, denominator a power of two up to 32")
        return cls(num, den)

    @property
    def beats_per_bar(self) -> float:
        """Quarter notes per bar (6/8 is 3)."""
        return self.numerator * 4.0 / self.denominator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


class Transport(enum.Enum):
    TEMPO = "tempo"  # a new timeline, same transport state
    START = "start"  # play from the top (beat 0)
    CONTINUE = "continue"  # play on from the song position
    STOP = "stop"  # stopped: silence at once


Listener = Callable[[Transport, Timeline], None]


class BeatClock:
    """What the engine reads: the current timeline (swapped whole), the meter, and transport events."""

    def __init__(self, meter: Meter, bpm: float) -> None:
        if not 1.0 <= bpm <= 999.0:
            raise ConfigError(f"BPM must be between 1 and 999, got {bpm:g}")
        self.meter = meter
        self.timeline = Timeline(0.0, 0.0, 60.0 / bpm, running=False)
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _publish(self, event: Transport, timeline: Timeline) -> None:
        self.timeline = timeline
        for listener in self._listeners:
            listener(event, timeline)


class InternalClock(BeatClock):
    """A steady clock at a set BPM; beat 0 is the first downbeat."""

    def __init__(self, bpm: float = 120.0, meter: Meter = Meter(), now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(meter, bpm)
        self._now = now

    def start(self, at: float | None = None) -> None:
        """Put beat 0 at monotonic time ``at`` (default now)."""
        at = self._now() if at is None else at
        self._publish(Transport.START, Timeline(at, 0.0, self.timeline.seconds_per_beat))

    def stop(self) -> None:
        self._publish(Transport.STOP, self.timeline.stopped(self._now()))

    def set_bpm(self, bpm: float) -> None:
        """Change tempo from now on, keeping the beat reached so far."""
        if not 1.0 <= bpm <= 999.0:
            raise ConfigError(f"BPM must be between 1 and 999, got {bpm:g}")
        now, current = self._now(), self.timeline
        self._publish(Transport.TEMPO, Timeline(now, current.beat_at(now), 60.0 / bpm, current.running))


class MidiClockFollower(BeatClock):
    """Follows 0xF8 clock, Start, Stop, Continue and Song Position Pointer from a MIDI input.

    Feed it every received message with :meth:`handle` (on the input thread). Position
    counts ticks since Start (or from the Song Position Pointer on Continue); the first
    tick after Start is beat 0, as the MIDI spec says.
    """

    def __init__(
        self,
        meter: Meter = Meter(),
        initial_bpm: float = 120.0,
        window: int = CLOCKS_PER_QUARTER,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(meter, initial_bpm)
        self._now = now
        self._lock = threading.Lock()
        self._ticks: deque[tuple[int, float]] = deque(maxlen=max(3, window))
        self._serial = 0  # every tick, running or not: the tempo fit's x axis
        self._position = 0  # ticks of song position: the first tick after Start is 0
        self._running = False
        self._armed: Transport | None = None  # START/CONTINUE seen, waiting for its first tick
        self._tick_seconds = self.timeline.seconds_per_beat / CLOCKS_PER_QUARTER
        self._fit: tuple[float, float] | None = None  # (time at serial 0, seconds per tick)
        self._misses = 0
        self._last_tick = -math.inf
        self._suspect = 0  # ticks that may have gone missing before the last one

    @property
    def running(self) -> bool:
        return self._running

    def handle(self, data: bytes, arrived: float) -> None:
        """Take one received message; everything but clock and transport is ignored."""
        if not data:
            return
        status = data[0]
        with self._lock:
            if status == CLOCK:
                self._tick(arrived)
            elif status in (START, CONTINUE):
                if status == START:
                    self._position = 0
                self._running = True
                self._armed = Transport.START if status == START else Transport.CONTINUE
                self._publish(self._armed, self._line(arrived, running=False))
            elif status == STOP:
                self._stop(arrived)
            elif status == SONG_POSITION and len(data) == 3 and not self._running:
                self._position = 6 * (data[1] | data[2] << 7)  # sixteenths -> ticks

    def check(self, now: float | None = None) -> bool:
        """Treat a clock that went quiet while running as a Stop; True when that happened."""
        now = self._now() if now is None else now
        with self._lock:
            quiet = max(0.5, CLOCKS_PER_QUARTER * self._tick_seconds)  # a beat without ticks, at least 0.5 s
            if self._running and not self._armed and now - self._last_tick > quiet:
                self._stop(now)
                return True
        return False

    def _stop(self, at: float) -> None:
        was_running = self._running and not self._armed
        self._running, self._armed = False, None
        beat = self.timeline.beat_at(at) if was_running else self._position / CLOCKS_PER_QUARTER
        self._publish(Transport.STOP, Timeline(at, beat, self.timeline.seconds_per_beat, running=False))

    def _tick(self, arrived: float) -> None:
        self._repair_drop(arrived)
        self._serial += 1
        self._last_tick = arrived
        self._follow_tempo(self._serial, arrived)
        if not self._running:
            self._publish(Transport.TEMPO, self._line(arrived, running=False))
            return
        event = self._armed or Transport.TEMPO
        self._armed = None
        self._publish(event, self._line(arrived, running=True))
        self._position += 1

    def _repair_drop(self, arrived: float) -> None:
        """Count ticks that never arrived (a MIDI system dropping a busy cycle's events, a lossy link).

        Without this, one lost tick leaves the position a tick behind until the next Start. A gap
        of 2-4 ticks followed by an ordinary interval is such a loss; a gap followed by another gap
        is the tempo slowing down, and is left to the tempo fit.
        """
        if self._fit is None or len(self._ticks) < 12:
            self._suspect = 0
            return
        ratio = (arrived - self._last_tick) / self._fit[1]
        if self._suspect and abs(ratio - 1.0) < 0.3:
            serial, at = self._ticks.pop()
            self._ticks.append((serial + self._suspect, at))
            self._serial += self._suspect
            if self._running and not self._armed:
                self._position += self._suspect
            self._suspect = 0
            return
        gap = round(ratio)
        self._suspect = gap - 1 if 2 <= gap <= 4 and abs(ratio - gap) < 0.3 else 0

    def _line(self, arrived: float, running: bool) -> Timeline:
        """The timeline through the current tick (fitted time, so jitter is smoothed)."""
        at = arrived
        if self._fit is not None and running:
            origin, step = self._fit
            at = origin + step * self._serial
        return Timeline(at, self._position / CLOCKS_PER_QUARTER, self._tick_seconds * CLOCKS_PER_QUARTER, running)

    def _follow_tempo(self, serial: int, arrived: float) -> None:
        if self._fit is not None:
            origin, step = self._fit
            residual = arrived - (origin + step * serial)
            # Jitter stays within a JACK period or two; a tempo change keeps pushing the ticks the same way.
            if abs(residual) > max(0.0025, 0.2 * step):
                self._misses += 1
                if self._misses >= 2:
                    keep = list(self._ticks)[-2:]
                    self._ticks.clear()
                    self._ticks.extend(keep)
                    self._misses = 0
            else:
                self._misses = 0
        if self._ticks and arrived - self._ticks[-1][1] > 1.0:
            self._ticks.clear()  # a long gap: the clock was off, old ticks say nothing about now
        self._ticks.append((serial, arrived))
        if len(self._ticks) >= 2:
            self._fit = _least_squares(self._ticks)
            self._tick_seconds = min(max(self._fit[1], 60.0 / 999 / 24), 60.0 / 1.0 / 24)


def _least_squares(points) -> tuple[float, float]:
    """Intercept and slope of the best line through (x, t) points."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_t = sum(t for _, t in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (t - mean_t) for x, t in points) / var
    return mean_t - slope * mean_x, slope
