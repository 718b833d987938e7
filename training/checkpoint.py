"""Checkpoints: everything a run needs to continue exactly, in one file, without pickle.

A checkpoint is a dict of tensors and plain Python values (str, int, float,
bool, lists, dicts), which ``torch.load(weights_only=True)`` reads back without
executing anything. Objects (configs, the encoding, the numpy generator state) go
in as JSON strings. Files are written to a temporary name and renamed, so a kill
during a write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from rnnmusic.atomic import atomic_output
from rnnmusic.errors import ConfigError
from rnnmusic.training.config import TrainConfig

CHECKPOINT_FORMAT = 1
BEST = "best.pt"
LAST = "last.pt"


def save_checkpoint(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    with atomic_output(path) as tmp:
        torch.save({"format": CHECKPOINT_FORMAT, **payload}, tmp)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; a missing or damaged file is a ConfigError naming it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such checkpoint")
    if path.stat().st_size == 0:
        raise ConfigError(f"{path}: not a readable rnnmusic checkpoint (it is empty, 0 bytes)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types (some with no message) for truncated or foreign files
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise ConfigError(f"{path}: not a readable rnnmusic checkpoint ({detail})") from None
    if not isinstance(payload, dict) or "model" not in payload or "config" not in payload:
        raise ConfigError(f"{path}: not an rnnmusic checkpoint (no model or config inside)")
    if payload.get("format", 0) > CHECKPOINT_FORMAT:
        raise ConfigError(f"{path}: checkpoint format {payload['format']} is newer than this rnnmusic reads")
    return payload


def checkpoint_config(payload: dict[str, Any]) -> TrainConfig:
    data = json.loads(payload["config"])
    model = data.get("model")
    if isinstance(model, dict) and "context" not in model:
        model["context"] = "off"  # a run from before timeline contexts trained a token-only model
    return TrainConfig.from_dict(data, "checkpoint config")


def checkpoint_dataset(payload: dict[str, Any]) -> dict[str, Any]:
    """The dataset summary recorded at training time (path, content hash, counts, licence)."""
    return json.loads(payload.get("dataset", "{}"))
