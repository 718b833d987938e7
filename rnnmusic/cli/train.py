"""`rnnmusic train DATA_DIR -o RUN_DIR`: train a recurrent language model on a token dataset.

Config precedence: defaults < ``--config FILE.toml`` < flags < ``--set section.key=value``.
With ``--resume`` the run's own config (inside last.pt) is the base instead of the defaults.
Multi-process: ``torchrun --nproc_per_node N -m rnnmusic train ...`` (one process per GPU,
or gloo processes on CPU); ``--batch-size`` is the global batch over all processes.
"""

from __future__ import annotations

import argparse
import sys

#: flag -> config key
FLAGS = {
    "cell": "model.cell", "layers": "model.layers", "hidden": "model.hidden", "embedding": "model.embedding",
    "dropout": "model.dropout", "epochs": "run.epochs", "max_steps": "run.max_steps",
    "batch_size": "data.batch_size", "window": "data.window", "transpose": "data.transpose", "lr": "optim.lr",
    "seed": "run.seed", "device": "run.device",
}


def register(parser: argparse.ArgumentParser) -> None:
    from rnnmusic.training.config import TrainConfig  # dataclasses only: no torch at parse time

    base = TrainConfig()  # the defaults each flag's help names (a --config file or --resume replaces them)
    model, data, optim, run = base.model, base.data, base.optim, base.run
    parser.add_argument("data", metavar="DATA_DIR", help="dataset folder made by `rnnmusic dataset build`")
    parser.add_argument("-o", "--output", required=True, metavar="RUN_DIR", help="run folder (checkpoints, metrics)")
    parser.add_argument("--config", metavar="FILE.toml",
                        help="training config ([model], [data], [optim], [run]) whose values replace the defaults "
                             "below; flags then override it (default: none, the defaults below)")
    parser.add_argument("--cell", choices=("rnn", "lstm", "gru"), help=f"recurrent cell (default {model.cell})")
    parser.add_argument("--layers", type=int, metavar="N", help=f"stacked recurrent layers (default {model.layers})")
    parser.add_argument("--hidden", type=int, metavar="N", help=f"units per recurrent layer (default {model.hidden})")
    parser.add_argument("--embedding", type=int, metavar="N",
                        help=f"size of each token's embedding vector (default {model.embedding})")
    parser.add_argument("--dropout", type=float, metavar="F",
                        help=f"dropout rate, 0 to 1 (default {model.dropout:g})")
    parser.add_argument("--epochs", type=int, metavar="N",
                        help=f"passes over the training split; early stopping may end sooner (default {run.epochs})")
    parser.add_argument("--max-steps", type=int, metavar="N",
                        help="train this many steps, overriding --epochs (default: none, --epochs decides)")
    parser.add_argument("--batch-size", type=int, metavar="N",
                        help=f"windows per step, over all processes (default {data.batch_size})")
    parser.add_argument("--window", type=int, metavar="N",
                        help=f"tokens per window (truncated BPTT length) (default {data.window})")
    parser.add_argument("--transpose", type=int, metavar="K",
                        help=f"augment: random shift in [-K, K] semitones (default {data.transpose}: off)")
    parser.add_argument("--lr", type=float, metavar="F", help=f"peak learning rate (default {optim.lr:g})")
    parser.add_argument("--seed", type=int, metavar="N",
                        help=f"random seed of the weights and the batches (default {run.seed})")
    parser.add_argument("--device", metavar="NAME", help=f"auto, cpu, cuda, cuda:N or mps (default {run.device}: "
                                                         "cuda, else mps, else cpu)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="any config key, e.g. --set optim.weight_decay=0.1 (repeatable; default: none)")
    parser.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from last.pt")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    parser.add_argument("--progress-json", action="store_true",
                        help="print one JSON object per progress report to stdout (for programs: the app reads it)")


def build_config(args: argparse.Namespace):
    """The TrainConfig the flags describe (on --resume, starting from the run's saved config)."""
    from pathlib import Path

    from rnnmusic.training.checkpoint import LAST, checkpoint_config, load_checkpoint
    from rnnmusic.training.config import TrainConfig

    if args.resume and args.config:
        from rnnmusic.errors import ConfigError

        raise ConfigError("--resume uses the run's saved config; drop --config "
                          "(use flags or --set for the changes a resume allows)")
    if args.resume and (Path(args.output) / LAST).exists():
        config = checkpoint_config(load_checkpoint(Path(args.output) / LAST))
    elif args.config:
        config = TrainConfig.from_toml(args.config)
    else:
        config = TrainConfig()
    for flag, key in FLAGS.items():
        value = getattr(args, flag)
        if value is not None:
            config.set(key, value, where=f"--{flag.replace('_', '-')}")
    config.apply_overrides(args.overrides)
    return config


def run(args: argparse.Namespace) -> int:
    from rnnmusic.cli.extras import import_training
    from rnnmusic.evaluate import read_manifest
    from rnnmusic.output_paths import RUN_FOLDER, check_output_folder

    train = import_training("trainer", "train").train
    from rnnmusic.training.progress_json import json_lines  # the training package is importable now
    read_manifest(args.data)  # a bad dataset is named before the output folder is judged
    check_output_folder(args.output, RUN_FOLDER, {args.data: "the dataset folder"})
    config = build_config(args)
    report = json_lines() if args.progress_json else None
    result = train(args.data, args.output, config, resume=args.resume, quiet=args.quiet, report=report)
    if result.test_nll is not None:
        print(f"test NLL {result.test_nll:.4f} nats/token", file=sys.stderr)
    print(f"wrote {args.output} (best.pt, last.pt, metrics.jsonl)", file=sys.stderr)
    return 0
