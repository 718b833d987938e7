"""The sender thread: a heap of messages keyed by beat, each sent when the clock reaches its time.

Messages are scheduled in beats and turned into seconds only when they are next
due, through whatever :class:`~rnnmusic.live.clock.Timeline` is current, so a tempo
change (or a transport stop, which makes every time infinite) reaches messages
already queued. The thread waits on a condition that every push, timeline change
and stop notifies, then sends all that is due.

Nothing slow runs on this thread: no logging, no generation, no message objects;
each send goes through the :class:`~rnnmusic.live.hygiene.NoteTracker` (fixed arrays)
and lateness is written into preallocated arrays. Sending happens under the
scheduler's lock, so a panic from another thread can never slip between a
note-on's removal from the heap and its sending. The thread asks for real-time
priority (SCHED_FIFO) where the system allows it and lowers the interpreter's
switch interval, because a waiting sender otherwise waits up to 5 ms for the GIL.

:meth:`Scheduler.run_due` is public so unit tests drive it with a manual clock and
no thread at all.
"""

from __future__ import annotations

import heapq
import os
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable

from rnnmusic.live.clock import Timeline
from rnnmusic.live.hygiene import DROP, RETRIGGER, NoteTracker, clearing_messages
from rnnmusic.live.messages import NOTE_ON, note_off
from rnnmusic.live.port_base import MidiOutput

SWITCH_INTERVAL = 0.0005  # seconds: how long a thread holding the GIL may keep the sender waiting
# SCHED_FIFO priority 1: any real-time priority runs before all ordinary work, which is all the sender
# needs, and 1 stays below every audio thread. jack2 runs its server at 10 by default and its clients'
# process threads at 5 (seen with ps -eLo rtprio here); a sender above them preempts JACK on a busy
# machine, the clients miss their cycle and JACK drops that cycle's MIDI (ours, and the DAW's clock).
REALTIME_PRIORITY = 1

Entry = tuple[float, bytes, int]  # (beat, message, note id: pairs a note-on with its note-off; 0 = none)


