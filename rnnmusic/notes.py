"""The note model: the one value that crosses every boundary in rnnmusic.

A :class:`NoteSequence` is immutable. Notes live in a read-only numpy structured
array (one row per note) because a file of thousands of notes must be read,
encoded and transformed without building thousands of Python objects; code that
wants objects iterates :meth:`NoteSequence.iter_notes`.

All times are in seconds. The tempo map and meters are kept so that a step grid
(see :mod:`rnnmusic.grid`) can be derived and a file written back with its
original tempo and meter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from rnnmusic.errors import SequenceError

NOTE_DTYPE = np.dtype(
    [
        ("pitch", np.int16),
        ("velocity", np.int16),
        ("start", np.float64),
        ("end", np.float64),
        ("program", np.int16),
        ("is_drum", np.bool_),
        ("track", np.int16),
    ]
)

DEFAULT_QPM = 120.0
SUSTAIN_CC = 64


@dataclass(frozen=True)
class Note:
    pitch: int
    velocity: int
    start: float
    end: float
    program: int = 0
    is_drum: bool = False
    track: int = 0

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class TempoChange:
    time: float
    qpm: float  # quarter notes per minute


@dataclass(frozen=True)
class TimeSignature:
    time: float
    numerator: int = 4
    denominator: int = 4


@dataclass(frozen=True)
class KeySignature:
    time: float
    key: int = 0  # tonic pitch class, 0 = C
    minor: bool = False


@dataclass(frozen=True)
class ControlChange:
    time: float
    number: int
    value: int
    track: int = 0


@dataclass(frozen=True)
class Track:
    """What a MIDI track was: its name, General MIDI program and drum flag."""

    name: str = ""
    program: int = 0
    is_drum: bool = False


def make_notes(notes: Iterable[Note | tuple] = ()) -> np.ndarray:
    """Build a read-only, sorted note array from Note objects or plain tuples."""
    rows = [
        (n.pitch, n.velocity, n.start, n.end, n.program, n.is_drum, n.track)
        if isinstance(n, Note)
        else tuple(n)
        for n in notes
    ]
    return _freeze(np.array(rows, dtype=NOTE_DTYPE))


def _freeze(notes: np.ndarray) -> np.ndarray:
    if notes.dtype != NOTE_DTYPE:
        notes = notes.astype(NOTE_DTYPE)
    order = np.lexsort((notes["track"], notes["pitch"], notes["end"], notes["start"]))
    notes = np.ascontiguousarray(notes[order])
    notes.flags.writeable = False
    return notes


@dataclass(frozen=True, eq=False)
class NoteSequence:
    """An immutable piece of music: notes plus the tempo map, meters, keys and controls.

    ``notes`` is always sorted by (start, end, pitch, track) and read-only.
    ``tempos`` and ``time_signatures`` always hold at least one entry at time 0
    so every consumer can rely on a tempo and a meter being defined. Every time is
    finite and every tempo finite and above 0 (else :class:`SequenceError`): a NaN
    or an infinity would otherwise surface far away, in an encoding or the writer.
    """

    notes: np.ndarray = field(default_factory=lambda: make_notes())
    tempos: tuple[TempoChange, ...] = (TempoChange(0.0, DEFAULT_QPM),)
    time_signatures: tuple[TimeSignature, ...] = (TimeSignature(0.0),)
    key_signatures: tuple[KeySignature, ...] = ()
    control_changes: tuple[ControlChange, ...] = ()
    tracks: tuple[Track, ...] = ()
    source: str = ""
    total_time: float = 0.0

    def __post_init__(self) -> None:
        notes = self.notes
        if not isinstance(notes, np.ndarray) or notes.dtype != NOTE_DTYPE or notes.flags.writeable:
            notes = _freeze(np.asarray(notes, dtype=NOTE_DTYPE))
            object.__setattr__(self, "notes", notes)
        tempos = tuple(sorted(self.tempos, key=lambda t: t.time)) or (TempoChange(0.0, DEFAULT_QPM),)
        if tempos[0].time > 0:
            tempos = (TempoChange(0.0, tempos[0].qpm),) + tempos
        object.__setattr__(self, "tempos", tempos)
        meters = tuple(sorted(self.time_signatures, key=lambda t: t.time)) or (TimeSignature(0.0),)
        if meters[0].time > 0:
            meters = (replace(meters[0], time=0.0),) + meters
        object.__setattr__(self, "time_signatures", meters)
        object.__setattr__(self, "key_signatures", tuple(sorted(self.key_signatures, key=lambda k: k.time)))
        object.__setattr__(
            self, "control_changes", tuple(sorted(self.control_changes, key=lambda c: (c.time, c.track, c.number)))
        )
        object.__setattr__(self, "tracks", tuple(self.tracks))
        self._check_finite()
        last_end = float(notes["end"].max()) if len(notes) else 0.0
        if self.total_time < last_end:
            object.__setattr__(self, "total_time", last_end)

    def _check_finite(self) -> None:
        """Refuse non-finite times and tempos that are not finite and positive (see the class doc)."""
        for tempo in self.tempos:
            if not (math.isfinite(tempo.time) and math.isfinite(tempo.qpm) and tempo.qpm > 0):
                raise SequenceError(self.source, f"has an invalid tempo ({tempo.qpm} qpm at {tempo.time} s)")
        for meter in self.time_signatures:
            if not (math.isfinite(meter.time) and meter.numerator > 0 and meter.denominator > 0):
                meter_text = f"{meter.numerator}/{meter.denominator} at {meter.time} s"
                raise SequenceError(self.source, f"has an invalid meter ({meter_text})")
        events = [k.time for k in self.key_signatures] + [c.time for c in self.control_changes] + [self.total_time]
        if not (np.isfinite(self.notes["start"]).all() and np.isfinite(self.notes["end"]).all()):
            raise SequenceError(self.source, "has a note at a time that is not a finite number")
        if not all(math.isfinite(t) for t in events):
            raise SequenceError(self.source, "has an event at a time that is not a finite number")

    # -- reading -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.notes)

    def iter_notes(self) -> Iterator[Note]:
        for row in self.notes.tolist():
            yield Note(int(row[0]), int(row[1]), float(row[2]), float(row[3]), int(row[4]), bool(row[5]), int(row[6]))

    @property
    def qpm(self) -> float:
        """The first tempo, in quarter notes per minute."""
        return self.tempos[0].qpm

    def same_music(self, other: NoteSequence, tolerance: float = 1e-6) -> bool:
        """True when both hold the same notes (pitch, velocity, times within tolerance, program, drum)."""
        a, b = self.notes, other.notes
        if len(a) != len(b):
            return False
        for name in ("pitch", "velocity", "program", "is_drum"):
            if not np.array_equal(a[name], b[name]):
                return False
        return bool(
            np.all(np.abs(a["start"] - b["start"]) <= tolerance)
            and np.all(np.abs(a["end"] - b["end"]) <= tolerance)
        )

    # -- deriving ------------------------------------------------------------
    def with_notes(self, notes: np.ndarray | Sequence[Note]) -> NoteSequence:
        """A copy with other notes and everything else kept (total_time recomputed)."""
        array = notes if isinstance(notes, np.ndarray) else make_notes(notes)
        return replace(self, notes=array, total_time=0.0)

    def evolve(self, **changes) -> NoteSequence:
        """A copy with the named fields replaced."""
        return replace(self, **changes)
