"""A model file is trusted only as far as it proves itself: all of it in one file, and it runs
(issue 12 items 5 and 6). Real models from tests/model_factory.py, damaged with the onnx package."""

from __future__ import annotations

import hashlib

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from onnx.external_data_helper import convert_model_to_external_data

from rnnmusic.engine import load_model_file
from rnnmusic.engine.onnx_meta import external_tensors
from rnnmusic.errors import ModelFileError


def _one_line(exc: pytest.ExceptionInfo, path) -> str:
    text = str(exc.value)
    assert "\n" not in text and text.startswith(str(path)), text
    return text


def test_weights_in_another_file_are_refused_even_where_that_file_is_found(model_paths, tmp_path, monkeypatch):
    """Before, ONNX Runtime read m.onnx.data relative to the current folder, and the model loaded."""
    proto = onnx.load(str(model_paths["melody"]))
    path = tmp_path / "m.onnx"
    onnx.save(proto, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="m.onnx.data", size_threshold=0)
    assert (tmp_path / "m.onnx.data").exists()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelFileError) as exc:
        load_model_file(path)
    text = _one_line(exc, path)
    assert "in another file" in text and "self-contained" in text


def test_external_tensors_finds_constants_too_and_nothing_in_a_good_model(model_paths, tmp_path):
    good = model_paths["melody"].read_bytes()
    assert external_tensors(good) == []
    proto = onnx.load(str(model_paths["melody"]))
    constants = [n for n in proto.graph.node if n.op_type == "Constant"]
    assert constants, "the exported graph has Constant nodes"
    convert_model_to_external_data(proto, all_tensors_to_one_file=True, location="c.data", size_threshold=0,
                                   convert_attribute=True)
    names = set(external_tensors(proto.SerializeToString()))
    assert {i.name for i in proto.graph.initializer} <= names and len(names) > len(proto.graph.initializer)


def _rewrite(source, target, change):
    proto = onnx.load(str(source))
    change(proto)
    onnx.save(proto, str(target))
    return target


def _set_initializer(proto, name, values: np.ndarray):
    init = next(i for i in proto.graph.initializer if i.name == name)
    init.CopyFrom(numpy_helper.from_array(values.astype(np.float32), name))


def test_a_graph_that_fails_at_its_first_run_is_refused_at_load(model_paths, tmp_path):
    """An embedding table of 2 rows passes every structural check; ONNX Runtime fails on token 3."""
    def shrink(proto):
        table = numpy_helper.to_array(next(i for i in proto.graph.initializer if i.name == "embed.weight"))
        _set_initializer(proto, "embed.weight", table[:2])

    path = _rewrite(model_paths["melody"], tmp_path / "short.onnx", shrink)
    with pytest.raises(ModelFileError) as exc:
        load_model_file(path)
    assert "passes the load checks but fails when run" in _one_line(exc, path)


def test_nan_weights_are_refused_at_load(model_paths, tmp_path):
    def poison(proto):
        bias = numpy_helper.to_array(next(i for i in proto.graph.initializer if i.name == "head.bias")).copy()
        bias[5] = np.nan
        _set_initializer(proto, "head.bias", bias)

    path = _rewrite(model_paths["melody"], tmp_path / "nan.onnx", poison)
    with pytest.raises(ModelFileError) as exc:
        load_model_file(path)
    assert "NaN or infinite" in _one_line(exc, path)


def test_the_content_hash_is_of_every_byte(model_paths):
    model = load_model_file(model_paths["drums"])
    assert model.content_hash == hashlib.sha256(model_paths["drums"].read_bytes()).hexdigest()
