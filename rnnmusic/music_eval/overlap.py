"""Distribution overlap of simple features between two sets of windows, after Yang & Lerch 2018.

Yang & Lerch ("On the evaluation of generative models in music", Neural Computing and
Applications, 2018) compare a generated set with a real one by the overlapping area of the
two sets' distributions of simple features. Here seven features:

- per window: *pitch count* (distinct pitches), *pitch range* (semitones), *pitch-class
  entropy* (bits, of the note counts per pitch class) and *note density* (notes per bar);
- per note, pooled over the windows of a set: *inter-onset interval* (steps between
  successive distinct onsets), *duration* (steps) and *interval* (signed semitones of the
  top line, see :func:`rnnmusic.music_eval.metrics.intervals`).

How the distributions are estimated: each is a normalised histogram on fixed bins shared by
both sets (one bin per whole number for the integer features; 0.25 bits for the entropy,
0.5 notes per bar for the density), so there is no bandwidth to choose and a value is
reproducible. The overlap of two histograms is the sum of their bin-wise minimum: 1 for
identical distributions, 0 for disjoint ones. (Yang & Lerch smooth with a kernel density
estimate and compare pairwise distances; the overlap of the features themselves is the
simpler reading of their idea.) The summary is the mean over the seven features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnmusic.music_eval.metrics import intervals
from rnnmusic.music_eval.window import Window

#: feature -> histogram bin width
BIN_WIDTHS = {"pitch_count": 1.0, "pitch_range": 1.0, "pc_entropy": 0.25, "density": 0.5,
              "ioi": 1.0, "duration": 1.0, "interval": 1.0}
FEATURES = tuple(BIN_WIDTHS)


def pc_entropy(pitches: np.ndarray) -> float:
    """Entropy in bits of the pitch-class histogram (0 for one pitch class or none)."""
    if len(pitches) == 0:
        return 0.0
    counts = np.bincount(np.asarray(pitches, dtype=np.int64) % 12, minlength=12).astype(float)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def window_features(w: Window) -> dict[str, list[float]]:
    """The seven features of one window: one value each for the per-window ones, one per note otherwise."""
    if len(w.pitches) == 0:
        return {"pitch_count": [0.0], "pitch_range": [0.0], "pc_entropy": [0.0], "density": [0.0],
                "ioi": [], "duration": [], "interval": []}
    return {
        "pitch_count": [float(len(np.unique(w.pitches)))],
        "pitch_range": [float(w.pitches.max() - w.pitches.min())],
        "pc_entropy": [pc_entropy(w.pitches)],
        "density": [len(w.pitches) / max(w.bars, 1)],
        "ioi": np.diff(np.unique(w.onsets)).astype(float).tolist(),
        "duration": w.durations.astype(float).tolist(),
        "interval": intervals(w).astype(float).tolist(),
    }


@dataclass
class FeatureSet:
    """The pooled feature values of a set of windows."""

    values: dict[str, list[float]] = field(default_factory=lambda: {f: [] for f in FEATURES})

    def add(self, w: Window) -> None:
        for name, vals in window_features(w).items():
            self.values[name].extend(vals)

    @classmethod
    def of(cls, windows) -> FeatureSet:
        out = cls()
        for w in windows:
            out.add(w)
        return out


def histogram_overlap(a, b, width: float) -> float:
    """Sum of the bin-wise minimum of the normalised histograms of ``a`` and ``b`` (bins of ``width``);
    nan when either is empty."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    bins_a = np.floor(a / width + 0.5).astype(np.int64)  # bins centred on whole multiples of width
    bins_b = np.floor(b / width + 0.5).astype(np.int64)
    low = min(bins_a.min(), bins_b.min())
    size = max(bins_a.max(), bins_b.max()) - low + 1
    pa = np.bincount(bins_a - low, minlength=size) / len(a)
    pb = np.bincount(bins_b - low, minlength=size) / len(b)
    return float(np.minimum(pa, pb).sum())


def overlaps(a: FeatureSet, b: FeatureSet) -> dict[str, float]:
    """Per feature overlap, and their mean as ``"mean"`` (over the features both sets have)."""
    out = {name: histogram_overlap(a.values[name], b.values[name], BIN_WIDTHS[name]) for name in FEATURES}
    known = [v for v in out.values() if v == v]
    out["mean"] = float(np.mean(known)) if known else float("nan")
    return out
