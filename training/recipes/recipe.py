"""Run a recipe: corpus -> MIDI -> dataset -> training -> ONNX export -> evaluation -> seed -> model card.

Every step is a public rnnmusic step (``rnnmusic dataset build``, ``rnnmusic
train``, ``rnnmusic export``, ``rnnmusic eval``), called as a function in this process
(:mod:`.steps`) after printing the command line that does the same, so a user can
replay any step by hand. Intermediate files live under a work folder; a re-run keeps what
is done (converted MIDI files, the dataset cache, a finished training run, with
``--resume`` for a killed one) and redoes only the rest.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from rnnmusic.sysinfo import describe_machine

from .card import write_card
from .corpus_to_midi import Piece, convert, prune, spread_subset
from .measure import compare_previous, measure_music, measure_nll, read_info
from .steps import build_data, export_model, show, train_model

ROOT = Path(__file__).resolve().parents[2]  # the repository, when run from a clone
#: where a run keeps the model file its export replaced (compared on the same split in the card)
PREVIOUS_MODEL = "previous.onnx"


@dataclass(frozen=True)
class Recipe:
    """What one shipped model is: its data, encoding, training config and what its card says."""

    name: str
    title: str
    module: str  # e.g. "rnnmusic.training.recipes.folk", for the card's rebuild command
    pieces: Callable[[tuple[str, ...]], list[Piece]]  # the pieces of the named corpus collections
    collections: tuple[str, ...]  # the collections the shipped model is trained on
    source: str  # the data source, in words, for the card
    encoding: str
    encoding_config: dict[str, Any]
    train: dict[str, dict[str, Any]]  # TrainConfig sections
    quick_pieces: int
    data_license: str
    # overrides for --quick: a tiny model, a few steps (enough to prove the whole path runs)
    quick_train: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "model": {"hidden": 32, "embedding": 16},
        "data": {"batch_size": 4, "window": 32},
        "optim": {"warmup_steps": 2},
        "run": {"max_steps": 6, "eval_every": 3, "checkpoint_every": 3, "log_every": 1},
    })
    model_license: str = "MIT (the rnnmusic licence); trained only on public-domain music"
    limits: tuple[str, ...] = ()
    seed_quarters: float = 8.0  # seeds hold whole bars adding up to at least this many quarter notes
    seed_bars: tuple[int, int] = (2, 4)
    split_fractions: tuple[float, float] = (0.05, 0.05)  # valid, test
    description: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # extra paragraphs for the card's data section
    other_collections: tuple[str, ...] = ()  # collections a user may add with --collections
    # the repetition default the model file carries, chosen with benchmarks/choose_defaults.py on the
    # validation split (docs/benchmarks.md, "Sampling defaults"); None: the engine's global default
    repetition: float | None = None

    def split_list(self) -> Path:
        """The fixed split of the shipped model's pieces (``rnnmusic dataset build --splits``)."""
        return Path(__file__).resolve().parent / "splits" / f"{self.name}.json"


