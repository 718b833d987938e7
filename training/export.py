"""Export a trained RecurrentLM to one self-describing ONNX file, and prove the export right.

The file follows :mod:`rnnmusic.model_file`: names, dynamic batch and time, and
the model's description in ``metadata_props``. Weights are embedded (no external
data file). Before the file is put in place, ONNX Runtime runs it for
``check_steps`` chained single-token steps beside torch, and the two must agree on
what sampling sees: the same grammar mask, and next-token probabilities within
``tolerance`` (see :class:`Parity`). Otherwise the export fails and nothing is written.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from rnnmusic.atomic import atomic_output
from rnnmusic.engine.context import position_table_sizes
from rnnmusic.errors import ModelFileError
from rnnmusic.model_file import (
    CONTEXT_INPUT_NAMES,
    INPUT_CONTEXT,
    INPUT_IDS,
    INPUT_NAMES,
    INPUT_REPETITION,
    INPUT_STATE,
    OUTPUT_LOGITS,
    OUTPUT_NAMES,
    OUTPUT_STATE,
    ModelInfo,
)
from rnnmusic.training.model import RecurrentLM

OPSET = 17
#: default for ``rnnmusic export --tolerance``. Measured 2026-12-01: float32 rounding moved the
#: log-probabilities of LSTM 2x32 models trained on folk tunes by 2e-6, and of one with logits in the
#: hundreds by 6e-5 (its logits by 1.22e-4, which the old raw-logit rule refused); one recurrent
#: weight of a trained model moved by 0.01 moves them by 1e-2 (tests/unit/training/test_export_parity.py)
DEFAULT_TOLERANCE = 1e-3
#: tokens less likely than this are left out of the relative (log-probability) comparison: sampling
#: almost never picks them, and their large negative logits carry the largest float32 rounding
PROBABILITY_FLOOR = 1e-3


def export_model(
    model: RecurrentLM,
    info: ModelInfo,
    path: str | os.PathLike,
    check_steps: int = 100,
    tolerance: float = DEFAULT_TOLERANCE,
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
        metadata = model_metadata(info, model)
        ModelInfo.from_metadata(metadata, str(path))  # the runtime's own checks: write nothing it would refuse
        for key, value in metadata.items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        proto.doc_string = (f"rnnmusic model {info.name}: {info.architecture.cell} language model "
                            f"over {info.encoding.get('name')} tokens")
        onnx.save(proto, str(tmp))
        parity = parity_check(model, tmp, steps=check_steps, seed=seed)
        if not parity.passes(tolerance):
            raise ModelFileError(path, f"export check failed: {parity.describe(tolerance)}")
    return path


def model_metadata(info: ModelInfo, model: RecurrentLM) -> dict[str, str]:
    """``metadata_props`` of an exported model: its ModelInfo, saying how the graph applies the grammar."""
    context = {} if model.context_spec is None else json.loads(model.context_spec.to_json())
    return replace(info, grammar_mask="in_graph" if model.grammar_mask else "none", context=context).to_metadata()


def input_names(model: RecurrentLM) -> tuple[str, ...]:
    """The graph inputs of ``model``, in ``forward``'s order: the contract's, plus the context pair."""
    return INPUT_NAMES + (CONTEXT_INPUT_NAMES if model.context_spec is not None else ())


def random_context(model: RecurrentLM, rng: np.random.Generator, batch: int, time: int) -> dict[str, np.ndarray]:
    """Context and repetition inputs of valid shape and range (absent proposals included), for checks."""
    spec = model.context_spec
    if spec is None:
        return {}
    columns = [rng.integers(0, rows, size=(batch, time)) for rows in position_table_sizes(spec)]
    columns += [rng.integers(0, model.arch.vocab_size + 1, size=(batch, time)) for _ in spec.lookback_bars]
    return {INPUT_CONTEXT: np.stack(columns, axis=-1).astype(np.int64),
            INPUT_REPETITION: rng.uniform(-2.0, 2.0, size=batch).astype(np.float32)}


def _torch_export(model: RecurrentLM, path: Path) -> None:
    ids = torch.zeros((1, 4), dtype=torch.long)
    state = model.initial_state(1)
    dynamic = {
        INPUT_IDS: {0: "batch", 1: "time"},
        INPUT_STATE: {2: "batch"},
        OUTPUT_LOGITS: {0: "batch", 1: "time"},
        OUTPUT_STATE: {2: "batch"},
    }
    args: tuple = (ids, state)
    if model.context_spec is not None:
        extra = random_context(model, np.random.default_rng(0), 1, 4)
        args = (ids, state, torch.from_numpy(extra[INPUT_CONTEXT]), torch.from_numpy(extra[INPUT_REPETITION]))
        dynamic[INPUT_CONTEXT] = {0: "batch", 1: "time"}
        dynamic[INPUT_REPETITION] = {0: "batch"}
    with warnings.catch_warnings():
        # the TorchScript exporter warns that it is deprecated and about batch_first RNNs; both are expected
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            args,
            str(path),
            input_names=list(input_names(model)),
            output_names=list(OUTPUT_NAMES),
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )


@dataclass(frozen=True)
class Parity:
    """How far ONNX Runtime's next-token distributions are from torch's, over a whole check.

    Judged on what sampling uses, at the model's own scale: ``probability`` is the largest
    absolute difference of any next-token probability; ``log_probability`` the largest
    difference of log-probabilities of the tokens at least ``PROBABILITY_FLOOR`` likely (a
    relative error, so a near-uniform untrained model is judged as strictly as a confident
    one). Raw logits are not compared: a trained model's logits reach tens, and float32
    rounding then differs by 1e-4 with no effect on any probability.
    """

    probability: float = 0.0
    log_probability: float = 0.0
    masks_agree: bool = True

    @property
    def worst(self) -> float:
        return max(self.probability, self.log_probability) if self.masks_agree else math.inf

    def passes(self, tolerance: float) -> bool:
        return self.worst <= tolerance

    def merge(self, other: Parity) -> Parity:
        return Parity(max(self.probability, other.probability), max(self.log_probability, other.log_probability),
                      self.masks_agree and other.masks_agree)

    def describe(self, tolerance: float) -> str:
        if not self.masks_agree:
            return "ONNX Runtime and torch forbid different tokens (their grammar masks differ)"
        return (f"ONNX Runtime and torch next-token probabilities differ by up to {self.probability:.2e}, "
                f"log-probabilities of tokens above {PROBABILITY_FLOOR:g} by {self.log_probability:.2e} "
                f"(tolerance {tolerance:g}; --tolerance sets it)")


def compare_logits(ort_logits: np.ndarray, torch_logits: np.ndarray) -> Parity:
    """The :class:`Parity` of two logit arrays ``[..., vocab]`` (-inf where the grammar forbids a token)."""
    a, b = ort_logits.astype(np.float64), torch_logits.astype(np.float64)
    if not np.array_equal(np.isneginf(a), np.isneginf(b)) or not (np.isfinite(a) | np.isneginf(a)).all() \
            or not (np.isfinite(b) | np.isneginf(b)).all():
        return Parity(masks_agree=False)  # a NaN or +inf is no distribution either
    log_a, log_b = _log_softmax(a), _log_softmax(b)
    p_a, p_b = np.exp(log_a), np.exp(log_b)
    likely = (p_a >= PROBABILITY_FLOOR) | (p_b >= PROBABILITY_FLOOR)
    return Parity(float(np.abs(p_a - p_b).max(initial=0.0)),
                  float(np.abs(log_a[likely] - log_b[likely]).max(initial=0.0)))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=-1, keepdims=True)
    shifted = logits - top
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def ort_outputs(session, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """ONNX Runtime's outputs by name for ``feeds`` (every contract input, by name)."""
    return dict(zip(OUTPUT_NAMES, session.run(list(OUTPUT_NAMES), feeds)))


