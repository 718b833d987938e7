"""What the "same as then" gates are worth: a context model's NLL with its proposal gates as trained
and closed, on one split.

    .venv/bin/python benchmarks/lookback_ablation.py MODEL.onnx DATA_DIR [--split test] [--repetition 0 0.5 0.9]

Each repetition value r sets the gate bias the engine would use (``repetition_bias(r)``: 0.5 is the
model as trained, 0 closes the gates so only the network's own distribution is left, 1 opens them);
the NLL per token is scored exactly as ``rnnmusic eval`` scores it (``rnnmusic.evaluate.split_nll``,
the same context). The model still reads the position and lookback inputs with the gates closed,
so this measures the copy path alone, not the whole context.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--split", default="test")
    parser.add_argument("--repetition", type=float, nargs="+", default=[0.0, 0.5, 0.9])
    args = parser.parse_args(argv)

    from rnnmusic.engine import load_model_file
    from rnnmusic.engine.context import repetition_bias
    from rnnmusic.errors import ConfigError
    from rnnmusic.evaluate import manifest_encoding, open_split, read_manifest, split_context, split_nll

    model = load_model_file(args.model, providers="cpu")
    if model.context is None:
        raise ConfigError(f"{args.model}: a token-only model has no proposal gates to close")
    manifest = read_manifest(args.data)
    encoding = manifest_encoding(manifest)
    split = open_split(args.data, args.split, manifest)
    context = split_context(split, model.info.context, encoding)
    for r in args.repetition:
        bias = repetition_bias(r)

        def run_chunk(ids, state, ctx, bias=bias):
            return model.run(ids, state, ctx, np.full(len(ids), bias, dtype=np.float32))

        result = split_nll(run_chunk, model.initial_state, split, encoding.time_advance, context=context)
        print(f"repetition {r:g} (gate bias {bias:+.1f}): {result.per_token:.4f} nats per token "
              f"({split.pieces} pieces, {result.tokens:,} tokens, {args.split})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
