"""`rnnmusic eval MODEL DATA --music` end to end: a tiny real model, a dataset built from real MIDI files (conftest)."""

from __future__ import annotations

import json
import shutil

import pytest
from music_eval_data import tune12

from rnnmusic.cli.main import main
from rnnmusic.midi.write import write_midi


def test_cli_writes_the_table_and_the_json(tiny, tmp_path, capsys):
    model, data, manifest = tiny
    out = tmp_path / "music.json"
    code = main(["eval", str(model), str(data), "--music", "--seed-bars", "2", "--bars", "4", "--samples", "2",
                 "--temperature", "0.9", "--top-p", "0.95", "--repetition", "0.8", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "bars repeated exactly" in text and "copy seed" in text and "onsets per beat unit in 4/4" in text
    result = json.loads(out.read_text())
    assert result["pieces"] == manifest["splits"]["test"]["pieces"]
    assert result["options"]["temperature"] == 0.9 and result["options"]["top_p"] == 0.95
    assert result["options"]["repetition"] == 0.8
    real, copy = result["systems"]["real"], result["systems"]["copy_seed"]
    # the real bars 3-6 are A C A B: one bar repeats; the copied seed A B A B: two
    assert real["bar_repetition"] == pytest.approx(0.25)
    assert copy["bar_repetition"] == pytest.approx(0.5)
    # with the seed (A B) as lookback: A, A and B repeat, C does not; the copied seed repeats every bar
    assert real["repeats_with_seed"] == pytest.approx(0.75) and copy["repeats_with_seed"] == 1.0
    assert real["downbeat_bars"] == 1.0 and real["in_key"] == 1.0
    assert real["tonic_last_bar"] == 0.0  # bar 6 opens on the fifth
    model_col = result["systems"]["model"]
    assert 0.0 <= model_col["bar_repetition"] <= 1.0 and 0.0 <= model_col["overlap"] <= 1.0


def test_cli_prints_json_to_stdout(tiny, capsys):
    model, data, _ = tiny
    assert main(["eval", str(model), str(data), "--music", "--seed-bars", "2", "--bars", "4", "--samples", "1",
                 "--max-pieces", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pieces"] == 1 and result["kind"] == "melody"


def test_pieces_too_short_are_one_error_line(tiny, capsys):
    model, data, _ = tiny
    assert main(["eval", str(model), str(data), "--music", "--seed-bars", "4", "--bars", "16"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no piece of the test split" in err and "shorter" in err


def test_a_changed_source_file_is_refused(tiny, tmp_path, capsys):
    model, data, manifest = tiny
    copy = tmp_path / "data"
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("cache"))
    moved = tmp_path / "midi"
    shutil.copytree(manifest["source"], moved)
    first = next(f["path"] for f in manifest["files"] if f["split"] == "test")
    write_midi(tune12(7), moved / first)  # other music under the same name
    m = json.loads((copy / "manifest.json").read_text())
    m["source"] = str(moved)
    (copy / "manifest.json").write_text(json.dumps(m))
    assert main(["eval", str(model), str(copy), "--music", "--seed-bars", "2", "--bars", "4"]) == 1
    assert "changed since" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--seed-bars", "--bars", "--samples", "--max-pieces"])
def test_a_count_below_one_is_refused(tiny, flag, capsys):
    model, data, _ = tiny
    assert main(["eval", str(model), str(data), "--music", flag, "0"]) == 1
    assert "must be a whole number >= 1" in capsys.readouterr().err


def test_any_engine_option_passes_through(tiny, tmp_path):
    model, data, _ = tiny
    out = tmp_path / "o.json"
    assert main(["eval", str(model), str(data), "--music", "--seed-bars", "2", "--bars", "4", "--samples", "1",
                 "--option", "key=auto", "--option", "pitch_range=[55, 84]", "--json", str(out)]) == 0
    options = json.loads(out.read_text())["options"]
    assert options["key"] == "auto" and options["pitch_range"] == [55, 84]


@pytest.mark.parametrize("option, message", [("novalue", "give NAME=VALUE"), ("loudness=3", "unknown option")])
def test_bad_options_are_one_line(tiny, option, message, capsys):
    model, data, _ = tiny
    assert main(["eval", str(model), str(data), "--music", "--option", option]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
