"""Turn one parsed music21 score into a NoteSequence (our own conversion, not music21's MIDI writer).

Times in the score are offsets in quarter notes; they become seconds through the
score's metronome marks (120 quarter notes per minute when it has none). Meters
and key signatures are kept. A pickup bar keeps its notes and is padded with
silence in front, so the first full bar starts on a barline of the kept meter.
Tied notes are merged, grace notes and chord symbols (guitar chords written over
a tune) are dropped.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from rnnmusic.notes import DEFAULT_QPM, KeySignature, Note, NoteSequence, TempoChange, TimeSignature, Track, make_notes

VELOCITY = 90


@dataclass(frozen=True)
class QuarterClock:
    """Quarter-note offsets to seconds through a tempo map given as (offset, qpm) pairs."""

    offsets: tuple[float, ...]
    qpms: tuple[float, ...]
    seconds: tuple[float, ...]

    @classmethod
    def from_marks(cls, marks: list[tuple[float, float]]) -> QuarterClock:
        marks = sorted(marks) or [(0.0, DEFAULT_QPM)]
        if marks[0][0] > 0:
            marks.insert(0, (0.0, marks[0][1]))
        offsets, qpms, seconds = [marks[0][0]], [marks[0][1]], [0.0]
        for offset, qpm in marks[1:]:
            if offset == offsets[-1]:
                qpms[-1] = qpm  # the last of several marks at one offset wins
                continue
            seconds.append(seconds[-1] + (offset - offsets[-1]) * 60.0 / qpms[-1])
            offsets.append(offset)
            qpms.append(qpm)
        return cls(tuple(offsets), tuple(qpms), tuple(seconds))

    def __call__(self, offset: float) -> float:
        i = max(bisect.bisect_right(self.offsets, offset) - 1, 0)
        return self.seconds[i] + (offset - self.offsets[i]) * 60.0 / self.qpms[i]

    def tempo_changes(self) -> tuple[TempoChange, ...]:
        return tuple(TempoChange(s, q) for s, q in zip(self.seconds, self.qpms))


def pickup_padding(part) -> float:
    """Quarter notes of silence that put an incomplete first bar (a pickup) at the end of a full bar."""
    measures = part.getElementsByClass("Measure")
    if not measures:
        return 0.0
    first = measures[0]
    padding = float(first.paddingLeft or 0.0)
    if padding <= 0:
        try:
            padding = float(first.barDuration.quarterLength - first.duration.quarterLength)
        except Exception:  # no meter in context: no pickup can be told
            padding = 0.0
    return max(padding, 0.0) if padding < 64 else 0.0


def _tempo_marks(score, shift: float) -> list[tuple[float, float]]:
    from music21 import tempo

    marks = []
    for mark in score.flatten().getElementsByClass(tempo.MetronomeMark):
        try:
            qpm = float(mark.getQuarterBPM())
        except Exception:
            continue
        if 20.0 <= qpm <= 400.0:
            marks.append((float(mark.offset) + (shift if mark.offset > 0 else 0.0), qpm))
    return marks


def written_meters(part) -> list[tuple[float, int, int]]:
    """(offset in quarters, numerator, denominator) of the part's meters, bar by bar.

    music21's ABC reader gives an incomplete bar (a pickup into the second strain, a short last
    bar) a meter of its own length, e.g. 1/16, and flattening then loses the written meter at
    offset 0; such one-bar meters are not the tune's and are left out, so bar lines keep
    following the written meter.
    """
    from music21 import meter

    measures = list(part.getElementsByClass("Measure"))
    if not measures:
        return [(float(ts.offset), int(ts.numerator), int(ts.denominator))
                for ts in part.flatten().getElementsByClass(meter.TimeSignature)]
    marks = []  # (measure index, offset, numerator, denominator)
    for index, measure in enumerate(measures):
        for ts in measure.getElementsByClass(meter.TimeSignature):
            marks.append((index, float(measure.offset) + float(ts.offset), int(ts.numerator), int(ts.denominator)))
    kept: list[tuple[float, int, int]] = []
    for i, (index, offset, num, den) in enumerate(marks):
        following = marks[i + 1] if i + 1 < len(marks) else None
        one_bar = (
            following is not None and following[0] == index + 1
            or following is None and index == len(measures) - 1
        )
        returns = following is None or bool(kept) and (following[2], following[3]) == kept[-1][1:]
        if kept and one_bar and returns:
            continue
        kept.append((offset, num, den))
    return kept


def _meters(part, shift: float, clock: QuarterClock) -> tuple[TimeSignature, ...]:
    out: list[TimeSignature] = []
    for offset, num, den in written_meters(part):
        if not (1 <= num <= 255 and den in (1, 2, 4, 8, 16, 32)):
            continue  # MIDI can store only power-of-two denominators
        at = clock(offset + shift) if offset > 0 else 0.0
        if out and abs(out[-1].time - at) < 1e-9:
            out[-1] = TimeSignature(at, num, den)
        elif not out or (out[-1].numerator, out[-1].denominator) != (num, den):
            out.append(TimeSignature(at, num, den))
    return tuple(out)


def _keys(flat, shift: float, clock: QuarterClock) -> tuple[KeySignature, ...]:
    from music21 import key

    out: list[KeySignature] = []
    for ks in flat.getElementsByClass(key.KeySignature):
        if isinstance(ks, key.Key) and ks.mode in ("major", "minor"):
            tonic, minor = ks.tonic.pitchClass, ks.mode == "minor"
        else:
            tonic, minor = (int(ks.sharps) * 7) % 12, False  # modes: the major key of the same signature
        at = clock(float(ks.offset) + shift) if ks.offset > 0 else 0.0
        if not out or (out[-1].key, out[-1].minor) != (tonic, minor):
            out.append(KeySignature(at, tonic, minor))
    return tuple(out)


def _part_notes(part, track: int, shift: float, clock: QuarterClock, top_only: bool) -> list[Note]:
    """Notes of one part in quarter notes; a tie joins a note to the next one only when the pitch is the same
    (some ABC transcriptions write ``-`` between different pitches, which music21's stripTies would merge)."""
    from music21 import chord, harmony, note

    spans: list[list[float]] = []  # [pitch, start, end]
    open_ties: dict[int, int] = {}  # pitch -> index in spans of a note whose tie continues
    for el in part.flatten().notes:
        if isinstance(el, harmony.ChordSymbol) or el.duration.isGrace or el.quarterLength <= 0:
            continue
        if isinstance(el, chord.Chord):
            members = [(p.midi, n.tie) for p, n in zip(el.pitches, el.notes)]
            if top_only and members:
                members = [max(members, key=lambda m: m[0])]
        elif isinstance(el, note.Note):
            members = [(el.pitch.midi, el.tie)]
        else:
            continue
        start = float(el.offset) + shift
        end = start + float(el.quarterLength)
        for pitch, tie in members:
            if not 0 <= pitch <= 127:
                continue
            tie_type = tie.type if tie is not None else None
            held = open_ties.pop(pitch, None)
            if held is not None and abs(spans[held][2] - start) < 1e-6 and tie_type in ("stop", "continue"):
                spans[held][2] = end
                index = held
            else:
                spans.append([pitch, start, end])
                index = len(spans) - 1
            if tie_type in ("start", "continue"):
                open_ties[pitch] = index
    return [Note(int(p), VELOCITY, clock(a), clock(b), 0, False, track) for p, a, b in spans]


def pick_parts(parts: list, names: tuple[str, ...]) -> list:
    """The parts named ``names``, in that order: by exact name, else by one name starting with it
    ("Soprano Oboe 1" for "Soprano"); a score of exactly that many unnamed parts gives them from
    the highest (by mean pitch) to the lowest."""
    labels = [str(p.partName or "").strip().lower() for p in parts]
    picked = []
    for name in (n.lower() for n in names):
        exact = [p for p, label in zip(parts, labels) if label == name]
        prefixed = [p for p, label in zip(parts, labels) if label.startswith(name)]
        picked.append(exact[0] if len(exact) == 1 else prefixed[0] if len(prefixed) == 1 else None)
    if all(p is not None for p in picked):
        return picked
    if not any(labels) and len(parts) == len(names):
        def mean_pitch(part) -> float:
            pitches = [p.midi for el in part.flatten().notes for p in el.pitches]
            return sum(pitches) / len(pitches) if pitches else 0.0

        return sorted(parts, key=mean_pitch, reverse=True)
    found = ", ".join(label or "(unnamed)" for label in labels)
    raise ValueError(f"has no single part for each of {', '.join(names)} (parts: {found})")


def score_to_sequence(
    score, part_names: tuple[str, ...] | None = None, melody: bool = False, source: str = ""
) -> NoteSequence:
    """Convert a music21 Score: the first part when ``melody`` (top note of any chord), else the parts named
    ``part_names`` (each its own track), or all parts when ``part_names`` is None."""
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    if melody:
        parts = parts[:1]
    elif part_names is not None:
        parts = pick_parts(parts, part_names)
    shift = pickup_padding(parts[0])
    clock = QuarterClock.from_marks(_tempo_marks(score, shift))
    notes: list[Note] = []
    tracks = []
    for index, part in enumerate(parts):
        notes.extend(_part_notes(part, index, shift, clock, top_only=melody))
        name = "melody" if melody else part_names[index] if part_names else part.partName or f"part {index + 1}"
        tracks.append(Track(str(name), 0, False))
    if not notes:
        raise ValueError("has no notes")
    flat = parts[0].flatten()
    return NoteSequence(
        notes=make_notes(notes),
        tempos=clock.tempo_changes(),
        time_signatures=_meters(parts[0], shift, clock),
        key_signatures=_keys(flat, shift, clock),
        tracks=tuple(tracks),
        source=source,
    )

