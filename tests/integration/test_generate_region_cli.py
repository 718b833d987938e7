"""`rnnmusic generate --region / --from-bar`: real MIDI files, the shipped folk model, real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from model_factory import BAND_BASS, BAND_MELODY, band_piece

from rnnmusic.engine import Generator, Provenance, load_model
from rnnmusic.engine.region_spec import RegionSpec
from rnnmusic.midi.read import read_midi, read_text_events
from rnnmusic.midi.write import write_midi


def rnnmusic(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnmusic", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


@pytest.fixture
def piece_file(tmp_path) -> Path:
    return write_midi(band_piece(12), tmp_path / "band.mid")


def _on(notes: np.ndarray, track: int) -> np.ndarray:
    return notes[notes["track"] == track]


def test_region_fills_bars_5_to_8_and_keeps_the_rest_as_it_was(piece_file, tmp_path):
    out = tmp_path / "fill.mid"
    done = rnnmusic("generate", piece_file, "--model", "folk", "--region", "5-8", "--track", BAND_MELODY,
                    "--num", 2, "--seed", 12, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "region bars 5-8 from 8.00 s, sir among 32 candidates" in done.stderr
    original = read_midi(piece_file).notes
    for index in (1, 2):
        path = tmp_path / f"fill-{index}.mid"
        notes = read_midi(path).notes
        assert np.array_equal(_on(notes, BAND_BASS), _on(original, BAND_BASS))  # the bass plays on as it was
        tune, before = _on(notes, BAND_MELODY), _on(original, BAND_MELODY)
        outside = lambda n: n[(n["start"] < 7.5) | (n["start"] >= 16.0)]  # noqa: E731
        assert np.array_equal(outside(tune), outside(before))
        inside = tune[(tune["start"] >= 8.0) & (tune["start"] < 16.0)]
        assert len(inside) and (inside["end"] <= 16.0 + 1e-3).all()
        record = Provenance.find(read_text_events(path))
        assert record.options.region == RegionSpec(5, 9, tracks=(BAND_MELODY,))
        assert record.variation == index


def test_a_region_take_is_made_again_from_its_record(piece_file, tmp_path):
    out = tmp_path / "fill.mid"
    assert rnnmusic("generate", piece_file, "--region", "3-4", "--seed", 5, "--candidates", 8,
                    "--model", "folk", "-o", out).returncode == 0
    record = Provenance.find(read_text_events(out))
    again = Generator(load_model("folk")).generate(read_midi(piece_file), record.options).sequences[0]
    assert read_midi(out).same_music(again, tolerance=2e-3)


def test_from_bar_continues_from_there_and_drops_what_followed(piece_file, tmp_path):
    out = tmp_path / "cont.mid"
    done = rnnmusic("generate", piece_file, "--model", "folk", "--from-bar", 9, "--bars", 2, "--seed", 1,
                    "--track", BAND_MELODY, "-o", out)
    assert done.returncode == 0, done.stderr
    tune = _on(read_midi(out).notes, BAND_MELODY)
    assert (tune["start"] >= 16.0).any() and tune["start"].max() < 20.0  # bars 9-10 new, bars 11-12 gone


@pytest.mark.parametrize("args, problem", [
    (("--region", "11-14"), "band.mid has 12 bars; the region must end by bar 12"),
    (("--region", "8-5"), "region '8-5' is reversed"),
    (("--region", "0-2"), "bars are counted from 1"),
    (("--region", "5-8", "--track", 9), "has no track 9 (its tracks: 0, 1, 2)"),
    (("--region", "5-8", "--track", 2), "band.mid holds no pitched notes, and this model plays pitched notes"),
    (("--region", "5-8", "--bars", 4), "the region's bars set the length"),
    (("--from-bar", 20), "band.mid has 12 bars; continue from bar 13 at the latest"),
    (("--track", 0), "--track chooses the tracks of a region"),
    (("--region", "5-8", "--candidates", 0), "candidates must be a whole number from 1"),
])
def test_a_region_the_piece_does_not_have_gets_one_line_and_no_file(piece_file, tmp_path, args, problem):
    out = tmp_path / "never.mid"
    done = rnnmusic("generate", piece_file, "--model", "folk", "-o", out, *args)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0], done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [piece_file]
