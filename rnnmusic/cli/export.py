"""`rnnmusic export RUN_DIR -o MODEL.onnx [--int8]`: a trained run as one self-describing ONNX file."""

from __future__ import annotations

import argparse
import sys


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


def run(args: argparse.Namespace) -> int:
    from rnnmusic.training.export_run import export_run

    info = export_run(args.run, args.output, int8=args.int8, name=args.name, license=args.license,
                      description=args.description, data_dir=args.data, checkpoint=args.checkpoint)
    arch = info.architecture
    print(f"wrote {args.output}: {info.name}, {arch.cell} {arch.layers}x{arch.hidden}, "
          f"{info.encoding['name']} ({arch.vocab_size} tokens), parity check passed", file=sys.stderr)
    if info.quantization:
        q = info.quantization
        print(f"int8: test NLL {q['test_nll_fp32']:.4f} -> {q['test_nll_int8']:.4f} nats/token "
              f"(change {q['nll_change']:+.4f})", file=sys.stderr)
    return 0
