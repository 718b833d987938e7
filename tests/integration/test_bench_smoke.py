"""Smoke version of `rnnmusic bench polyphonic` on the real JSB data: a few pieces, a few steps.

The full runs are benchmarks (docs/benchmarks.md); this checks the plumbing: the tokens
family trains with the pipeline's trainer, its per-frame scoring agrees with the trainer's
own test NLL per step, and `rnnmusic eval` of the exported ONNX file (ONNX Runtime only)
reproduces the training-side number. The bernoulli family trains and scores too.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from support import require

from rnnmusic.cli.main import main
from rnnmusic.training.bench.polyphonic_data import dataset_path

SMOKE = ["--dataset", "jsb_chorales", "--pieces", "5", "--max-steps", "8", "--hidden", "24", "--layers", "1",
         "--set", "data.window=48", "--set", "data.batch_size=4", "--set", "run.eval_every=4"]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One tokens run (exported) and one bernoulli run, trained once for the whole module."""
    path = dataset_path("jsb_chorales")
    require(path.exists(), f"the polyphonic benchmark data ({path}; set RNNMUSIC_POLYPHONIC_DATA)")
    root = tmp_path_factory.mktemp("bench")
    runs = {"tokens": root / "tokens", "bernoulli": root / "bernoulli", "model": root / "jsb.onnx"}
    assert main(["bench", "polyphonic", *SMOKE, "--head", "tokens", "--cell", "gru", "--out", str(runs["tokens"]),
                 "--export", str(runs["model"])]) == 0
    assert main(["bench", "polyphonic", *SMOKE, "--head", "bernoulli", "--cell", "rnn",
                 "--out", str(runs["bernoulli"])]) == 0
    return runs


def _result(run_dir):
    return json.loads((run_dir / "result.json").read_text())


def test_tokens_smoke_exports_a_model_whose_ort_eval_reproduces_the_training_number(smoke, capsys):
    result = _result(smoke["tokens"])
    test = result["test"]
    assert test["pieces"] == 5 and test["frames"] > 5
    assert math.isfinite(test["nll_standard"]) and test["nll_standard"] != test["nll_without_first"]
    # the same pooled number three ways: per-frame scoring, the trainer's NLL per step, ONNX Runtime
    assert test["nll_standard"] == pytest.approx(result["trainer_test_nll_per_step"], rel=1e-6)
    assert result["export"]["eval_nll_per_step"] == pytest.approx(test["nll_standard"], rel=1e-5)
    # and the TCN protocol: ONNX Runtime's "first step left out" is the per-frame scoring's "first frame left out"
    assert result["export"]["eval_nll_per_step_without_first"] == pytest.approx(test["nll_without_first"], rel=1e-5)

    capsys.readouterr()
    assert main(["eval", str(smoke["model"]), str(smoke["tokens"] / "data"), "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["nll_per_step"] == pytest.approx(test["nll_standard"], rel=1e-5)
    assert evaluated["nll_per_step_without_first"] == pytest.approx(test["nll_without_first"], rel=1e-5)
    assert evaluated["steps"] == test["frames"]


def test_bernoulli_smoke_trains_scores_and_records_the_run(smoke):
    result = _result(smoke["bernoulli"])
    assert result["steps"] == 8 and result["seed"] == 0 and result["machine"]
    assert result["command"].startswith("rnnmusic bench polyphonic --dataset jsb_chorales --head bernoulli")
    assert 0 < result["test"]["nll_standard"] < 88 * math.log(2) + 5  # near uniform after 8 steps, not broken
    records = [json.loads(line) for line in (smoke["bernoulli"] / "train" / "metrics.jsonl").read_text().splitlines()]
    assert any("grad_norm" in r for r in records) and any("valid_nll" in r for r in records)


def test_plots_of_the_smoke_runs(smoke, tmp_path):
    assert main(["bench", "plots", str(smoke["tokens"]), str(smoke["bernoulli"]), "-o", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["jsb_chorales_bernoulli_curves.png", "jsb_chorales_gradient_reach.png",
                     "jsb_chorales_tokens_curves.png"]
    assert all(p.stat().st_size > 10_000 for p in tmp_path.glob("*.png"))


def test_summary_line_and_export_refused_for_bernoulli(smoke, tmp_path, capsys):
    code = main(["bench", "polyphonic", *SMOKE, "--head", "bernoulli", "--export", str(tmp_path / "m.onnx")])
    assert code == 1
    assert "--export needs --head tokens" in capsys.readouterr().err


def test_committed_benchmark_model_reproduces_its_recorded_test_nll(tmp_path, capsys):
    """benchmarks/models/*.onnx: `rnnmusic eval` on the benchmark's test split gives the number in the file."""
    import onnx

    models = sorted((Path(__file__).resolve().parents[2] / "benchmarks" / "models").glob("*-tokens-*.onnx"))
    assert models, "benchmarks/models/ should hold at least one small benchmark model"
    for model in models:
        dataset = model.name.split("-")[0]
        path = dataset_path(dataset)
        require(path.exists(), f"the polyphonic benchmark data ({path}; set RNNMUSIC_POLYPHONIC_DATA)")
        props = {p.key: p.value for p in onnx.load(str(model), load_external_data=False).metadata_props}
        recorded = json.loads(props["rnnmusic.metrics"])["test_nll_per_step"]
        data = tmp_path / dataset
        assert main(["bench", "data", "--dataset", dataset, "-o", str(data)]) == 0
        capsys.readouterr()
        assert main(["eval", str(model), str(data), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["nll_per_step"] == pytest.approx(recorded, rel=1e-5)


def test_frame_model_started_at_key_frequencies_reproduces_the_published_baseline():
    """The data README's 'independent Bernoulli per key, add-one' row, from our own model (JSB: 11.06)."""
    import torch

    from rnnmusic.training.bench.frame_model import FrameRNN
    from rnnmusic.training.bench.frame_trainer import frame_split_nll, start_at_key_frequencies
    from rnnmusic.training.bench.polyphonic_data import dataset_path, load_polyphonic

    path = dataset_path("jsb_chorales")
    require(path.exists(), f"the polyphonic benchmark data ({path}; set RNNMUSIC_POLYPHONIC_DATA)")
    splits = load_polyphonic("jsb_chorales")
    model = FrameRNN("gru", hidden=4)
    torch.nn.init.zeros_(model.head.weight)
    start_at_key_frequencies(model, splits["train"])
    assert round(frame_split_nll(model, splits["test"]).standard, 2) == 11.06
