"""The recipes end to end on a handful of pieces: corpus -> MIDI -> dataset -> a few training steps ->
export -> a model file that describes itself, a card and a seed from the test split; a second run
keeps what the first one did."""

from __future__ import annotations

import json

import pytest
from support import require

try:
    import music21  # noqa: F401
except ImportError:
    music21 = None


@pytest.fixture(scope="module")
def one_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models on a shared machine: more threads only spin
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, one_thread):
    """quick_run(name) -> (recipe, facts, out, work) of a quick recipe run, made once per module."""
    require(music21 is not None, "music21 (its bundled corpus is the recipes' data)")
    from rnnmusic.training.recipes import chorale, folk
    from rnnmusic.training.recipes.recipe import run_recipe

    done: dict[str, tuple] = {}

    def get(name: str) -> tuple:
        if name not in done:
            recipe = {"folk": folk.RECIPE, "chorale": chorale.RECIPE}[name]
            root = tmp_path_factory.mktemp(name)
            out, work = root / "out", root / "work"
            done[name] = (recipe, run_recipe(recipe, out, work, out, quick=True, jobs=2), out, work)
        return done[name]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("name", ["folk", "chorale"])
def test_quick_recipe_end_to_end(quick_run, name):
    from rnnmusic.midi.read import read_midi, read_text_events
    from rnnmusic.training.recipes.card import card_test_nll
    from rnnmusic.training.recipes.measure import read_info

    recipe, facts, out, work = quick_run(name)
    conversion = facts["conversion"]
    assert conversion.pieces == recipe.quick_pieces
    assert conversion.converted + conversion.failed == conversion.pieces and conversion.converted >= 10
    midi_files = sorted((work / "midi").rglob("*.mid"))
    assert len(midi_files) == conversion.converted
    assert len(read_midi(midi_files[0]).notes) > 0

    info = read_info(out / f"{recipe.name}.onnx")
    manifest = facts["manifest"]
    assert info.name == recipe.name and info.encoding["name"] == recipe.encoding
    assert info.training_data["content_hash"] == manifest["content_hash"]
    assert info.license == recipe.data_license
    assert info.metrics["test_nll"] > 0

    card = (out / f"{recipe.name}.md").read_text()
    assert card_test_nll(card) == pytest.approx(facts["evals"]["float_test"]["per_token"], abs=1e-4)
    assert card_test_nll(card) == pytest.approx(info.metrics["test_nll"], abs=2e-3)
    assert "quick test run" in card

    seed = facts["seed"]
    tests = {f["path"] for f in manifest["files"] if f["split"] == "test"}
    assert seed.source in tests
    seed_file = out / f"seed_{recipe.name}.mid"
    assert len(read_midi(seed_file).notes) >= 4
    assert any(seed.source in text for text in read_text_events(seed_file))


@pytest.mark.slow
def test_rerun_keeps_what_is_done(quick_run):
    from rnnmusic.training.recipes.recipe import run_recipe

    recipe, _, out, work = quick_run("folk")
    trained = (work / "run" / "summary.json").stat().st_mtime_ns
    timing = json.loads((work / "timing.json").read_text())
    again = run_recipe(recipe, out, work, out, quick=True, jobs=1)
    assert all(c["kept"] == c["pieces"] for c in again["conversion"].per_collection.values())
    assert (work / "run" / "summary.json").stat().st_mtime_ns == trained
    assert json.loads((work / "timing.json").read_text())["train_seconds"] == timing["train_seconds"]
