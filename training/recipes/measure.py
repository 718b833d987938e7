"""What a recipe run measures on the model it made: NLL with ONNX Runtime (float and int8), the time of
one generation step, the musical evaluation, and the same for the model it replaces. The card is written
from these numbers afterwards (:mod:`.card` reads no file itself)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rnnmusic.model_file import ModelInfo


def read_info(path: Path) -> ModelInfo:
    """The metadata of a model file, as ONNX Runtime reads it."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return ModelInfo.from_metadata(session.get_modelmeta().custom_metadata_map, str(path))


def measure_nll(model_path: Path, int8_path: Path, data: Path) -> dict[str, Any]:
    """NLL per split of the float and int8 files (None for an empty split), their sizes and step times."""
    from rnnmusic.evaluate import evaluate_model, read_manifest

    out: dict[str, Any] = {}
    for label, path in (("float", model_path), ("int8", int8_path)):
        for split in ("valid", "test"):
            if read_manifest(data)["splits"][split]["pieces"] == 0:
                out[f"{label}_{split}"] = None
                continue
            report = evaluate_model(path, data, split=split)
            out[f"{label}_{split}"] = {"per_token": report.result.per_token, "per_step": report.result.per_step,
                                       "tokens": report.result.tokens, "steps": report.result.time,
                                       "pieces": report.pieces}
        out[f"{label}_bytes"] = path.stat().st_size
        out[f"{label}_step_us"] = step_microseconds(path)
    return out


def step_microseconds(path: Path, steps: int = 300, repeats: int = 5) -> float:
    """ONNX Runtime time of one generation step (batch 1, one token, one thread): the best of ``repeats``."""
    import numpy as np
    import onnxruntime as ort

    from rnnmusic.engine.context import ContextSpec
    from rnnmusic.model_file import INPUT_CONTEXT, INPUT_IDS, INPUT_REPETITION, INPUT_STATE

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    info = ModelInfo.from_metadata(session.get_modelmeta().custom_metadata_map, str(path))
    arch = info.architecture
    feed = {INPUT_IDS: np.zeros((1, 1), dtype=np.int64), INPUT_STATE: np.zeros(arch.state_shape(1), np.float32)}
    if info.context:  # a step of a context model reads its timeline inputs too
        feed[INPUT_CONTEXT] = np.zeros((1, 1, ContextSpec.from_dict(info.context).width), dtype=np.int64)
        feed[INPUT_REPETITION] = np.zeros(1, dtype=np.float32)
    best = float("inf")
    for _ in range(repeats + 1):  # the first round warms up
        start = time.perf_counter()
        for _ in range(steps):
            _, feed[INPUT_STATE] = session.run(None, feed)
        best = min(best, (time.perf_counter() - start) / steps)
    return round(best * 1e6, 1)


def measure_music(model_path: Path, data_dir: Path, out: Path, **settings: Any) -> tuple[dict[str, Any] | None, str]:
    """Run the musical evaluation for the card (test split, the kind's default bars unless ``settings`` of
    :func:`~rnnmusic.music_eval.evaluate_music` say otherwise); its numbers go to ``out`` as JSON.
    Returns (result, "") or (None, why) when the split has no usable piece (a quick run)."""
    from rnnmusic.errors import ConfigError
    from rnnmusic.music_eval import evaluate_music

    print(f"$ rnnmusic eval {model_path} {data_dir} --music --json {out}", flush=True)
    try:
        result = evaluate_music(model_path, data_dir, **settings).to_dict()
    except ConfigError as exc:
        print(f"   musical evaluation not measured: {exc}", flush=True)
        return None, str(exc)
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result, ""


def compare_previous(previous: Path, data: Path, work_dir: Path) -> dict[str, Any] | None:
    """The replaced model on this run's dataset: its NLL per split and its musical evaluation, or None
    (with a printed reason) when it cannot read this dataset (another encoding)."""
    from rnnmusic.errors import RnnmusicError
    from rnnmusic.evaluate import evaluate_model

    try:
        nll = {split: evaluate_model(previous, data, split=split).result.per_token for split in ("valid", "test")}
    except RnnmusicError as exc:
        print(f"   the previous model is not compared: {exc}", flush=True)
        return None
    music, _ = measure_music(previous, data, work_dir / "music_eval_previous.json")
    return {"path": str(previous), "nll": nll, "music_eval": music}
