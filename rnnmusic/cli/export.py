"""`rnnmusic export RUN_DIR -o MODEL.onnx [--int8]`: a trained run as one self-describing ONNX file."""

from __future__ import annotations

import argparse
import math
import sys

#: the same number as rnnmusic.training.export.DEFAULT_TOLERANCE (a test checks), kept here so --help needs no torch
DEFAULT_TOLERANCE = 1e-3


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help="run folder made by `rnnmusic train` (its best.pt is exported)")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL.onnx", help="model file to write")
    parser.add_argument("--int8", action="store_true",
                        help="dynamic int8 quantisation; the test-split NLL change is measured and recorded")
    parser.add_argument("--name", help="model name (default: the run folder's name)")
    parser.add_argument("--license", metavar="TEXT", help="licence of the training data (default: the dataset's)")
    parser.add_argument("--description", default="", metavar="TEXT", help="one line about the model")
    parser.add_argument("--data", metavar="DATA_DIR", help="dataset for --int8's NLL check (default: the run's)")
    parser.add_argument("--checkpoint", default="best.pt", metavar="FILE",
                        help="checkpoint in RUN_DIR (default best.pt)")
    parser.add_argument("--repetition", type=float, metavar="R",
                        help="the repetition default this model carries (0-1; measure it with "
                             "benchmarks/choose_defaults.py; default: none, so 0.5 applies)")
    parser.add_argument("--tolerance", type=_tolerance, default=DEFAULT_TOLERANCE, metavar="X",
                        help="how far ONNX Runtime's next-token probabilities may be from torch's, absolute and "
                             f"relative for likely tokens, before export refuses (default {DEFAULT_TOLERANCE:g})")


def _tolerance(text: str) -> float:
    value = float(text)  # argparse turns a ValueError into "invalid _tolerance value"
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rnnmusic.atomic import remove_stale_parts
    from rnnmusic.cli.extras import import_training
    from rnnmusic.output_paths import ONNX, check_output_file

    export_run = import_training("export_run", "export").export_run
    output = check_output_file(args.output, ONNX, {Path(args.run) / args.checkpoint: "the checkpoint"})
    remove_stale_parts(output.parent, [output.name])  # left by an export that was killed
    info = export_run(args.run, args.output, int8=args.int8, name=args.name, license=args.license,
                      description=args.description, data_dir=args.data, checkpoint=args.checkpoint,
                      tolerance=args.tolerance,
                      sampling={} if args.repetition is None else {"repetition": args.repetition})
    arch = info.architecture
    print(f"wrote {args.output}: {info.name}, {arch.cell} {arch.layers}x{arch.hidden}, "
          f"{info.encoding['name']} ({arch.vocab_size} tokens), parity check passed", file=sys.stderr)
    if info.quantization:
        q = info.quantization
        print(f"int8: test NLL {q['test_nll_fp32']:.4f} -> {q['test_nll_int8']:.4f} nats/token "
              f"(change {q['nll_change']:+.4f})", file=sys.stderr)
    return 0
