"""The model card is rendered from the facts a recipe run gathered, and from nothing else."""

from __future__ import annotations

import builtins
import io
from pathlib import Path

import pytest

from rnnmusic.notes import NoteSequence
from rnnmusic.training.recipes.card import card_test_nll, render_card
from rnnmusic.training.recipes.corpus_to_midi import ConversionReport
from rnnmusic.training.recipes.folk import RECIPE
from rnnmusic.training.recipes.measure import read_info
from rnnmusic.training.recipes.seeds import Seed

MODELS = Path(__file__).resolve().parents[3] / "models"


def _split(per_token: float) -> dict:
    return {"per_token": per_token, "per_step": 2 * per_token, "tokens": 1234, "steps": 99, "pieces": 5}


@pytest.fixture(scope="module")
def facts() -> dict:
    """What :func:`run_recipe` hands the card, with made-up numbers and the shipped folk model's metadata."""
    return {
        "recipe": RECIPE, "quick": False, "limit": None, "collections": ("oneills1850",), "pieces_available": 100,
        "conversion": ConversionReport(10, 9, 1, {"oneills1850": {"pieces": 10, "converted": 9, "kept": 0,
                                                                  "failed": 1}}, [], 1.0),
        "manifest": {"encoding": {"name": "melody", "config": {"min_pitch": 48}}, "time_unit": "step",
                     "splits": {s: {"pieces": 3, "tokens": 300} for s in ("train", "valid", "test")},
                     "files": [{}, {}, {}], "duplicates": [], "skipped": [], "dropped_notes": {"range": 4},
                     "split_fractions": {"valid": 0.05, "test": 0.05}, "content_hash": "abc123"},
        "config": {"model": {"cell": "lstm", "hidden": 32, "dropout": 0.2}, "data": {"transpose": 5}},
        "timing": {"convert_seconds": 3.0, "dataset_seconds": 200.0, "train_seconds": 1000.0,
                   "export_eval_seconds": 20.0, "machine": "Test CPU, 2 cores"},
        "evals": {"float_valid": _split(1.1), "float_test": _split(1.2345), "int8_valid": _split(1.15),
                  "int8_test": _split(1.25), "float_bytes": 5_000_000, "int8_bytes": 1_500_000,
                  "float_step_us": 65.3, "int8_step_us": 50.1},
        "seed": Seed("oneills1850/tune.mid", 4, (6, 8), NoteSequence()),
        "music_eval": None, "music_eval_skipped": "no usable piece", "previous": None,
        "info": read_info(MODELS / "folk.onnx"), "summary": {"steps": 120, "best_step": 80, "stopped_early": True},
        "split_list_used": True,
    }


def test_every_section_comes_from_the_facts(facts):
    card = render_card(facts)
    assert card_test_nll(card) == pytest.approx(1.2345)
    assert "changes the test NLL by +0.0155 nats per token" in card
    assert "takes 65 us with ONNX Runtime" in card and "(50 us for int8)" in card
    assert "```toml\n[model]\ncell = \"lstm\"\nhidden = 32\ndropout = 0.2\n\n[data]\ntranspose = 5\n```" in card
    assert "in [-5, 5]" in card and "best validation at step 80 (stopped early)" in card
    assert "Split by the recipe's split list (`training/recipes/splits/folk.json`" in card
    assert "the first 4 bars (6/8) of `oneills1850/tune.mid`" in card
    assert "Not measured: no usable piece." in card
    assert f"{facts['info'].parameter_count():,} parameters" in card
    assert card.count("\n## ") == 10 and card.endswith(f"- {RECIPE.limits[-1]}\n")


def test_rendering_reads_no_file(facts, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"the card opened a file: {args[:1]}")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(io, "open", refuse)
    monkeypatch.setattr(Path, "read_text", refuse)
    monkeypatch.setattr(Path, "exists", refuse)
    assert "## Known limits" in render_card(facts)


def test_a_hash_split_and_a_quick_run_are_said_so(facts):
    card = render_card({**facts, "split_list_used": False, "quick": True})
    assert "- Split by content hash (valid 5%, test 5%)" in card
    assert "**This card describes a quick test run, not the shipped model.**" in card
