"""`rnnmusic eval` (ONNX Runtime only) gives the test NLL the training code computed."""

from __future__ import annotations

import json
import math

import pytest
from training_helpers import tiny_config

from rnnmusic.cli.main import main
from rnnmusic.errors import ConfigError
from rnnmusic.evaluate import evaluate_model
from rnnmusic.progress import ProgressLine
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.export_run import export_run
from rnnmusic.training.toy_corpus import write_toy_corpus
from rnnmusic.training.trainer import train


@pytest.fixture(scope="module")
def exported(melody_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    result = train(melody_data, root / "run", tiny_config(steps=8), quiet=True)
    export_run(root / "run", root / "model.onnx")
    return result, root / "model.onnx"


def test_eval_equals_the_training_test_nll(exported, melody_data):
    result, model = exported
    report = evaluate_model(model, melody_data)
    assert abs(report.result.per_token - result.test_nll) < 1e-4
    assert abs(report.result.per_step - result.test_nll_per_step) < 1e-4
    manifest = json.loads((melody_data / "manifest.json").read_text())
    assert report.result.tokens == manifest["splits"]["test"]["tokens"]
    assert report.result.time == manifest["splits"]["test"]["time"]
    # an untrained guess over 40 tokens would be log(40) = 3.69; the grammar alone lowers it
    assert 0 < report.result.per_token < math.log(40)


def test_eval_cli_prints_per_token_and_per_step(exported, melody_data, capsys):
    result, model = exported
    assert main(["eval", str(model), str(melody_data), "--json"]) == 0
    numbers = json.loads(capsys.readouterr().out)
    assert numbers["nll_per_token"] == pytest.approx(result.test_nll, abs=1e-4)
    assert numbers["nll_per_step"] == pytest.approx(result.test_nll_per_step, abs=1e-4)
    assert main(["eval", str(model), str(melody_data)]) == 0
    out = capsys.readouterr().out
    assert "NLL per token:" in out and "NLL per step:" in out


def test_eval_refuses_a_dataset_of_another_encoding(exported, midi_corpus, tmp_path):
    _, model = exported
    build_dataset(midi_corpus, tmp_path / "poly", "polyphony", jobs=1, progress=ProgressLine(enabled=False))
    with pytest.raises(ConfigError, match="trained on encoding"):
        evaluate_model(model, tmp_path / "poly")


@pytest.mark.parametrize("name", ["melody", "polyphony", "performance", "drums"])
def test_every_encoding_trains_exports_and_evaluates_to_the_same_nll(name, tmp_path):
    write_toy_corpus(tmp_path / "midi", files=16, seed=21, notes=24, chords=name != "melody", drums=name == "drums")
    manifest = build_dataset(tmp_path / "midi", tmp_path / "data", name, jobs=1, valid_fraction=0.25,
                             test_fraction=0.25, progress=ProgressLine(enabled=False))
    assert manifest["splits"]["test"]["pieces"] > 0 and not manifest["skipped"]
    config = tiny_config(steps=4)
    config.data.transpose = 0 if name == "drums" else 2
    result = train(tmp_path / "data", tmp_path / "run", config, quiet=True)
    export_run(tmp_path / "run", tmp_path / "model.onnx")
    report = evaluate_model(tmp_path / "model.onnx", tmp_path / "data")
    assert abs(report.result.per_token - result.test_nll) < 1e-4
    assert abs(report.result.per_step - result.test_nll_per_step) < 1e-4
    assert report.time_unit == ("second" if name == "performance" else "step")


def test_the_first_step_of_each_piece_is_counted_apart_for_the_tcn_protocol():
    import numpy as np

    from rnnmusic.evaluate import TokenSplit, split_nll

    vocab = 5
    advance = np.array([0, 0, 0, 1, 2], dtype=float)  # tokens 3 and 4 move time on by 1 and 2 steps
    # piece 0: bos 1 2 3 | 1 4  -> first step = targets 1 2 3;  piece 1: bos 4 | 2 3 -> first step = target 4
    pieces = [[0, 1, 2, 3, 1, 4], [0, 4, 2, 3]]
    offsets = np.cumsum([0] + [len(p) for p in pieces])
    split = TokenSplit("test", np.concatenate(pieces), offsets)

    def uniform(ids, state):  # every token costs ln 5 nats
        return np.zeros(ids.shape + (vocab,)), state

    result = split_nll(uniform, lambda batch: None, split, advance, chunk=2)
    nat = math.log(vocab)
    assert result.tokens == 8 and result.time == 1 + 2 + 2 + 1
    assert result.first_total == pytest.approx(4 * nat) and result.first_time == 1 + 2
    assert result.per_step_without_first == pytest.approx(4 * nat / 3)
