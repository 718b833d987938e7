"""The benchmark as a token dataset in the training pipeline's format, so `rnnmusic train/eval` read it.

Written by :mod:`rnnmusic.training.token_store`, the writer the MIDI dataset builder uses
too; here the pieces come from the benchmark JSON instead, split as the benchmark splits them
(never re-split by hash). One piece of the benchmark is one piece of the dataset, bos first,
so ``rnnmusic eval``'s NLL per step is nats per frame under the standard protocol.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from rnnmusic import __version__
from rnnmusic.training.bench.polyphonic_data import Piece, dataset_path, polyphony_encoding, to_ids
from rnnmusic.training.token_store import write_token_dataset

LICENSE = "research benchmark data (Boulanger-Lewandowski et al. 2012); pieces public domain or as distributed there"


def write_benchmark_dataset(
    splits: dict[str, list[Piece]], out_dir: str | os.PathLike, name: str, root: str | os.PathLike | None = None
) -> dict[str, Any]:
    """Encode every split with the polyphony encoding (onsets off) and write it to ``out_dir``; returns the manifest."""
    encoding = polyphony_encoding()
    source = dataset_path(name, root)
    ids = {split: [to_ids(piece, encoding)[1:] for piece in pieces] for split, pieces in splits.items()}  # [1:]: bos
    digest = hashlib.sha256(f"{__version__}\n{encoding.config_json()}\n".encode())
    for split in sorted(ids):  # the content itself: a smoke subset hashes apart
        for piece in ids[split]:
            digest.update(piece.astype("<u2").tobytes())
        digest.update(f"|{split}|{len(ids[split])}".encode())
    return write_token_dataset(out_dir, encoding, ids, source=str(source), license=LICENSE,
                               content_hash=digest.hexdigest(), dropped_notes={},
                               files=[{"path": source.name, "split": "benchmark splits"}], duplicates=[], skipped=[])
