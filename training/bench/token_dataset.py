"""The benchmark as a token dataset in the training pipeline's format, so `rnnmusic train/eval` read it.

The format (manifest.json, ``{split}_tokens.npy``, ``{split}_offsets.npy``) is the one
:mod:`rnnmusic.evaluate` reads and :mod:`rnnmusic.training.dataset` writes from MIDI files;
here the pieces come from the benchmark JSON instead, split as the benchmark splits them
(never re-split by hash). One piece of the benchmark is one piece of the dataset, bos first,
so ``rnnmusic eval``'s NLL per step is nats per frame under the standard protocol.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from rnnmusic import __version__
from rnnmusic.atomic import atomic_output, atomic_write_bytes
from rnnmusic.evaluate import DATASET_FORMAT, MANIFEST, SPLITS, offsets_path, tokens_path
from rnnmusic.training.bench.polyphonic_data import Piece, dataset_path, polyphony_encoding, to_ids

LICENSE = "research benchmark data (Boulanger-Lewandowski et al. 2012); pieces public domain or as distributed there"


def write_token_dataset(
    splits: dict[str, list[Piece]], out_dir: str | os.PathLike, name: str, root: str | os.PathLike | None = None
) -> dict[str, Any]:
    """Encode every split with the polyphony encoding (onsets off) and write it to ``out_dir``; returns the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    encoding = polyphony_encoding()
    source = dataset_path(name, root)
    summary: dict[str, Any] = {}
    digest = hashlib.sha256(f"{__version__}\n{encoding.config_json()}\n".encode())
    for split in SPLITS:
        pieces = [to_ids(piece, encoding) for piece in splits[split]]
        offsets = np.concatenate([[0], np.cumsum([len(p) for p in pieces])]).astype(np.int64)
        tokens = np.concatenate(pieces).astype(np.uint16) if pieces else np.zeros(0, dtype=np.uint16)
        digest.update(tokens.tobytes() + offsets.tobytes())  # the content itself: a smoke subset hashes apart
        _save(tokens_path(out, split), tokens)
        _save(offsets_path(out, split), offsets)
        summary[split] = {
            "pieces": len(pieces),
            "tokens": len(tokens) - len(pieces),
            "stored_tokens": len(tokens),
            "time": float(encoding.time_advance[tokens].sum()),  # step_end count: the frames
        }
    manifest = {
        "format": DATASET_FORMAT,
        "encoding": json.loads(encoding.config_json()),
        "vocab_size": encoding.vocab_size,
        "time_unit": "step",
        "source": str(source),
        "license": LICENSE,
        "content_hash": digest.hexdigest(),
        "splits": summary,
        "dropped_notes": {},
        "files": [{"path": source.name, "split": "benchmark splits"}],
        "duplicates": [],
        "skipped": [],
    }
    atomic_write_bytes(out / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())  # last: marks it complete
    return manifest


def _save(path: Path, array: np.ndarray) -> None:
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