class Scheduler:
    """Sends scheduled messages at their time on its own thread; every stop path ends all notes."""

    def __init__(
        self,
        output: MidiOutput,
        timeline: Timeline,
        now: Callable[[], float] = time.monotonic,
        latency: float = 0.0,
        record: int = 0,
        realtime: bool = True,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """``latency`` in seconds sends everything that much earlier (negative: later); ``record``
        keeps the due time and lateness of the first that many scheduled messages."""
        self.output = output
        self.tracker = NoteTracker()
        self._timeline = timeline
        self._now = now
        self.latency = latency
        self._heap: list[tuple[float, int, bytes, int]] = []
        self._serial = 0
        self._cond = threading.Condition(threading.Lock())
        self._muted = False
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._realtime_wanted = realtime
        self.realtime = False  # whether the thread got real-time priority
        self._on_error = on_error
        self.error: BaseException | None = None
        self._saved_switch: float | None = None
        self.due_times = array("d", bytes(8 * record))
        self.lateness = array("d", bytes(8 * record))
        self.recorded = 0
        self.sent = 0

    # -- what producers call ---------------------------------------------------
    @property
    def timeline(self) -> Timeline:
        return self._timeline

    def set_timeline(self, timeline: Timeline) -> None:
        with self._cond:
            self._timeline = timeline
            self._cond.notify()

    def push(self, beat: float, data: bytes, note_id: int = 0) -> None:
        self.push_many(((beat, data, note_id),))

    def push_many(self, entries: Iterable[Entry]) -> None:
        with self._cond:
            for beat, data, note_id in entries:
                self._serial += 1  # keeps equal beats in the order they were pushed
                heapq.heappush(self._heap, (beat, self._serial, bytes(data), note_id))
            self._cond.notify()

    def send_now(self, data: bytes) -> None:
        """Send at once (pass-through, program change), tracked like everything else; not muted."""
        with self._cond:
            self._send(data, self._now())

    def clear_channels(self, channels: Iterable[int]) -> None:
        """Send :func:`~rnnmusic.live.hygiene.clearing_messages` now, untracked: they end what an earlier,
        killed run left sounding, which this run's tracker never saw."""
        with self._cond:
            for message in clearing_messages(channels):
                self._send_raw(message)

    def cancel_from(self, beat: float) -> int:
        """Drop note-ons at or after ``beat`` and their note-offs (notes already sounding keep theirs)."""
        with self._cond:
            gone = {e[3] for e in self._heap if e[0] >= beat and e[2][0] & 0xF0 == NOTE_ON and e[2][2] > 0}
            gone.discard(0)
            kept = [e for e in self._heap if e[3] not in gone and not (e[0] >= beat and e[3] == 0)]
            heapq.heapify(kept)
            dropped = len(self._heap) - len(kept)
            self._heap = kept
            return dropped

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        """Muted: scheduled note-ons are dropped and sounding notes end now; unmuting resumes with the next note."""
        with self._cond:
            self._muted = muted
            if muted:
                for message in self.tracker.release():
                    self._send_raw(message)

    def panic(self) -> None:
        """Forget everything queued and end every sounding note (plus All Notes Off per channel used)."""
        with self._cond:
            self._heap.clear()
            for message in self.tracker.panic():
                self._send_raw(message)
            self._cond.notify()

    def end_overdue(self, max_seconds: float) -> int:
        """End notes that have sounded longer than ``max_seconds``; how many were ended."""
        with self._cond:
            messages = self.tracker.release(self.tracker.overdue(self._now(), max_seconds))
            for message in messages:
                self._send_raw(message)
            return len(messages)

    # -- sending ---------------------------------------------------------------
    def next_due(self) -> float:
        """Monotonic time the earliest queued message is due (inf when none or the clock is stopped)."""
        with self._cond:
            return self._next_due()

    def _next_due(self) -> float:
        if not self._heap:
            return float("inf")
        return self._timeline.seconds_at(self._heap[0][0]) - self.latency

    def run_due(self, now: float | None = None) -> int:
        """Send every message due by ``now``; returns how many went out."""
        with self._cond:
            return self._run_due(self._now() if now is None else now)

    def _run_due(self, now: float) -> int:
        count = 0
        heap, timeline = self._heap, self._timeline
        while heap:
            due = timeline.seconds_at(heap[0][0]) - self.latency
            if due > now:
                break
            _, _, data, _ = heapq.heappop(heap)
            if self._muted and data[0] & 0xF0 == NOTE_ON and data[2] > 0:
                continue
            sent_at = self._now()
            self._send(data, sent_at)
            i = self.recorded
            if i < len(self.lateness):
                self.due_times[i] = due
                self.lateness[i] = sent_at - due
                self.recorded = i + 1
            count += 1
        return count

    def _send(self, data: bytes, now: float) -> None:
        action = self.tracker.filter(data, now)
        if action == DROP:
            return
        if action == RETRIGGER:
            self._send_raw(note_off(data[0] & 0x0F, data[1]))
        self._send_raw(data)

    def _send_raw(self, data: bytes) -> None:
        self.output.send(data)
        self.sent += 1

    # -- the thread ------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("scheduler already started")
        self._saved_switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._saved_switch, SWITCH_INTERVAL))
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="rnnmusic-sender", daemon=True)
        self._thread.start()

    def stop(self, panic: bool = True) -> None:
        """Stop the thread; with ``panic`` (the default) end every sounding note first."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._saved_switch is not None:
            sys.setswitchinterval(self._saved_switch)
            self._saved_switch = None
        if panic:
            try:
                self.panic()
            except Exception:  # the port may be the thing that failed; nothing more can be sent
                pass

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        self.realtime = self._realtime_wanted and _become_realtime()
        cond = self._cond
        try:
            with cond:
                while not self._stopping:
                    wait = self._next_due() - self._now()
                    if wait > 0:
                        # Woken early by a push, a new timeline or stop; the cap guards against a clock jump.
                        cond.wait(min(wait, 0.5))
                        continue
                    self._run_due(self._now())
        except BaseException as exc:  # a lost port: report it, the engine decides what to do
            self.error = exc
            if self._on_error is not None:
                self._on_error(exc)


def _become_realtime() -> bool:
    """Ask for SCHED_FIFO for the calling thread; False where not allowed (most desktop users without rtprio)."""
    if not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(REALTIME_PRIORITY))
    except (OSError, ValueError):
        return False
    return True
