"""Export a trained RecurrentLM to one self-describing ONNX file, and prove the export right.

The file follows :mod:`rnnmusic.model_file`: names, dynamic batch and time, and
the model's description in ``metadata_props``. Weights are embedded (no external
data file). Before the file is put in place, ONNX Runtime runs it for
``check_steps`` chained single-token steps beside torch; if any logit differs by
more than ``tolerance`` the export fails and nothing is written.
"""

from __future__ import annotations

import os
from dataclasses import replace
import warnings
from pathlib import Path

import numpy as np
import torch

from rnnmusic.atomic import atomic_output
from rnnmusic.errors import ModelFileError
from rnnmusic.model_file import (
    INPUT_IDS,
    INPUT_NAMES,
    INPUT_STATE,
    OUTPUT_LOGITS,
    OUTPUT_NAMES,
    OUTPUT_STATE,
    ModelInfo,
)
from rnnmusic.training.model import RecurrentLM

OPSET = 17


def export_model(
    model: RecurrentLM,
    info: ModelInfo,
    path: str | os.PathLike,
    check_steps: int = 100,
    tolerance: float = 1e-4,
    seed: int = 0,
) -> Path:
    """Write ``model`` with ``info`` as metadata to ``path`` (atomically); raise if ORT and torch disagree."""
    import onnx

    path = Path(path)
    if info.architecture != model.arch:
        raise ValueError("ModelInfo.architecture must describe the model being exported")
    model = model.to("cpu").eval()
    with atomic_output(path) as tmp:
        _torch_export(model, tmp)
        proto = onnx.load(str(tmp))
        del proto.metadata_props[:]
        for key, value in model_metadata(info, model).items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        proto.doc_string = (f"rnnmusic model {info.name}: {info.architecture.cell} language model "
                            f"over {info.encoding.get('name')} tokens")
        onnx.save(proto, str(tmp))
        max_diff = parity_error(model, tmp, steps=check_steps, seed=seed)
        if not max_diff <= tolerance:
            raise ModelFileError(
                path, f"export check failed: ONNX Runtime and torch differ by {max_diff:.2e} (> {tolerance:g})")
    return path


def model_metadata(info: ModelInfo, model: RecurrentLM) -> dict[str, str]:
    """``metadata_props`` of an exported model: its ModelInfo, saying how the graph applies the grammar."""
    return replace(info, grammar_mask="in_graph" if model.grammar_mask else "none").to_metadata()


def _torch_export(model: RecurrentLM, path: Path) -> None:
    ids = torch.zeros((1, 4), dtype=torch.long)
    state = model.initial_state(1)
    dynamic = {
        INPUT_IDS: {0: "batch", 1: "time"},
        INPUT_STATE: {2: "batch"},
        OUTPUT_LOGITS: {0: "batch", 1: "time"},
        OUTPUT_STATE: {2: "batch"},
    }
    with warnings.catch_warnings():
        # the TorchScript exporter warns that it is deprecated and about batch_first RNNs; both are expected
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, state),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=list(OUTPUT_NAMES),
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )


def parity_error(model: RecurrentLM, onnx_path: str | os.PathLike, steps: int = 100, seed: int = 0,
                 batch: int = 2) -> float:
    """Largest |logit| difference between torch and ONNX Runtime over a prefill and ``steps`` chained steps."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    vocab = model.arch.vocab_size
    ids = rng.integers(0, vocab, size=(batch, 8))
    state = np.zeros(model.arch.state_shape(batch), dtype=np.float32)
    torch_state = torch.from_numpy(state.copy())
    worst = 0.0
    with torch.no_grad():
        for step in range(steps + 1):
            logits, state = session.run(None, {INPUT_IDS: ids.astype(np.int64), INPUT_STATE: state})
            t_logits, torch_state = model(torch.from_numpy(ids.astype(np.int64)), torch_state)
            worst = max(worst, _logit_difference(logits, t_logits.numpy()))
            worst = max(worst, float(np.abs(state - torch_state.numpy()).max()))
            # chain: the next input is the arg-max token of the last position, one token per step
            ids = logits[:, -1:, :].argmax(-1)
    return worst


def _logit_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference of finite logits; inf when the grammar masks (-inf) differ between the two."""
    masked_a, masked_b = np.isneginf(a), np.isneginf(b)
    if not np.array_equal(masked_a, masked_b):
        return float("inf")
    keep = ~masked_a
    return float(np.abs(a[keep] - b[keep]).max(initial=0.0))
