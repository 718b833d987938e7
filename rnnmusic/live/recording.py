"""What a live run really played: an output port that passes every message on and keeps its notes.

The recorder sits between the live engine and the port it plays to, so it sees the
notes as they went out (after the lookahead was cut by a regenerate, a transport
Stop or a panic), not as they were planned. Each note is kept in beats of the run's
clock, read when its note-on and note-off were sent. :class:`LivePlacement` puts
those beats after a seed, on the seed's bar lines and tempo, which is how the app
draws them in the piano roll and keeps them as a take.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from rnnmusic.grid import StepGrid
from rnnmusic.live.clock import BeatClock
from rnnmusic.live.messages import ALL_NOTES_OFF, CONTROL_CHANGE, is_note_off, is_note_on
from rnnmusic.live.port_base import MidiOutput
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature

_STEPS = 12  # steps per quarter note for finding bar lines (fine enough for any meter rnnmusic reads)


class RecordingOutput(MidiOutput):
    """Sends through ``port`` and keeps every finished note, in beats of ``clock``, in the order they ended."""

    def __init__(self, port: MidiOutput, clock: BeatClock, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(port.name, port.virtual, now=now)  # ``port`` does its own draining on close
        self.port, self._beats = port, clock
        self._now = now
        self._notes_lock = threading.Lock()
        self._sounding: dict[tuple[int, int], tuple[float, int]] = {}  # (channel, pitch) -> (beat, velocity)
        self._finished: list[Note] = []
        self._handed = 0  # how many finished notes new_notes() has handed out

    def _send(self, data: bytes) -> None:
        self.port.send(data)
        beat = self._beats.timeline.beat_at(self._now())
        with self._notes_lock:
            if is_note_on(data):
                key = (data[0] & 0x0F, data[1])
                self._end(key, beat)  # a note struck again ends where it is struck
                self._sounding[key] = (beat, data[2])
            elif is_note_off(data):
                self._end((data[0] & 0x0F, data[1]), beat)
            elif data[0] & 0xF0 == CONTROL_CHANGE and data[1] == ALL_NOTES_OFF:
                for key in [k for k in self._sounding if k[0] == data[0] & 0x0F]:
                    self._end(key, beat)

    def _end(self, key: tuple[int, int], beat: float) -> None:
        started = self._sounding.pop(key, None)
        if started is not None:
            start, velocity = started
            self._finished.append(Note(key[1], velocity, start, max(beat, start), is_drum=key[0] == 9))

    def _alive(self) -> bool:
        return self.port.is_alive()

    def _close(self) -> None:
        self.port.close()

    def notes(self) -> list[Note]:
        """Every note played and ended so far (times in beats), by start."""
        with self._notes_lock:
            return sorted(self._finished, key=lambda n: (n.start, n.pitch))

    def new_notes(self) -> list[Note]:
        """The notes that ended since the last call (times in beats)."""
        with self._notes_lock:
            fresh = self._finished[self._handed:]
            self._handed = len(self._finished)
        return fresh


class LivePlacement:
    """Puts live notes (in beats) after a seed: from the first bar line at or after the seed's end.

    The first live note's bar goes there, so the music keeps its place in the bar; beats
    are read at the seed's tempo (its last one, past its end), so the take reads in the
    seed's bars whatever tempo the run played at. Without a seed the run's own tempo
    and meter make the take's.
    """

    def __init__(self, seed: NoteSequence | None, beats_per_bar: float, bpm: float,
                 meter: tuple[int, int] = (4, 4)) -> None:
        if seed is None:
            seed = NoteSequence(tempos=(TempoChange(0.0, bpm),), time_signatures=(TimeSignature(0.0, *meter),))
        self.seed = seed
        self.beats_per_bar = beats_per_bar
        self._grid = StepGrid.for_sequence(seed, _STEPS)
        end_step = self._grid.to_steps(seed.total_time) if len(seed.notes) else 0.0
        bars = self._grid.bar_starts(int(math.ceil(end_step)) + 64 * _STEPS * 8)
        self._start_step = next(s for s in bars if s >= end_step - 1e-6)
        self._origin_beat: float | None = None  # the bar of the first live note
        # the live part plays the seed's instrument (the engine sends no program unless asked)
        first = next(seed.iter_notes(), None)
        self._voice = (first.program, first.is_drum, first.track) if first is not None else (0, False, 0)

    @property
    def continuation_start(self) -> float:
        """Seconds in the take where the live part begins."""
        return float(self._grid.to_seconds(self._start_step))

    def place(self, notes: list[Note]) -> list[Note]:
        """The notes in seconds of the take."""
        if not notes:
            return []
        if self._origin_beat is None:
            first = min(n.start for n in notes)
            self._origin_beat = math.floor(first / self.beats_per_bar + 1e-9) * self.beats_per_bar
        origin = self._origin_beat

        def seconds(beat: float) -> float:
            return float(self._grid.to_seconds(self._start_step + (beat - origin) * _STEPS))

        return [Note(n.pitch, n.velocity, seconds(n.start), seconds(n.end), *self._voice) for n in notes]

    def take(self, notes: list[Note]) -> NoteSequence:
        """The seed with the live notes after it (an empty seed's tempo and meter when there was none)."""
        placed = self.place(notes)
        return self.seed.with_notes(list(self.seed.iter_notes()) + placed)
