"""``rnnmusic export RUN_DIR -o MODEL.onnx [--int8]``: a run's best weights as one self-describing model file.

The file carries the encoding (config and token meanings), the architecture,
the training data summary (files, tokens, content hash, licence) and the run's
validation and test NLL. It is written only after the parity check of
:func:`export_model` passes. With ``int8``, the checked float model is then
quantised dynamically by ONNX Runtime (weights of MatMul and LSTM to int8), its
test NLL measured with ONNX Runtime before and after, and the change recorded
in the metadata (``quantization``); only the int8 file is written.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from rnnmusic.atomic import atomic_output
from rnnmusic.encodings import encoding_from_json
from rnnmusic.errors import ConfigError, ModelFileError
from rnnmusic.evaluate import evaluate_model, read_manifest
from rnnmusic.model_file import ModelInfo
from rnnmusic.training.checkpoint import BEST, checkpoint_config, checkpoint_dataset, load_checkpoint
from rnnmusic.training.export import DEFAULT_TOLERANCE, export_model, model_metadata
from rnnmusic.training.trainer import build_model

#: dynamic int8 quantisation covers these ops; Gather is left out on purpose: the grammar mask
#: is a Gather over a table of 0 and -inf, which int8 cannot hold (the embedding stays float too)
INT8_OPS = ["MatMul", "LSTM"]


def export_run(run_dir: str | os.PathLike, output: str | os.PathLike, int8: bool = False, name: str | None = None,
               license: str | None = None, description: str = "", data_dir: str | os.PathLike | None = None,
               checkpoint: str = BEST, tolerance: float = DEFAULT_TOLERANCE,
               sampling: dict | None = None) -> ModelInfo:
    """Export ``run_dir/checkpoint`` to ``output``; returns the metadata written. Nothing is written on failure.

    ``tolerance`` bounds how far ONNX Runtime's next-token probabilities may be from torch's (see
    :class:`rnnmusic.training.export.Parity`). ``sampling`` are the model's own sampling defaults
    (e.g. ``{"repetition": 0.7}``, chosen by measurement), written into the file.
    """
    run_dir, output = Path(run_dir), Path(output)
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: no such run folder")
    if not (run_dir / checkpoint).exists():
        raise ConfigError(f"{run_dir}: no {checkpoint} (a run writes it at its first validation; train longer)")
    payload = load_checkpoint(run_dir / checkpoint)
    config = checkpoint_config(payload)
    encoding = encoding_from_json(payload["encoding"])
    model = build_model(config, encoding)
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as exc:  # torch lists every missing or unexpected weight, over several lines
        detail = " ".join(str(exc).split())[:200]
        raise ConfigError(f"{run_dir / checkpoint}: its weights do not fit the model its config describes "
                          f"({detail})") from None
    dataset = checkpoint_dataset(payload)
    # a NaN or infinite NLL (a run that diverged) is no measurement: left out, as a missing one is
    metrics = {k: v for k, v in json.loads(payload.get("metrics", "{}")).items()
               if v is not None and not (isinstance(v, float) and not math.isfinite(v))}
    info = ModelInfo(
        name=name or run_dir.resolve().name,
        encoding=json.loads(encoding.config_json()),
        tokens=tuple(str(t) for t in encoding.tokens),
        architecture=model.arch,
        training_data={k: dataset[k] for k in ("files", "tokens", "content_hash", "source") if k in dataset},
        metrics={**metrics, "nll_unit": "nats per token; *_per_step: nats per grid step (seconds for performance)"},
        license=license if license is not None else dataset.get("license", ""),
        description=description or f"{config.model.cell} {config.model.layers}x{config.model.hidden} "
                                   f"on {encoding.name} tokens, trained with rnnmusic",
        grammar_mask="in_graph" if model.grammar_mask else "none",
        context={} if model.context_spec is None else json.loads(model.context_spec.to_json()),
        sampling=dict(sampling or {}),
    )
    if not int8:
        export_model(model, info, output, tolerance=tolerance)
        return info
    data = Path(data_dir) if data_dir is not None else Path(dataset.get("data_dir", ""))
    _check_test_split(data)
    with atomic_output(output) as tmp:
        float_path = tmp.with_name(tmp.name + ".fp32")
        try:
            export_model(model, info, float_path, tolerance=tolerance)
            before = evaluate_model(float_path, data).result.per_token
            _quantize(float_path, tmp)
            after = evaluate_model(tmp, data).result.per_token
        finally:
            float_path.unlink(missing_ok=True)
        quant = {"int8": True, "method": "onnxruntime dynamic, weights of " + " and ".join(INT8_OPS),
                 "test_nll_fp32": before, "test_nll_int8": after, "nll_change": after - before}
        info = replace(info, quantization=quant)
        _write_metadata(tmp, model_metadata(info, model))
    return info


def _check_test_split(data: Path) -> None:
    try:
        manifest = read_manifest(data)
    except ConfigError as exc:
        raise ConfigError(f"--int8 measures the NLL change on the run's test split, but {exc} (pass --data)") from None
    if manifest["splits"]["test"]["pieces"] == 0:
        raise ConfigError(f"{data}: the test split is empty; --int8 needs it to measure the NLL change")


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs a generic "consider pre-processing" warning at root level
    try:
        quantize_dynamic(source, target, op_types_to_quantize=INT8_OPS, weight_type=QuantType.QInt8)
    except Exception as exc:  # ORT's quantiser raises plain exceptions with its reason
        raise ModelFileError(target, f"int8 quantisation failed ({str(exc).splitlines()[0][:160]})") from None
    finally:
        root.setLevel(level)


def _write_metadata(path: Path, values: dict[str, Any]) -> None:
    import onnx

    ModelInfo.from_metadata(values, str(path))  # the runtime's own checks: write nothing it would refuse
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in values.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
