"""Markdown tables of finished benchmark runs (their result.json), beside the published numbers.

Numbers are copied from the runs' files, never typed: a (head, cell, dataset) without a run is
printed as "not run (reason)".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rnnmusic.errors import ConfigError
from rnnmusic.training.bench.polyphonic_data import DATASETS
from rnnmusic.training.bench.published import PUBLISHED, TARGETS

TITLES = {"jsb_chorales": "JSB", "nottingham": "Nottingham", "musedata": "MuseData", "piano_midi": "Piano-midi"}
HEAD_ORDER = ("bernoulli", "tokens")
CELL_ORDER = ("rnn", "lstm", "gru")


def load_results(run_dirs: Iterable[str | Path], smoke: bool = False) -> list[dict[str, Any]]:
    """result.json of each run folder; smoke runs (a subset of pieces) only with ``smoke``."""
    results = []
    for run_dir in run_dirs:
        path = Path(run_dir) / "result.json"
        try:
            result = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{run_dir}: not a finished benchmark run (no result.json)") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: unreadable ({exc})") from None
        if smoke or result.get("pieces_per_split") is None:
            results.append({**result, "run_dir": str(run_dir)})
    return results


def _best(results: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Per (head, cell, dataset), the run with the lowest validation NLL (selection never looks at test)."""
    chosen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in results:
        key = (r["head"], r["cell"], r["dataset"])
        if key not in chosen or _valid(r) < _valid(chosen[key]):
            chosen[key] = r
    return chosen


def _valid(result: dict[str, Any]) -> float:
    return result.get("valid_nll") or result.get("valid_nll_per_token") or float("inf")


def nll_table(
    results: list[dict[str, Any]], protocol: str = "nll_standard", reasons: dict[str, str] | None = None
) -> str:
    """Published rows, then ours (``protocol``: nll_standard or nll_without_first); ** marks a target met."""
    reasons = reasons or {}
    head = "| model | " + " | ".join(TITLES[d] for d in DATASETS) + " |"
    lines = [head, "|---" * (len(DATASETS) + 1) + "|"]
    if protocol == "nll_standard":
        for model, values in PUBLISHED.items():
            lines.append(f"| {model} | " + " | ".join("" if v is None else f"{v:.2f}" for v in values) + " |")
    chosen = _best(results)
    for head_name in HEAD_ORDER:
        for cell in CELL_ORDER:
            cells = []
            for dataset in DATASETS:
                r = chosen.get((head_name, cell, dataset))
                if r is None:
                    cells.append(f"not run ({reasons.get(dataset, 'CPU time')})")
                    continue
                value = r["test"][protocol]
                met = protocol == "nll_standard" and value < TARGETS[head_name][dataset]
                cells.append(f"**{value:.2f}**" if met else f"{value:.2f}")
            lines.append(f"| ours: {head_name}, {cell.upper()} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def runs_table(results: list[dict[str, Any]]) -> str:
    """Every run: numbers, size, steps, wall time, seed and the command that made it."""
    lines = ["| dataset | head | cell | test (every frame) | test (first left out) | test (mean of pieces) | valid | "
             "parameters | steps (best) | time | seed | command |", "|---" * 12 + "|"]
    for r in sorted(results, key=lambda r: (DATASETS.index(r["dataset"]), r["head"], CELL_ORDER.index(r["cell"]))):
        valid = r.get("valid_nll")
        if valid is None:  # tokens: the trainer selects on nats per token; shown per frame
            valid_split = json.loads((Path(r["run_dir"]) / "data" / "manifest.json").read_text())["splits"]["valid"]
            valid = r["valid_nll_per_token"] * valid_split["tokens"] / valid_split["time"]
        lines.append(
            f"| {TITLES[r['dataset']]} | {r['head']} | {r['cell'].upper()} | {r['test']['nll_standard']:.3f} | "
            f"{r['test']['nll_without_first']:.3f} | {_piece_mean(r)} | {valid:.3f} | {r['parameters']:,} | "
            f"{r['steps']} ({r['best_step']}) | "
            f"{r['seconds'] / 60:.0f} min | {r['seed']} | `{r['command']}` |")
    return "\n".join(lines)


def _piece_mean(result: dict[str, Any]) -> str:
    value = result["test"].get("nll_mean_of_pieces")  # runs made before it was recorded have none
    return "" if value is None else f"{value:.3f}"
