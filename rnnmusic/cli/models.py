"""`rnnmusic models`: the shipped models and the user's, with what their cards and metadata say."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cards", action="store_true", help="print every model's whole card")


def _size(entry) -> str:
    megabytes = entry.path.stat().st_size / 1e6
    if entry.info is None:
        return f"{megabytes:.1f} MB"
    return f"{entry.info.parameter_count() / 1e6:.2f}M parameters, {megabytes:.1f} MB"


def _metrics(info) -> str:
    """The NLL figures (the numbers a model card compares); bookkeeping entries are left to --cards."""
    shown = [f"{k} {v:.3f}" for k, v in sorted(info.metrics.items())
             if "nll" in k and isinstance(v, (int, float)) and not isinstance(v, bool)]
    return ", ".join(shown) or "none recorded"


def _summary(card: str) -> str:
    """The card's first paragraph that is not a heading."""
    for block in card.split("\n\n"):
        text = " ".join(line.strip() for line in block.strip().splitlines())
        if text and not text.startswith("#"):
            return text
    return ""


def run(args: argparse.Namespace) -> int:
    from rnnmusic.engine.catalog import list_models, shipped_models_dir, user_models_dir

    entries = list_models()
    if not entries:
        print(f"no models: none shipped in {shipped_models_dir()} and none in {user_models_dir()}")
        return 0
    for entry in entries:
        where = "shipped" if entry.shipped else "user"
        print(f"{entry.name}  [{where}]  {entry.path}")
        if entry.info is None:
            print(f"  unusable: {entry.problem}")
            continue
        info, arch = entry.info, entry.info.architecture
        cell = f"{arch.cell} {arch.layers}x{arch.hidden}"
        print(f"  encoding: {entry.encoding_name}   cell: {cell}   size: {_size(entry)}")
        print(f"  metrics: {_metrics(info)}")
        print(f"  licence: {info.license or 'not stated'}")
        if info.description:
            print(f"  {info.description}")
        if args.cards and entry.card:
            print("\n".join("  | " + line for line in entry.card.rstrip().splitlines()))
        elif entry.card and _summary(entry.card):
            print(f"  card: {_summary(entry.card)}")
        print()
    print(f"user models folder: {user_models_dir()} (set RNNMUSIC_MODELS to use another)")
    return 0
