"""The live engine: generation running ahead on its own thread, feeding the sender thread on the clock.

Data flows one way: clock and input messages -> generation thread -> scheduler
(sender thread) -> output port. Three threads take part:

* the input thread (the MIDI backend's callback) feeds the clock follower, the
  call capture, the CC controls and pass-through; it does nothing slow;
* the generation thread keeps ``lookahead_bars`` of music queued ahead of the beat,
  chunk by chunk (a chunk never crosses a bar line), and applies control changes
  between chunks;
* the sender thread (:class:`~rnnmusic.live.scheduler.Scheduler`) sends each message
  on time and tracks every sounding note.

Every way of ending (stop, transport Stop, a clock that goes quiet, an exception in
generation, a lost port) goes through :meth:`Scheduler.panic`, which ends every
sounding note and sends All Notes Off on each channel used.

A regenerate press (:meth:`LiveEngine.regenerate`, a CC or a key) throws away every
queued bar from the next bar line that is not yet due, takes the stream back to the
state at that bar line (:meth:`NoteSource.rewind`: what was sent stays exactly as it
was, and the random generator moves on, so each press gives other bars) and makes
``regenerate_bars`` bars from there at once. A note that began before the bar line
keeps its note-off as scheduled: it sounds to its end, as generated, over the first
new notes (ending it at the bar line would change a bar already heard).
"""

from __future__ import annotations

import gc
import itertools
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rnnmusic.errors import ConfigError, PortError
from rnnmusic.live.capture import CallCapture, call_sequence
from rnnmusic.live.clock import BeatClock, InternalClock, MidiClockFollower, Timeline, Transport
from rnnmusic.live.config import LiveConfig, note_entries
from rnnmusic.live.control import ControlMap
from rnnmusic.live.messages import program_change
from rnnmusic.live.port_base import MidiInput, MidiOutput
from rnnmusic.live.scheduler import Scheduler
from rnnmusic.live.source import NoteSource

START_LEAD = 0.1  # seconds between start() and the first beat of the internal clock
ANSWER_LEAD = 0.05  # seconds of margin before an answer or a regenerated passage begins
POLL = 0.02  # seconds between generation-thread rounds when nothing wakes it
CHECK_EVERY = 0.25  # seconds between port, clock and note-length checks


@dataclass
class LiveStats:
    chunks: int = 0
    underruns: int = 0  # chunks queued after their first beat was already due
    min_lead: float = math.inf  # seconds: the least time between queuing a chunk and its first beat
    answers: int = 0
    guarded: int = 0  # notes ended by the maximum note length guard
    regenerations: int = 0
    # seconds from the latest regenerate press to its first new chunk queued, and to all its bars queued
    regenerate_first: float = math.nan
    regenerate_all: float = math.nan


