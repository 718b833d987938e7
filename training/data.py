"""Training batches: random windows of the memory-mapped token stream (truncated BPTT).

A window is ``window + 1`` consecutive tokens of the split's stream (pieces back to
back, each led by bos): inputs are the first ``window``, targets the last. A
window may run from one piece into the next; the bos there tells the model a new
piece begins, and the bos itself is never a target (it is masked out of the loss,
and the grammar gives it zero probability anyway).

All randomness comes from one ``numpy.random.Generator`` whose state is saved in
the checkpoint, so a resumed run draws exactly the windows the killed run would
have drawn. Every process of a data-parallel run draws the same global batch and
keeps its own rows of it, so the global batch does not depend on the process count.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from rnnmusic.encodings import BOS_ID
from rnnmusic.errors import ConfigError
from rnnmusic.evaluate import TokenSplit
from rnnmusic.training.transpose import Transposer

IGNORE = -100  # target value that the loss skips (torch's cross_entropy default ignore_index)


class WindowSampler:
    """Random windows of one split; with ``context`` (``[len(tokens), width]``, see
    :func:`rnnmusic.evaluate.split_context`) each batch also holds the windows' timeline context,
    whose lookback proposals are transposed with the tokens."""

    def __init__(self, split: TokenSplit, window: int, batch_size: int, transposer: Transposer | None = None,
                 seed: int = 0, rank: int = 0, world: int = 1, context: np.ndarray | None = None):
        if len(split.tokens) < window + 2:
            raise ConfigError(f"the {split.name} split has {len(split.tokens)} tokens, fewer than one window "
                              f"of {window} + 1; lower data.window or add data")
        if batch_size % world:
            raise ConfigError(f"data.batch_size {batch_size} must be divisible by the number of processes ({world})")
        self.split = split
        self.window = window
        self.batch_size = batch_size
        self.transposer = transposer
        self.rank, self.world = rank, world
        self.rng = np.random.default_rng(seed)
        self._span = np.arange(window + 1)
        self.context = context
        self.last_context: np.ndarray | None = None  # the context of the last batch's inputs

    def next_batch(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(inputs, targets) int64 [batch_size / world, window] for this process, and the number of
        targets the loss counts in the whole global batch (to normalise every process's loss alike).
        With a context, :attr:`last_context` is then the inputs' context ``[rows, window, width]``."""
        starts = self.rng.integers(0, len(self.split.tokens) - self.window - 1, size=self.batch_size, endpoint=True)
        shifts = self.transposer.random_shifts(self.rng, self.batch_size) if self.transposer else None
        rows = slice(self.rank * self.batch_size // self.world, (self.rank + 1) * self.batch_size // self.world)
        index = starts[rows, None] + self._span
        windows = np.asarray(self.split.tokens[index], dtype=np.int64)
        context = None if self.context is None else np.asarray(self.context[index[:, :-1]], dtype=np.int64)
        if self.transposer is None or shifts is None:
            pass
        elif context is None:
            windows = self.transposer.shift(windows, shifts[rows])
        else:
            windows, context = self._shift_with_context(windows, context, shifts[rows])
        self.last_context = context
        inputs = windows[:, :-1]
        targets = windows[:, 1:].copy()
        targets[targets == BOS_ID] = IGNORE
        if self.world == 1:
            counted = int((targets != IGNORE).sum())
        else:  # the other processes' rows are read only to count their bos tokens
            counted = int((self.split.tokens[starts[:, None] + self._span[1:]] != BOS_ID).sum())
        return inputs, targets, counted

    def _shift_with_context(self, windows: np.ndarray, context: np.ndarray, shifts: np.ndarray):
        """Transpose tokens and lookback proposals together (a window moves only if all of both can)."""
        from rnnmusic.engine.context import POSITION_FEATURES

        assert self.transposer is not None  # only called to transpose
        none = self.transposer.table.shape[0]
        proposals = context[:, :, POSITION_FEATURES + 1:]
        absent = proposals >= none
        flat = np.where(absent, BOS_ID, proposals).reshape(len(windows), -1)
        moved = self.transposer.shift(np.concatenate([windows, flat], axis=1), shifts)
        windows = moved[:, : windows.shape[1]]
        context = context.copy()
        shifted = moved[:, windows.shape[1]:].reshape(proposals.shape)
        context[:, :, POSITION_FEATURES + 1:] = np.where(absent, none, shifted)
        return windows, context

    # -- resumable position ----------------------------------------------------------
    def state(self) -> str:
        """The generator's state as JSON (plain types: checkpoints hold no pickled objects)."""
        return json.dumps(self.rng.bit_generator.state)

    def set_state(self, text: str) -> None:
        state: dict[str, Any] = json.loads(text)
        self.rng.bit_generator.state = state
