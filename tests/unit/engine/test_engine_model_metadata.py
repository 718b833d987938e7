"""Every metadata field of a model file is type- and range-checked once, with one line naming the file
and the field (issue 12 items 5 and 6): a file from anywhere must not reach the engine, the model list
or the GUI's card with a wrong type."""

from __future__ import annotations

import json

import onnx
import pytest

from rnnmusic.engine import load_model_file
from rnnmusic.engine.catalog import list_models
from rnnmusic.engine.onnx_meta import read_metadata
from rnnmusic.errors import ModelFileError
from rnnmusic.model_file import KEY_PREFIX, ModelInfo


def _with(metadata: dict[str, str], key: str, value) -> dict[str, str]:
    changed = dict(metadata)
    changed[KEY_PREFIX + key] = value if isinstance(value, str) else json.dumps(value)
    return changed


def _json_change(metadata: dict[str, str], key: str, **changes) -> dict[str, str]:
    value = json.loads(metadata[KEY_PREFIX + key])
    value.update(changes)
    return _with(metadata, key, value)


@pytest.fixture(scope="module")
def good(model_paths) -> dict[str, str]:
    return read_metadata(model_paths["melody"])


BAD = [
    # (field, change, words the message must hold)
    ("format_version", "0", "format version 0"),
    ("format_version", "-1", "unreadable format version"),
    ("format_version", "1.5", "unreadable format version"),
    ("encoding", {"name": "melody", "config": [1]}, 'rnnmusic.encoding whose "config" is a list'),
    ("encoding", [1], "rnnmusic.encoding that is a list, expected an object"),
    ("encoding", {"config": {}}, 'without a "name"'),
    ("tokens", "\"abc\"", "rnnmusic.tokens that is a string, expected a list"),
    ("tokens", [1, 2, 3], "holding a int 1"),
    ("architecture", {"cell": "lstm", "layers": "2", "hidden": 32, "embedding": 32, "vocab_size": 40},
     'layers "2"'),
    ("architecture", {"cell": "lstm", "layers": 0, "hidden": 32, "embedding": 32, "vocab_size": 40}, "layers 0"),
    ("architecture", {"cell": "lstm", "layers": 1, "hidden": 10**12, "embedding": 32, "vocab_size": 40},
     "hidden 1000000000000"),
    ("architecture", {"cell": "lstm", "layers": True, "hidden": 32, "embedding": 32, "vocab_size": 40}, "layers true"),
    ("architecture", {"cell": "transformer", "layers": 1, "hidden": 32, "embedding": 32, "vocab_size": 40},
     "unknown cell 'transformer'"),
    ("architecture", {"cell": "lstm", "layers": 1, "hidden": 32, "embedding": 32, "vocab_size": 40, "dropout": 2},
     "dropout 2"),
    ("architecture", {"cell": "lstm", "layers": 1, "hidden": 32, "embedding": 32, "vocab_size": 40, "tied": "no"},
     "tied \"no\""),
    ("architecture", {"cell": "lstm", "layers": 1, "hidden": 32, "embedding": 32, "vocab_size": 40, "heads": 4},
     "malformed rnnmusic.architecture"),
    ("metrics", {"valid_nll": "low"}, "metrics with valid_nll \"low\""),
    ("metrics", '{"test_nll": NaN}', "NaN is not a number JSON allows"),
    ("metrics", {"test_nll": -1.0}, "test_nll -1.0 (expected a number >= 0)"),
    ("metrics", {"note": [1, 2]}, "metrics with note [1, 2]"),
    ("metrics", [1], "rnnmusic.metrics that is a list"),
    ("quantization", {"int8": "yes"}, "int8 \"yes\""),
    ("quantization", {"nll_change": "small"}, "nll_change \"small\""),
    ("quantization", {"test_nll_int8": None}, "test_nll_int8 null"),
    ("training_data", {"files": -3}, "files -3"),
    ("training_data", {"files": {"train": "many"}}, "files {\"train\": \"many\"}"),
    ("training_data", {"content_hash": 7}, "content_hash that is a int"),
    ("training_data", "not json", "unreadable rnnmusic.training_data (not JSON"),
    ("training_data", "[" * 100_000, "nested too deeply"),
    ("grammar_mask", "sometimes", "grammar_mask 'sometimes'"),
    ("name", "folk\nreel", "control characters"),
    ("name", "x" * 500, "of 500 characters"),
    ("context", [1], "rnnmusic.context that is a list"),
]


@pytest.mark.parametrize("key, value, expected", BAD, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD)])
def test_a_wrong_field_is_one_line_naming_file_and_field(good, key, value, expected):
    with pytest.raises(ModelFileError) as exc:
        ModelInfo.from_metadata(_with(good, key, value), "m.onnx")
    text = str(exc.value)
    assert text.startswith("m.onnx: ") and "\n" not in text and len(text) < 300
    assert expected in text, text


def test_the_good_fields_still_read_and_older_formats_load(good):
    info = ModelInfo.from_metadata(good, "m.onnx")
    assert ModelInfo.from_metadata(info.to_metadata(), "m.onnx") == info
    assert ModelInfo.from_metadata(_with(good, "format_version", "1"), "m.onnx").format_version == 1
    quant = {"int8": True, "method": "x", "test_nll_fp32": 1.2, "test_nll_int8": 1.25, "nll_change": -0.01}
    assert ModelInfo.from_metadata(_with(good, "quantization", quant), "m.onnx").quantization == quant
    data = {"files": {"train": 3, "valid": 1}, "tokens": 900, "content_hash": "ab", "source": "folk"}
    assert ModelInfo.from_metadata(_with(good, "training_data", data), "m.onnx").training_data == data


def _rewritten(source, target, key, value):
    proto = onnx.load(str(source))
    for prop in proto.metadata_props:
        if prop.key == KEY_PREFIX + key:
            prop.value = value if isinstance(value, str) else json.dumps(value)
    onnx.save(proto, str(target))
    return target


def test_a_config_of_the_wrong_type_is_refused_at_load_and_in_the_model_list(model_paths, tmp_path, monkeypatch):
    """`"config": [1]` reached Encoding construction and raised a TypeError traceback before."""
    folder = tmp_path / "models"
    folder.mkdir()
    path = _rewritten(model_paths["melody"], folder / "bad.onnx", "encoding", {"name": "melody", "config": [1]})
    with pytest.raises(ModelFileError, match='bad.onnx: has rnnmusic.encoding whose "config" is a list'):
        load_model_file(path)
    monkeypatch.setenv("RNNMUSIC_MODELS", str(folder))
    entry = next(entry for entry in list_models() if entry.name == "bad")  # listed, with what is wrong
    assert entry.info is None and '"config" is a list' in entry.problem and entry.encoding_name == ""


@pytest.mark.parametrize("name, stem", [("folk", "folk"), ("../../escaped", "escaped"), ("a/b\\c:d", "a-b-c-d"),
                                        ("..", "model"), ("", "model"), (".hidden", "hidden"),
                                        ("Bach 2x256", "Bach-2x256"), ("x" * 300, "x" * 80)])
def test_a_model_name_in_a_file_name_is_one_harmless_part(name, stem):
    from rnnmusic.model_fields import file_stem

    assert file_stem(name) == stem
