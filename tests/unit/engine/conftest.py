"""Real ONNX models for the engine tests, exported once per session from fresh torch models."""

from __future__ import annotations

from pathlib import Path

import pytest
from model_factory import make_model

from rnnmusic.engine import Generator, load_model_file

# encoding -> (config, model seed); small pitch ranges keep the models small and fast
SPECS = {
    "melody": ({}, 1),
    "polyphony": ({"min_pitch": 36, "max_pitch": 84}, 2),
    "performance": ({}, 3),
    "drums": ({}, 4),
}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("engine-models")


@pytest.fixture(scope="session")
def model_paths(model_dir) -> dict[str, Path]:
    """One model per encoding, grammar mask inside the graph (as training exports them)."""
    return {name: make_model(model_dir / f"{name}.onnx", name, config, seed=seed)
            for name, (config, seed) in SPECS.items()}


@pytest.fixture(scope="session")
def unmasked_paths(model_dir) -> dict[str, Path]:
    """Models whose graphs have no grammar mask: only the runtime's mask keeps sequences valid."""
    return {name: make_model(model_dir / f"{name}-unmasked.onnx", name, config, seed=seed + 10, grammar_mask=False)
            for name, (config, seed) in SPECS.items()}


@pytest.fixture(scope="session")
def models(model_paths):
    return {name: load_model_file(path) for name, path in model_paths.items()}


@pytest.fixture(scope="session")
def generators(models):
    return {name: Generator(model) for name, model in models.items()}
