"""The export of a model that reads the timeline context: its two extra inputs are in the graph, the
parity check feeds them, and a wrong gate or lookback weight is caught."""

from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from rnnmusic.encodings import get_encoding
from rnnmusic.engine.context import ContextSpec
from rnnmusic.model_file import INPUT_CONTEXT, INPUT_REPETITION, Architecture, ModelInfo
from rnnmusic.training.export import DEFAULT_TOLERANCE, export_model, parity_check
from rnnmusic.training.model import RecurrentLM


def context_model(seed: int = 0) -> tuple[RecurrentLM, ModelInfo]:
    enc = get_encoding("melody")
    arch = Architecture("gru", 2, 32, 16, enc.vocab_size)
    torch.manual_seed(seed)
    model = RecurrentLM(arch, enc.follow_table, ContextSpec()).eval()
    with torch.no_grad():  # a confident model, so a wrong weight moves its probabilities visibly
        model.head.weight.mul_(8.0)
        model.gate.weight.mul_(8.0)
    info = ModelInfo("ctx", json.loads(enc.config_json()), tuple(str(t) for t in enc.tokens), arch)
    return model, info


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model, info = context_model()
    path = export_model(model, info, tmp_path_factory.mktemp("ctx") / "ctx.onnx", check_steps=5)
    return model, path


def test_the_graph_has_the_context_inputs_and_the_file_describes_them(exported):
    _, path = exported
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs = {i.name: i for i in session.get_inputs()}
    assert inputs[INPUT_CONTEXT].type == "tensor(int64)" and inputs[INPUT_CONTEXT].shape[2] == ContextSpec().width
    assert inputs[INPUT_REPETITION].type == "tensor(float)"
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["rnnmusic.context"]) == json.loads(ContextSpec().to_json())
    assert meta["rnnmusic.format_version"] == "2"


@pytest.mark.parametrize("weight", ["gate", "lookback"])
def test_a_wrong_context_weight_fails_the_parity_check(exported, weight):
    model, path = exported
    twin, _ = context_model()
    twin.load_state_dict(model.state_dict())
    with torch.no_grad():
        if weight == "gate":
            twin.gate.bias[1] += 2.0  # the one-bar-back gate
        else:
            twin.context_in.lookback[0].weight.add_(0.5)
    assert parity_check(model, path, steps=10).passes(DEFAULT_TOLERANCE)
    assert not parity_check(twin, path, steps=10).passes(DEFAULT_TOLERANCE)


def test_repetition_moves_the_mixture_towards_the_proposals(exported):
    model, _ = exported
    vocab = model.arch.vocab_size
    ids = torch.tensor([[0, 5, 6]])
    context = torch.zeros((1, 3, ContextSpec().width), dtype=torch.long)
    context[..., 1], context[..., 3] = 16, 4
    context[..., 5:] = vocab  # no proposals ...
    context[0, 2, 5] = 7  # ... but one, at the last position
    with torch.no_grad():
        low, _ = model(ids, None, context, torch.tensor([-30.0]))
        high, _ = model(ids, None, context, torch.tensor([30.0]))
    assert torch.allclose(low[0, :2], high[0, :2])  # without a proposal the control changes nothing
    assert high[0, 2].softmax(-1)[7] > 0.99 and low[0, 2].softmax(-1)[7] < high[0, 2].softmax(-1)[7]
    assert np.isclose(float(high[0, 2].exp().sum()), 1.0, atol=1e-5)
