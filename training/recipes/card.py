"""Write a model card (``models/<name>.md``) from what a recipe run measured.

Every number in a card comes from the run that made the model file beside it:
the conversion report, the dataset manifest, the training summary, the model's
metadata and the ONNX Runtime evaluation, all gathered by the run into one dict
of facts before the card is rendered; the functions here only turn those facts
into Markdown, one section each, and read no file. Nothing is typed in by hand,
so a card cannot drift from its model. :func:`card_test_nll` reads the test NLL
back (the shipped-model tests compare it with the model's metadata).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import tomli_w

from rnnmusic.model_file import ModelInfo

LN2 = math.log(2.0)
_TEST_ROW = re.compile(r"^\| test \| float32 \|[^|]*\|[^|]*\| ([0-9.]+) \|", re.MULTILINE)


def _context_words(info: ModelInfo) -> str:
    if not info.context:
        return ""
    bars = ", ".join(str(b) for b in info.context["lookback_bars"])
    return ("The model reads the timeline (model format 2, `rnnmusic/engine/context.py`): the next step's "
            f"place in the bar and beat, and what was played {bars} bars earlier; its output mixes its own "
            "next-token distribution with \"the same as then\" for each of those, by gates it learned "
            "(`--repetition` moves them). ")


def card_test_nll(text: str) -> float:
    """The float model's test NLL (nats per token) as a card states it."""
    match = _TEST_ROW.search(text)
    if not match:
        raise ValueError("the card has no '| test | float32 |' row")
    return float(match.group(1))


def _duration(seconds: float) -> str:
    minutes = seconds / 60.0
    return f"{seconds:.0f} s" if seconds < 120 else f"{minutes:.1f} min"


def _rebuild_time(timing: dict[str, Any]) -> str:
    steps = (("convert_seconds", "conversion"), ("dataset_seconds", "dataset"), ("train_seconds", "training"),
             ("export_eval_seconds", "export and evaluation"))
    parts = [f"{label} {_duration(timing[key])}" for key, label in steps if key in timing]
    total = sum(timing[key] for key, _ in steps if key in timing)
    return f"On the machine above it took {_duration(total)}: " + ", ".join(parts) + "."


def _nll_rows(evals: dict[str, Any], unit: str) -> list[str]:
    rows = [f"| split | weights | pieces | tokens | NLL per token (nats) | bits per token | NLL per {unit} (nats) |",
            "|---|---|---|---|---|---|---|"]
    for label, weights in (("float", "float32"), ("int8", "int8")):
        for split in ("valid", "test"):
            e = evals[f"{label}_{split}"]
            if e is None:
                rows.append(f"| {split} | {weights} | 0 | 0 | - | - | - |")
                continue
            rows.append(f"| {split} | {weights} | {e['pieces']} | {e['tokens']:,} | {e['per_token']:.4f} | "
                        f"{e['per_token'] / LN2:.4f} | {e['per_step']:.4f} |")
    return rows


def music_eval_section(result: dict[str, Any] | None, skipped_reason: str = "") -> list[str]:
    """The card's "Musical evaluation" section from :meth:`MusicEvalResult.to_dict` (None: not measured)."""
    lines = ["## Musical evaluation (`rnnmusic eval --music`)", ""]
    if result is None:
        return lines + [f"Not measured{': ' + skipped_reason if skipped_reason else ''}.", ""]
    from rnnmusic.music_eval.table import markdown, profile_lines, summary_line

    st = result["settings"]
    lines += [
        f"The model continued the first {st['seed_bars']} bars (and any pickup) of each usable piece of the "
        f"{result['split']} split by {st['bars']} bars, {st['samples']} times each, with the engine's defaults; "
        "its bars are compared with the same pieces' real next bars and two baselines: the seed copied to fill "
        "the bars, and random notes of the piece's key on the seed's rhythm. Definitions: "
        "`rnnmusic/music_eval/metrics.py`, `harmony.py` and `overlap.py`; the real column's overlap and "
        "onset-profile distance compare two halves of the real set.",
        "",
        summary_line(result) + f"; {result['seconds']:.0f} s.",
        "",
        markdown(result),
        "",
        "Onsets per beat unit (share of bars with a note starting there):",
        "",
        "```",
        *profile_lines(result),
        "```",
        "",
    ]
    return lines


#: metrics of the before/after table (name in the evaluation, words)
_COMPARED = (("bar_repetition", "bars repeated exactly", "%"),
             ("two_bar_repetition", "2-bar units repeated exactly", "%"),
             ("downbeat_bars", "bars with a downbeat onset", "%"), ("in_key", "notes in key", "%"),
             ("tonic_phrase_ends", "tonic at phrase-end downbeats", "%"),
             ("chord_onsets", "onsets on a triad or seventh", "%"),
             ("clash_onsets", "onsets with a semitone clash", "%"),
             ("parallels", "parallel 5ths/8ves per moving pair", ""),
             ("eighth_grid_onsets", "onsets on the eighth grid", "%"),
             ("onset_profile_distance", "onset profile: distance to real", ""),
             ("overlap", "distribution overlap (mean of 7)", ""))


