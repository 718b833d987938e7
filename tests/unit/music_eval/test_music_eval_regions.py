"""The region evaluation (rnnmusic.music_eval.regions): bars 5-8 of 12 filled again, joins measured.

The joins of the real and the copied bars are worked out by hand on a piece whose notes are
known; the model columns run a real (small) ONNX model; the CLI runs on the tiny real dataset."""

from __future__ import annotations

import json

import numpy as np
import pytest
from model_factory import BAND_MELODY, band_piece, make_model

from rnnmusic.cli.main import main
from rnnmusic.engine import load_model_file
from rnnmusic.music_eval.regions import SYSTEMS, evaluate_regions


@pytest.fixture(scope="module")
def melody_model(tmp_path_factory):
    return load_model_file(make_model(tmp_path_factory.mktemp("region-eval") / "tune.onnx", "melody", seed=8))


def _tune(bars: int = 12):
    piece = band_piece(bars)
    return piece.with_notes(piece.notes[piece.notes["track"] == BAND_MELODY])


def test_the_real_and_the_copied_bars_are_measured_as_worked_out_by_hand(melody_model):
    result = evaluate_regions(melody_model, [_tune(), _tune(8)], candidates=4)
    assert result.pieces == 1 and result.skipped == {"shorter than 12 bars": 1}
    real, copy = result.systems["real"], result.systems["copy"]
    # bar 5's downbeat is held over from bar 4 (so no note starts there); bars 6-8 start on theirs
    assert real["starts_on_bar_5"] == 0.0 and real["downbeat"] == pytest.approx(0.75)
    # D4 held into bar 5, then D4: no leap; the D4 held from bar 8 into bar 9, then D4: none
    assert real["top_leap_in"] == 0.0 and real["top_leap_out"] == 0.0
    # bars 1-4 again: C4 on bar 5's downbeat after the D4 of bar 4 (2 semitones); it ends on that D4
    assert copy["starts_on_bar_5"] == 1.0 and copy["downbeat"] == 1.0
    assert copy["top_leap_in"] == 2.0 and copy["top_leap_out"] == 0.0
    assert real["in_key"] == 1.0 and copy["in_key"] == 1.0 and real["empty"] == 0.0
    for system in SYSTEMS:
        assert np.isfinite(result.systems[system]["nll_after"]) and result.systems[system]["nll_after"] > 0


def test_every_model_system_sees_the_same_random_seed_so_a_run_repeats(melody_model):
    first = evaluate_regions(melody_model, [_tune()], candidates=4, random_seed=3)
    again = evaluate_regions(melody_model, [_tune()], candidates=4, random_seed=3)
    assert first.systems == again.systems
    other = evaluate_regions(melody_model, [_tune()], candidates=4, random_seed=4)
    assert other.systems["sir"] != first.systems["sir"] or other.systems["first"] != first.systems["first"]
    assert other.systems["real"] == first.systems["real"]  # the real bars do not depend on the seed


def test_cli_prints_the_region_table_and_writes_the_json(tiny, tmp_path, capsys):
    model, data, manifest = tiny
    out = tmp_path / "regions.json"
    assert main(["eval", str(model), str(data), "--regions", "--candidates", "4", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| model, SIR over 4 |" in text and "| real bars 5-8 |" in text and "NLL of bars 9-12" in text
    result = json.loads(out.read_text())
    assert result["pieces"] + sum(result["skipped"].values()) == manifest["splits"]["test"]["pieces"]
    assert set(result["systems"]) == set(SYSTEMS) and result["settings"]["candidates"] == 4
