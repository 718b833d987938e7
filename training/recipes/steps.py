"""A recipe's training steps, called as functions in this process (no command line in between).

Each step first prints the ``rnnmusic`` command that does the same by hand, so a user can replay any
step of a recipe's log from a shell.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

from rnnmusic.model_file import ModelInfo


def show(args: list[str]) -> None:
    """Print the command line that does the next step by hand."""
    print("$ rnnmusic " + shlex.join(args), flush=True)


def build_data(midi: Path, data: Path, encoding: str, encoding_config: dict[str, Any], license: str, jobs: int,
               valid_fraction: float, test_fraction: float, split_list: Path | None) -> dict[str, Any]:
    """``rnnmusic dataset build``: the token dataset of the MIDI folder; returns its manifest."""
    from rnnmusic.atomic import remove_stale_parts
    from rnnmusic.progress import ProgressLine
    from rnnmusic.training.dataset import build_dataset, read_split_list, summary_lines

    show(["dataset", "build", str(midi), "-o", str(data), "--encoding", encoding,
          "--encoding-config", json.dumps(encoding_config, sort_keys=True), "--jobs", str(jobs),
          "--valid-fraction", str(valid_fraction), "--test-fraction", str(test_fraction),
          "--license", license, "--quiet"] + ([] if split_list is None else ["--splits", str(split_list)]))
    remove_stale_parts(data, recursive=True)  # left by a build that was killed (its cache too)
    manifest = build_dataset(midi, data, encoding, encoding_config, jobs=jobs, valid_fraction=valid_fraction,
                             test_fraction=test_fraction, license=license, progress=ProgressLine(enabled=False),
                             assigned=None if split_list is None else read_split_list(split_list))
    for line in summary_lines(manifest):
        print(line, file=sys.stderr)
    return manifest


def train_model(data: Path, run: Path, config_file: Path, resume: bool) -> None:
    """``rnnmusic train``: a new run with the config in ``config_file``, or with ``resume`` the killed one
    in ``run`` continued with its own saved config."""
    from rnnmusic.training.config import TrainConfig
    from rnnmusic.training.trainer import train

    show(["train", str(data), "-o", str(run)] + (["--resume"] if resume else ["--config", str(config_file)]))
    result = train(data, run, None if resume else TrainConfig.from_toml(config_file), resume=resume)
    if result.test_nll is not None:
        print(f"test NLL {result.test_nll:.4f} nats/token", file=sys.stderr)


def export_model(run: Path, output: Path, name: str, license: str, description: str = "", int8: bool = False,
                 repetition: float | None = None) -> ModelInfo:
    """``rnnmusic export``: the run's best weights as one model file; returns the metadata written."""
    from rnnmusic.atomic import remove_stale_parts
    from rnnmusic.training.export_run import export_run

    show(["export", str(run), "-o", str(output), "--name", name, "--license", license]
         + (["--description", description] if description else []) + (["--int8"] if int8 else [])
         + ([] if repetition is None else ["--repetition", str(repetition)]))
    remove_stale_parts(output.parent, [output.name])  # left by an export that was killed
    info = export_run(run, output, int8=int8, name=name, license=license, description=description,
                      sampling={} if repetition is None else {"repetition": repetition})
    print(f"wrote {output}", file=sys.stderr)
    return info