def previous_section(previous: dict[str, Any] | None, evals: dict[str, Any], music: dict[str, Any] | None) -> list[str]:
    """The card's comparison with the model this one replaced, on the same dataset and split."""
    if previous is None:
        return []
    before = previous.get("music_eval")
    both = music is not None and before is not None
    lines = ["## Compared with the previous model", "",
             "The model this one replaced, evaluated on this dataset (the same held-out pieces: the split list "
             "keeps them out of both models' training), with the same commands and settings:", "",
             "| | this model | previous model |" + (" real music |" if both else ""),
             "|---|---:|---:|" + ("---:|" if both else "")]
    for split in ("valid", "test"):
        lines.append(f"| {split} NLL per token (nats) | {evals[f'float_{split}']['per_token']:.4f} | "
                     f"{previous['nll'][split]:.4f} |" + (" |" if both else ""))
    if music is not None and before is not None:  # `both`, spelled out for the type checker
        new, old, real = music["systems"]["model"], before["systems"]["model"], music["systems"]["real"]
        for key, words, unit in _COMPARED:
            if new.get(key) is None or old.get(key) is None:
                continue
            cells = [new[key], old[key], real.get(key)]
            text = [("" if v is None else f"{100 * v:.1f}%" if unit == "%" else f"{v:.3f}") for v in cells]
            lines.append(f"| {words} | " + " | ".join(text) + " |")
    return lines + [""]


def _introduction(facts: dict[str, Any]) -> list[str]:
    recipe = facts["recipe"]
    lines = [
        f"# `{recipe.name}`: {recipe.title}",
        "",
        f"A default model shipped with rnnmusic: {recipe.description[0].lower() + recipe.description[1:]}.",
        f"Load it by name (`rnnmusic generate SEED.mid --model {recipe.name}`); "
        f"`examples/seed_{recipe.name}.mid` is a seed for it taken from its held-out test split, shipped in the "
        f"package too (`rnnmusic generate --example {recipe.name}` continues it, `rnnmusic examples --copy DIR` "
        "copies it out).",
    ]
    if facts["quick"] or facts["limit"]:
        lines += ["", f"**This card describes a {'quick test run' if facts['quick'] else 'subset run'}, not the "
                      f"shipped model.**"]
    return lines + [""]


def _model_sections(facts: dict[str, Any]) -> list[str]:
    """Encoding and architecture: what the file holds and what one step costs."""
    manifest, evals, info = facts["manifest"], facts["evals"], facts["info"]
    arch, unit = info.architecture, manifest.get("time_unit", "step")
    int8_change = evals["int8_test"]["per_token"] - evals["float_test"]["per_token"]
    return [
        "## Encoding",
        f"`{manifest['encoding']['name']}` with config `{json.dumps(manifest['encoding']['config'], sort_keys=True)}`: "
        f"{arch.vocab_size} tokens (bos included); NLL per {unit} is the NLL of a piece divided by its length in "
        "grid steps (sixteenth notes).",
        "",
        "## Architecture",
        f"{arch.cell.upper()}, {arch.layers} layers x {arch.hidden} units, embedding {arch.embedding}, "
        f"dropout {arch.dropout} while training, tied embeddings: {'yes' if arch.tied else 'no'}; "
        f"{info.parameter_count():,} parameters. The encoding's grammar (which token may follow which) "
        f"is part of the graph. {_context_words(info)}File: {evals['float_bytes'] / 1e6:.1f} MB, float32 (dynamic "
        f"int8 quantisation makes {evals['int8_bytes'] / 1e6:.1f} MB and changes the test NLL by {int8_change:+.4f} "
        "nats per token; the float model is the one shipped, so it stays within 1e-4 of torch).",
        f"One generation step (batch 1, one token) takes {evals['float_step_us']:.0f} us with ONNX Runtime on one "
        f"thread of the machine below ({evals['int8_step_us']:.0f} us for int8), far inside the time of a "
        f"sixteenth note at any playable tempo, even with several tokens per step.",
        "",
    ]


