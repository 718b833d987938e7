"""Real-world seeds of every kind through `rnnmusic generate`, and the default model each one gets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from model_factory import DATA, drum_seed, make_model

from rnnmusic.cli.main import main
from rnnmusic.engine import Provenance, catalog
from rnnmusic.midi.read import read_midi, read_text_events
from rnnmusic.midi.write import write_midi


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """A shipped-models folder as the release will have it: folk (melody), chorale (polyphony), drums."""
    folder = tmp_path_factory.mktemp("shipped")
    make_model(folder / "folk.onnx", "melody", seed=41)
    make_model(folder / "chorale.onnx", "polyphony", seed=42)
    make_model(folder / "drums.onnx", "drums", seed=43)
    return folder


@pytest.fixture
def use_shipped(shipped, monkeypatch, tmp_path):
    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: shipped)
    monkeypatch.setenv("RNNMUSIC_MODELS", str(tmp_path / "no-user-models"))


# file -> (what it is, the model the seed's kind picks)
SEEDS = {
    "format1_piano.mid": ("two-track piano piece", "chorale"),
    "format0_multichannel.mid": ("format 0 band with drums", "chorale"),
    "drums.mid": ("drum groove with a bass line", "folk"),
    "tempo_changes.mid": ("four tempos", "folk"),
    "pickup.mid": ("pickup bar, then 3/4", "folk"),
    "no_tempo.mid": ("no tempo event", "folk"),
    "meter_changes.mid": ("4/4, 3/4, 6/8", "folk"),
    "minor_key_triplets.mid": ("triplets in 2/4", "folk"),
    "overlapping.mid": ("stacked notes", "chorale"),
    "sustain.mid": ("sustain pedal", "folk"),
}


def _onsets(seq) -> list[tuple]:
    """(pitch, onset to the millisecond, drum, program) of every note."""
    n = seq.notes
    return list(zip(n["pitch"].tolist(), np.round(n["start"], 3).tolist(), n["is_drum"].tolist(),
                    n["program"].tolist()))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_kind_of_seed_continues_and_keeps_what_it_was(use_shipped, tmp_path, capsys, name):
    seed_path = DATA / name
    seed = read_midi(seed_path)
    out = tmp_path / "take.mid"
    assert main(["generate", str(seed_path), "-o", str(out), "--bars", "2", "--seed", "5"]) == 0
    take = read_midi(out)
    record = Provenance.find(read_text_events(out))
    assert record.model == SEEDS[name][1]
    # the seed is all there, untouched but for a last note the model may hold on
    assert len(take.notes) > len(seed.notes)
    assert set(_onsets(seed)) <= set(_onsets(take))  # (a set: MIDI merges stacked same-pitch notes)
    # the tempo map, meters and instruments are the seed's
    assert [round(t.qpm, 3) for t in take.tempos] == [round(t.qpm, 3) for t in seed.tempos]
    assert [(m.numerator, m.denominator) for m in take.time_signatures] == \
        [(m.numerator, m.denominator) for m in seed.time_signatures]
    new = take.notes[take.notes["start"] > seed.total_time + 1e-3]
    assert len(new) > 0
    seed_voices = {(int(p), bool(d)) for p, d in zip(seed.notes["program"], seed.notes["is_drum"])}
    assert {(int(p), bool(d)) for p, d in zip(new["program"], new["is_drum"])} <= seed_voices
    assert "wrote" in capsys.readouterr().out


def test_a_pure_drum_seed_gets_the_drums_model(use_shipped, tmp_path):
    beat = write_midi(drum_seed(), tmp_path / "beat.mid")
    assert main(["generate", str(beat), "-o", str(tmp_path / "more.mid"), "--bars", "1", "--seed", "2"]) == 0
    take = read_midi(tmp_path / "more.mid")
    assert Provenance.find(read_text_events(tmp_path / "more.mid")).model == "drums"
    assert take.notes["is_drum"].all() and len(take.notes) > len(drum_seed().notes)


def test_a_drum_groove_can_be_continued_as_drums_by_name(use_shipped, tmp_path):
    out = tmp_path / "groove.mid"
    assert main(["generate", str(DATA / "drums.mid"), "--model", "drums", "-o", str(out), "--bars", "1"]) == 0
    seed, take = read_midi(DATA / "drums.mid"), read_midi(out)
    new = take.notes[take.notes["start"] > seed.total_time + 1e-3]
    assert len(new) > 0 and new["is_drum"].all()
    assert set(new["track"].tolist()) == set(seed.notes["track"][seed.notes["is_drum"]].tolist())


def test_without_shipped_models_the_message_says_what_to_do(monkeypatch, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: empty)
    assert main(["generate", str(DATA / "no_tempo.mid")]) == 1
    err = capsys.readouterr().err
    assert "no shipped model fits a monophonic seed" in err and "--model" in err
    assert list(tmp_path.iterdir()) == [empty]
