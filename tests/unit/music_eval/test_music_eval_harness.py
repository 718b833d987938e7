"""The harness: options pass through to the engine unchanged, runs repeat exactly, mismatches are refused."""

from __future__ import annotations

import pytest
from model_factory import make_model

from rnnmusic.engine import GenerateOptions
from rnnmusic.errors import ConfigError
from rnnmusic.music_eval import evaluate_music

SMALL = dict(seed_bars=2, bars=4, samples=2)


def test_an_options_object_and_overrides_reach_the_engine(tiny):
    model, data, _ = tiny
    result = evaluate_music(model, data, GenerateOptions(top_k=5, key="auto"), temperature=0.8, key_from="seed",
                            **SMALL)
    assert result.options["top_k"] == 5 and result.options["key"] == "auto" and result.options["temperature"] == 0.8
    # the engine's key constraint keeps every generated note in the key it estimates from the seed, the key
    # the evaluation measures against with key_from="seed"
    assert result.systems["model"]["in_key"] == pytest.approx(1.0)


def test_the_same_random_seed_gives_the_same_numbers(tiny):
    model, data, _ = tiny
    a = evaluate_music(model, data, random_seed=3, **SMALL).to_dict()
    b = evaluate_music(model, data, random_seed=3, **SMALL).to_dict()
    assert a["systems"] == b["systems"] and a["profiles"] == b["profiles"]


def test_unknown_options_are_refused(tiny):
    model, data, _ = tiny
    with pytest.raises(ConfigError, match="unknown option"):
        evaluate_music(model, data, repetiton=0.5, **SMALL)


def test_a_model_of_another_encoding_is_refused(tiny, tmp_path):
    _, data, _ = tiny
    other = make_model(tmp_path / "poly.onnx", "polyphony")
    with pytest.raises(ConfigError, match="trained on"):
        evaluate_music(other, data, **SMALL)


def test_a_drum_model_is_refused(tiny, tmp_path):
    _, data, _ = tiny
    drums = make_model(tmp_path / "drums.onnx", "drums")
    with pytest.raises(ConfigError, match="measures pitched music"):
        evaluate_music(drums, data, **SMALL)
