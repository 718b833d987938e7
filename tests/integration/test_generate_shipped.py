"""The shipped models with the shipped seeds, as the README's first command runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import require

from rnnmusic.engine import Provenance, list_models
from rnnmusic.midi.read import read_midi, read_text_events

ROOT = Path(__file__).resolve().parents[2]


def _shipped(name: str) -> None:
    require((ROOT / "models" / f"{name}.onnx").is_file(), f"the shipped model models/{name}.onnx")
    require((ROOT / "examples" / f"seed_{name}.mid").is_file(), f"the shipped seed examples/seed_{name}.mid")


@pytest.mark.parametrize("name, encoding", [("folk", "melody"), ("chorale", "polyphony")])
def test_each_shipped_seed_picks_its_shipped_model_and_continues(tmp_path, name, encoding):
    _shipped(name)
    seed_path = ROOT / "examples" / f"seed_{name}.mid"
    done = subprocess.run([sys.executable, "-m", "rnnmusic", "generate", str(seed_path), "--bars", "8", "--seed", "1",
                           "-o", str(tmp_path / "take.mid"), "--plot", str(tmp_path / "take.png")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"model {name} ({encoding}" in done.stderr
    record = Provenance.find(read_text_events(tmp_path / "take.mid"))
    assert record.model == name and record.options.seed == 1
    seed, take = read_midi(seed_path), read_midi(tmp_path / "take.mid")
    new = take.notes[take.notes["start"] >= seed.total_time - 1e-3]
    assert len(new) >= 8  # eight bars of a trained model's music, not silence
    assert take.notes["end"].max() <= seed.total_time + 8 * 4 * 60 / seed.qpm + 1e-3
    png = (tmp_path / "take.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_models_lists_the_shipped_models_with_their_cards():
    _shipped("folk")
    _shipped("chorale")
    entries = {e.name: e for e in list_models() if e.shipped}
    assert {"folk", "chorale"} <= set(entries)
    assert entries["folk"].encoding_name == "melody" and entries["chorale"].encoding_name == "polyphony"
    assert entries["folk"].card.startswith("# `folk`") and entries["folk"].info.license
    done = subprocess.run([sys.executable, "-m", "rnnmusic", "models"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "folk  [shipped]" in done.stdout and "chorale  [shipped]" in done.stdout
