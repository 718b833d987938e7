"""`rnnmusic eval MODEL.onnx DATA_DIR`: NLL of a model file on a dataset's test split, with ONNX Runtime only."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL.onnx", help="an rnnmusic model file")
    parser.add_argument("data", metavar="DATA_DIR", help="dataset folder made by `rnnmusic dataset build`")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"),
                        help="which split (default test)")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N", help="pieces evaluated together")
    parser.add_argument("--json", action="store_true", help="print the numbers as one JSON object")


def run(args: argparse.Namespace) -> int:
    import json

    from rnnmusic.errors import ConfigError
    from rnnmusic.evaluate import evaluate_model

    if args.batch_size < 1:
        raise ConfigError("--batch-size must be at least 1")
    report = evaluate_model(args.model, args.data, split=args.split, batch_size=args.batch_size)
    r = report.result
    if args.json:
        print(json.dumps({"model": report.model, "data": report.data_dir, "split": report.split,
                          "pieces": report.pieces, "tokens": r.tokens, "nll_per_token": r.per_token,
                          f"nll_per_{report.time_unit}": r.per_step, report.time_unit + "s": r.time,
                          f"nll_per_{report.time_unit}_without_first": r.per_step_without_first}))
        return 0
    print(f"{report.split} split of {report.data_dir}: {report.pieces} pieces, {r.tokens:,} tokens, "
          f"{r.time:,.6g} {report.time_unit}s")
    print(f"NLL per token: {r.per_token:.4f} nats ({r.per_token / 0.6931471805599453:.4f} bits)")
    print(f"NLL per {report.time_unit}: {r.per_step:.4f} nats "
          f"({r.per_step_without_first:.4f} with each piece's first {report.time_unit} left out)")
    return 0
