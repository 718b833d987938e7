"""Export of a trained run: one checked file, full metadata, grammar mask in the graph, int8."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from training_helpers import tiny_config

from rnnmusic.encodings import get_encoding
from rnnmusic.engine.context import ContextSpec, piece_context
from rnnmusic.errors import ConfigError, ModelFileError
from rnnmusic.evaluate import evaluate_model
from rnnmusic.model_file import INPUT_CONTEXT, INPUT_IDS, INPUT_REPETITION, INPUT_STATE, ModelInfo
from rnnmusic.training.checkpoint import checkpoint_config, load_checkpoint
from rnnmusic.training.export import export_model
from rnnmusic.training.export_run import export_run
from rnnmusic.training.trainer import build_model, train


@pytest.fixture(scope="module")
def run_dir(melody_data, tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "folk-test"
    config = tiny_config(steps=12)
    config.model.cell = "gru"
    train(melody_data, run, config, quiet=True)
    return run


def metadata(path):
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def test_export_writes_one_self_describing_file(run_dir, tmp_path):
    out = tmp_path / "model.onnx"
    info = export_run(run_dir, out, license="CC0 (synthetic)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]  # no .onnx.data, no leftovers
    meta = metadata(out)
    read = ModelInfo.from_metadata(meta, str(out))
    assert read == info
    assert read.name == "folk-test" and read.license == "CC0 (synthetic)"
    assert read.architecture.cell == "gru" and read.architecture.hidden == 16
    encoding = get_encoding(read.encoding["name"], read.encoding["config"])
    assert read.tokens == tuple(str(t) for t in encoding.tokens)
    best = json.loads(load_checkpoint(run_dir / "best.pt")["metrics"])
    assert read.metrics["valid_nll"] == best["valid_nll"] and read.metrics["test_nll"] == best["test_nll"]
    assert len(read.training_data["content_hash"]) == 64 and read.training_data["files"]["train"] > 0
    assert meta["rnnmusic.grammar_mask"] == "in_graph" and read.grammar_mask == "in_graph"


def test_the_exported_graph_masks_tokens_the_grammar_forbids(run_dir, tmp_path):
    out = tmp_path / "model.onnx"
    info = export_run(run_dir, out)
    encoding = get_encoding(info.encoding["name"], info.encoding["config"])
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    ids = np.arange(info.architecture.vocab_size, dtype=np.int64)[None, :]  # every token once
    state = np.zeros(info.architecture.state_shape(1), dtype=np.float32)
    assert info.context, "a melody model reads the timeline context by default"
    spec = ContextSpec.from_dict(info.context)
    rng = np.random.default_rng(0)
    context = np.zeros((1, ids.shape[1], spec.width), dtype=np.int64)
    context[..., 1], context[..., 3] = 16, 4  # 4/4 on a sixteenth grid
    # proposals of every kind, absent ones and ones the grammar forbids after the token included
    context[..., 5:] = rng.integers(0, info.architecture.vocab_size + 1, size=(1, ids.shape[1], spec.width - 5))
    feeds = {INPUT_IDS: ids, INPUT_STATE: state, INPUT_CONTEXT: context,
             INPUT_REPETITION: np.full(1, 3.0, dtype=np.float32)}
    logits, _ = session.run(None, feeds)
    assert np.array_equal(np.isfinite(logits[0]), encoding.follow_table)


def trained_model(run_dir):
    payload = load_checkpoint(run_dir / "best.pt")
    model = build_model(checkpoint_config(payload), get_encoding("melody")).eval()
    model.load_state_dict(payload["model"])
    return model


def test_a_failed_parity_check_writes_nothing(run_dir, tmp_path):
    info = export_run(run_dir, tmp_path / "ok.onnx")
    with pytest.raises(ModelFileError, match="export check failed"):
        export_model(trained_model(run_dir), info, tmp_path / "bad.onnx", tolerance=-1.0)  # nothing can pass
    assert [p.name for p in tmp_path.iterdir()] == ["ok.onnx"]


@pytest.fixture(scope="module")
def lstm_run_dir(melody_data, tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "lstm"
    train(melody_data, run, tiny_config(steps=6), quiet=True)  # tiny_config's cell is lstm
    return run


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_int8_export_loads_and_records_its_nll_change(cell, request, tmp_path):
    run_dir = request.getfixturevalue("run_dir" if cell == "gru" else "lstm_run_dir")
    out = tmp_path / "model-int8.onnx"
    info = export_run(run_dir, out, int8=True)
    if cell == "lstm":  # the recurrent weights themselves are int8, not only the output layer
        assert "DynamicQuantizeLSTM" in {node.op_type for node in onnx.load(str(out)).graph.node}
    q = info.quantization
    assert q["int8"] is True
    assert q["nll_change"] == pytest.approx(q["test_nll_int8"] - q["test_nll_fp32"])
    assert abs(q["nll_change"]) < 0.05  # int8 weights barely move a small model's predictions
    read = ModelInfo.from_metadata(metadata(out), str(out))
    assert read.quantization == q
    report = evaluate_model(out, load_checkpoint_data(run_dir))
    assert report.result.per_token == pytest.approx(q["test_nll_int8"], abs=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["model-int8.onnx"]


def load_checkpoint_data(run_dir):
    return json.loads(load_checkpoint(run_dir / "best.pt")["dataset"])["data_dir"]


def test_export_errors_name_the_problem(tmp_path):
    with pytest.raises(ConfigError, match="no such run folder"):
        export_run(tmp_path / "missing", tmp_path / "m.onnx")
    (tmp_path / "run").mkdir()
    with pytest.raises(ConfigError, match="no best.pt"):
        export_run(tmp_path / "run", tmp_path / "m.onnx")
    (tmp_path / "run" / "best.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="not a readable rnnmusic checkpoint"):
        export_run(tmp_path / "run", tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("content, reason", [(b"", "it is empty, 0 bytes"), (b"\x80", "")])
def test_an_empty_or_cut_checkpoint_is_one_line(tmp_path, content, reason):
    """torch raises a bare EOFError (no message) for an empty file; the refusal must still be one line."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "best.pt").write_bytes(content)
    with pytest.raises(ConfigError, match="not a readable rnnmusic checkpoint") as exc:
        export_run(tmp_path / "run", tmp_path / "m.onnx")
    assert reason in str(exc.value) and "\n" not in str(exc.value)
    assert not (tmp_path / "m.onnx").exists()


