"""Small real models for the engine tests: freshly initialised torch RecurrentLMs exported to ONNX.

Untrained weights give a near-uniform next-token distribution, which is what the mask
tests want (every token gets sampled sometimes). ``spread`` scales the output layer so
that a model has clear preferences (for beam-search tests).
"""

from __future__ import annotations

import json
from pathlib import Path

from rnnmusic.encodings import get_encoding
from rnnmusic.model_file import Architecture, ModelInfo


def make_model(path: Path, encoding: str = "melody", config: dict | None = None, cell: str = "lstm",
               layers: int = 1, hidden: int = 32, seed: int = 0, name: str | None = None,
               spread: float = 1.0, metrics: dict | None = None) -> Path:
    """Write an rnnmusic .onnx model with random weights for ``encoding`` to ``path``."""
    import torch

    from rnnmusic.training.export import export_model
    from rnnmusic.training.model import RecurrentLM

    enc = get_encoding(encoding, config or {})
    arch = Architecture(cell=cell, layers=layers, hidden=hidden, embedding=min(hidden, 32), vocab_size=enc.vocab_size)
    torch.manual_seed(seed)
    model = RecurrentLM(arch)
    with torch.no_grad():
        model.head.weight.mul_(spread)
        model.head.bias.mul_(spread)
    info = ModelInfo(
        name=name or Path(path).stem,
        encoding=json.loads(enc.config_json()),
        tokens=tuple(str(t) for t in enc.tokens),
        architecture=arch,
        training_data={"files": 0, "tokens": 0, "source": "random initialisation (tests)"},
        metrics=metrics or {},
        license="CC0-1.0",
        description="untrained test model",
    )
    export_model(model, info, path, check_steps=3)
    return Path(path)