class LiveEngine:
    """Plays a NoteSource through an output port in time with a clock, with every note accounted for."""

    def __init__(
        self,
        source: NoteSource,
        output: MidiOutput,
        clock: BeatClock,
        config: LiveConfig = LiveConfig(),
        input: MidiInput | None = None,
        controls: ControlMap | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        if config.mode == "call-response" and input is None:
            raise ConfigError("call-response mode listens to the player: give an input port (--in)")
        self.source, self.output, self.clock, self.config = source, output, clock, config
        self.input, self.controls = input, controls
        self._now = now
        self.stats = LiveStats()
        self.scheduler = Scheduler(output, clock.timeline, now=now, latency=config.latency_ms / 1000.0,
                                   record=config.record, realtime=config.realtime, on_error=self._fail)
        self.capture = CallCapture(config.silence_beats) if config.mode == "call-response" else None
        self.failure: BaseException | None = None
        self._commands: queue.SimpleQueue[tuple[str, Any, float]] = queue.SimpleQueue()  # (name, value, arrived)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards the placement below against a transport Stop
        self._epoch = 0
        self._origin: float | None = None  # beat where the music now queued began; None: nothing placed
        self._place = 0.0  # beat where the next chunk goes
        self._segment_end = math.inf  # continuous mode plays on; an answer ends after answer_bars
        self._cue: float | None = None  # bar a Start/Continue asked for, until the music is placed there
        self._regenerate_until = -math.inf  # beat up to which a regenerate press wants music queued now
        self._pressed: float | None = None  # when that press arrived, until its bars are queued (stats)
        self._ids = itertools.count(1).__next__
        self._thread: threading.Thread | None = None
        self._last_check = -math.inf
        clock.subscribe(self._on_clock)
        if input is not None:
            input.set_callback(self._on_input)

    # -- life cycle ------------------------------------------------------------
    def start(self) -> None:
        """Start sending; the internal clock's first beat comes once the first lookahead is ready."""
        gc.collect()
        gc.freeze()  # what exists now (model, modules) is never scanned again: shorter GC pauses
        self.scheduler.start()
        self.scheduler.clear_channels(self.channels())  # a killed earlier run may have left notes on
        if self.config.program is not None:
            self.scheduler.send_now(program_change(self.config.channel, self.config.program))
        self.step()  # prepares the first lookahead while the clock is still stopped
        if isinstance(self.clock, InternalClock):
            self.clock.start(self._now() + START_LEAD)
        self._thread = threading.Thread(target=self._run, name="rnnmusic-generate", daemon=True)
        self._thread.start()

    def channels(self) -> tuple[int, ...]:
        """The channels this run may sound on: its own, and with pass-through any the player uses."""
        return tuple(range(16)) if self.config.pass_through else (self.config.channel,)

    def stop(self) -> None:
        """Stop every thread and end every sounding note (All Notes Off on each channel used)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        if self.input is not None:
            self.input.set_callback(None)
        self.scheduler.stop(panic=True)
        gc.unfreeze()

    def panic(self) -> None:
        """End every sounding note now (All Notes Off on each channel used) and keep playing."""
        self.scheduler.panic()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the engine stops by itself (failure) or ``timeout``; True when stopped."""
        return self._stopping.wait(timeout)

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()

    def beat(self) -> float:
        """The current beat on the clock (frozen while the transport is stopped)."""
        return self.clock.timeline.beat_at(self._now())

    def regenerate(self) -> None:
        """Make the next ``regenerate_bars`` bars again from the next bar line (see the module doc); any thread."""
        self._commands.put(("regenerate", True, self._now()))
        self._wake.set()

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self._stopping.set()
        self._wake.set()
        try:
            self.scheduler.panic()
        except Exception:  # the output itself may be what failed
            pass

    # -- input and clock (input thread) ------------------------------------------
    def _on_input(self, data: bytes, arrived: float) -> None:
        try:
            if data[0] >= 0xF0:
                if isinstance(self.clock, MidiClockFollower):
                    self.clock.handle(data, arrived)
                return
            action = self.controls.match(data) if self.controls is not None else None
            if action is not None:
                if action[0] == "mute":
                    self.scheduler.set_muted(bool(action[1]))
                else:
                    self._commands.put((*action, arrived))
                    self._wake.set()
                return
            if self.capture is not None:
                self.capture.handle(data, self.clock.timeline.beat_at(arrived))
            if self.config.pass_through:
                self.scheduler.send_now(data)
        except BaseException as exc:  # never let an error die silently on the backend's thread
            self._fail(exc)

    def _on_clock(self, event: Transport, timeline: Timeline) -> None:
        self.scheduler.set_timeline(timeline)
        if event in (Transport.START, Transport.CONTINUE, Transport.LOCATE):
            # Play from the bar the song position gives. Done here, on the input thread, before the
            # first tick is handled: a DAW sends Song Position, Continue and that tick at once, and the
            # music queued for another bar must not go out on that tick (it would, all at once, were
            # it left to the generation thread), nor be placed by the beat it finds, a bar late.
            cue = self._bar_at_or_after(timeline.anchor_beat)
            with self._lock:
                moved = self._origin != cue
                if moved:
                    self._epoch += 1
                    self._origin, self._cue = None, cue
            if moved:
                self.scheduler.cancel_from(-math.inf)
        if event is Transport.STOP:
            with self._lock:
                self._epoch += 1
                self._origin = None
            self.scheduler.panic()  # transport stop silences at once
            if self.capture is not None:
                self.capture.clear()
        if event is not Transport.TEMPO:
            self._wake.set()

    # -- generation thread -------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self.step()
                self._wake.wait(POLL)
                self._wake.clear()
        except BaseException as exc:
            self._fail(exc)

    def step(self) -> None:
        """One round of the generation thread: commands, placement, generation, watchdogs (tests call it directly)."""
        timeline, now = self.clock.timeline, self._now()
        self._apply_commands(timeline, now)
        if self.capture is not None:
            self._maybe_answer(self.capture, timeline, now)
        else:
            self._maybe_place(timeline, now)
        self._fill(timeline, now)
        if now - self._last_check >= CHECK_EVERY:
            self._last_check = now
            self._check(timeline, now)

    def _bar_at_or_after(self, beat: float) -> float:
        per_bar = self.clock.meter.beats_per_bar
        return math.ceil(beat / per_bar - 1e-9) * per_bar

    def _lead_beats(self, timeline: Timeline) -> float:
        return ANSWER_LEAD / timeline.seconds_per_beat

    def _restart_at(self, beat: float, segment_end: float = math.inf) -> None:
        self.scheduler.cancel_from(-math.inf)
        with self._lock:
            self._origin = self._place = beat
            self._segment_end = segment_end
            self._regenerate_until, self._pressed = -math.inf, None

    def _maybe_place(self, timeline: Timeline, now: float) -> None:
        """Continuous mode: decide where the music goes (bar-aligned) when nothing is placed or the song moved."""
        if timeline.running:
            if self._origin is None:
                with self._lock:
                    cue, self._cue = self._cue, None
                self._restart_at(self._bar_at_or_after(timeline.beat_at(now) + self._lead_beats(timeline))
                                 if cue is None else cue)
            return
        want = self._bar_at_or_after(timeline.anchor_beat)
        if self._origin != want:  # stopped: prepare the bar the transport will start from
            self._cue = None
            self._restart_at(want)

    def _maybe_answer(self, capture: CallCapture, timeline: Timeline, now: float) -> None:
        """Call-response: once the player has been quiet long enough, answer from the next beat."""
        if not timeline.running or (self._origin is not None and self._place < self._segment_end):
            return
        beat = timeline.beat_at(now)
        if not capture.ready(beat):
            return
        meter = self.clock.meter
        self.source.prime(call_sequence(capture.take(), timeline.bpm, meter.numerator, meter.denominator))
        start = math.ceil(beat + self._lead_beats(timeline) - 1e-9)
        self._restart_at(start, start + self.config.answer_bars * meter.beats_per_bar)
        self.stats.answers += 1

    def _fill(self, timeline: Timeline, now: float) -> None:
        """Generate chunk by chunk until the lookahead (or the answer, or a regenerate press's bars) is queued."""
        with self._lock:
            if self._origin is None:
                return
            playing = max(timeline.beat_at(now), self._origin) if timeline.running else self._origin
            # no regenerate press can reach back past the beat playing now: the stream may forget before it
            self.source.keep_from(self.source.position - (self._place - playing))
        per_bar = self.clock.meter.beats_per_bar
        horizon = playing + self.config.lookahead_bars * per_bar
        while not self._stopping.is_set():
            with self._lock:
                epoch, place = self._epoch, self._place
                end = min(max(horizon, self._regenerate_until), self._segment_end)
                if self._origin is None or place >= end - 1e-9:
                    return
                next_bar = (math.floor(place / per_bar + 1e-9) + 1) * per_bar  # every bar line ends a chunk
                beats = min(self.config.chunk_beats, self._segment_end - place, next_bar - place)
            position = self.source.position
            entries = note_entries(self.source.next_notes(beats), place - position, self.config, self._ids)
            with self._lock:
                if epoch != self._epoch:
                    return  # a transport Stop came while generating: this chunk is for a song that stopped
                lead = self.scheduler.timeline.seconds_at(place) - self.scheduler.latency - self._now()
                if lead != math.inf:
                    self.stats.min_lead = min(self.stats.min_lead, lead)
                    self.stats.underruns += lead < 0
                self.scheduler.push_many(entries)
                self._place = place + beats
                self.stats.chunks += 1
                if self._pressed is not None:
                    self._count_regeneration(self._now() - self._pressed)

    def _count_regeneration(self, took: float) -> None:
        """Stats: how long the latest regenerate press took to its first chunk and to all its bars queued."""
        if math.isnan(self.stats.regenerate_first):
            self.stats.regenerate_first = took
        if self._place >= min(self._regenerate_until, self._segment_end) - 1e-9:
            self.stats.regenerate_all, self._pressed = took, None

    def _apply_commands(self, timeline: Timeline, now: float) -> None:
        while True:
            try:
                name, value, arrived = self._commands.get_nowait()
            except queue.Empty:
                return
            if name in ("temperature", "repetition", "key"):
                self.source.set_options(**{name: value})
            elif name == "regenerate" and value:
                self._regenerate(timeline, now, arrived)

    def _regenerate(self, timeline: Timeline, now: float, pressed: float) -> None:
        """Throw away the queued bars from the next bar line not yet due; the stream goes back there (module doc)."""
        with self._lock:  # against a transport Stop or relocation coming at the same time
            if self._origin is None:
                return
            if timeline.running:  # nothing at or after the cut may have gone out (the latency sends early)
                lead = self._lead_beats(timeline) + max(self.scheduler.latency, 0.0) / timeline.seconds_per_beat
                cut = max(self._bar_at_or_after(timeline.beat_at(now) + lead), self._origin)
            else:
                cut = self._origin  # stopped: all that is queued waits for the transport
            if cut >= self._segment_end - 1e-9:
                return  # an answer that has been queued to its end: nothing of it is left to make again
            if cut < self._place - 1e-9:
                self.scheduler.cancel_from(cut)
                self.source.rewind(self.source.position - (self._place - cut))
                self._place = cut
            self._regenerate_until = cut + self.config.regenerate_bars * self.clock.meter.beats_per_bar
            self._pressed = pressed
            self.stats.regenerate_first = self.stats.regenerate_all = math.nan
            self.stats.regenerations += 1

    def _check(self, timeline: Timeline, now: float) -> None:
        """The slow watchdogs: lost ports, a clock gone quiet, notes held too long."""
        for port, kind in ((self.output, "output"), (self.input, "input")):
            if port is not None and not port.is_alive():
                raise PortError(f"MIDI {kind} {port.name!r} has gone away")
        if isinstance(self.clock, MidiClockFollower):
            self.clock.check(now)
        if timeline.running:
            limit = (self.config.max_note_beats + 0.5) * timeline.seconds_per_beat
            self.stats.guarded += self.scheduler.end_overdue(limit)