def torch_outputs(model: RecurrentLM, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """torch's outputs by name for the same ``feeds``, passed in the contract's input order."""
    with torch.no_grad():
        outputs = model(*(torch.from_numpy(feeds[name]) for name in input_names(model)))
    return {name: value.numpy() for name, value in zip(OUTPUT_NAMES, outputs)}


def parity_check(model: RecurrentLM, onnx_path: str | os.PathLike, steps: int = 100, seed: int = 0,
                 batch: int = 2) -> Parity:
    """Compare torch and ONNX Runtime over a prefill and ``steps`` chained steps.

    Each side is fed its own state back, so a wrong state output or rounding that grows
    over the steps shows in the later distributions.
    """
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, model.arch.vocab_size, size=(batch, 8)).astype(np.int64)
    state = np.zeros(model.arch.state_shape(batch), dtype=np.float32)
    ort_feeds, torch_feeds = {INPUT_IDS: ids, INPUT_STATE: state}, {INPUT_IDS: ids, INPUT_STATE: state.copy()}
    parity = Parity()
    for _ in range(steps + 1):
        # a context model reads random but valid timeline inputs: every gate and proposal path is checked
        extra = random_context(model, rng, batch, ort_feeds[INPUT_IDS].shape[1])
        ort_feeds, torch_feeds = {**ort_feeds, **extra}, {**torch_feeds, **extra}
        ort_out, torch_out = ort_outputs(session, ort_feeds), torch_outputs(model, torch_feeds)
        parity = parity.merge(compare_logits(ort_out[OUTPUT_LOGITS], torch_out[OUTPUT_LOGITS]))
        # chain: the next input is the arg-max token of the last position, one token per step
        ids = ort_out[OUTPUT_LOGITS][:, -1:, :].argmax(-1).astype(np.int64)
        ort_feeds = {**ort_feeds, INPUT_IDS: ids, INPUT_STATE: ort_out[OUTPUT_STATE]}
        torch_feeds = {**torch_feeds, INPUT_IDS: ids, INPUT_STATE: torch_out[OUTPUT_STATE]}
    return parity
