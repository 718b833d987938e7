"""The machine-readable progress stream of a training run (`rnnmusic train --progress-json`)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import torch
from training_helpers import tiny_config

from rnnmusic.training.progress_json import TrainingReport, json_lines
from rnnmusic.training.trainer import train

KEYS = {"event", "step", "total", "epoch", "epochs", "loss", "valid_loss", "elapsed", "eta", "resumed"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_records_are_throttled_averaged_and_time_their_rest():
    records, clock = [], Clock()
    report = TrainingReport(records.append, total=10, steps_per_epoch=5, step=0, resumed=False, interval=1.0,
                            clock=clock)
    assert records[0] == {"event": "start", "step": 0, "total": 10, "epoch": 0.0, "epochs": 2.0, "loss": None,
                          "valid_loss": None, "elapsed": 0.0, "eta": None, "resumed": False}
    clock.now += 2.0
    report.trained(1, 3.0)  # the first step after the start record is due at once
    clock.now += 0.5
    report.trained(2, 2.0)  # within the interval: gathered, not sent
    clock.now += 0.5
    report.trained(3, 1.0)
    assert [(r["event"], r["step"], r["loss"]) for r in records[1:]] == [("train", 1, 3.0), ("train", 3, 1.5)]
    assert records[-1]["elapsed"] == 3.0 and records[-1]["eta"] == (10 - 3) * 3.0 / 3
    report.validated(5, 2.25)  # no steps gathered since: no train record first
    assert records[-1]["event"] == "valid" and records[-1]["valid_loss"] == 2.25 and records[-1]["epoch"] == 1.0
    report.trained(6, 4.0)
    report.validated(6, None)  # a pending training loss goes out first, at the validation's step
    assert [(r["event"], r["step"], r["loss"]) for r in records[-2:]] == [("train", 6, 4.0), ("valid", 6, None)]
    report.trained(10, 1.0)  # the last step always reports
    report.finished(10)
    assert [r["event"] for r in records[-2:]] == ["train", "done"] and records[-1]["eta"] == 0.0
    assert all(set(r) == KEYS for r in records)


def test_json_lines_writes_one_parsable_line_per_record():
    out = io.StringIO()
    emit = json_lines(out)
    emit({"event": "start", "step": 0})
    emit({"event": "done", "step": 4})
    assert [json.loads(line)["event"] for line in out.getvalue().splitlines()] == ["start", "done"]


def test_a_real_run_and_its_resume_report_where_they_are(melody_data, tmp_path):
    records = []
    train(melody_data, tmp_path / "run", tiny_config(12), stop_at_step=6, quiet=True, report=records.append)
    assert records[0]["event"] == "start" and records[0]["step"] == 0 and records[0]["total"] == 12
    valid = [r for r in records if r["event"] == "valid"]
    assert [r["step"] for r in valid] == [6] and valid[0]["valid_loss"] > 0
    # the valid record comes once the checkpoint of its step is on disk
    assert torch.load(tmp_path / "run" / "last.pt", weights_only=True)["step"] == 6

    resumed = []
    train(melody_data, tmp_path / "run", tiny_config(12), resume=True, quiet=True, report=resumed.append)
    assert resumed[0]["event"] == "start" and resumed[0]["step"] == 6 and resumed[0]["resumed"]
    assert [r["step"] for r in resumed if r["event"] == "valid"] == [12]
    assert resumed[-1]["event"] == "done" and resumed[-1]["step"] == 12
    assert all(r["loss"] > 0 for r in resumed if r["event"] == "train")


def test_the_cli_prints_the_records_on_stdout_only(melody_data, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "rnnmusic", "train", str(melody_data), "-o", str(tmp_path / "run"), "--max-steps", "4",
         "--layers", "1", "--hidden", "16", "--embedding", "8", "--batch-size", "4", "--window", "16",
         "--set", "run.eval_every=2", "--progress-json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["event"] for r in records if r["event"] != "train"] == ["start", "valid", "valid", "done"]
    assert "wrote" in done.stderr
