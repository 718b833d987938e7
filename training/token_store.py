"""Writing a token dataset folder, the format :mod:`rnnmusic.evaluate` reads.

Per split ``{split}_tokens.npy`` (every piece's ids back to back, each after a bos) and
``{split}_offsets.npy`` (where each piece starts, then the end); ``manifest.json`` last, so a
folder with a manifest is a complete dataset. Two writers use it: the MIDI dataset builder
(:mod:`rnnmusic.training.dataset`) and the polyphonic benchmark, whose pieces are already
token ids (:mod:`rnnmusic.training.bench.token_dataset`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnmusic.atomic import atomic_output, atomic_write_bytes
from rnnmusic.encodings import BOS_ID, Encoding
from rnnmusic.evaluate import DATASET_FORMAT, MANIFEST, SPLITS, meters_path, offsets_path, tokens_path

#: a split's pieces: a list of id arrays, or (their lengths, an iterable yielding them one at a time)
#: so a large dataset need not be in memory twice
Split = Sequence[np.ndarray] | tuple[Sequence[int], Iterable[np.ndarray]]


def save_npy(path: Path, array: np.ndarray) -> None:
    """One array, written atomically and without pickle."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)


def write_split(out: Path, split: str, pieces: Split, encoding: Encoding) -> dict[str, Any]:
    """One split's two arrays from its pieces' ids (without bos); returns its manifest summary."""
    lengths, ids_iter = pieces if isinstance(pieces, tuple) else ([len(p) for p in pieces], pieces)
    offsets = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64) + 1)]).astype(np.int64)  # +1: bos
    tokens = np.empty(int(offsets[-1]), dtype=np.uint16 if encoding.vocab_size <= 2**16 else np.int32)
    time_total = 0.0
    for ids, start, length in zip(ids_iter, offsets[:-1], lengths):
        if len(ids) != length:
            raise ValueError(f"{split}: a piece has {len(ids)} tokens where {length} were announced")
        tokens[start] = BOS_ID
        tokens[start + 1: start + 1 + len(ids)] = ids
        time_total += float(encoding.time_advance[ids].sum())
    save_npy(tokens_path(out, split), tokens)
    save_npy(offsets_path(out, split), offsets)
    return {"pieces": len(lengths), "tokens": int(offsets[-1]) - len(lengths), "stored_tokens": int(offsets[-1]),
            "time": time_total}


def write_split_meters(out: Path, split: str, meters: Sequence[Sequence[tuple[int, int, int]]]) -> None:
    """Each piece's meter map in steps, in the split's piece order (what the timeline context reads)."""
    text = json.dumps([[list(m) for m in piece] for piece in meters], separators=(",", ":"))
    atomic_write_bytes(meters_path(out, split), text.encode())


def write_token_dataset(out_dir: str | os.PathLike, encoding: Encoding, splits: Mapping[str, Split],
                        *, source: str, license: str, content_hash: str,
                        meters: Mapping[str, Sequence[Sequence[tuple[int, int, int]]]] | None = None,
                        **details: Any) -> dict[str, Any]:
    """Write every split of ``splits`` (split name -> its pieces' ids, without bos), then the manifest; returns it.

    ``content_hash`` identifies the content (a resumed training run checks it); ``details``
    are further manifest fields (files, duplicates, skipped, dropped_notes, ...).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = {split: write_split(out, split, splits[split], encoding) for split in SPLITS}
    for split in SPLITS:
        if meters is not None:
            write_split_meters(out, split, meters[split])
        elif meters_path(out, split).exists():  # a rebuild without meters must not keep stale ones
            meters_path(out, split).unlink()
    manifest = {
        "format": DATASET_FORMAT,
        "encoding": json.loads(encoding.config_json()),
        "vocab_size": encoding.vocab_size,
        "time_unit": "step" if encoding.uses_grid else "second",
        "source": source,
        "license": license,
        "content_hash": content_hash,
        "splits": summary,
        **details,
    }
    atomic_write_bytes(out / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())  # last: marks it complete
    return manifest
