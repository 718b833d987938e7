"""Fakes for fast tests of the live engine: list-backed ports, a clock that moves only when told, and a
source that plays a fixed pattern instead of a model (the live timing benchmark uses it too).

They go through the same public methods as the real ports (validation, locking,
closing), so a test that passes here exercises everything but the MIDI system.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rnnmusic.live.port_base import MidiInput, MidiOutput
from rnnmusic.notes import Note, NoteSequence


class ManualClock:
    """A monotonic clock for tests: ``now()`` returns what ``advance``/``set`` made it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, seconds: float) -> None:
        with self._lock:
            self._now = seconds


class FakeOutput(MidiOutput):
    """Records every message sent as (time, bytes); can be made to fail like a lost device."""

    def __init__(self, name: str = "fake out", now: Callable[[], float] = lambda: 0.0, drain_seconds: float = 0.0,
                 sleep: Callable[[float], None] | None = None) -> None:
        super().__init__(name, virtual=False, drain_seconds=drain_seconds, now=now,
                         sleep=sleep or (lambda seconds: None))
        self.sent: list[tuple[float, bytes]] = []
        self._now = now
        self.lost = False

    def _send(self, data: bytes) -> None:
        if self.lost:
            from rnnmusic.errors import PortError

            raise PortError(f"MIDI output {self.name!r} is gone")
        self.sent.append((self._now(), bytes(data)))

    def _alive(self) -> bool:
        return not self.lost

    def messages(self) -> list[bytes]:
        return [data for _, data in self.sent]


class FakeInput(MidiInput):
    """An input a test plays into with :meth:`feed`."""

    def __init__(self, name: str = "fake in", now: Callable[[], float] = lambda: 0.0) -> None:
        super().__init__(name, virtual=False)
        self._now = now
        self.lost = False

    def feed(self, data: bytes | list[int], at: float | None = None) -> None:
        self._deliver(bytes(data), self._now() if at is None else at)

    def _alive(self) -> bool:
        return not self.lost


class PatternSource:
    """A NoteSource that repeats ``pitches`` one note every ``step`` beats (each ``length`` long).

    After :meth:`prime` it answers with the call's pitches, in order, moved up by
    ``answer_shift`` semitones: a recognisable "continuation" for call-and-response tests.
    """

    def __init__(self, pitches=(60, 62, 64, 65), step: float = 1.0, length: float = 0.5, velocity: int = 100,
                 answer_shift: int = 12, fail_after: float | None = None) -> None:
        self.pitches = list(pitches)
        self.step, self.length, self.velocity = step, length, velocity
        self.answer_shift = answer_shift
        self.fail_after = fail_after  # raise RuntimeError once the stream passes this many beats
        self._position = 0.0
        self._index = 0
        self.options: dict = {}
        self.primed: list[NoteSequence] = []
        self.rewinds: list[tuple[float, float]] = []  # (position before, position after) of each rewind
        self.kept_from = 0.0  # what the engine last said it may rewind to (rewinding before it is a bug)

    @property
    def position(self) -> float:
        return self._position

    def next_notes(self, beats: float) -> list[Note]:
        if self.fail_after is not None and self._position >= self.fail_after:
            raise RuntimeError("generation failed (PatternSource.fail_after)")
        notes = []
        end = self._position + beats
        first = -(-self._position // self.step)  # first grid index at or after position
        k = int(first)
        while k * self.step < end - 1e-9:
            start = k * self.step
            pitch = self.pitches[self._index % len(self.pitches)]
            self._index += 1
            notes.append(Note(pitch, self.velocity, start, start + self.length))
            k += 1
        self._position = end
        return notes

    def set_options(self, **changes) -> None:
        self.options.update(changes)

    def prime(self, seq: NoteSequence) -> None:
        self.primed.append(seq)
        self.pitches = [int(p) + self.answer_shift for p in seq.notes["pitch"]] or self.pitches
        self._index = 0
        self._position += seq.total_time * seq.qpm / 60.0

    def reset(self) -> None:
        self._position, self._index = 0.0, 0

    def keep_from(self, position: float) -> None:
        self.kept_from = position

    def rewind(self, position: float) -> None:
        """Back to ``position``; the pattern goes on where it was (as a model's random generator does)."""
        if not self.kept_from - 1e-9 <= position <= self._position + 1e-9:
            raise ValueError(f"cannot rewind to {position} (kept from {self.kept_from}, at {self._position})")
        self.rewinds.append((self._position, position))
        self._position = position
