"""Imports of the optional training package, turned into a one-line error naming the extra to install.

`rnnmusic` installs without torch (playing needs only ONNX Runtime), so `train`, `export`
and `bench` meet a missing torch or onnx as an ImportError; a user gets the install
command instead of a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from rnnmusic.errors import ConfigError

#: top-level modules that only the training extra (`pip install 'rnnmusic[train]'`) brings
TRAIN_EXTRA_MODULES = ("torch", "onnx", "music21")


def import_training(module: str, command: str) -> ModuleType:
    """``rnnmusic.training.<module>``; without the training extra a ConfigError saying what to install."""
    try:
        return importlib.import_module(f"rnnmusic.training.{module}")
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in TRAIN_EXTRA_MODULES:
            raise
        raise ConfigError(
            f"`rnnmusic {command}` needs the training extra ({missing} is not installed): install torch "
            "first (a CPU or CUDA build, see pytorch.org), then pip install 'rnnmusic[train]'") from None