def test_export_cli_takes_a_tolerance_and_says_its_default(run_dir, tmp_path, capsys):
    from rnnmusic.cli import export as export_cli
    from rnnmusic.cli.main import main
    from rnnmusic.training.export import DEFAULT_TOLERANCE

    assert export_cli.DEFAULT_TOLERANCE == DEFAULT_TOLERANCE  # the CLI keeps its own copy so --help needs no torch
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert f"(default {DEFAULT_TOLERANCE:g})" in " ".join(capsys.readouterr().out.split())
    assert main(["export", str(run_dir), "-o", str(tmp_path / "strict.onnx"), "--tolerance", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "export check failed" in err and "tolerance 0;" in err
    assert not (tmp_path / "strict.onnx").exists()
    assert main(["export", str(run_dir), "-o", str(tmp_path / "ok.onnx"), "--tolerance", "0.01"]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["export", str(run_dir), "-o", str(tmp_path / "x.onnx"), "--tolerance", "-1"])
    assert exc.value.code == 2 and "--tolerance: must be a number >= 0" in capsys.readouterr().err


def test_stepping_one_token_at_a_time_matches_the_whole_sequence(run_dir):
    model = trained_model(run_dir)
    ids = torch.tensor([[0, 5, 2, 2, 7, 1, 9]])
    encoding = get_encoding("melody")
    context = torch.from_numpy(piece_context(model.context_spec, encoding, ids[0].numpy(), [(0, 2, 4)]))[None]
    with torch.no_grad():
        whole, state_whole = model(ids, None, context)
        state, steps = model.initial_state(1), []
        for t in range(ids.shape[1]):
            logits, state = model(ids[:, t : t + 1], state, context[:, t : t + 1])
            steps.append(logits)
    stepped = torch.cat(steps, dim=1)
    assert torch.equal(torch.isinf(whole), torch.isinf(stepped))
    finite = torch.isfinite(whole)
    assert torch.allclose(whole[finite], stepped[finite], atol=1e-5)
    assert torch.allclose(state, state_whole, atol=1e-6)


def test_a_diverged_metric_is_left_out_not_written_as_nan(run_dir, tmp_path):
    import shutil

    from rnnmusic.training.checkpoint import save_checkpoint

    run = tmp_path / "diverged"
    shutil.copytree(run_dir, run)
    payload = load_checkpoint(run / "best.pt")
    payload["metrics"] = json.dumps({"valid_nll": float("nan"), "test_nll": 1.5})
    save_checkpoint(run / "best.pt", payload)
    info = export_run(run, tmp_path / "m.onnx")
    assert "valid_nll" not in info.metrics and info.metrics["test_nll"] == 1.5
    assert ModelInfo.from_metadata(metadata(tmp_path / "m.onnx"), "m.onnx") == info


def test_weights_that_do_not_fit_the_config_are_one_line(run_dir, tmp_path):
    import shutil

    from rnnmusic.training.checkpoint import save_checkpoint

    run = tmp_path / "edited"
    shutil.copytree(run_dir, run)
    payload = load_checkpoint(run / "best.pt")
    config = json.loads(payload["config"])
    config["model"]["hidden"] *= 2  # the config no longer describes the weights beside it
    payload["config"] = json.dumps(config)
    save_checkpoint(run / "best.pt", payload)
    with pytest.raises(ConfigError, match="its weights do not fit the model its config describes") as exc:
        export_run(run, tmp_path / "m.onnx")
    assert "\n" not in str(exc.value) and not (tmp_path / "m.onnx").exists()
