"""Encodings (tokenizers): NoteSequence <-> token ids. See :mod:`rnnmusic.encodings.base`."""

from __future__ import annotations

import importlib
import json
from typing import Any

from rnnmusic.encodings.base import BOS_ID, EncodeReport, Encoding, EncodingConfig, Token
from rnnmusic.errors import EncodingError

#: encoding name -> "module:Class", imported on first use
_REGISTRY = {
    "melody": "rnnmusic.encodings.melody:MelodyEncoding",
    "polyphony": "rnnmusic.encodings.polyphony:PolyphonyEncoding",
    "performance": "rnnmusic.encodings.performance:PerformanceEncoding",
    "drums": "rnnmusic.encodings.drums:DrumsEncoding",
}
ENCODING_NAMES = tuple(_REGISTRY)


def encoding_class(name: str) -> type[Encoding]:
    try:
        module_name, class_name = _REGISTRY[name].split(":")
    except KeyError:
        raise EncodingError(f"unknown encoding {name!r}; choose one of: {', '.join(ENCODING_NAMES)}") from None
    return getattr(importlib.import_module(module_name), class_name)


def get_encoding(name: str, config: dict[str, Any] | None = None) -> Encoding:
    """An encoding by name, with its config given as a plain dict (unknown keys are refused)."""
    cls = encoding_class(name)
    return cls(cls.config_class.from_dict(config or {}))


def encoding_from_json(text: str) -> Encoding:
    """Rebuild an encoding from :meth:`Encoding.config_json` (as stored inside a model file)."""
    try:
        data = json.loads(text)
        name, config = data["name"], data["config"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EncodingError(f"not an encoding description ({exc})") from None
    return get_encoding(name, config)


__all__ = [
    "BOS_ID",
    "ENCODING_NAMES",
    "EncodeReport",
    "Encoding",
    "EncodingConfig",
    "Token",
    "encoding_class",
    "encoding_from_json",
    "get_encoding",
]
