"""`rnnmusic bench polyphonic --dataset NAME --cell C --head H`: benchmarks against the literature.

Trains on the benchmark's train split, selects on valid, prints the test NLL in nats per
frame under both protocols (every frame; first frame of each piece left out) beside the
published numbers. torch is imported only when a benchmark runs (the runtime never needs it).
"""

from __future__ import annotations

import argparse
import shlex
import sys

FLAGS = {"hidden": "model.hidden", "layers": "model.layers", "epochs": "run.epochs", "max_steps": "run.max_steps"}


def register(parser: argparse.ArgumentParser) -> None:
    from rnnmusic.training.bench.polyphonic_data import DATASETS  # numpy and json only: no torch at parse time

    benchmarks = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    poly = benchmarks.add_parser("polyphonic", help="polyphonic music NLL (JSB, Nottingham, MuseData, Piano-midi)",
                                 description=__doc__.splitlines()[0])
    poly.add_argument("--dataset", required=True, choices=DATASETS)
    poly.add_argument("--cell", default="lstm", choices=("rnn", "lstm", "gru"), help="recurrent cell")
    poly.add_argument("--head", default="tokens", choices=("bernoulli", "tokens"),
                      help="bernoulli: 88 sigmoids per frame; tokens: pitches ascending then step_end (default)")
    # the defaults are each head's preset (training/bench/run.py DEFAULTS, which imports torch: not at parse time)
    poly.add_argument("--hidden", type=int, metavar="N", help="units per recurrent layer (default 256)")
    poly.add_argument("--layers", type=int, metavar="N",
                      help="stacked recurrent layers (default: 1 for bernoulli, 2 for tokens)")
    poly.add_argument("--epochs", type=int, metavar="N",
                      help="passes over the training split (default: 200 for bernoulli, 60 for tokens)")
    poly.add_argument("--max-steps", type=int, metavar="N",
                      help="train this many steps, overriding --epochs (default: none, --epochs decides)")
    poly.add_argument("--seed", type=int, default=0, metavar="N", help="random seed")
    poly.add_argument("--out", metavar="RUN_DIR", help="run folder (default runs/bench/DATASET-HEAD-CELL-sSEED)")
    poly.add_argument("--export", metavar="MODEL.onnx",
                      help="tokens only: export the best model and re-score it with ONNX Runtime")
    poly.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                      help="any training config key, e.g. --set optim.lr=1e-3 (repeatable)")
    poly.add_argument("--pieces", type=int, metavar="N",
                      help="only the first N pieces of each split (smoke runs; default: all)")
    poly.add_argument("--data-dir", metavar="DIR", help="folder of the JSON files (default $RNNMUSIC_POLYPHONIC_DATA "
                                                        "or ../shared/data/polyphonic)")
    poly.add_argument("--threads", type=int, default=1, metavar="N", help="torch CPU threads (default 1)")
    poly.add_argument("--json", action="store_true", help="print result.json instead of the summary")

    data = benchmarks.add_parser(
        "data", help="write a benchmark as a token dataset (for `rnnmusic eval MODEL DATA_DIR`)"
    )
    data.add_argument("--dataset", required=True, choices=DATASETS)
    data.add_argument("-o", "--output", required=True, metavar="DATA_DIR", help="folder to write")
    data.add_argument("--data-dir", metavar="DIR", help="folder of the JSON files (default $RNNMUSIC_POLYPHONIC_DATA "
                                                        "or ../shared/data/polyphonic)")

    table = benchmarks.add_parser("table", help="markdown tables of finished polyphonic runs beside the published ones")
    table.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folders holding result.json")
    table.add_argument("--reason", action="append", default=[], metavar="DATASET=TEXT",
                       help="why a dataset has no run, shown as 'not run (TEXT)' (repeatable)")
    plots = benchmarks.add_parser(
        "plots", help="learning curves, gradient norms and gradient reach of RNN/LSTM/GRU runs"
    )
    plots.add_argument(
        "runs", nargs="+", metavar="RUN_DIR", help="finished runs on one dataset (one per cell and head)"
    )
    plots.add_argument("-o", "--output", default="docs/plots", metavar="DIR", help="folder for the PNG files")


