"""The note rules every encoding applies before laying notes out: which notes are dropped (and counted
by reason) and how notes of one pitch are made not to overlap. Not public API.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


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
