"""The evaluation as one table (model, real, copy seed, random in key), in markdown or plain text."""

from __future__ import annotations

from typing import Any

from rnnmusic.music_eval.harness import SYSTEMS, MusicEvalResult

HEADERS = {"model": "model", "real": "real", "copy_seed": "copy seed", "random_in_key": "random in key"}

#: (metric, label, format): "%" a share, "n" a number, "o" an overlap or distance
MELODY_ROWS = (
    ("bar_repetition", "bars repeated exactly", "%"),
    ("bar_rhythm_repetition", "bars repeated in rhythm", "%"),
    ("repeats_with_seed", "bars repeating the seed or an earlier bar", "%"),
    ("two_bar_repetition", "2-bar units repeated exactly", "%"),
    ("two_bar_rhythm_repetition", "2-bar units repeated in rhythm", "%"),
    ("downbeat_bars", "bars with a downbeat onset", "%"),
    ("onset_profile_distance", "onset profile: distance to real", "o"),
    ("in_key", "notes in key", "%"),
    ("tonic_phrase_ends", "tonic at phrase-end downbeats", "%"),
    ("tonic_last_bar", "tonic at the last bar's downbeat", "%"),
    ("pitch_range", "range (semitones)", "n"),
    ("mean_interval", "mean interval (semitones)", "n"),
    ("leaps", "leaps larger than a fifth", "%"),
    ("long_notes", "notes longer than a bar", "%"),
    ("silence", "silent steps", "%"),
    ("overlap", "distribution overlap (mean of 7)", "o"),
)
POLYPHONY_ROWS = (
    ("voices_per_onset", "voices per onset", "n"),
    ("chord_onsets", "onsets on a triad or seventh", "%"),
    ("clash_onsets", "onsets with a semitone clash", "%"),
    ("parallels", "parallel 5ths/8ves per moving pair", "o"),
    ("eighth_grid_onsets", "onsets on the eighth grid", "%"),
    ("top_voice_leaps", "top-voice leaps larger than a fifth", "%"),
)


def rows_for(kind: str) -> tuple[tuple[str, str, str], ...]:
    return POLYPHONY_ROWS + MELODY_ROWS if kind == "polyphony" else MELODY_ROWS


def _cell(value: Any, fmt: str) -> str:
    if value is None or value != value:
        return "-"
    if fmt == "%":
        return f"{100 * value:.1f}%"
    if fmt == "n":
        return f"{value:.2f}"
    return f"{value:.3f}"


def table_rows(result: MusicEvalResult | dict) -> list[list[str]]:
    """Header row, then one row per metric: label and the four systems' values."""
    data = result.to_dict() if isinstance(result, MusicEvalResult) else result
    rows = [["metric"] + [HEADERS[s] for s in SYSTEMS]]
    for key, label, fmt in rows_for(data["kind"]):
        rows.append([label] + [_cell(data["systems"][s].get(key), fmt) for s in SYSTEMS])
    return rows


def markdown(result: MusicEvalResult | dict) -> str:
    rows = table_rows(result)
    lines = ["| " + " | ".join(rows[0]) + " |", "|---" + "|---:" * (len(rows[0]) - 1) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def plain(result: MusicEvalResult | dict) -> str:
    rows = table_rows(result)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
                     for r in rows)


def profile_lines(result: MusicEvalResult | dict) -> list[str]:
    """The onset profiles per meter, one line per system (meters with at least one real bar)."""
    data = result.to_dict() if isinstance(result, MusicEvalResult) else result
    lines = []
    for meter in data["profiles"]["real"]:
        lines.append(f"onsets per beat unit in {meter}:")
        for s in SYSTEMS:
            values = data["profiles"][s].get(meter)
            if values:
                lines.append(f"  {HEADERS[s]:<14}" + " ".join(f"{v:.2f}" for v in values))
    return lines


def summary_line(result: MusicEvalResult | dict) -> str:
    data = result.to_dict() if isinstance(result, MusicEvalResult) else result
    st = data["settings"]
    skipped = sum(data["skipped"].values())
    return (f"{data['split']} split of {data['data']}: {data['pieces']} pieces ({skipped} skipped), seed "
            f"{st['seed_bars']} bars, {st['bars']} generated, {st['samples']} samples each, random seed "
            f"{st['random_seed']}; options: {option_text(data['options'])}")


def option_text(options: dict[str, Any]) -> str:
    """The generation options that differ from the engine's defaults ("defaults" when none do)."""
    from rnnmusic.engine import GenerateOptions

    defaults = GenerateOptions().to_dict()
    per_take = ("bars", "steps", "seconds", "num", "seed", "continuation_only")  # set by the harness
    changed = [f"{k}={v}" for k, v in options.items() if k not in per_take and defaults.get(k, object()) != v]
    return ", ".join(changed) or "the engine's defaults"
