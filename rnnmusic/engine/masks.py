"""Which tokens may come next: the encoding's grammar plus the musical constraints.

Everything that depends only on the previous token (the follow table, the key, the
pitch range) is baked into one additive table ``[vocab, vocab]`` of 0 / -inf, so a
step looks its mask up with one index. The maximum polyphony depends on the tokens
since the last time advance, so it is a per-row counter applied on top.

The grammar always wins: where the constraints would leave a previous token with no
allowed successor, that row of the table falls back to the grammar alone, so the
sampler never produces an invalid token sequence.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.encodings import Encoding
from rnnmusic.engine.keys import estimate_key, scale_pitch_classes
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.errors import ConfigError
from rnnmusic.midi.names import key_name, parse_key
from rnnmusic.notes import NoteSequence

_NEG_INF = np.float32(-np.inf)


def resolve_key(key: str | None, seed: NoteSequence | None) -> tuple[int, bool] | None:
    """(tonic, minor) for a key option; "auto" estimates it from the seed (None without pitched notes)."""
    if key is None:
        return None
    if key == "auto":
        return estimate_key(seed) if seed is not None else None
    return parse_key(key)


class TokenMasks:
    """The additive masks for one encoding and one set of options (see the module doc)."""

    def __init__(self, encoding: Encoding, options: GenerateOptions, seed: NoteSequence | None = None):
        self.encoding = encoding
        self.vocab_size = encoding.vocab_size
        pitch = encoding.pitch_of.astype(np.int64)
        kinds = np.array([t.kind for t in encoding.tokens])
        ends_note = kinds == "note_off"
        # the constraints act on tokens that start or hold a note; a note_off always stays allowed so
        # no note is left hanging (drum tokens carry no pitch, so nothing here applies to drums)
        pitched = (pitch >= 0) & ~ends_note
        self.key = resolve_key(options.key, seed)
        allowed = np.ones(self.vocab_size, dtype=bool)
        if self.key is not None:
            in_scale = scale_pitch_classes(*self.key)
            allowed &= ~pitched | in_scale[np.where(pitched, pitch, 0) % 12]
        if options.pitch_range is not None:
            lo, hi = options.pitch_range
            allowed &= ~pitched | ((pitch >= lo) & (pitch <= hi))
        if pitched.any() and not (allowed & pitched).any():
            have = f"{pitch[pitched].min()}-{pitch[pitched].max()}"
            raise ConfigError(
                f"key {self.key_name or 'none'} and pitch range {options.pitch_range} leave no pitch "
                f"the {encoding.name} model can play (it covers pitches {have})"
            )
        follow = np.asarray(encoding.follow_table, dtype=bool)
        combined = follow & allowed[None, :]
        stuck = ~combined.any(axis=1)
        combined[stuck] = follow[stuck]
        self.table = np.where(combined, np.float32(0.0), _NEG_INF).astype(np.float32)
        self.grammar = np.where(follow, np.float32(0.0), _NEG_INF).astype(np.float32)
        self.max_polyphony = options.max_polyphony
        # polyphony: with note_off tokens (performance) count the pitches sounding; on a grid
        # (polyphony) count the pitch tokens since the last time advance (the notes of this step)
        self._sounding_mode = bool(ends_note.any())
        self._pitch = np.where(pitch >= 0, pitch, 0)
        self._starts = pitched
        self._ends = ends_note
        self._advances = encoding.time_advance > 0
        # when no note may start, neither may a token whose only allowed successors start notes
        # (a performance "velocity" must be followed by a note_on): it would be a dead end
        dead_end = ~(follow & ~pitched[None, :]).any(axis=1)
        self._block = np.where(pitched | dead_end, _NEG_INF, np.float32(0.0)).astype(np.float32)

    @property
    def key_name(self) -> str | None:
        return key_name(*self.key) if self.key is not None else None

    def start_counts(self, rows: int) -> np.ndarray:
        """Fresh polyphony counters for ``rows`` rows: ``[rows]`` step counts, or ``[rows, 128]`` sounding pitches."""
        if self._sounding_mode:
            return np.zeros((rows, 128), dtype=bool)
        return np.zeros(rows, dtype=np.int32)

    def update_counts(self, counts: np.ndarray, tokens: np.ndarray) -> None:
        """Take ``tokens`` (one per row) into the polyphony counters, in place."""
        if self._sounding_mode:
            rows = np.arange(len(tokens))
            pitches = self._pitch[tokens]
            counts[rows[self._starts[tokens]], pitches[self._starts[tokens]]] = True
            counts[rows[self._ends[tokens]], pitches[self._ends[tokens]]] = False
        else:
            counts += self._starts[tokens]
            counts[self._advances[tokens]] = 0

    def full(self, counts: np.ndarray) -> np.ndarray:
        """Rows that may start no further note."""
        sounding = counts.sum(axis=1) if self._sounding_mode else counts
        return sounding >= self.max_polyphony

    def bias(self, last_tokens: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
        """The additive mask ``[batch, vocab]`` for rows whose previous tokens are ``last_tokens``."""
        bias = self.table[last_tokens]
        if self.max_polyphony is not None and counts is not None:
            full = self.full(counts)
            if full.any():
                capped = bias[full] + self._block
                # never leave a row without a token: fall back to the grammar's row
                empty = np.isneginf(capped).all(axis=1)
                capped[empty] = self.grammar[last_tokens[full][empty]]
                bias[full] = capped
        return bias