def _command(args: argparse.Namespace) -> str:
    """The command that reproduces this run, every choice spelt out (seed included)."""
    parts = ["rnnmusic", "bench", "polyphonic", "--dataset", args.dataset, "--head", args.head, "--cell", args.cell]
    for flag in ("hidden", "layers", "epochs", "max_steps", "seed", "pieces", "out", "export", "data_dir", "threads"):
        value = getattr(args, flag)
        if value is not None and not (flag == "threads" and value == 1):
            parts += ["--" + flag.replace("_", "-"), str(value)]
    for item in args.overrides:
        parts += ["--set", item]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    if args.benchmark == "table":
        return _table(args)
    if args.benchmark == "plots":
        return _plots(args)
    if args.benchmark == "data":
        from rnnmusic.training.bench.polyphonic_data import load_polyphonic
        from rnnmusic.training.bench.token_dataset import write_benchmark_dataset

        manifest = write_benchmark_dataset(load_polyphonic(args.dataset, args.data_dir), args.output, args.dataset,
                                           args.data_dir)
        counts = ", ".join(f"{k} {v['pieces']} pieces / {v['time']:,.0f} frames" for k, v in manifest["splits"].items())
        print(f"wrote {args.output}: {args.dataset} as polyphony tokens ({counts})")
        return 0
    from rnnmusic.cli.extras import import_training
    from rnnmusic.errors import ConfigError
    from rnnmusic.training.bench.published import TARGETS

    bench_run = import_training("bench.run", "bench")
    BenchSpec, run_polyphonic = bench_run.BenchSpec, bench_run.run_polyphonic

    if args.export and args.head != "tokens":
        raise ConfigError(
            "--export needs --head tokens (the bernoulli model does not fit the token model-file contract)"
        )
    if args.export:
        from rnnmusic.output_paths import ONNX, check_output_file

        check_output_file(args.export, ONNX)  # before the training, not after it
    overrides: dict[str, object] = {key: getattr(args, flag) for flag, key in FLAGS.items()
                                    if getattr(args, flag) is not None}
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: write section.key=value, e.g. optim.lr=1e-3")
        overrides[key.strip()] = value.strip()
    spec = BenchSpec(dataset=args.dataset, cell=args.cell, head=args.head, out=args.out or "", overrides=overrides,
                     seed=args.seed, pieces=args.pieces, data_root=args.data_dir, export=args.export,
                     threads=args.threads, command=_command(args))
    result = run_polyphonic(spec, say=lambda text: print(text, file=sys.stderr))
    if args.json:
        import json

        print(json.dumps(result, indent=1))
        return 0
    test, target = result["test"], TARGETS[args.head][args.dataset]
    print(f"{args.dataset} {args.head} {args.cell}: test NLL {test['nll_standard']:.3f} nats/frame (every frame), "
          f"{test['nll_without_first']:.3f} (first frame of each piece left out)")
    verdict = "beats" if test["nll_standard"] < target else "misses"
    print(f"target < {target:.2f}: {verdict}; {test['frames']:,} frames in {test['pieces']} pieces; "
          f"trained {result['seconds']:.0f} s on {result['machine']}")
    if "export" in result:
        print(f"exported {result['export']['path']}; `rnnmusic eval` (ONNX Runtime) gives "
              f"{result['export']['eval_nll_per_step']:.4f} nats/frame")
    return 0


def _table(args: argparse.Namespace) -> int:
    from rnnmusic.errors import ConfigError
    from rnnmusic.training.bench.report import load_results, nll_table, runs_table

    reasons = {}
    for item in args.reason:
        dataset, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"--reason {item!r}: write DATASET=TEXT")
        reasons[dataset] = text
    results = load_results(args.runs)
    print("Test NLL, nats per frame, every frame scored (the published protocol); bold: issue 7's target met\n")
    print(nll_table(results, "nll_standard", reasons))
    print("\nTest NLL, nats per frame, first frame of each piece left out (the TCN paper's code)\n")
    print(nll_table(results, "nll_without_first", reasons))
    print("\nRuns\n")
    print(runs_table(results))
    return 0


def _plots(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch

    from rnnmusic.training.bench.plots import plot_curves, plot_gradient_reach
    from rnnmusic.training.bench.report import load_results

    torch.set_num_threads(1)
    results = load_results(args.runs, smoke=True)  # pictures of whatever runs are named, smoke runs too
    out = Path(args.output)
    for head in sorted({r["head"] for r in results}):
        runs = [r["run_dir"] for r in results if r["head"] == head]
        dataset = results[0]["dataset"]
        print(plot_curves(runs, out / f"{dataset}_{head}_curves.png"))
    print(plot_gradient_reach([r["run_dir"] for r in results], out / f"{results[0]['dataset']}_gradient_reach.png"))
    return 0
