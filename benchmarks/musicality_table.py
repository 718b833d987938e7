"""The before/after table of issue 11: new and previous shipped models on the same test pieces, with targets.

    .venv/bin/python benchmarks/musicality_table.py [--work runs/recipes]

Reads what the recipes measured (``WORK/NAME/music_eval.json`` for the new model,
``music_eval_previous.json`` for the model it replaced, both ``rnnmusic eval --music`` on the
same test split; see training/recipes/measure.py) and prints one Markdown table per model: the
new model, the previous one, the real music, both baselines, the target and whether it is met.
Nothing is typed in by hand: every number comes from those files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# (metric, words, kind, target(real, copy_seed) -> (bound, ">=" | "<=")) per model
TARGETS = {
    "folk": [
        ("repeats_with_seed", "bars repeating the seed or an earlier bar", "%", lambda r, c: (0.6 * r, ">=")),
        ("bar_repetition", "bars repeated exactly (within the generated bars)", "%", lambda r, c: (0.6 * r, ">=")),
        ("two_bar_repetition", "2-bar units repeated exactly", "%", None),
        ("downbeat_bars", "bars with a downbeat onset", "%", lambda r, c: (0.97, ">=")),
        ("onset_profile_distance", "onset profile: distance to real", "", None),
        ("in_key", "notes in key (target: within 2 points of real)", "%", lambda r, c: (r - 0.02, ">=")),
        ("tonic_phrase_ends", "tonic at phrase-end downbeats", "%", lambda r, c: (0.7 * r, ">=")),
        ("leaps", "leaps larger than a fifth", "%", None),
        ("overlap", "distribution overlap (mean of 7)", "", lambda r, c: (c + 0.03, ">=")),
    ],
    "chorale": [
        ("parallels", "parallel 5ths/8ves per moving pair", "", lambda r, c: (0.02, "<=")),
        ("chord_onsets", "onsets on a triad or seventh", "%", lambda r, c: (0.65, ">=")),
        ("clash_onsets", "onsets with a semitone clash", "%", lambda r, c: (0.12, "<=")),
        ("eighth_grid_onsets", "onsets on the eighth grid", "%", lambda r, c: (0.93, ">=")),
        ("in_key", "notes in key", "%", None),
        ("downbeat_bars", "bars with a downbeat onset", "%", None),
        ("repeats_with_seed", "bars repeating the seed or an earlier bar", "%", None),
        ("overlap", "distribution overlap (mean of 7)", "", None),
    ],
}


def fmt(value: float | None, kind: str) -> str:
    if value is None:
        return ""
    return f"{100 * value:.1f}%" if kind == "%" else f"{value:.3f}"


def table(name: str, new: dict, old: dict | None) -> list[str]:
    systems = new["systems"]
    real, copy, rand = systems["real"], systems["copy_seed"], systems["random_in_key"]
    lines = [f"**{name}**, test split, {new['pieces']} pieces, {new['settings']['seed_bars']} seed bars + "
             f"{new['settings']['bars']} generated, {new['settings']['samples']} takes each; options "
             f"temperature {new['options']['temperature']}, top-p {new['options']['top_p']}, repetition "
             f"{new['options'].get('repetition')}:", "",
             "| metric | new model | previous model | real | copy seed | random in key | target | met |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for key, words, kind, target in TARGETS[name]:
        value = systems["model"].get(key)
        before = old["systems"]["model"].get(key) if old else None
        goal, met = "", ""
        if target is not None and value is not None and real.get(key) is not None:
            bound, sense = target(real[key], copy.get(key) or 0.0)
            goal = f"{sense} {fmt(bound, kind)}"
            met = "yes" if (value >= bound if sense == ">=" else value <= bound) else "**no**"
        lines.append(f"| {words} | {fmt(value, kind)} | {fmt(before, kind)} | {fmt(real.get(key), kind)} | "
                     f"{fmt(copy.get(key), kind)} | {fmt(rand.get(key), kind)} | {goal} | {met} |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("runs/recipes"))
    args = parser.parse_args(argv)
    for name in TARGETS:
        new_path = args.work / name / "music_eval.json"
        if not new_path.exists():
            print(f"{new_path}: missing (run the {name} recipe)", file=sys.stderr)
            continue
        old_path = args.work / name / "music_eval_previous.json"
        new = json.loads(new_path.read_text())
        old = json.loads(old_path.read_text()) if old_path.exists() else None
        print("\n".join(table(name, new, old)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
