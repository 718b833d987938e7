"""Transposition of token windows, at load time (data augmentation without re-encoding).

A pitched token (``Encoding.pitch_of`` >= 0) moves to the token of the same kind
whose pitch is k semitones away, with the value's relation to the pitch kept
(for ``note_on:60`` that is ``note_on:60+k``). Unpitched tokens stay. A window is
shifted only when every one of its pitched tokens has such a partner; otherwise
it is left as it is, so augmentation never clips or drops a note. Encodings
whose pitches are not musical pitches (drums: instruments) are not transposable.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.encodings import Encoding
from rnnmusic.errors import ConfigError

#: encodings where "pitch" names an instrument, so moving it makes no musical sense
NOT_TRANSPOSABLE = ("drums",)


class Transposer:
    """Shifts batches of token windows by per-window semitone offsets in [-max_shift, max_shift]."""

    def __init__(self, encoding: Encoding, max_shift: int):
        if max_shift and encoding.name in NOT_TRANSPOSABLE:
            raise ConfigError(f"data.transpose: the {encoding.name} encoding cannot be transposed (set it to 0)")
        self.max_shift = int(max_shift)
        self.table = self._build_table(encoding, self.max_shift)

    @staticmethod
    def _build_table(encoding: Encoding, max_shift: int) -> np.ndarray:
        """(vocab, 2*max_shift+1) int32: the token each token becomes at each shift; -1 when it has none."""
        pitch = encoding.pitch_of.astype(np.int64)
        by_key: dict[tuple[str, int, int], int] = {}
        for i, token in enumerate(encoding.tokens):
            if pitch[i] >= 0:
                by_key[(token.kind, token.value - int(pitch[i]), int(pitch[i]))] = i
        vocab = encoding.vocab_size
        shifts = np.arange(-max_shift, max_shift + 1)
        table = np.repeat(np.arange(vocab, dtype=np.int32)[:, None], len(shifts), axis=1)
        for i, token in enumerate(encoding.tokens):
            if pitch[i] < 0:
                continue
            offset = token.value - int(pitch[i])
            for col, k in enumerate(shifts):
                table[i, col] = by_key.get((token.kind, offset, int(pitch[i]) + int(k)), -1)
        return table

    def shift(self, windows: np.ndarray, shifts: np.ndarray) -> np.ndarray:
        """``windows`` [batch, time] shifted by ``shifts`` [batch] semitones; windows that cannot move stay."""
        if self.max_shift == 0:
            return windows
        shifts = np.asarray(shifts)
        if np.abs(shifts).max(initial=0) > self.max_shift:
            raise ValueError(f"shift beyond the configured range of +-{self.max_shift}")
        moved = self.table[windows, (shifts + self.max_shift)[:, None]]
        ok = (moved >= 0).all(axis=1)
        return np.where(ok[:, None], moved, windows).astype(windows.dtype, copy=False)

    def random_shifts(self, rng: np.random.Generator, batch: int) -> np.ndarray:
        return rng.integers(-self.max_shift, self.max_shift + 1, size=batch)
