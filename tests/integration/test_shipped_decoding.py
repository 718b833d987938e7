"""The shipped models read the timeline, and no decoding setting stalls them: greedy (temperature 0)
and beam search make music, repetition moves how much they repeat, and live play at temperature 0
plays notes (the old models held the seed's last chord, or played nothing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import reaped, require

from rnnmusic.engine import GenerateOptions, Generator, load_model
from rnnmusic.grid import StepGrid
from rnnmusic.midi.read import read_midi
from rnnmusic.music_eval.metrics import repetition_with_seed
from rnnmusic.music_eval.window import complete_bars, window_from

ROOT = Path(__file__).resolve().parents[2]
#: (model, bars generated, the fewest distinct onset times per bar a take may have)
CASES = [("folk", 8, 2.0), ("chorale", 8, 1.5)]


def _seed(name: str):
    require((ROOT / "models" / f"{name}.onnx").is_file(), f"the shipped model models/{name}.onnx")
    return read_midi(ROOT / "examples" / f"seed_{name}.mid")


def onsets_per_bar(take, seed, bars: int) -> float:
    new = take.notes[take.notes["start"] >= seed.total_time - 1e-6]
    return len(np.unique(np.round(new["start"], 4))) / bars


@pytest.fixture(scope="module")
def generators():
    return {name: Generator(load_model(name)) for name, _, _ in CASES}


@pytest.mark.parametrize("name, bars, floor", CASES)
def test_greedy_and_beam_search_make_music(generators, name, bars, floor):
    seed, generator = _seed(name), generators[name]
    assert generator.model.context is not None, "the shipped models read the timeline (model format 2)"
    greedy = generator.generate(seed, GenerateOptions(bars=bars, temperature=0.0, seed=0)).sequences[0]
    beam = generator.generate(seed, GenerateOptions(bars=bars, beam_size=4, branch_factor=2, seed=0)).sequences[0]
    assert onsets_per_bar(greedy, seed, bars) >= floor
    assert onsets_per_bar(beam, seed, bars) >= floor


def bars_repeated(take, seed, bars: int) -> float:
    """Share of the generated bars equal (pitches and rhythm) to the seed's bars or an earlier generated one."""
    grid = StepGrid.for_sequence(take, 4)
    first = complete_bars(seed, StepGrid.for_sequence(seed, 4))  # the continuation starts at the seed's end
    repeated, total = repetition_with_seed(window_from(take, grid, first, bars), window_from(take, grid, 0, first))
    return repeated / total


def test_the_repetition_control_moves_how_often_the_folk_model_repeats_a_bar(generators):
    seed, generator = _seed("folk"), generators["folk"]
    rates = {}
    for repetition in (0.0, 0.9):
        takes = generator.generate(seed, GenerateOptions(bars=16, num=8, seed=3, repetition=repetition)).sequences
        rates[repetition] = float(np.mean([bars_repeated(t, seed, 16) for t in takes]))
    assert rates[0.9] > rates[0.0] + 0.2, rates


@pytest.mark.jack
def test_live_at_temperature_zero_plays(jack):
    from jack_server import Receiver

    _seed("folk")
    receiver = Receiver(name="synth")
    proc = subprocess.Popen([sys.executable, "-m", "rnnmusic", "live", "--api", "jack", "--model", "folk",
                             "--out", "synth", "--temperature", "0", "--bpm", "240", "--duration-bars", "4",
                             "--no-realtime"], stderr=subprocess.PIPE, text=True)
    with reaped(proc):
        proc.wait(timeout=90)
    receiver.close()
    assert proc.returncode == 0, proc.stderr.read()
    assert len(receiver.note_ons()) >= 8  # four bars of a tune, not silence
