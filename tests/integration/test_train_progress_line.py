"""`rnnmusic train`'s progress line shows a real loss from the first step (it once read "loss nan" until
the first metrics line, ten steps in)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys

import pytest
from support import require


@pytest.mark.slow
def test_the_first_progress_line_shows_the_first_steps_loss(tmp_path):
    try:
        from rnnmusic.training.toy_corpus import write_toy_corpus
    except ImportError:
        write_toy_corpus = None
    require(write_toy_corpus is not None, "torch (the train extra)")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}

    def rnnmusic(*args) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "rnnmusic", *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    write_toy_corpus(tmp_path / "midi", files=12, seed=3, notes=30)
    rnnmusic("dataset", "build", tmp_path / "midi", "-o", tmp_path / "data", "--encoding", "melody",
             "--valid-fraction", "0.2", "--test-fraction", "0.2", "--jobs", "1", "--quiet")
    # three steps: fewer than the ten between metrics lines, so no logged loss exists yet at step 1
    small = ["--max-steps", 3, "--layers", 1, "--hidden", 16, "--embedding", 8, "--batch-size", 2, "--window", 16]
    done = rnnmusic("train", tmp_path / "data", "-o", tmp_path / "run", *small)
    progress = [line for line in done.stderr.splitlines() if re.match(r"step \d+/3 \|", line)]
    assert progress, done.stderr
    assert "nan" not in " ".join(progress)
    first = re.match(r"step 1/3 \| loss (\S+) \|", progress[0])
    assert first is not None, progress[0]

    # the same run (same seed, same batches) logging every step writes step 1's loss to metrics.jsonl
    rnnmusic("train", tmp_path / "data", "-o", tmp_path / "logged", *small, "--set", "run.log_every=1", "--quiet")
    lines = [json.loads(line) for line in (tmp_path / "logged" / "metrics.jsonl").read_text().splitlines()]
    step_one = next(line["loss"] for line in lines if line.get("step") == 1 and "loss" in line)
    assert math.isfinite(step_one) and float(first.group(1)) == pytest.approx(step_one, abs=1e-4)
