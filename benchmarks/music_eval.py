"""Musical evaluation of the shipped models on their test splits: one table per model.

    .venv/bin/python benchmarks/music_eval.py [--data-root runs/recipes] [--build] [--json OUT.json]
        [--folk models/folk.onnx] [--chorale models/chorale.onnx] [--samples 4] [--temperature T] [--top-p P]
        [--repetition R] [--option NAME=VALUE ...] [--split valid|test] [--only folk|chorale]

Each model is evaluated with :func:`rnnmusic.music_eval.evaluate_music` (what
``rnnmusic eval MODEL DATA --music`` runs) on the test split of its recipe's dataset,
``DATA_ROOT/NAME/data``, with the kind's defaults (folk: 4 seed bars, 16 generated; chorale:
2 and 8). The datasets are what the recipes in training/recipes build; ``--build`` makes a
missing one with the recipe's first two steps alone (convert the music21 corpus to MIDI,
``rnnmusic dataset build``), without training: a few minutes for folk, under one for the
chorales, on two cores. The dataset's test split must be the one the model was trained
beside (the same content hash as its card), or the "test" pieces may be training pieces.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("folk", "chorale")


def build_data(name: str, work: Path, jobs: int = 2) -> Path:
    """The recipe's steps 1-2 (corpus to MIDI, token dataset) into ``work``; returns the dataset folder."""
    from rnnmusic.training.recipes.corpus_to_midi import convert, prune
    from rnnmusic.training.recipes.recipe import cli

    recipe = importlib.import_module(f"rnnmusic.training.recipes.{name}").RECIPE
    pieces = recipe.pieces(recipe.collections)
    convert(pieces, work / "midi", jobs=jobs)
    prune(work / "midi", pieces)
    valid, test = recipe.split_fractions
    cli(["dataset", "build", str(work / "midi"), "-o", str(work / "data"), "--encoding", recipe.encoding,
         "--encoding-config", json.dumps(recipe.encoding_config, sort_keys=True), "--jobs", str(jobs),
         "--valid-fraction", str(valid), "--test-fraction", str(test), "--license", recipe.data_license, "--quiet"])
    return work / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", type=Path, default=ROOT / "runs" / "recipes",
                        help="folder holding NAME/data for each model (default runs/recipes)")
    parser.add_argument("--build", action="store_true", help="build a missing dataset (recipe steps 1-2)")
    parser.add_argument("--jobs", type=int, default=2, help="processes for --build")
    for name in MODELS:
        parser.add_argument(f"--{name}", type=Path, default=ROOT / "models" / f"{name}.onnx",
                            help=f"the {name} model file (default models/{name}.onnx)")
    parser.add_argument("--only", choices=MODELS, help="evaluate one of the two")
    parser.add_argument("--split", default="test", choices=("valid", "test"))
    parser.add_argument("--samples", type=int, default=4, help="continuations per seed (default 4)")
    parser.add_argument("--random-seed", type=int, default=0)
    parser.add_argument("--temperature", type=float, help="sampling temperature (default: the engine's)")
    parser.add_argument("--top-p", type=float, help="nucleus sampling mass (default: off)")
    parser.add_argument("--repetition", type=float, help="the repetition control (default: the engine's)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="any other generation option, as `rnnmusic eval --music --option` takes it")
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="also write every number here")
    args = parser.parse_args(argv)

    from rnnmusic.cli.eval import parse_options
    from rnnmusic.errors import RnnmusicError
    from rnnmusic.music_eval import evaluate_music
    from rnnmusic.music_eval.table import markdown, profile_lines, summary_line
    from rnnmusic.sysinfo import cpu_model

    overrides = {k: v for k, v in (("temperature", args.temperature), ("top_p", args.top_p),
                                   ("repetition", args.repetition)) if v is not None}
    try:
        overrides.update(parse_options(args.option))
    except RnnmusicError as exc:
        parser.error(str(exc))
    results = {}
    print(f"machine: {cpu_model()}; ONNX Runtime on one thread", flush=True)
    for name in [args.only] if args.only else MODELS:
        data = args.data_root / name / "data"
        if not (data / "manifest.json").exists():
            if not args.build:
                print(f"{data}: no dataset; run with --build (or the recipe)", file=sys.stderr)
                return 1
            build_data(name, args.data_root / name, args.jobs)
        started = time.perf_counter()
        try:
            result = evaluate_music(getattr(args, name), data, split=args.split, samples=args.samples,
                                    random_seed=args.random_seed, **overrides)
        except RnnmusicError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 1
        manifest = json.loads((data / "manifest.json").read_text())
        results[name] = {**result.to_dict(), "content_hash": manifest["content_hash"]}
        print(f"\n## {name}: {getattr(args, name)}\n\n{summary_line(result)}; "
              f"{time.perf_counter() - started:.0f} s; dataset content hash {manifest['content_hash'][:12]}\n")
        print(markdown(result))
        print("\n" + "\n".join(profile_lines(result)), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": cpu_model(), "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
