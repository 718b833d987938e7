"""Where the beat is: an internal clock (BPM and meter) or a follower of a DAW's MIDI beat clock.

Both publish a :class:`Timeline`, an immutable line from beats (quarter notes) to
monotonic seconds. A new timeline is swapped in whole, so the sender thread can
read the current one without a lock and convert a note's beat to its send time at
the last moment: a tempo change reaches notes that are already scheduled.

The MIDI clock follower fits a straight line (the median of the slopes between
every two ticks) through the arrival times of the last beat of 0xF8 ticks (24 per
quarter note). That averages away the arrival jitter (JACK hands messages over once
per period, 1.3 ms at 64 frames and 48 kHz; later on a busy machine, sometimes
several ticks together) and still tracks a tempo change within one beat; when the
ticks clearly leave the line it restarts the fit from the newest ticks, so a jump is
followed in a few ticks rather than a whole beat. A tick lost on the way (seen on an
overloaded JACK server that drops a client's late cycle) is counted once the ticks
after it confirm the loss; the fit starts afresh at Start, Continue and after the
DAW paused its clock.
"""

from __future__ import annotations

import enum
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from rnnmusic.errors import ConfigError
from rnnmusic.live.messages import CLOCK, CLOCKS_PER_QUARTER, CONTINUE, SONG_POSITION, START, STOP


@dataclass(frozen=True)
class Timeline:
    """Beats (quarter notes) to monotonic seconds: a straight line through an anchor; stopped means never."""

    anchor_time: float
    anchor_beat: float
    seconds_per_beat: float
    running: bool = True
    until: float = math.inf  # no beat falls later than this: a followed clock's line ends a while after its last tick

    @property
    def bpm(self) -> float:
        return 60.0 / self.seconds_per_beat

    def seconds_at(self, beat: float) -> float:
        if not self.running:
            return math.inf
        at = self.anchor_time + (beat - self.anchor_beat) * self.seconds_per_beat
        return at if at <= self.until else math.inf

    def beat_at(self, seconds: float) -> float:
        if not self.running:
            return self.anchor_beat
        return self.anchor_beat + (seconds - self.anchor_time) / self.seconds_per_beat

    def stopped(self, at: float) -> Timeline:
        """This timeline frozen at the beat reached at time ``at``."""
        return Timeline(at, self.beat_at(at), self.seconds_per_beat, running=False)


@dataclass(frozen=True)
class Meter:
    numerator: int = 4
    denominator: int = 4

    @classmethod
    def parse(cls, text: str) -> Meter:
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


MAX_LOST = 3  # ticks that may go missing in a row and still be counted (more is the clock pausing)
MIN_SLOPE_POINTS = 5  # ticks a tempo fit needs to follow a tempo change
RESTART_SLOPE_POINTS = 12  # ticks after a pause or a Start/Continue before the fit may change the tempo
BUNCH_SECONDS = 0.001  # ticks closer than this arrived together (2,500 BPM): kept out of the tempo fit
PAUSE_SECONDS = 0.15  # a gap in the clock longer than this and than a few ticks is the DAW pausing it
LOSS_FIT_POINTS = 8  # ticks on the tempo line before a gap in it can be judged
LOSS_CONFIRM = 3  # ticks after a gap that must agree before lost ticks are counted
LOSS_TOLERANCE = 0.3  # of a tick: how near a whole number of ticks a gap must be to count as a loss


