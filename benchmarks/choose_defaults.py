"""Choose sampling defaults (temperature, top-p, repetition) with the musical evaluation on the valid split.

    .venv/bin/python benchmarks/choose_defaults.py MODEL.onnx DATA_DIR [--temperatures 0.9,1.0]
        [--top-ps 0.95,1] [--repetitions 0.3,0.5,0.7,0.85] [--samples 2] [--max-pieces 60] [--json OUT.json]

Every combination is evaluated on the *validation* split (the test split stays for the reported
numbers) and scored by how far the model's music is from the real continuations of the same
seeds: the mean, over the metrics below, of |model - real| divided by the metric's spread over
the real music and both baselines (so a metric that barely moves cannot outvote one that does).
The lowest score wins; ties go to the earlier (milder) setting. Melody metrics: bars and 2-bar
units repeated exactly, bars with a downbeat onset, notes in key, tonic at phrase ends, the onset
profile's distance to the real one (real: 0), distribution overlap (real: the real set's own).
Polyphony: triad/seventh onsets, semitone clashes, parallels between the outer voices, eighth-grid
onsets, notes in key, the same onset-profile distance and overlap.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

MELODY = ("bar_repetition", "two_bar_repetition", "downbeat_bars", "in_key", "tonic_phrase_ends",
          "onset_profile_distance", "overlap")
POLYPHONY = ("chord_onsets", "clash_onsets", "parallels", "eighth_grid_onsets", "in_key",
             "onset_profile_distance", "overlap")


def score(systems: dict[str, dict[str, float]], metrics: tuple[str, ...]) -> float:
    """Mean normalised distance of the model's column to the real one over ``metrics`` (those present)."""
    real, parts = systems["real"], []
    for name in metrics:
        if name not in real or name not in systems["model"]:
            continue
        target = 0.0 if name == "onset_profile_distance" else real[name]
        values = [systems[s][name] for s in ("real", "copy_seed", "random_in_key") if systems[s].get(name) is not None]
        spread = max(values + [target]) - min(values + [target]) or 1.0
        parts.append(abs(systems["model"][name] - target) / spread)
    return sum(parts) / len(parts) if parts else float("inf")


def floats(text: str) -> list[float]:
    return [float(item) for item in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--temperatures", default="0.9,1.0")
    parser.add_argument("--top-ps", default="0.95,1.0", help="1.0 means off")
    parser.add_argument("--repetitions", default="0.3,0.5,0.7,0.85")
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--max-pieces", type=int, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from rnnmusic.engine import load_model_file
    from rnnmusic.music_eval import evaluate_music

    model = load_model_file(args.model, providers="cpu", threads=1)
    rows = []
    grid = itertools.product(floats(args.temperatures), floats(args.top_ps), floats(args.repetitions))
    for temperature, top_p, repetition in grid:
        started = time.perf_counter()
        result = evaluate_music(model, args.data, split="valid", samples=args.samples, max_pieces=args.max_pieces,
                                temperature=temperature, top_p=None if top_p >= 1.0 else top_p, repetition=repetition)
        metrics = POLYPHONY if result.kind == "polyphony" else MELODY
        row = {"temperature": temperature, "top_p": top_p, "repetition": repetition,
               "score": round(score(result.systems, metrics), 4), "pieces": result.pieces,
               "model": {m: result.systems["model"].get(m) for m in metrics},
               "real": {m: result.systems["real"].get(m) for m in metrics},
               "seconds": round(time.perf_counter() - started, 1)}
        rows.append(row)
        print(f"T {temperature:g}  top-p {top_p:g}  repetition {repetition:g}: score {row['score']:.4f}  "
              + "  ".join(f"{m} {v:.3f}" for m, v in row["model"].items() if v is not None)
              + f"  ({row['seconds']} s)", flush=True)
    best = min(rows, key=lambda r: r["score"])
    print(f"best: temperature {best['temperature']:g}, top-p {best['top_p']:g}, repetition {best['repetition']:g} "
          f"(score {best['score']:.4f}); real: " + "  ".join(f"{m} {v:.3f}" for m, v in best["real"].items()
                                                            if v is not None))
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "data": args.data, "rows": rows, "best": best},
                                        indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
