"""The call in call-and-response: what the player plays, in beats, and when they have gone quiet.

Notes are captured from note-on/note-off messages stamped with the beat they
arrived on. The sustain pedal (CC 64) holds released keys until it is lifted, as a
synth would, so a sustained chord counts as sounding and its length is what was
heard. Silence is measured from the moment the last sound ended.
"""

from __future__ import annotations

import math
import threading

from rnnmusic.live.messages import CONTROL_CHANGE, NOTE_OFF, NOTE_ON, SUSTAIN_PEDAL
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes


class CallCapture:
    """Collects the player's notes; :meth:`ready` says when the silence after them is long enough."""

    def __init__(self, silence_beats: float) -> None:
        self.silence_beats = silence_beats
        self._lock = threading.Lock()
        self._held: dict[tuple[int, int], tuple[float, int]] = {}  # keys down: (start beat, velocity)
        self._sustained: dict[tuple[int, int], tuple[float, int]] = {}  # released under the pedal
        self._pedal = [False] * 16
        self._notes: list[Note] = []
        self._last_end = -math.inf

    def handle(self, data: bytes, beat: float) -> None:
        """Take one message the player sent, arriving at ``beat``."""
        if len(data) != 3:
            return
        kind, channel = data[0] & 0xF0, data[0] & 0x0F
        with self._lock:
            if kind == NOTE_ON and data[2] > 0:
                key = (channel, data[1])
                self._end((key,), beat, self._sustained)  # a re-struck sustained key ends its old sound
                self._end((key,), beat, self._held)
                self._held[key] = (beat, data[2])
            elif kind in (NOTE_ON, NOTE_OFF):
                key = (channel, data[1])
                if key in self._held:
                    if self._pedal[channel]:
                        self._sustained[key] = self._held.pop(key)
                    else:
                        self._end((key,), beat, self._held)
            elif kind == CONTROL_CHANGE and data[1] == SUSTAIN_PEDAL:
                down = data[2] >= 64
                if self._pedal[channel] and not down:
                    self._end([k for k in self._sustained if k[0] == channel], beat, self._sustained)
                self._pedal[channel] = down

    def _end(self, keys, beat: float, table: dict) -> None:
        for key in keys:
            if key in table:
                start, velocity = table.pop(key)
                self._notes.append(Note(key[1], velocity, start, max(beat, start)))
                self._last_end = max(self._last_end, beat)

    def ready(self, beat: float) -> bool:
        """True when something was played, nothing sounds, and it has been quiet for the silence length."""
        with self._lock:
            return (
                bool(self._notes) and not self._held and not self._sustained
                and beat - self._last_end >= self.silence_beats
            )

    def take(self) -> list[Note]:
        """The captured call (start/end in beats, as played) in time order; the capture starts afresh."""
        with self._lock:
            notes, self._notes = sorted(self._notes, key=lambda n: (n.start, n.pitch)), []
            return notes

    def clear(self) -> None:
        with self._lock:
            self._notes.clear()
            self._held.clear()
            self._sustained.clear()


def call_sequence(notes: list[Note], bpm: float, numerator: int = 4, denominator: int = 4) -> NoteSequence:
    """The call as a NoteSequence in seconds, starting on the beat before its first note (for priming)."""
    origin = math.floor(notes[0].start + 1e-6) if notes else 0.0
    spb = 60.0 / bpm
    shifted = [Note(n.pitch, n.velocity, (n.start - origin) * spb, (n.end - origin) * spb) for n in notes]
    end_beat = math.ceil(max((n.end for n in notes), default=origin) - origin - 1e-6)
    return NoteSequence(
        notes=make_notes(shifted),
        tempos=(TempoChange(0.0, bpm),),
        time_signatures=(TimeSignature(0.0, numerator, denominator),),
        source="call",
        total_time=end_beat * spb,
    )