def _data_section(facts: dict[str, Any]) -> list[str]:
    recipe, manifest, conversion = facts["recipe"], facts["manifest"], facts["conversion"]
    splits = manifest["splits"]
    lines = [
        "## Training data",
        f"- Source: {recipe.source}; collections used: {', '.join(facts['collections'])}.",
        f"- Pieces: {conversion.pieces:,} taken from {facts['pieces_available']:,} in these collections, "
        f"{conversion.converted:,} converted to MIDI, {conversion.failed} skipped by the conversion "
        f"(music21 could not read them or they did not fit: listed in the work folder's `midi/conversion.json`).",
    ]
    for name, counts in conversion.per_collection.items():
        lines.append(f"  - {name}: {counts['pieces']:,} pieces, {counts['converted']:,} converted, "
                     f"{counts['failed']} skipped")
    dropped = manifest.get("dropped_notes") or {}
    lines += [
        f"- Dataset (`rnnmusic dataset build`): {len(manifest['files']):,} files kept, "
        f"{len(manifest['duplicates'])} exact duplicates dropped, {len(manifest['skipped'])} files skipped; "
        + ("notes the encoding dropped: " + ", ".join(f"{k} {v:,}" for k, v in sorted(dropped.items()))
           if dropped else "no notes dropped by the encoding") + ".",
        (f"- Split by the recipe's split list (`training/recipes/splits/{recipe.name}.json`: the held-out pieces "
         "of the previous models, so no model saw them), other files by content hash "
         if facts["split_list_used"] else "- Split by content hash ")
        + f"(valid {manifest['split_fractions']['valid']:.0%}, test "
        f"{manifest['split_fractions']['test']:.0%}): "
        + ", ".join(f"{name} {splits[name]['pieces']:,} pieces / {splits[name]['tokens']:,} tokens"
                    for name in ("train", "valid", "test")) + ".",
        f"- Content hash (manifest): `{manifest['content_hash']}`.",
        "",
        *[p + "\n" for p in recipe.notes],
    ]
    return lines


def _training_section(facts: dict[str, Any]) -> list[str]:
    summary, timing, transpose = facts["summary"], facts["timing"], facts["config"]["data"].get("transpose", 0)
    return [
        "## Training",
        f"`rnnmusic train` with this config (TOML), on the training split only; transposition augmentation "
        f"shifts each training window by a random whole number of semitones in [-{transpose}, {transpose}]:",
        "",
        "```toml",
        tomli_w.dumps(facts["config"]).strip(),
        "```",
        "",
        f"{summary['steps']:,} steps, best validation at step {summary.get('best_step')}"
        f"{' (stopped early)' if summary.get('stopped_early') else ''}; training took "
        f"{_duration(timing.get('train_seconds', 0.0))} of wall-clock time on "
        f"{timing.get('machine', 'an unrecorded machine')}, shared with other work."
        + (" The validation NLL was still falling at the last step: the step budget, set to keep a rebuild "
           "short on a small CPU, not the data, ends the run; more steps would likely lower the NLL."
           if summary.get("best_step") == summary["steps"] and not summary.get("stopped_early") else ""),
        "",
    ]


def _results_section(facts: dict[str, Any]) -> list[str]:
    evals, info = facts["evals"], facts["info"]
    return [
        "## Results (ONNX Runtime, `rnnmusic eval`)",
        "",
        *_nll_rows(evals, facts["manifest"].get("time_unit", "step")),
        "",
        f"The test NLL recorded in the model's metadata (measured with torch at the end of training) is "
        f"{info.metrics.get('test_nll', float('nan')):.4f} nats per token.",
        "",
        *music_eval_section(facts.get("music_eval"), facts.get("music_eval_skipped", "")),
        *previous_section(facts.get("previous"), evals, facts.get("music_eval")),
    ]


def _closing_sections(facts: dict[str, Any]) -> list[str]:
    """Licence, how to rebuild the model, its seed and its known limits."""
    recipe, seed = facts["recipe"], facts["seed"]
    command = f"python -m {recipe.module}"
    return [
        "## Licence",
        f"- Training data: {recipe.data_license}. music21's corpus licence: "
        "`music21/corpus/license.txt`.",
        f"- Model: {recipe.model_license}.",
        "",
        "## Rebuild",
        "From a clone, with the training extras installed (`pip install -e .[train]`):",
        "",
        "```",
        command,
        "```",
        "",
        f"It converts the corpus, builds the dataset, trains, exports and evaluates, and writes "
        f"`models/{recipe.name}.onnx`, this card and `examples/seed_{recipe.name}.mid` "
        f"(intermediate files in `runs/recipes/{recipe.name}`; a second run keeps what is done). "
        + _rebuild_time(facts["timing"]) + f" `{command} --quick` checks every step in well under a minute.",
        "",
        "## Seed",
        f"`examples/seed_{recipe.name}.mid`: the first {seed.bars} bars ({seed.meter[0]}/{seed.meter[1]}) of "
        f"`{seed.source}`, a piece of the test split.",
        "",
        "## Known limits",
        *[f"- {text}" for text in recipe.limits],
        "",
    ]


#: the card's sections in order, each a function of the run's facts
SECTIONS = (_introduction, _model_sections, _data_section, _training_section, _results_section, _closing_sections)


def render_card(facts: dict[str, Any]) -> str:
    """The card's Markdown text, from the facts :func:`~.recipe.run_recipe` gathered (no file is read)."""
    return "\n".join(line for section in SECTIONS for line in section(facts))


def write_card(facts: dict[str, Any], path: Path) -> Path:
    path.write_text(render_card(facts), encoding="utf-8")
    return path
