"""Beam bookkeeping: which rows survive a beam-search step, and which row wins at the end.

Rows are laid out variation by variation: variation v owns rows
``v * width .. (v + 1) * width - 1`` with ``width = beam_size * branch_factor``.
"""

from __future__ import annotations

import numpy as np


def select_beams(scores: np.ndarray, num: int, beam_size: int, branch_factor: int) -> np.ndarray:
    """Row indices for the next step: per variation the best ``beam_size`` rows, each ``branch_factor`` times.

    Ties keep the earlier row (a stable sort), so the choice is deterministic.
    """
    width = beam_size * branch_factor
    groups = np.asarray(scores, dtype=np.float64).reshape(num, width)
    best = np.argsort(-groups, axis=1, kind="stable")[:, :beam_size]
    rows = best + (np.arange(num) * width)[:, None]
    return np.repeat(rows, branch_factor, axis=1).reshape(-1)


def best_rows(scores: np.ndarray, num: int, width: int) -> np.ndarray:
    """Per variation, the row with the highest score."""
    groups = np.asarray(scores, dtype=np.float64).reshape(num, width)
    return np.argmax(groups, axis=1) + np.arange(num) * width
