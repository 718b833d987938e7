"""Evaluation of a model file on a token dataset, with ONNX Runtime only (no torch).

Also the reading half of the dataset format that ``rnnmusic dataset build`` writes
(the writer lives in :mod:`rnnmusic.training.dataset`): it sits here because the
runtime package must read a dataset without importing the training package.

Dataset layout (``DATA_DIR``)::

    manifest.json          encoding, counts per split, source files, skipped files
    {split}_tokens.npy     uint16/int32 token ids of every piece of the split, each piece
                           stored as bos followed by its tokens, pieces back to back
    {split}_offsets.npy    int64 start of every piece, plus the total length at the end

NLL is in nats. *Per token*: the mean over every token of every piece (bos is
read, never predicted). *Per step*: the same total divided by the time the tokens
cover: grid steps for grid encodings (melody, polyphony, drums), seconds for
performance (``Encoding.time_advance``); so per step is comparable across
encodings of the same grid, while per token is not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnmusic.encodings import BOS_ID, Encoding, get_encoding
from rnnmusic.errors import ConfigError

SPLITS = ("train", "valid", "test")
MANIFEST = "manifest.json"
DATASET_FORMAT = 1

#: (ids [batch, time] int64, state) -> (logits [batch, time, vocab] float32, state)
RunChunk = Callable[..., tuple[np.ndarray, Any]]  # (ids, state) or, for a context model, (ids, state, context)


def tokens_path(data_dir: str | os.PathLike, split: str) -> Path:
    return Path(data_dir) / f"{split}_tokens.npy"


def offsets_path(data_dir: str | os.PathLike, split: str) -> Path:
    return Path(data_dir) / f"{split}_offsets.npy"


def meters_path(data_dir: str | os.PathLike, split: str) -> Path:
    """Per piece its meter map in steps, ``[[start_step, numerator, denominator], ...]`` (JSON); a dataset
    without it (older, or the benchmark's frames) reads as 4/4 throughout."""
    return Path(data_dir) / f"{split}_meters.json"


def read_manifest(data_dir: str | os.PathLike) -> dict[str, Any]:
    """The dataset's manifest, or a ConfigError saying why ``data_dir`` is not a dataset."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ConfigError(f"{data_dir}: no such dataset folder (build one with `rnnmusic dataset build`)")
    path = data_dir / MANIFEST
    if not path.is_file():
        raise ConfigError(f"{data_dir}: not a dataset (no {MANIFEST}; build one with `rnnmusic dataset build`)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or "encoding" not in manifest or "splits" not in manifest:
        raise ConfigError(f"{path}: not an rnnmusic dataset manifest (no encoding or splits)")
    if manifest.get("format", 0) > DATASET_FORMAT:
        raise ConfigError(f"{path}: dataset format {manifest['format']} is newer than this rnnmusic reads")
    return manifest


def manifest_encoding(manifest: dict[str, Any]) -> Encoding:
    enc = manifest["encoding"]
    return get_encoding(enc["name"], enc.get("config", {}))


@dataclass(frozen=True)
class TokenSplit:
    """One split, memory-mapped: ``tokens`` back to back, piece i is ``tokens[offsets[i]:offsets[i+1]]``."""

    name: str
    tokens: np.ndarray
    offsets: np.ndarray
    meters: tuple[tuple[tuple[int, int, int], ...], ...] = ()  # per piece, when the dataset keeps them

    @property
    def pieces(self) -> int:
        return len(self.offsets) - 1

    @property
    def targets(self) -> int:
        """Tokens a model predicts: everything but each piece's leading bos."""
        return len(self.tokens) - self.pieces

    def piece(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i] : self.offsets[i + 1]]