class Transport(enum.Enum):
    TEMPO = "tempo"  # a new timeline, same transport state
    START = "start"  # play from the top (beat 0)
    CONTINUE = "continue"  # play on from the song position
    STOP = "stop"  # stopped: silence at once
    LOCATE = "locate"  # stopped, and the song position moved (Song Position Pointer): prepare that bar


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
        self._miss = 0.0  # how far the last tick was off the line, when it was (seconds; 0: on it)
        self._slope_points = MIN_SLOPE_POINTS
        self._last_tick = -math.inf
        self._held: list[tuple[int, float, float]] = []  # (serial, arrival, ticks behind the line) of ticks that
        # may follow lost ones, kept out of the fit
        self._held_lost = 0  # how many ticks they would follow
        self.lost_ticks = 0  # ticks found lost on the way, in all

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
                return
            self._flush_held(0)  # a gap judged across a transport change would move the wrong position
            if status in (START, CONTINUE):
                self._restart_fit()  # a DAW may start its clock afresh, in a new phase, with the transport
                if status == START:
                    self._position = 0
                self._running = True
                self._armed = Transport.START if status == START else Transport.CONTINUE
                self._publish(self._armed, self._line(arrived, running=False))
            elif status == STOP:
                self._stop(arrived)
            elif status == SONG_POSITION and len(data) == 3 and not self._running:
                self._position = 6 * (data[1] | data[2] << 7)  # sixteenths -> ticks
                self._publish(Transport.LOCATE, self._line(arrived, running=False))

    def check(self, now: float | None = None) -> bool:
        """Treat a clock that went quiet while running as a Stop; True when that happened."""
        now = self._now() if now is None else now
        with self._lock:
            if self._running and not self._armed and now - self._last_tick > self._quiet_seconds():
                self._stop(now)
                return True
        return False

    def _quiet_seconds(self) -> float:
        """How long the clock may be silent while running before that counts as Stop: a beat, at least 0.5 s."""
        return max(0.5, CLOCKS_PER_QUARTER * self._tick_seconds)

    def _stop(self, at: float) -> None:
        was_running = self._running and not self._armed
        self._running, self._armed = False, None
        beat = self.timeline.beat_at(at) if was_running else self._position / CLOCKS_PER_QUARTER
        self._publish(Transport.STOP, Timeline(at, beat, self.timeline.seconds_per_beat, running=False))

    def _tick(self, arrived: float) -> None:
        self._serial += 1
        # A tick right on the heels of the last one was held up with it (a DAW catching up after a
        # stall, one JACK period delivering both): it says where the song is, but not when it was sent.
        bunched = arrived - self._last_tick < BUNCH_SECONDS
        lost = 0 if bunched else self._count_lost(self._serial, arrived)
        if lost:
            self.lost_ticks += lost
            self._serial += lost
            if self._running and not self._armed:
                self._position += lost
        self._last_tick = arrived
        if not self._held and not bunched:
            self._follow_tempo(self._serial, arrived)
        if not self._running:
            self._publish(Transport.TEMPO, self._line(arrived, running=False))
            return
        event = self._armed or Transport.TEMPO
        self._armed = None
        self._publish(event, self._line(arrived, running=True))
        self._position += 1

    def _count_lost(self, serial: int, arrived: float) -> int:
        """Ticks that never arrived (a MIDI system dropping a busy cycle's events), once that is certain.

        A tick a whole number m (1-MAX_LOST) of ticks behind the tempo line may follow m lost ticks,
        or may just be late (a delayed JACK cycle). Ticks are never early, so after a loss every
        later tick is at least m behind too, while after a late one they come back to the line. So
        ticks from such a gap on are held out of the tempo fit (the line before the gap is right in
        both cases) until LOSS_CONFIRM more have come: m is counted when the least and the second
        least of them are m behind; a tempo drop drifts further behind each tick and counts nothing.
        Without this, one lost tick leaves the position a tick behind until the next Start; judged on
        one tick, a late tick puts the position a tick ahead and keeps it there.
        """
        if self._fit is None or len(self._ticks) < LOSS_FIT_POINTS:
            self._flush_held(0)
            return 0
        origin, step = self._fit
        behind = (arrived - (origin + step * serial)) / step
        if not self._held:
            m = round(behind)
            if 1 <= m <= MAX_LOST and abs(behind - m) < LOSS_TOLERANCE:
                self._held_lost = m
                self._held.append((serial, arrived, behind))
            return 0
        m = self._held_lost
        if behind < m - LOSS_TOLERANCE:  # back towards the line: the gap was a late tick
            self._flush_held(0)
            return 0
        if len(self._held) < LOSS_CONFIRM:
            self._held.append((serial, arrived, behind))
            return 0
        least = sorted([b for _, _, b in self._held] + [behind])[:2]
        lost = m if all(abs(b - m) < LOSS_TOLERANCE for b in least) else 0
        self._flush_held(lost)
        return lost  # the caller fits this tick, ``lost`` later than counted

    def _flush_held(self, lost: int) -> None:
        """Put the held ticks into the tempo fit: ``lost`` ticks later than counted (a confirmed loss) or as counted."""
        held, self._held = self._held, []
        for serial, at, _ in held:
            self._follow_tempo(serial + lost, at)

    def _line(self, arrived: float, running: bool) -> Timeline:
        """The timeline through the current tick: on the fitted line (jitter smoothed), unless the tick came
        clearly early (the tempo rose: ticks never arrive before they were sent, so the line is late)."""
        at = arrived
        if self._fit is not None and running:
            origin, step = self._fit
            fitted = origin + step * self._serial
            at = arrived if arrived < fitted - self._tolerance(step) else fitted
        # The line runs on only as long as a quiet clock is not yet a Stop, even if nobody checks in time.
        return Timeline(at, self._position / CLOCKS_PER_QUARTER, self._tick_seconds * CLOCKS_PER_QUARTER, running,
                        until=arrived + self._quiet_seconds())

    @staticmethod
    def _tolerance(step: float) -> float:
        """How far off the line a tick may arrive from jitter alone (a JACK period or two)."""
        return max(0.0025, 0.2 * step)

    def _restart_fit(self) -> None:
        """Fit the line afresh from the next tick, keeping the tempo until a beat's worth of ticks say more."""
        self._ticks.clear()
        self._miss = 0.0
        self._slope_points = RESTART_SLOPE_POINTS

    def _follow_tempo(self, serial: int, arrived: float) -> None:
        step = self._tick_seconds
        if self._ticks and arrived - self._ticks[-1][1] > max(PAUSE_SECONDS, (MAX_LOST + 1.5) * step):
            # The clock was off (a DAW pausing it while stopped): old ticks say nothing about now, and
            # the old line, extrapolated over the pause, would put this tick seconds too early.
            self._restart_fit()
        elif self._fit is not None and len(self._ticks) >= self._slope_points:  # (still learning: no judging)
            origin, step = self._fit
            residual = arrived - (origin + step * serial)
            # Jitter stays within the tolerance, and a late tick is followed by ticks back on the line; a
            # tempo change pushes tick after tick further off it, the same way: then fit from the change on.
            if abs(residual) <= self._tolerance(step):
                self._miss = 0.0
            elif self._miss and (residual > 0) == (self._miss > 0) and abs(residual) > abs(self._miss):
                keep = list(self._ticks)[-2:]
                self._ticks.clear()
                self._ticks.extend(keep)
                self._miss = 0.0
                self._slope_points = MIN_SLOPE_POINTS  # the tempo changed: learn the new one at once
            else:
                self._miss = residual
        self._ticks.append((serial, arrived))
        self._fit = _fit_line(self._ticks, self._tick_seconds, self._slope_points)
        self._tick_seconds = self._fit[1]


def _fit_line(points, step: float, slope_points: int) -> tuple[float, float]:
    """Time at serial 0 and seconds per tick through (serial, time) points.

    Below ``slope_points`` ticks the slope is not trusted, so the tempo so far is kept and only the
    offset is fitted. Otherwise the slope is the median of the slopes between every two ticks
    (Theil-Sen): two ticks delivered in one late JACK period cannot drag it off, as they drag a
    least-squares line, and pairs far apart keep it as precise as one.
    """
    pairs = list(points)
    if len(pairs) >= max(2, slope_points):
        step = statistics.median((t1 - t0) / (x1 - x0) for i, (x0, t0) in enumerate(pairs) for x1, t1 in pairs[i + 1:])
        step = min(max(step, 60.0 / 999 / CLOCKS_PER_QUARTER), 60.0 / 1.0 / CLOCKS_PER_QUARTER)  # 1-999 BPM
    return statistics.median(t - step * x for x, t in pairs), step
