"""The export parity check: judged on next-token probabilities, it passes float32 rounding at a
confident model's scale and refuses one wrong weight (issue 12 item 7)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from rnnmusic.encodings import get_encoding
from rnnmusic.errors import ModelFileError
from rnnmusic.model_file import Architecture, ModelInfo
from rnnmusic.training.export import (
    DEFAULT_TOLERANCE,
    PROBABILITY_FLOOR,
    compare_logits,
    export_model,
    parity_check,
)
from rnnmusic.training.model import RecurrentLM

ENCODING = get_encoding("melody")


def lstm_2x32(spread: float = 1.0, seed: int = 0) -> tuple[RecurrentLM, ModelInfo]:
    """The issue's shape; ``spread`` scales the output layer as training does to a confident model."""
    arch = Architecture(cell="lstm", layers=2, hidden=32, embedding=32, vocab_size=ENCODING.vocab_size)
    torch.manual_seed(seed)
    model = RecurrentLM(arch, ENCODING.follow_table).eval()
    with torch.no_grad():
        model.head.weight.mul_(spread)
        model.head.bias.mul_(spread)
    info = ModelInfo(name="parity", encoding=json.loads(ENCODING.config_json()),
                     tokens=tuple(str(t) for t in ENCODING.tokens), architecture=arch)
    return model, info


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = tmp_path_factory.mktemp("parity") / "good.onnx"
    model, info = lstm_2x32(spread=10.0)  # logits within about +-10, as a trained model's
    export_model(model, info, path)
    return model, path


def test_a_confident_model_exports_although_its_logits_differ_by_more_than_1e_4(tmp_path):
    """Logits in the hundreds: float32 rounding alone differs by 1.22e-4 there (the old check refused
    exactly this), while no next-token probability moves by more than 1e-4."""
    model, info = lstm_2x32(spread=2000.0)
    path = export_model(model, info, tmp_path / "confident.onnx")
    parity = parity_check(model, path)
    assert parity.passes(DEFAULT_TOLERANCE) and parity.probability < 1e-4


def test_rounding_sized_noise_passes_and_a_constant_shift_is_no_difference():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 8, size=(2, 5, 40)).astype(np.float32)
    logits[..., :3] = -np.inf  # grammar-masked tokens
    noisy = logits + rng.uniform(-1.22e-4, 1.22e-4, size=logits.shape).astype(np.float32)
    assert compare_logits(noisy, logits).passes(DEFAULT_TOLERANCE)
    assert compare_logits(logits + np.float32(0.5), logits).worst < 1e-6  # softmax cannot see a shift


def test_a_real_difference_in_likely_tokens_is_caught():
    logits = np.zeros((1, 1, 40))
    bumped = logits.copy()
    bumped[0, 0, 7] += 0.01  # one token 1% more likely: a wrong weight, not rounding
    parity = compare_logits(bumped, logits)
    assert not parity.passes(DEFAULT_TOLERANCE) and parity.log_probability == pytest.approx(0.01, rel=0.05)


def test_different_masks_or_nan_never_pass():
    logits = np.zeros((1, 2, 10))
    masked = logits.copy()
    masked[0, 0, 4] = -np.inf
    assert not compare_logits(masked, logits).masks_agree
    assert not compare_logits(np.full_like(logits, np.nan), logits).passes(1e9)


def test_unlikely_tokens_count_only_by_their_probability():
    logits = np.zeros((1, 1, 10))
    logits[0, 0, 0] = -30.0  # p ~ 1e-14, far below PROBABILITY_FLOOR
    moved = logits.copy()
    moved[0, 0, 0] = -25.0  # 150 times likelier, still nothing sampling would pick
    parity = compare_logits(moved, logits)
    assert np.exp(-25.0) < PROBABILITY_FLOOR and parity.passes(DEFAULT_TOLERANCE)


def _perturbed_graph(source, target, delta: float):
    """A copy of ``source`` with one weight of the first recurrent layer's R matrix moved by ``delta``."""
    proto = onnx.load(str(source))
    lstm = next(node for node in proto.graph.node if node.op_type == "LSTM")
    weight = next(init for init in proto.graph.initializer if init.name == lstm.input[2])  # R
    values = numpy_helper.to_array(weight).copy()
    values.reshape(-1)[0] += delta
    weight.CopyFrom(numpy_helper.from_array(values, weight.name))
    onnx.save(proto, str(target))
    return target


def test_one_perturbed_onnx_weight_is_refused(exported, tmp_path):
    model, path = exported
    assert parity_check(model, path).passes(DEFAULT_TOLERANCE)
    parity = parity_check(model, _perturbed_graph(path, tmp_path / "bad.onnx", 1.0))
    assert not parity.passes(DEFAULT_TOLERANCE)
    assert "--tolerance" in parity.describe(DEFAULT_TOLERANCE)


def test_one_perturbed_torch_weight_is_refused(exported):
    model, path = exported
    twin, _ = lstm_2x32()
    twin.load_state_dict(model.state_dict())
    with torch.no_grad():
        twin.rnn.weight_hh_l0[0, 0] += 1.0
    assert not parity_check(twin, path).passes(DEFAULT_TOLERANCE)


def test_the_tolerance_decides_and_a_refusal_is_one_line(tmp_path):
    model, info = lstm_2x32()
    with pytest.raises(ModelFileError, match="export check failed: .*tolerance 0;") as exc:
        export_model(model, info, tmp_path / "strict.onnx", check_steps=2, tolerance=0.0)
    assert "\n" not in str(exc.value) and not (tmp_path / "strict.onnx").exists()
    export_model(model, info, tmp_path / "loose.onnx", check_steps=2, tolerance=1.0)


def test_export_writes_no_metadata_the_loader_would_refuse(tmp_path):
    model, info = lstm_2x32()
    for bad in (replace(info, metrics={"valid_nll": float("nan")}), replace(info, name="two\nlines")):
        with pytest.raises(ModelFileError) as exc:
            export_model(model, bad, tmp_path / "m.onnx", check_steps=1)
        assert str(exc.value).startswith(str(tmp_path / "m.onnx")) and "\n" not in str(exc.value)
    assert list(tmp_path.iterdir()) == []
