"""Turning a variation's tokens into the take a musician gets (and playing a take at another tempo).

The take is the seed exactly as it was read (every track, tempo, meter, control)
plus the continuation: the decoded notes from where the seed's tokens end. The
seed's quantised copy that the model read is not written back. A note the model
held over from the seed (its decoded start is in the seed, its end after it)
lengthens the seed note it came from.

With ``continuation_only`` the take is the continuation alone, moved to start at
the bar line at or before where it begins (so its notes keep their place in the
bar), with the tempo, meter and key in effect there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rnnmusic.encodings import Encoding
from rnnmusic.engine.excerpt import excerpt_from
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.session import Primed
from rnnmusic.notes import NOTE_DTYPE, NoteSequence

_EPS = 1e-6


@dataclass(frozen=True)
class Takes:
    """The result of one generation (:meth:`rnnmusic.engine.Generator.generate`)."""

    sequences: tuple[NoteSequence, ...]
    continuation_start: float  # seconds at which the continuation begins in every sequence
    options: GenerateOptions  # as used, with the concrete random seed
    key: str | None  # the key constraint applied ("auto" resolved), if any
    tokens: tuple[np.ndarray, ...] = ()  # each take's continuation as token ids (after the seed's)
    seed_dropped: dict[str, int] = field(default_factory=dict)  # seed notes the model could not read, by reason
    #: a region fill's takes: per take, the log-probability (nats) the model gave the real bars after
    #: the region once it had played the take's fill, over ``lookahead_tokens`` tokens (empty otherwise)
    lookahead_logp: tuple[float, ...] = ()
    lookahead_tokens: int = 0


def make_takes(primed: Primed, encoding: Encoding, token_lists: Sequence[np.ndarray],
               options: GenerateOptions) -> Takes:
    """The takes of every variation's continuation tokens (arrays the takes keep), with what they were made with."""
    only = options.continuation_only
    return Takes(tuple(compose_take(primed, encoding, ids, only) for ids in token_lists),
                 primed.continuation_start(only), options, primed.masks.key_name,
                 tuple(token_lists), primed.dropped)


def compose_take(primed: Primed, encoding: Encoding, ids: np.ndarray, continuation_only: bool) -> NoteSequence:
    """The take for one variation's continuation tokens ``ids``."""
    seed = primed.seed
    decoded = encoding.decode(np.concatenate([primed.seed_ids, ids]), template=seed)
    if seed is None or len(seed.notes) == 0:
        return decoded  # from scratch: all of it is continuation, on the seed's tempo and meter if any
    boundary = primed.units.start_seconds
    notes = decoded.notes
    continuation = notes[notes["start"] >= boundary - _EPS]
    held = notes[(notes["start"] < boundary - _EPS) & (notes["end"] > boundary + _EPS)]
    step = float(primed.units.to_seconds(primed.units.seed_units + 1) - boundary) if encoding.uses_grid else 0.02
    seed_notes, orphans = lengthen_held(seed.notes, held, tolerance=0.6 * step)
    if continuation_only:
        held_part = held.copy()
        held_part["start"] = boundary
        tail = np.concatenate([held_part, continuation])
        return excerpt_from(seed, tail, primed.units.bar_line_before(boundary))
    return seed.with_notes(np.concatenate([seed_notes, orphans, continuation]))


def lengthen_held(seed_notes: np.ndarray, held: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Seed notes with the held-over ones lengthened; held notes no seed note matches start at the boundary."""
    notes = seed_notes.copy()
    orphans = []
    for note in held:
        match = np.flatnonzero(
            (notes["pitch"] == note["pitch"])
            & (notes["is_drum"] == note["is_drum"])
            & (np.abs(notes["start"] - note["start"]) <= tolerance)
        )
        if len(match):
            index = match[np.argmax(notes["end"][match])]
            notes["end"][index] = max(notes["end"][index], note["end"])
        else:
            orphans.append(note)
    return notes, np.array(orphans, dtype=NOTE_DTYPE)
