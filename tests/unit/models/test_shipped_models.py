"""The shipped default models: each loads with ONNX Runtime, describes itself fully, fits the size
budget, and its card names its data, licences and test NLL, agreeing with the file's metadata."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnnmusic.model_file import INPUT_CONTEXT, INPUT_IDS, INPUT_REPETITION, INPUT_STATE, ModelInfo, check_graph_io

ROOT = Path(__file__).resolve().parents[3]
MODELS = ROOT / "models"
EXAMPLES = ROOT / "examples"
SHIPPED = {"folk": "melody", "chorale": "polyphony"}
MAX_BYTES = 20 * 1024 * 1024
TEST_ROW = re.compile(r"^\| test \| float32 \|[^|]*\|[^|]*\| ([0-9.]+) \|", re.MULTILINE)


def load(name: str):
    import onnxruntime as ort

    path = MODELS / f"{name}.onnx"
    assert path.is_file(), f"{path} is missing: run `python -m rnnmusic.training.recipes.{name}`"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    check_graph_io([i.name for i in session.get_inputs()], [o.name for o in session.get_outputs()], str(path))
    return session, ModelInfo.from_metadata(session.get_modelmeta().custom_metadata_map, str(path))


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_model_loads_with_full_metadata(name):
    session, info = load(name)
    assert info.name == name
    assert info.encoding["name"] == SHIPPED[name]
    assert len(info.tokens) == info.architecture.vocab_size
    for key in ("files", "tokens", "content_hash"):
        assert info.training_data.get(key), f"training_data lacks {key}"
    for key in ("valid_nll", "test_nll", "test_nll_per_step"):
        assert np.isfinite(info.metrics.get(key, np.nan)), f"metrics lack {key}"
    assert "public domain" in info.license.lower()
    assert (MODELS / f"{name}.onnx").stat().st_size <= MAX_BYTES


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_model_steps(name):
    from rnnmusic.encodings import get_encoding
    from rnnmusic.engine.context import ContextSpec, ContextTracker

    session, info = load(name)
    assert info.context, "the shipped models read the timeline context (model format 2)"
    assert 0 <= info.sampling["repetition"] <= 1, "and carry their measured repetition default"
    encoding = get_encoding(info.encoding["name"], info.encoding["config"])
    context = ContextTracker(ContextSpec.from_dict(info.context), encoding).rows_now()[:, None, :]
    state = np.zeros(info.architecture.state_shape(1), dtype=np.float32)
    logits, state = session.run(None, {INPUT_IDS: np.zeros((1, 1), dtype=np.int64), INPUT_STATE: state,
                                       INPUT_CONTEXT: context, INPUT_REPETITION: np.zeros(1, dtype=np.float32)})
    assert logits.shape == (1, 1, info.architecture.vocab_size)
    assert np.isfinite(logits[0, 0]).any()
    assert np.isfinite(state).all()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_card_names_source_licences_and_test_nll(name):
    _, info = load(name)
    card = (MODELS / f"{name}.md").read_text(encoding="utf-8")
    assert "music21" in card
    assert "Public domain" in card and "Model: MIT" in card
    assert info.training_data["content_hash"] in card
    assert f"python -m rnnmusic.training.recipes.{name}" in card
    assert "quick test run" not in card and "subset run" not in card
    match = TEST_ROW.search(card)
    assert match, "the card has no test NLL row"
    # the card's number is ONNX Runtime's; the metadata's is torch's at the end of training: same weights
    assert float(match.group(1)) == pytest.approx(info.metrics["test_nll"], abs=2e-3)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_seed_is_a_few_bars(name):
    from rnnmusic.midi.read import read_midi, read_text_events

    path = EXAMPLES / f"seed_{name}.mid"
    seq = read_midi(path)
    meter = seq.time_signatures[0]
    bar = meter.numerator * 4.0 / meter.denominator * 60.0 / seq.qpm
    assert len(seq.notes) >= 4
    assert bar < seq.total_time <= 4 * bar + 1e-6
    assert any("test split" in text for text in read_text_events(path))
