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
    def __init__(self, split: TokenSplit, window: int, batch_size: int, transposer: Transposer | None = None,
                 seed: int = 0, rank: int = 0, world: int = 1):
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

    def next_batch(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(inputs, targets) int64 [batch_size / world, window] for this process, and the number of
        targets the loss counts in the whole global batch (to normalise every process's loss alike)."""
        starts = self.rng.integers(0, len(self.split.tokens) - self.window - 1, size=self.batch_size, endpoint=True)
        shifts = self.transposer.random_shifts(self.rng, self.batch_size) if self.transposer else None
        rows = slice(self.rank * self.batch_size // self.world, (self.rank + 1) * self.batch_size // self.world)
        windows = np.asarray(self.split.tokens[starts[rows, None] + self._span], dtype=np.int64)
        if shifts is not None:
            windows = self.transposer.shift(windows, shifts[rows])
        inputs = windows[:, :-1]
        targets = windows[:, 1:].copy()
        targets[targets == BOS_ID] = IGNORE
        if self.world == 1:
            counted = int((targets != IGNORE).sum())
        else:  # the other processes' rows are read only to count their bos tokens
            counted = int((self.split.tokens[starts[:, None] + self._span[1:]] != BOS_ID).sum())
        return inputs, targets, counted

    # -- resumable position ----------------------------------------------------------
    def state(self) -> str:
        """The generator's state as JSON (plain types: checkpoints hold no pickled objects)."""
        return json.dumps(self.rng.bit_generator.state)

    def set_state(self, text: str) -> None:
        state: dict[str, Any] = json.loads(text)
        self.rng.bit_generator.state = state
