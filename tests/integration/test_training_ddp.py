"""Data-parallel training on CPU: `torchrun` with 2 gloo processes follows the 1-process loss curve."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rnnmusic.progress import ProgressLine
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.metrics import read_metrics
from rnnmusic.training.toy_corpus import write_toy_corpus

TRAIN_ARGS = ["--cell", "gru", "--layers", "1", "--hidden", "16", "--embedding", "8", "--dropout", "0",
              "--max-steps", "10", "--batch-size", "8", "--window", "16", "--transpose", "2", "--quiet",
              "--set", "run.log_every=1", "--set", "run.eval_every=5", "--set", "optim.warmup_steps=2"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    write_toy_corpus(root / "midi", files=30, seed=3, notes=40)
    build_dataset(root / "midi", root / "data", "melody", jobs=1, valid_fraction=0.2, test_fraction=0.2,
                  progress=ProgressLine(enabled=False))
    return root / "data"


def run(command: list[str]) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # one thread per process: 2 processes on a 2-core machine
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_two_gloo_processes_follow_the_one_process_loss_curve(data, tmp_path):
    run([sys.executable, "-m", "rnnmusic", "train", str(data), "-o", str(tmp_path / "one"), *TRAIN_ARGS])
    run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "rnnmusic", "train", str(data), "-o", str(tmp_path / "two"), *TRAIN_ARGS])
    assert "on cpu x2" in (tmp_path / "two" / "train.log").read_text()  # really two processes
    one = read_metrics(tmp_path / "one" / "metrics.jsonl")
    two = read_metrics(tmp_path / "two" / "metrics.jsonl")
    assert [r["step"] for r in one] == [r["step"] for r in two]
    losses = [(a["loss"], b["loss"]) for a, b in zip(one, two) if "loss" in a]
    assert len(losses) == 10
    for a, b in losses:
        assert b == pytest.approx(a, rel=1e-4)
    valid = [(a["valid_nll"], b["valid_nll"]) for a, b in zip(one, two) if "valid_nll" in a]
    assert len(valid) == 2
    for a, b in valid:
        assert b == pytest.approx(a, rel=1e-4)
    assert (tmp_path / "two" / "best.pt").exists() and (tmp_path / "two" / "last.pt").exists()
