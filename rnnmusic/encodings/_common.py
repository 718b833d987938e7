"""Helpers the four encodings share: config checks, template lookup, note resolution, ragged arrays.

Nothing here is public API; the encodings document the rules these helpers implement.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from rnnmusic.errors import EncodingError, SequenceError
from rnnmusic.notes import NOTE_DTYPE, NoteSequence

#: the most tokens one piece may encode to, and the most grid steps or note-steps (a note's steps,
#: summed over notes) an encoding may lay out for it. Far beyond real music (a ten-minute piano
#: piece is some 30,000 tokens), it bounds the memory and time of encoding a piece and of reading it
#: into a model as a seed, which happens in one call; each encoding checks it before allocating.
MAX_TOKENS = 2_000_000


def check_length(seq: NoteSequence, encoding: str, count: float, unit: str) -> None:
    """Refuse a piece that needs more than MAX_TOKENS ``unit`` (a count that is NaN or inf included)."""
    if not count <= MAX_TOKENS:
        amount = f"{count:,.0f}" if np.isfinite(count) else "endless"
        reason = f"is too long for the {encoding} encoding ({amount} {unit}; at most {MAX_TOKENS:,})"
        raise SequenceError(seq.source, reason)


# -- config checks -------------------------------------------------------------
def check_int(config, name: str, low: int, high: int | None = None) -> None:
    """Raise EncodingError unless ``config.<name>`` is an int (not a bool) within [low, high]."""
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodingError(f"{type(config).__name__}.{name} must be an integer, not {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise EncodingError(f"{type(config).__name__}.{name} must be {bound}, not {value}")


def check_pitch_range(config) -> None:
    check_int(config, "min_pitch", 0, 127)
    check_int(config, "max_pitch", 0, 127)
    if config.min_pitch > config.max_pitch:
        raise EncodingError(
            f"{type(config).__name__}: min_pitch ({config.min_pitch}) is above max_pitch ({config.max_pitch})"
        )


# -- ids -----------------------------------------------------------------------
def as_ids(ids, vocab_size: int) -> list[int]:
    """Token ids as a list of ints with a leading bos removed; ids outside the vocabulary are refused."""
    array = np.asarray(ids, dtype=np.int64).reshape(-1)
    if len(array) and (array.min() < 0 or array.max() >= vocab_size):
        raise EncodingError(f"token id out of range 0..{vocab_size - 1}")
    if len(array) and array[0] == 0:
        array = array[1:]
    if len(array) and (array == 0).any():
        raise EncodingError("bos (id 0) may only stand at the start of a token sequence")
    return array.tolist()


# -- the template's program and track -----------------------------------------
def template_voice(template: NoteSequence | None, is_drum: bool, track: int | None = None) -> tuple[int, int]:
    """(program, track) that decoded notes take from ``template``.

    Without ``track``: the lowest-numbered track of the template holding a matching note (a
    drum note when ``is_drum``, else a pitched one) and the program of its first note; else
    the first matching entry of ``template.tracks``; else program 0 on track 0.
    With ``track`` (melody's chosen voice track) the notes always go to that track, and the
    program is that of the track's first matching note or ``tracks`` entry, else found as above.
    """
    if template is None:
        return 0, 0 if track is None else int(track)
    notes = template.notes
    matching = notes[notes["is_drum"] == is_drum]
    if track is not None:
        in_track = matching[matching["track"] == track]
        if len(in_track):
            return int(in_track["program"][0]), int(track)
        if 0 <= track < len(template.tracks) and template.tracks[track].is_drum == is_drum:
            return int(template.tracks[track].program), int(track)
    program, found = 0, 0
    if len(matching):
        found = int(matching["track"].min())
        program = int(matching["program"][matching["track"] == found][0])
    else:
        for index, info in enumerate(template.tracks):
            if info.is_drum == is_drum:
                program, found = int(info.program), index
                break
    return program, found if track is None else int(track)


def build_sequence(
    template: NoteSequence | None,
    pitch,
    start,
    end,
    velocity,
    program: int,
    track: int,
    is_drum: bool = False,
) -> NoteSequence:
    """A NoteSequence of the given notes, on the template's tempo map, meters, keys, tracks and source."""
    pitch = np.asarray(pitch)
    notes = np.empty(len(pitch), dtype=NOTE_DTYPE)
    notes["pitch"] = pitch
    notes["velocity"] = velocity
    notes["start"] = start
    notes["end"] = end
    notes["program"] = program
    notes["is_drum"] = is_drum
    notes["track"] = track
    if template is None:
        return NoteSequence(notes=notes)
    return NoteSequence(
        notes=notes,
        tempos=template.tempos,
        time_signatures=template.time_signatures,
        key_signatures=template.key_signatures,
        tracks=template.tracks,
        source=template.source,
    )


# -- dropping and counting ------------------------------------------------------
class DropCounter:
    """Counts dropped notes by reason; only reasons that dropped something are reported."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, reason: str, count) -> None:
        count = int(count)
        if count:
            self.counts[reason] += count

    def as_dict(self) -> dict[str, int]:
        return dict(self.counts)


def dedupe_onsets(pitch: np.ndarray, onset: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Indices of the notes to keep when several notes share a pitch and a (quantised) onset.

    Of each group the note that ends last is kept (it sounds as long as the group together).
    The others are what an encoding counts as ``duplicate``.
    """
    if len(pitch) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((-end, onset, pitch))
    p, o = pitch[order], onset[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (p[1:] != p[:-1]) | (o[1:] != o[:-1])
    return np.sort(order[first])


def resolve_same_pitch(pitch: np.ndarray, onset: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Make notes of one pitch non-overlapping: the same-pitch rule of every encoding.

    Notes must have distinct (pitch, onset) (see :func:`dedupe_onsets`). A pitch sounds over the
    union of its notes, and every onset starts a new note there: a note ends at its own end, at
    the end of an earlier note of its pitch that is still sounding, whichever is later, but no
    later than the next onset of its pitch. Returns ``(order, new_end)`` with ``order`` sorting
    the notes by (pitch, onset).
    """
    order = np.lexsort((onset, pitch))
    p = pitch[order].astype(np.int64)
    o = onset[order].astype(np.int64)
    e = end[order].astype(np.int64)
    if len(order) == 0:
        return order, e
    # running maximum of the end within each pitch: an offset per pitch keeps the groups apart
    low = min(int(o.min()), int(e.min()))
    span = max(int(o.max()), int(e.max())) - low + 1
    offset = (p - p.min()) * span - low
    running = np.maximum.accumulate(e + offset) - offset
    new_end = running.copy()
    same_next = p[1:] == p[:-1]
    new_end[:-1] = np.where(same_next, np.minimum(running[:-1], o[1:]), running[:-1])
    return order, new_end


# -- ragged arrays -------------------------------------------------------------
def ragged_arange(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for each (s, n), without a Python loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    block_offsets = np.cumsum(lengths) - lengths
    return np.repeat(np.asarray(starts, dtype=np.int64) - block_offsets, lengths) + np.arange(total)
