"""Summing the metrics of many windows into one column of the table.

A :class:`Tally` pools every metric's counts over the windows it is given (a rate is the
sum of numerators over the sum of denominators), the onset profiles per meter, and the
feature values for the distribution overlaps. The onset-profile distance of a set to the
real one is the mean absolute difference of the two profiles over the beat positions of
each meter, averaged over the meters with weights by the real set's bars in each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from rnnmusic.music_eval.harmony import POLYPHONY_METRICS
from rnnmusic.music_eval.metrics import MELODY_METRICS, onset_profile, repetition_with_seed
from rnnmusic.music_eval.overlap import FeatureSet, overlaps
from rnnmusic.music_eval.window import Window


@dataclass
class Tally:
    """Pooled counts of one set of windows (the model's, the real ones, or a baseline's)."""

    polyphony: bool = False
    counts: dict[str, list[float]] = field(default_factory=dict)
    hits: dict[str, np.ndarray] = field(default_factory=dict)
    bars: dict[str, int] = field(default_factory=dict)
    features: FeatureSet = field(default_factory=FeatureSet)
    windows: int = 0

    @property
    def metrics(self) -> dict:
        return {**MELODY_METRICS, **POLYPHONY_METRICS} if self.polyphony else dict(MELODY_METRICS)

    def add(self, w: Window, seed: Window | None = None) -> None:
        """Count one window; with its ``seed``, also the bars that repeat the seed or an earlier bar."""
        self.windows += 1
        counted = {name: metric(w) for name, metric in self.metrics.items()}
        if seed is not None:
            counted["repeats_with_seed"] = repetition_with_seed(w, seed)
        for name, (num, den) in counted.items():
            total = self.counts.setdefault(name, [0.0, 0.0])
            total[0] += num
            total[1] += den
        for meter, (hits, bars) in onset_profile(w).items():
            self.hits[meter] = self.hits.get(meter, np.zeros(len(hits))) + hits
            self.bars[meter] = self.bars.get(meter, 0) + bars
        self.features.add(w)

    def add_all(self, windows: Iterable[Window]) -> Tally:
        for w in windows:
            self.add(w)
        return self

    def rates(self) -> dict[str, float]:
        """Every metric as its pooled rate (nan where nothing was counted)."""
        return {name: (num / den if den else float("nan")) for name, (num, den) in self.counts.items()}

    def profile(self) -> dict[str, list[float]]:
        """Per meter, the share of bars with an onset at each beat unit."""
        return {meter: (self.hits[meter] / self.bars[meter]).round(4).tolist() for meter in sorted(self.hits)}


def profile_distance(tally: Tally, real: Tally) -> float:
    """Mean absolute difference of the onset profiles, weighted by the real set's bars per meter (nan when
    they share no meter)."""
    total, weight = 0.0, 0
    for meter, bars in real.bars.items():
        if meter not in tally.bars:
            continue
        mine = tally.hits[meter] / tally.bars[meter]
        theirs = real.hits[meter] / bars
        total += bars * float(np.abs(mine - theirs).mean())
        weight += bars
    return total / weight if weight else float("nan")


def column(tally: Tally, real: Tally) -> dict[str, float]:
    """One column of the table: the rates, the overlaps with ``real`` and the onset-profile distance to it."""
    out = tally.rates()
    for name, value in overlaps(tally.features, real.features).items():
        out["overlap" if name == "mean" else f"overlap_{name}"] = value
    out["onset_profile_distance"] = profile_distance(tally, real)
    return out