def merged(base: dict[str, dict[str, Any]], over: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {section: dict(values) for section, values in base.items()}
    for section, values in over.items():
        out.setdefault(section, {}).update(values)
    return out


def machine() -> str:
    """The machine a run used, in words (CPU model and cores, torch build)."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return describe_machine(extra=[f"{gpu}; torch {torch.__version__}", f"{torch.get_num_threads()} torch thread(s)"])


class Timings:
    """Seconds each step took when it last did its work from scratch, kept in ``timing.json`` across re-runs
    (a re-run that finds a step done does not overwrite its time)."""

    def __init__(self, path: Path):
        self.path = path
        self.values: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}

    def record(self, key: str, seconds: float, **extra: Any) -> None:
        self.values[key] = round(seconds, 1)
        self.values.update(extra)
        self.path.write_text(json.dumps(self.values, indent=1) + "\n")

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def run_recipe(recipe: Recipe, out_dir: Path, work_dir: Path, examples_dir: Path, quick: bool = False,
               limit: int | None = None, jobs: int = 2, collections: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Run every step; returns the facts the card is written from."""
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    midi, data, run = work_dir / "midi", work_dir / "data", work_dir / "run"
    timings = Timings(work_dir / "timing.json")
    print(f"== {recipe.name}: {recipe.title}{' (quick)' if quick else ''}; work folder {work_dir}", flush=True)

    print(f"-- 1/6 convert {recipe.source} to MIDI", flush=True)
    collections = collections or recipe.collections
    pieces = recipe.pieces(collections)
    chosen = spread_subset(pieces, recipe.quick_pieces if quick else limit)
    t0 = time.perf_counter()
    conversion = convert(chosen, midi, jobs=jobs)
    prune(midi, chosen)
    if not any(c["kept"] for c in conversion.per_collection.values()):
        timings.record("convert_seconds", time.perf_counter() - t0)

    print("-- 2/6 build the token dataset", flush=True)
    # a quick run holds out more, so that a handful of pieces still leaves valid and test pieces
    valid_fraction, test_fraction = (0.2, 0.2) if quick else recipe.split_fractions
    # the shipped models' held-out pieces are fixed by a list, so a change of conversion (which changes
    # every file's hash) cannot move a piece a model was trained on into its test split
    split_list = None if quick or not recipe.split_list().exists() else recipe.split_list()
    fresh = not (data / "cache").exists()
    t0 = time.perf_counter()
    manifest = build_data(midi, data, recipe.encoding, recipe.encoding_config, recipe.data_license, jobs,
                          valid_fraction, test_fraction, split_list)
    if fresh:
        timings.record("dataset_seconds", time.perf_counter() - t0)

    print("-- 3/6 train", flush=True)
    config = merged(recipe.train, recipe.quick_train) if quick else recipe.train
    config_file = work_dir / "train.toml"
    config_file.write_text(tomli_w.dumps(config))
    if (run / "summary.json").exists() and timings.get("content_hash") == manifest["content_hash"]:
        print(f"   {run} is a finished run on this dataset; kept (delete it to train again)", flush=True)
    else:
        t0 = time.perf_counter()
        resume = (run / "last.pt").exists()
        train_model(data, run, config_file, resume)
        spent = time.perf_counter() - t0 + (timings.get("train_seconds", 0.0) if resume else 0.0)
        timings.record("train_seconds", spent, machine=machine(), content_hash=manifest["content_hash"])

    print("-- 4/6 export (float, and int8 to measure what quantisation costs)", flush=True)
    t0 = time.perf_counter()
    model_path = out_dir / f"{recipe.name}.onnx"
    int8_path = work_dir / f"{recipe.name}.int8.onnx"
    previous = work_dir / PREVIOUS_MODEL
    if model_path.exists() and not previous.exists() and not quick:
        shutil.copy2(model_path, previous)  # the model this run replaces, to compare on the same split
    export_model(run, model_path, recipe.name, recipe.data_license, recipe.description or recipe.title,
                 repetition=None if quick else recipe.repetition)
    export_model(run, int8_path, recipe.name, recipe.data_license, int8=True)

    print("-- 5/6 evaluate with ONNX Runtime", flush=True)
    show(["eval", str(model_path), str(data)])
    evals = measure_nll(model_path, int8_path, data)
    if evals["float_test"] is not None:
        print(f"NLL per token on the test split: {evals['float_test']['per_token']:.4f} nats", flush=True)
    timings.record("export_eval_seconds", time.perf_counter() - t0)
    music, music_skipped = measure_music(model_path, data, work_dir / "music_eval.json")
    before = compare_previous(previous, data, work_dir) if previous.exists() and not quick else None

    print("-- 6/6 seed from the test split, and the model card", flush=True)
    seed_path = examples_dir / f"seed_{recipe.name}.mid"
    seed = _write_seed(recipe, data, midi, seed_path)
    facts = {
        "recipe": recipe, "quick": quick, "limit": limit, "collections": collections, "pieces_available": len(pieces),
        "conversion": conversion, "manifest": manifest, "config": config, "timing": timings.values,
        "evals": evals, "model_path": model_path, "run_dir": run, "seed": seed, "seed_path": seed_path,
        "music_eval": music, "music_eval_skipped": music_skipped, "previous": before,
        # read here so that the card is rendered from data alone
        "info": read_info(model_path), "summary": json.loads((run / "summary.json").read_text()),
        "split_list_used": split_list is not None,
    }
    card = write_card(facts, out_dir / f"{recipe.name}.md")
    print(f"== done: {model_path} ({model_path.stat().st_size / 1e6:.1f} MB), {card}, {seed_path}", flush=True)
    return facts


def _write_seed(recipe: Recipe, data: Path, midi: Path, path: Path):
    from .seeds import pick_test_seed, write_seed

    seed = pick_test_seed(data, midi, recipe.seed_quarters, *recipe.seed_bars)
    write_seed(seed, path, f"rnnmusic example seed: the first {seed.bars} bars of {seed.source} "
                           f"(music21 corpus, public domain), a piece of the {recipe.name} dataset's test split")
    print(f"   seed: first {seed.bars} bars of {seed.source} -> {path}", flush=True)
    return seed


def main(recipe: Recipe, argv: list[str] | None = None) -> int:
    """The command line every recipe module shares."""
    parser = argparse.ArgumentParser(prog=f"python -m {recipe.module}",
                                     description=f"Rebuild the shipped `{recipe.name}` model: {recipe.title}.")
    parser.add_argument("--out", type=Path, help="folder for the model and its card (default: the clone's models/; "
                                                 "with --quick: WORK/out)")
    parser.add_argument("--work", type=Path, help=f"folder for intermediate files (default runs/recipes/{recipe.name}"
                                                  f", or runs/recipes/{recipe.name}-quick with --quick)")
    parser.add_argument("--examples", type=Path, help="folder for the example seed (default: the clone's examples/;"
                                                      " with --quick: the --out folder)")
    parser.add_argument("--quick", action="store_true", help=f"a tiny version ({recipe.quick_pieces} pieces, a few "
                                                             "training steps) to check that every step works")
    parser.add_argument("--limit", type=int, metavar="N", help="use N pieces spread evenly over the corpus")
    parser.add_argument("--collections", metavar="A,B", help="music21 corpus collections to use (default: "
                        + ",".join(recipe.collections) + (f"; also available: {','.join(recipe.other_collections)}"
                                                          if recipe.other_collections else "") + ")")
    parser.add_argument("--jobs", type=int, default=2, metavar="N", help="processes for conversion and dataset")
    parser.add_argument("--threads", type=int, metavar="N", help="torch threads for training (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    work = args.work or Path("runs/recipes") / (recipe.name + ("-quick" if args.quick else ""))
    out = args.out or (work / "out" if args.quick else ROOT / "models")
    examples = args.examples or (out if args.quick else ROOT / "examples")
    collections = tuple(c.strip() for c in args.collections.split(",") if c.strip()) if args.collections else None
    unknown = sorted(set(collections or ()) - set(recipe.collections) - set(recipe.other_collections))
    if unknown:
        parser.error(f"unknown collection(s) {', '.join(unknown)}")
    from rnnmusic.errors import RnnmusicError

    try:
        run_recipe(recipe, out, work, examples, quick=args.quick, limit=args.limit, jobs=args.jobs,
                   collections=collections)
    except RnnmusicError as exc:  # a step's plain message, as its command would have printed it
        print(f"recipe stopped: {exc}", file=sys.stderr)
        return 1
    return 0
