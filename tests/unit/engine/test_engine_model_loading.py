"""Loading a model file: what a good one gives, and the one plain message for each kind of bad one."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import onnx
import pytest

from rnnmusic.engine import load_model, load_model_file
from rnnmusic.engine.model import ACCELERATORS, CPU, CUDA, choose_providers
from rnnmusic.engine.onnx_meta import NotOnnxError, metadata_from_bytes, read_metadata
from rnnmusic.errors import ConfigError, ModelFileError
from rnnmusic.model_file import FORMAT_VERSION, INPUT_IDS, INPUT_STATE, KEY_PREFIX


def test_a_good_model_describes_itself_and_runs(model_paths):
    path = model_paths["melody"]
    model = load_model_file(path)
    assert model.path == path and model.name == "melody"
    assert model.encoding.name == "melody" and model.vocab_size == model.encoding.vocab_size
    assert model.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()[: len(model.content_hash)]
    assert len(model.content_hash) >= 12
    assert model.providers == [CPU]
    state = model.initial_state(3)
    assert state.shape == (2, 1, 3, 32) and state.dtype == np.float32 and not state.any()
    logits, new_state = model.run(np.zeros((3, 5), dtype=np.int64), state)
    assert logits.shape == (3, 5, model.vocab_size) and new_state.shape == state.shape
    assert np.abs(new_state).sum() > 0


def test_load_model_takes_a_path_string_or_a_name_from_the_user_folder(model_paths, tmp_path, monkeypatch):
    assert load_model(str(model_paths["drums"])).encoding.name == "drums"
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "groove.onnx").write_bytes(model_paths["drums"].read_bytes())
    monkeypatch.setenv("RNNMUSIC_MODELS", str(folder))
    assert load_model("groove").path == folder / "groove.onnx"
    with pytest.raises(ConfigError, match="no model named 'nosuch'.*groove"):
        load_model("nosuch")


def test_the_metadata_reader_agrees_with_onnx(model_paths):
    for path in model_paths.values():
        proto = onnx.load(str(path))
        assert read_metadata(path) == {p.key: p.value for p in proto.metadata_props}


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02", bytes(range(256)) * 40, b"MThd\x00\x00\x00\x06" * 10])
def test_the_metadata_reader_refuses_what_is_not_onnx(data):
    with pytest.raises(NotOnnxError):
        metadata_from_bytes(data)


def _one_line(exc: pytest.ExceptionInfo, path) -> str:
    text = str(exc.value)
    assert "\n" not in text and text.startswith(str(path))
    return text


@pytest.mark.parametrize("content, expected", [
    (b"", "is empty"),
    (np.random.default_rng(0).bytes(4096), "is not an ONNX model"),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0", "is not an ONNX model"),
])
def test_files_that_are_not_models(tmp_path, content, expected):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as exc:
        load_model_file(path)
    assert expected in _one_line(exc, path)


def test_a_missing_file_and_a_directory(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model_file(tmp_path / "absent.onnx")
    with pytest.raises(ModelFileError, match="is a directory"):
        load_model_file(tmp_path)


def _rewrite(source, target, change):
    proto = onnx.load(str(source))
    change(proto)
    onnx.save(proto, str(target))
    return target


def _set_meta(proto, key, value):
    for prop in proto.metadata_props:
        if prop.key == KEY_PREFIX + key:
            prop.value = value


def test_an_onnx_file_without_rnnmusic_metadata(model_paths, tmp_path):
    path = _rewrite(model_paths["melody"], tmp_path / "plain.onnx", lambda p: p.ClearField("metadata_props"))
    with pytest.raises(ModelFileError) as exc:
        load_model_file(path)
    assert "is not an rnnmusic model" in _one_line(exc, path)


def test_a_newer_format_is_refused_with_the_fix(model_paths, tmp_path):
    path = _rewrite(model_paths["melody"], tmp_path / "future.onnx",
                    lambda p: _set_meta(p, "format_version", str(FORMAT_VERSION + 1)))
    with pytest.raises(ModelFileError) as exc:
        load_model_file(path)
    assert "newer than this rnnmusic reads" in _one_line(exc, path) and "upgrade" in str(exc.value)


@pytest.mark.parametrize("name", [INPUT_IDS, INPUT_STATE])
def test_a_missing_input(model_paths, tmp_path, name):
    def rename(proto):
        for graph_input in proto.graph.input:
            if graph_input.name == name:
                graph_input.name = "renamed"
        for node in proto.graph.node:
            node.input[:] = ["renamed" if i == name else i for i in node.input]

    path = _rewrite(model_paths["melody"], tmp_path / "renamed.onnx", rename)
    with pytest.raises(ModelFileError) as exc:
        load_model_file(path)
    assert f"lacks the input(s) {name}" in _one_line(exc, path)


def test_a_vocabulary_that_does_not_match_the_encoding(model_paths, tmp_path):
    def change(proto):
        for prop in proto.metadata_props:
            if prop.key == KEY_PREFIX + "tokens":
                tokens = json.loads(prop.value)
                tokens[3] = "note_on:200"
                prop.value = json.dumps(tokens)

    path = _rewrite(model_paths["melody"], tmp_path / "vocab.onnx", change)
    with pytest.raises(ModelFileError, match="different melody vocabulary"):
        load_model_file(path)


def test_state_shape_must_match_the_metadata(model_paths, tmp_path):
    def change(proto):
        for prop in proto.metadata_props:
            if prop.key == KEY_PREFIX + "architecture":
                arch = json.loads(prop.value)
                arch["hidden"] = 64
                prop.value = json.dumps(arch)

    path = _rewrite(model_paths["melody"], tmp_path / "shape.onnx", change)
    with pytest.raises(ModelFileError, match="shape"):
        load_model_file(path)


def test_provider_choice():
    assert choose_providers(None, [CPU]) == [CPU]
    assert choose_providers("cpu", [CUDA, CPU]) == [CPU]
    assert choose_providers("auto", ["AzureExecutionProvider", CPU]) == [CPU]
    assert choose_providers("auto", [CPU, CUDA, ACCELERATORS[1]]) == [CUDA, ACCELERATORS[1], CPU]
    assert choose_providers("cuda", [CUDA, CPU]) == [CUDA, CPU]
    with pytest.raises(ConfigError, match="no CUDA support.*onnxruntime-gpu"):
        choose_providers("cuda", [CPU])
    with pytest.raises(ConfigError, match="choose one of auto, cpu, cuda"):
        choose_providers("tpu", [CPU])


def test_auto_runs_on_what_is_installed_and_threads_are_set(model_paths):
    model = load_model_file(model_paths["melody"], providers="auto", threads=2)
    assert model.providers[-1] == CPU and model.threads == 2
    with pytest.raises(ConfigError, match="threads"):
        load_model_file(model_paths["melody"], threads=0)
