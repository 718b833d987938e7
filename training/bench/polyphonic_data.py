"""The four polyphonic benchmark datasets (Boulanger-Lewandowski et al. 2012), read as they are.

Each file is gzip-compressed JSON ``{"train": [...], "valid": [...], "test": [...]}``: a split
is a list of pieces, a piece a list of frames, a frame the ascending MIDI pitches (21..108)
sounding in it. No pickle is involved. Pieces become either multi-hot rolls (the ``bernoulli``
family) or polyphony token ids (the ``tokens`` family).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np

from rnnmusic.errors import ConfigError, RnnmusicError

DATASETS = ("jsb_chorales", "nottingham", "musedata", "piano_midi")
SPLITS = ("train", "valid", "test")
LOW_PITCH = 21  # A0, the lowest piano key
KEYS = 88
ENV_VAR = "RNNMUSIC_POLYPHONIC_DATA"

Frame = tuple[int, ...]
Piece = list[Frame]


class DataError(RnnmusicError):
    """A benchmark data file that is missing or not in the documented format."""


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Where the JSON files live: ``explicit``, else $RNNMUSIC_POLYPHONIC_DATA, else ../shared/data/polyphonic."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    repo_root = Path(__file__).resolve().parents[2]  # training/bench/ -> repository root
    return repo_root.parent / "shared" / "data" / "polyphonic"


def dataset_path(name: str, root: str | os.PathLike | None = None) -> Path:
    if name not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    return data_dir(root) / f"{name}.json.gz"


def load_polyphonic(name: str, root: str | os.PathLike | None = None) -> dict[str, list[Piece]]:
    """The train/valid/test pieces of dataset ``name``, frames as tuples of ascending pitches."""
    path = dataset_path(name, root)
    if not path.exists():
        raise DataError(f"{path}: not found; set {ENV_VAR} to the folder holding {path.name}")
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not gzip-compressed JSON ({exc})") from None
    if not isinstance(raw, dict) or any(split not in raw for split in SPLITS):
        raise DataError(f"{path}: expected an object with keys {', '.join(SPLITS)}")
    return {split: [_check_piece(piece, path, split, i) for i, piece in enumerate(raw[split])] for split in SPLITS}


def _check_piece(piece, path: Path, split: str, index: int) -> Piece:
    frames = [tuple(int(p) for p in frame) for frame in piece]
    for t, frame in enumerate(frames):
        if any(not LOW_PITCH <= p < LOW_PITCH + KEYS for p in frame) or list(frame) != sorted(set(frame)):
            raise DataError(
                f"{path}: {split} piece {index} frame {t} is {list(frame)}; "
                f"frames must be ascending distinct pitches in {LOW_PITCH}..{LOW_PITCH + KEYS - 1}"
            )
    if not frames:
        raise DataError(f"{path}: {split} piece {index} has no frames")
    return frames


def take(splits: dict[str, list[Piece]], pieces: int | None) -> dict[str, list[Piece]]:
    """The first ``pieces`` pieces of every split (all of them when None): for smoke runs."""
    if pieces is None:
        return splits
    return {split: items[:pieces] for split, items in splits.items()}


# -- multi-hot rolls (bernoulli family) -------------------------------------------
def to_roll(piece: Piece) -> np.ndarray:
    """float32 [frames, 88]: 1 where a key sounds."""
    roll = np.zeros((len(piece), KEYS), dtype=np.float32)
    for t, frame in enumerate(piece):
        roll[t, [p - LOW_PITCH for p in frame]] = 1.0
    return roll


def from_roll(roll: np.ndarray) -> Piece:
    return [tuple(int(k) + LOW_PITCH for k in np.flatnonzero(row)) for row in np.asarray(roll)]


# -- polyphony tokens (tokens family) -----------------------------------------------
def polyphony_encoding():
    """The polyphony encoding over the 88 keys, frames without onset marks: pitches ascending, then step_end."""
    from rnnmusic.encodings import get_encoding

    return get_encoding("polyphony", {"onsets": False, "min_pitch": LOW_PITCH, "max_pitch": LOW_PITCH + KEYS - 1})


def to_ids(piece: Piece, encoding) -> np.ndarray:
    """Token ids of ``piece`` with the leading bos: the model reads bos first, so frame 1 is scored too."""
    from rnnmusic.encodings import BOS_ID

    return np.concatenate([[BOS_ID], np.asarray(encoding.encode_frames(piece), dtype=np.int64)])
