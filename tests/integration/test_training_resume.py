"""`rnnmusic train` killed (SIGKILL) mid-run and resumed ends with the weights of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from rnnmusic.progress import ProgressLine
from rnnmusic.training.dataset import build_dataset
from rnnmusic.training.toy_corpus import write_toy_corpus

ARGS = ["--cell", "lstm", "--layers", "2", "--hidden", "24", "--embedding", "8", "--dropout", "0.1",
        "--max-steps", "40", "--batch-size", "4", "--window", "24", "--transpose", "2", "--quiet",
        "--set", "run.checkpoint_every=3", "--set", "run.eval_every=10", "--set", "run.log_every=2"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    write_toy_corpus(root / "midi", files=20, seed=8, notes=40)
    build_dataset(root / "midi", root / "data", "melody", jobs=1, valid_fraction=0.2, test_fraction=0.2,
                  progress=ProgressLine(enabled=False))
    return root / "data"


def train_command(data, run_dir, *extra):
    return [sys.executable, "-m", "rnnmusic", "train", str(data), "-o", str(run_dir), *ARGS, *extra]


def checkpoint_step(path) -> int:
    try:
        return int(torch.load(path, weights_only=True)["step"])
    except Exception:  # not written yet (the rename is atomic, so never half a file)
        return -1


@pytest.mark.slow
def test_kill_at_any_moment_then_resume_equals_an_uninterrupted_run(data, tmp_path):
    subprocess.run(train_command(data, tmp_path / "whole"), env=ENV, check=True, capture_output=True)

    killed = tmp_path / "killed"
    process = subprocess.Popen(train_command(data, killed), env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    # kill soon after the first checkpoint: mid-step, mid-write or mid-validation, whatever is happening
    deadline = time.monotonic() + 120
    while checkpoint_step(killed / "last.pt") < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    step = checkpoint_step(killed / "last.pt")
    assert 3 <= step < 40, "the run must be killed part way (slow it down if it finishes first)"

    resumed = subprocess.run(train_command(data, killed, "--resume"), env=ENV, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    for name in ("last.pt", "best.pt"):
        a = torch.load(tmp_path / "whole" / name, weights_only=True)
        b = torch.load(killed / name, weights_only=True)
        assert a["step"] == b["step"]
        for key in a["model"]:
            assert torch.equal(a["model"][key], b["model"][key]), (name, key)
    assert (killed / "summary.json").read_text() == (tmp_path / "whole" / "summary.json").read_text()