def open_split(data_dir: str | os.PathLike, split: str, manifest: dict[str, Any] | None = None) -> TokenSplit:
    """Memory-map one split and check it against the manifest (a half-rebuilt folder is refused)."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    manifest = manifest if manifest is not None else read_manifest(data_dir)
    tpath, opath = tokens_path(data_dir, split), offsets_path(data_dir, split)
    try:
        tokens = np.load(tpath, mmap_mode="r", allow_pickle=False)
        offsets = np.load(opath, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{Path(data_dir)}: cannot read the {split} split ({exc}); rebuild the dataset") from None
    expected = manifest["splits"].get(split, {})
    ok = (
        tokens.ndim == 1
        and offsets.ndim == 1
        and len(offsets) >= 1
        and int(offsets[-1]) == len(tokens)
        and len(offsets) - 1 == expected.get("pieces", -1)
        and len(tokens) == expected.get("stored_tokens", -1)
    )
    if not ok:
        raise ConfigError(f"{Path(data_dir)}: the {split} split does not match {MANIFEST}; rebuild the dataset")
    return TokenSplit(split, tokens, offsets.astype(np.int64), _read_meters(data_dir, split, len(offsets) - 1))


def _read_meters(data_dir: str | os.PathLike, split: str, pieces: int) -> tuple:
    path = meters_path(data_dir, split)
    if not path.exists():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        meters = tuple(tuple((int(a), int(b), int(c)) for a, b, c in piece) for piece in data)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: unreadable meter list ({exc}); rebuild the dataset") from None
    if len(meters) != pieces:
        raise ConfigError(f"{path}: lists {len(meters)} pieces, the split has {pieces}; rebuild the dataset")
    return meters


def split_context(split: TokenSplit, info_context: dict[str, Any], encoding) -> np.ndarray | None:
    """The timeline context of every token of ``split`` for a model that reads one (else None)."""
    if not info_context:
        return None
    from rnnmusic.engine.context import ContextSpec, stream_context

    spec = ContextSpec.from_dict(info_context)
    return stream_context(spec, encoding, np.asarray(split.tokens), split.offsets, split.meters or None)


@dataclass(frozen=True)
class NLLResult:
    """Summed NLL (nats) over a split, with what it was summed over."""

    total: float
    tokens: int
    time: float  # grid steps, or seconds for encodings that do not use a grid
    # the part of ``total`` and ``time`` from each piece's first step: its tokens up to and
    # including the first one that advances time (the TCN paper's protocol leaves it out)
    first_total: float = 0.0
    first_time: float = 0.0

    @property
    def per_token(self) -> float:
        return self.total / self.tokens if self.tokens else float("nan")

    @property
    def per_step(self) -> float:
        return self.total / self.time if self.time else float("nan")

    @property
    def per_step_without_first(self) -> float:
        """Nats per step with each piece's first step left out (from its second step on)."""
        rest = self.time - self.first_time
        return (self.total - self.first_total) / rest if rest else float("nan")


