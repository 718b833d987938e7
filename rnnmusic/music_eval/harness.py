"""The musical evaluation: continue seeds from a dataset split and compare with the real music.

For every usable piece of the split (see :mod:`rnnmusic.music_eval.pieces`): the seed is
its first ``seed_bars`` full bars (with the pickup, if it has one); the model continues it
``bars`` bars, ``samples`` times in one batched call of the engine's public API
(:meth:`rnnmusic.engine.Generator.generate`, as ``rnnmusic generate`` uses it); the real
continuation is the piece's next ``bars`` bars; the baselines are built from the seed (see
:mod:`rnnmusic.music_eval.baselines`). Every option of :class:`~rnnmusic.engine.GenerateOptions`
passes through unchanged, so a sampling option added to the engine is evaluated without a
change here; only the length, the number of takes and the random seed (``random_seed`` plus
the piece's position in the split) are set per piece.

The model's distribution overlap is the mean over its rounds of takes (the k-th take of every
seed against the real set, so each side has as many windows as the baselines'), since a
histogram of more windows looks closer by its size alone. The *real* column's overlap and
onset-profile distance compare two halves of the real set (the pieces at even and at odd
positions): what real music of the same kind reaches, measured on half-size sets (so a little
low).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnnmusic.errors import ConfigError
from rnnmusic.evaluate import manifest_encoding, read_manifest
from rnnmusic.grid import StepGrid
from rnnmusic.music_eval.baselines import copy_seed, random_in_key
from rnnmusic.music_eval.overlap import FeatureSet, overlaps
from rnnmusic.music_eval.pieces import KEY_SOURCES, Case, cases
from rnnmusic.music_eval.tally import Tally, column, profile_distance
from rnnmusic.music_eval.window import window_from

SYSTEMS = ("model", "real", "copy_seed", "random_in_key")
POLYPHONIC = ("polyphony", "performance")
#: seed and generated bars by kind when none are given (the chorales' phrases are short: 2 + 8 bars)
DEFAULT_SEED_BARS = {"melody": 4, "polyphony": 2}
DEFAULT_BARS = {"melody": 16, "polyphony": 8}

Progress = Callable[[int, int], None]


@dataclass
class MusicEvalResult:
    """The numbers of one evaluation: per system (see :data:`SYSTEMS`) its metrics and onset profile."""

    model: str
    data: str
    split: str
    kind: str  # "melody" or "polyphony": which metrics were measured
    settings: dict[str, Any]
    options: dict[str, Any]
    pieces: int
    skipped: dict[str, int]
    systems: dict[str, dict[str, float]] = field(default_factory=dict)
    profiles: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        def clean(value):
            if isinstance(value, float) and value != value:
                return None  # NaN is not JSON
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        return clean({"model": self.model, "data": self.data, "split": self.split, "kind": self.kind,
                      "settings": self.settings, "options": self.options, "pieces": self.pieces,
                      "skipped": self.skipped, "systems": self.systems, "profiles": self.profiles,
                      "seconds": round(self.seconds, 1)})


def kind_of(encoding_name: str) -> str:
    if encoding_name == "drums":
        raise ConfigError("drums: the musical evaluation measures pitched music (melody or polyphony models)")
    return "polyphony" if encoding_name in POLYPHONIC else "melody"


def evaluate_music(model: Any, data_dir: str | os.PathLike, options: Any = None, *, split: str = "test",
                   seed_bars: int | None = None, bars: int | None = None, samples: int = 4, random_seed: int = 0,
                   max_pieces: int | None = None, key_from: str = "piece", progress: Progress | None = None,
                   **overrides: Any) -> MusicEvalResult:
    """Evaluate ``model`` (a path or a loaded :class:`~rnnmusic.engine.Model`) on ``split`` of ``data_dir``.

    ``options`` is a GenerateOptions (default: the engine's defaults); ``overrides`` are
    GenerateOptions fields changed on it (e.g. ``temperature=0.9``). ``seed_bars`` and ``bars`` of
    None take the defaults of the model's kind (:data:`DEFAULT_SEED_BARS`, :data:`DEFAULT_BARS`).
    ``max_pieces`` caps the pieces used (the first of the split's order); ``key_from`` is "piece"
    or "seed" (see :mod:`rnnmusic.music_eval.pieces`).
    """
    from rnnmusic.engine import GenerateOptions, Generator, load_model_file

    started = time.perf_counter()
    given = (("seed bars", seed_bars), ("samples", samples), ("bars", bars), ("max pieces", max_pieces))
    for name, value, low in ((n, v, 1) for n, v in given if v is not None):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be a whole number >= {low}, not {value!r}")
    if key_from not in KEY_SOURCES:
        raise ConfigError(f"key_from must be one of {', '.join(KEY_SOURCES)}, not {key_from!r}")
    if not hasattr(model, "run"):
        model = load_model_file(model, providers="cpu", threads=1)
    kind = kind_of(model.encoding.name)
    manifest = read_manifest(data_dir)
    if manifest_encoding(manifest).config_json() != model.encoding.config_json():
        raise ConfigError(f"{model.path} was trained on {model.encoding.describe()}, but {data_dir} holds "
                          f"{manifest_encoding(manifest).describe()}")
    bars = bars or DEFAULT_BARS[kind]
    seed_bars = seed_bars or DEFAULT_SEED_BARS[kind]
    base = (options or GenerateOptions()).replace(**overrides) if overrides else (options or GenerateOptions())
    generator = Generator(model)
    polyphony = kind == "polyphony"
    tallies = {name: Tally(polyphony) for name in SYSTEMS}
    halves = (Tally(polyphony), Tally(polyphony))
    rounds = [FeatureSet() for _ in range(samples)]  # the model's k-th take of every seed
    skipped: dict[str, int] = {}
    chosen = list(cases(Path(data_dir), split, model.encoding, seed_bars, bars, skipped, key_from))[:max_pieces]
    if not chosen:
        reasons = ", ".join(f"{n} {r}" for r, n in skipped.items()) or "it is empty"
        raise ConfigError(f"{data_dir}: no piece of the {split} split can be evaluated ({reasons})")
    for index, case in enumerate(chosen):
        opts = base.replace(bars=float(bars), num=samples, seed=random_seed + index, continuation_only=False)
        takes = generator.generate(case.seed, opts)
        for k, take in enumerate(takes.sequences):
            window = _continuation(take, case, bars, seed_bars)
            tallies["model"].add(window, case.seed_window)
            rounds[k].add(window)
        tallies["real"].add(case.real, case.seed_window)
        halves[index % 2].add(case.real)
        tallies["copy_seed"].add(copy_seed(case.seed_window, bars, seed_bars + 1), case.seed_window)
        rng = np.random.default_rng([random_seed, index])
        tallies["random_in_key"].add(random_in_key(case.seed_window, bars, seed_bars + 1, rng), case.seed_window)
        if progress is not None:
            progress(index + 1, len(chosen))
    real = tallies["real"]
    systems = {name: column(tally, real) for name, tally in tallies.items()}
    for name, overlap in _mean_overlaps(rounds, real.features).items():
        systems["model"][name] = overlap
    for name, overlap in overlaps(halves[0].features, halves[1].features).items():  # the real set against itself
        systems["real"]["overlap" if name == "mean" else f"overlap_{name}"] = overlap
    systems["real"]["onset_profile_distance"] = profile_distance(halves[0], halves[1])
    settings = {"seed_bars": seed_bars, "bars": bars, "samples": samples, "random_seed": random_seed,
                "max_pieces": max_pieces, "key_from": key_from}
    return MusicEvalResult(str(model.path), str(data_dir), split, kind, settings,
                           base.for_model(model.info.sampling).to_dict(), len(chosen),
                           skipped, systems, {name: t.profile() for name, t in tallies.items()},
                           time.perf_counter() - started)


def _mean_overlaps(rounds: list[FeatureSet], real: FeatureSet) -> dict[str, float]:
    """The overlaps of each round of takes (one per seed, as many windows as the real set) with the real
    set, averaged: a histogram of four times the windows would look closer to the real one by its size alone."""
    per_round = [overlaps(r, real) for r in rounds]
    return {("overlap" if name == "mean" else f"overlap_{name}"): float(np.nanmean([o[name] for o in per_round]))
            for name in per_round[0]}


def _continuation(take, case: Case, bars: int, seed_bars: int):
    """The generated bars of one take, on the take's own grid (the seed's tempo and meter)."""
    grid = StepGrid.for_sequence(take, case.steps_per_quarter)
    return window_from(take, grid, case.first_bar, bars, case.key, seed_bars + 1)
