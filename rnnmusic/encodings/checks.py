"""The checks every encoding makes on what it is given: its config's values, a piece's length, token ids.

The encodings document the rules; these functions hold them once. Not public API.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.errors import EncodingError, SequenceError
from rnnmusic.notes import NoteSequence

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