def split_nll(
    run_chunk: RunChunk,
    initial_state: Callable[[int], Any],
    split: TokenSplit,
    time_advance: np.ndarray,
    batch_size: int = 16,
    chunk: int = 512,
    shard: tuple[int, int] = (0, 1),
    context: np.ndarray | None = None,
) -> NLLResult:
    """NLL of every piece of ``split`` read from the model's initial state, bos first.

    Pieces are batched by length (padding at the end only, so padded positions never
    influence real ones) and fed ``chunk`` tokens at a time, the state carried over.
    ``shard=(rank, world)`` takes every world-th piece, for data-parallel evaluation.
    Torch training and ONNX evaluation both call this, so their numbers agree. With
    ``context`` (``[len(split.tokens), width]``, from :func:`split_context`) ``run_chunk``
    is called as ``run_chunk(ids, state, context)``.
    """
    rank, world = shard
    lengths = np.diff(split.offsets)
    order = [i for i in np.argsort(lengths, kind="stable") if i % world == rank]
    total, count, time, first_total, first_time = 0.0, 0, 0.0, 0.0, 0.0
    for start in range(0, len(order), batch_size):
        group = order[start : start + batch_size]
        longest = int(lengths[group].max())
        ids = np.full((len(group), longest), BOS_ID, dtype=np.int64)
        ctx = None if context is None else np.zeros((len(group), longest, context.shape[1]), dtype=np.int64)
        valid = np.zeros((len(group), longest), dtype=bool)
        first = np.zeros((len(group), longest), dtype=bool)  # targets of the piece's first step
        for row, i in enumerate(group):
            piece = np.asarray(split.piece(i), dtype=np.int64)
            ids[row, : len(piece)] = piece
            if ctx is not None and context is not None:
                ctx[row, : len(piece)] = context[split.offsets[i] : split.offsets[i + 1]]
                ctx[row, len(piece):, 1] = 1  # padding: any valid position will do (never a target)
                ctx[row, len(piece):, 3] = 1
            valid[row, 1 : len(piece)] = True  # targets: every position after the bos
            advances = time_advance[piece[1:]]
            time += float(advances.sum())
            moves = np.flatnonzero(advances > 0)
            end = int(moves[0]) + 1 if len(moves) else len(piece) - 1  # targets 1..end form the first step
            first[row, 1 : end + 1] = True
            first_time += float(advances[:end].sum())
        state = initial_state(len(group))
        for t0 in range(0, longest - 1, chunk):
            t1 = min(t0 + chunk, longest - 1)
            if ctx is None:
                logits, state = run_chunk(ids[:, t0:t1], state)
            else:
                logits, state = run_chunk(ids[:, t0:t1], state, ctx[:, t0:t1])
            targets = ids[:, t0 + 1 : t1 + 1]
            mask = valid[:, t0 + 1 : t1 + 1]
            logp = _log_softmax_at(np.asarray(logits, dtype=np.float64), targets)
            total -= float(logp[mask].sum())
            first_total -= float(logp[mask & first[:, t0 + 1 : t1 + 1]].sum())
            count += int(mask.sum())
    return NLLResult(total, count, time, first_total, first_time)


def _log_softmax_at(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """log softmax(logits)[target] per position; -inf logits (masked tokens) carry no mass."""
    top = logits.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(logits - top).sum(axis=-1)) + top[..., 0]
    return np.take_along_axis(logits, targets[..., None], axis=-1)[..., 0] - log_norm


@dataclass(frozen=True)
class EvalReport:
    model: str
    data_dir: str
    split: str
    result: NLLResult
    time_unit: str  # "step" or "second"
    pieces: int


def evaluate_model(model_path: str | os.PathLike, data_dir: str | os.PathLike, split: str = "test",
                   batch_size: int = 16) -> EvalReport:
    """NLL of an rnnmusic ``.onnx`` model on one split of a dataset, with ONNX Runtime."""
    from rnnmusic.engine.model import load_model_file  # the one loader: same checks and messages as generate

    model = load_model_file(model_path, providers="cpu")
    model_path, info = model.path, model.info
    manifest = read_manifest(data_dir)
    if _canonical(info.encoding) != _canonical(manifest["encoding"]):
        raise ConfigError(
            f"{model_path} was trained on encoding {json.dumps(info.encoding, sort_keys=True)}, "
            f"but {data_dir} holds {json.dumps(manifest['encoding'], sort_keys=True)}"
        )
    encoding = manifest_encoding(manifest)
    tokens = open_split(data_dir, split, manifest)
    if tokens.pieces == 0:
        raise ConfigError(f"{data_dir}: the {split} split is empty")
    result = split_nll(model.run, model.initial_state, tokens, encoding.time_advance, batch_size=batch_size,
                       context=split_context(tokens, info.context, encoding))
    unit = "step" if encoding.uses_grid else "second"
    return EvalReport(str(model_path), str(data_dir), split, result, unit, tokens.pieces)


def _canonical(encoding: dict[str, Any]) -> str:
    return json.dumps({"name": encoding.get("name"), "config": encoding.get("config", {})}, sort_keys=True)
