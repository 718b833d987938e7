"""The pieces of a dataset split as music: seed, real continuation and the grid they sit on.

A dataset folder keeps token ids, not meters or tempos, so the pieces are read again from
the MIDI files its manifest names (``source`` plus each file's ``path``); a file whose
bytes no longer match the manifest's sha256 is refused, since it is no longer the piece the
split was built from. Each piece is taken as the model's encoding keeps it
(``Encoding.normalize``: its quantisation, its voice, its range), so the real music and the
generated music are measured on the same footing.

The key every column is measured against is estimated (:func:`rnnmusic.engine.keys.estimate_key`)
from the whole piece by default (``key_from="piece"``), or from the seed alone
(``key_from="seed"``): a seed of a few bars is often too short to tell a tune's key (on the old
folk test split a 4-bar seed's estimate named another tonic than the whole tune's in 30% of the tunes),
which would make the tonic metrics measure the estimator rather than the music.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rnnmusic.encodings import Encoding
from rnnmusic.engine.keys import estimate_key
from rnnmusic.errors import ConfigError
from rnnmusic.evaluate import read_manifest
from rnnmusic.grid import StepGrid
from rnnmusic.midi.read import read_midi_bytes
from rnnmusic.music_eval.window import Window, bar_lines_of, complete_bars, has_pickup, window_from
from rnnmusic.notes import NoteSequence
from rnnmusic.transforms import trim

#: the grid for encodings without one of their own (performance)
DEFAULT_STEPS_PER_QUARTER = 4


@dataclass(frozen=True)
class Case:
    """One piece made ready: the seed to continue and the windows to compare with.

    ``first_bar`` is the bar index (0-based, on the piece's grid) where the continuation starts:
    the seed bars, plus one for a pickup.
    """

    path: str
    seed: NoteSequence
    seed_window: Window  # the seed's full bars (without the pickup)
    real: Window  # the piece's own next bars
    first_bar: int
    key: tuple[int, bool]
    steps_per_quarter: int


def steps_per_quarter(encoding: Encoding) -> int:
    return int(getattr(encoding.config, "steps_per_quarter", DEFAULT_STEPS_PER_QUARTER)) if encoding.uses_grid \
        else DEFAULT_STEPS_PER_QUARTER


def split_files(data_dir: str | Path, split: str) -> list[tuple[Path, str]]:
    """(MIDI file, sha256) of each piece of the split, in the split's order (by content hash)."""
    manifest = read_manifest(data_dir)
    files = manifest.get("files")
    source = manifest.get("source")
    if not isinstance(files, list) or not source:
        raise ConfigError(f"{data_dir}: its manifest names no source MIDI files (a dataset from "
                          "`rnnmusic dataset build` is needed for the musical evaluation)")
    chosen = sorted((f for f in files if f.get("split") == split), key=lambda f: f["sha256"])
    return [(Path(source) / f["path"], f["sha256"]) for f in chosen]


def read_piece(path: Path, sha256: str, data_dir: str | Path) -> NoteSequence:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read this source file of {data_dir} ({exc.strerror or exc})") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ConfigError(f"{path}: changed since {data_dir} was built from it; rebuild the dataset")
    return read_midi_bytes(data, source=str(path))


KEY_SOURCES = ("piece", "seed")


def make_case(seq: NoteSequence, encoding: Encoding, seed_bars: int, bars: int,
              key_from: str = "piece") -> Case | str:
    """The case of one piece, or the reason it cannot be one (too short, no notes in the seed)."""
    spq = steps_per_quarter(encoding)
    norm = encoding.normalize(seq)
    grid = StepGrid.for_sequence(norm, spq)
    pickup = int(has_pickup(norm, grid))
    first = pickup + seed_bars
    if complete_bars(norm, grid) < first + bars:
        return "shorter than the seed and the continuation"
    end = float(grid.to_seconds(int(bar_lines_of(norm, grid, first)[first])))
    seed = trim(norm, 0.0, end)
    key = estimate_key(seed if key_from == "seed" else norm)
    if key is None or len(seed.notes) == 0:
        return "no pitched notes in the seed"
    return Case(seq.source, seed, window_from(norm, grid, pickup, seed_bars, key, 1),
                window_from(norm, grid, first, bars, key, seed_bars + 1), first, key, spq)


def cases(data_dir: str | Path, split: str, encoding: Encoding, seed_bars: int, bars: int,
          skipped: dict[str, int], key_from: str = "piece") -> Iterator[Case]:
    """The split's cases in order; pieces that cannot be one are counted in ``skipped`` by reason."""
    for path, sha in split_files(data_dir, split):
        case = make_case(read_piece(path, sha, data_dir), encoding, seed_bars, bars, key_from)
        if isinstance(case, str):
            skipped[case] = skipped.get(case, 0) + 1
        else:
            yield case
