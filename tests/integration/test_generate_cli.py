"""`rnnmusic generate` and `rnnmusic models` end to end: real MIDI files, real ONNX models, real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from model_factory import DATA, make_model, melody_seed
from support import require

from rnnmusic.engine import GenerateOptions, Generator, Provenance, load_model_file
from rnnmusic.engine.options import DEFAULT_REPETITION
from rnnmusic.engine.provenance import RECORD_VERSION
from rnnmusic.midi.read import read_midi, read_text_events
from rnnmusic.midi.write import write_midi


@pytest.fixture(scope="module")
def folk(tmp_path_factory) -> Path:
    return make_model(tmp_path_factory.mktemp("cli-models") / "folk.onnx", "melody", seed=31)


@pytest.fixture
def seed_file(tmp_path) -> Path:
    return write_midi(melody_seed(), tmp_path / "tune.mid")


def rnnmusic(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnmusic", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=120)


def test_generate_writes_a_take_that_says_how_to_make_it_again(folk, seed_file, tmp_path):
    done = rnnmusic("generate", seed_file, "--model", folk, "--seed", 7, "--bars", 2, "--temperature", 0.9,
                    "--key", "auto")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "tune-folk-7.mid"  # beside the seed: SEED-MODEL-RANDOMSEED.mid
    assert done.stdout.strip() == f"wrote {out}"
    assert "key C major" in done.stderr
    record = Provenance.find(read_text_events(out))
    assert record.model == "folk" and record.variation == 1 and record.seed_file == "tune.mid"
    assert record.model_hash == load_model_file(folk).content_hash
    # the options as used: the repetition this model file names none of is the engine's default
    assert record.options == GenerateOptions(bars=2, temperature=0.9, seed=7, key="auto", repetition=DEFAULT_REPETITION)
    # replaying the record through the API gives the notes of the file
    replay = Generator(load_model_file(folk)).continue_sequence(read_midi(seed_file), record.options)[0]
    written = read_midi(out)
    assert written.same_music(replay, tolerance=2e-3)
    assert written.tempos[0].qpm == pytest.approx(100.0) and written.time_signatures[0].numerator == 3


def test_variations_wav_and_plot_get_numbered_names(folk, seed_file, tmp_path):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    done = rnnmusic("generate", seed_file, "--model", folk, "--num", 3, "--seed", 1, "--bars", 1,
                    "-o", tmp_path / "take.mid", "--wav", tmp_path / "take.wav", "--plot", tmp_path / "take.png")
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["tune.mid"] + [f"take-{k}.{ext}" for k in (1, 2, 3) for ext in ("mid", "wav", "png")])
    takes = [read_midi(tmp_path / f"take-{k}.mid") for k in (1, 2, 3)]
    assert not takes[0].same_music(takes[1]) and not takes[1].same_music(takes[2])
    assert [Provenance.find(read_text_events(tmp_path / f"take-{k}.mid")).variation for k in (1, 2, 3)] == [1, 2, 3]
    assert (tmp_path / "take-2.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("content, expected", [(b"", "is empty"), (os.urandom(300), "not a Standard MIDI File")])
def test_a_bad_seed_file_is_one_line_and_exit_1(folk, tmp_path, content, expected):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(content)
    done = rnnmusic("generate", bad, "--model", folk, cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and str(bad) in done.stderr and expected in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mid"]


def test_missing_and_noteless_seeds(folk, tmp_path):
    done = rnnmusic("generate", tmp_path / "absent.mid", "--model", folk)
    assert done.returncode == 1 and "absent.mid: no such file" in done.stderr
    done = rnnmusic("generate", DATA / "broken" / "no_notes.mid", "--model", folk, "-o", tmp_path / "x.mid")
    assert done.returncode == 1 and "has no notes" in done.stderr and not (tmp_path / "x.mid").exists()


def test_a_bad_model_file_is_one_line_and_exit_1(seed_file, tmp_path):
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(os.urandom(2000))
    done = rnnmusic("generate", seed_file, "--model", fake)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert f"{fake}: is not an ONNX model" in done.stderr
    done = rnnmusic("generate", seed_file, "--model", "nosuchmodel")
    assert done.returncode == 1 and "no model named 'nosuchmodel'" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake.onnx", "tune.mid"]


def test_a_failure_after_generating_leaves_nothing_behind(folk, seed_file, tmp_path):
    require(shutil.which("fluidsynth") is not None, "fluidsynth")
    broken = tmp_path / "broken.sf2"
    broken.write_bytes(b"RIFF" + (100).to_bytes(4, "little") + b"sfbk" + b"LIST" + b"\xff" * 92)
    done = rnnmusic("generate", seed_file, "--model", folk, "--num", 2, "-o", tmp_path / "out.mid",
                    "--wav", tmp_path / "out.wav", "--plot", tmp_path / "out.png",
                    env={"RNNMUSIC_SOUNDFONT": str(broken)})
    assert done.returncode == 1 and "FluidSynth could not render" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.sf2", "tune.mid"]  # no MIDI, no picture, no temp file


def test_missing_fluidsynth_is_reported_before_any_work(folk, seed_file, tmp_path):
    done = rnnmusic("generate", seed_file, "--model", folk, "--wav", tmp_path / "a.wav",
                    env={"PATH": "/nonexistent"})
    assert done.returncode == 1 and "needs FluidSynth" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tune.mid"]


@pytest.mark.parametrize("args, code, expected", [
    (["--bars", "2", "--steps", "8"], 2, "not allowed with argument"),
    (["--temperature", "-1"], 1, "temperature must be >= 0"),
    (["--pitch-range", "80-60"], 1, "lowest pitch 80 is above highest 60"),
    (["--pitch-range", "low-high"], 1, "neither a MIDI number nor a note"),
    (["--key", "H:major"], 1, "is not a key"),
    (["--tempo", "fast"], 1, "give keep or a BPM"),
    (["--num", "0"], 1, "num must be >= 1"),
    (["-o", "/nonexistent/folder/out.mid"], 1, "folder /nonexistent/folder does not exist"),
])
def test_bad_options(folk, seed_file, args, code, expected):
    done = rnnmusic("generate", seed_file, "--model", folk, *args)
    assert done.returncode == code and expected in done.stderr and "Traceback" not in done.stderr


def test_tempo_pitch_range_and_continuation_only(folk, seed_file, tmp_path):
    done = rnnmusic("generate", seed_file, "--model", folk, "--seed", 3, "--bars", 2, "--tempo", 150,
                    "--pitch-range", "C4-G4", "--continuation-only", "-o", tmp_path / "alone.mid")
    assert done.returncode == 0, done.stderr
    take = read_midi(tmp_path / "alone.mid")
    assert [t.qpm for t in take.tempos] == [pytest.approx(150.0)]
    assert take.notes["pitch"].min() >= 60 and take.notes["pitch"].max() <= 67
    assert take.notes["start"].min() >= 0 and take.total_time <= 6 * 0.4 + 1e-3  # two bars of 3/4 at 150 qpm
    record = Provenance.find(read_text_events(tmp_path / "alone.mid"))
    assert record.tempo == "150" and record.options.pitch_range == (60, 67) and record.options.continuation_only


def test_the_cli_never_loads_torch_or_qt(folk, seed_file, tmp_path):
    code = (
        "import sys\n"
        "from rnnmusic.cli.main import main\n"
        f"rc = main(['generate', {str(seed_file)!r}, '--model', {str(folk)!r}, '--bars', '1', '--plot',"
        f" {str(tmp_path / 'p.png')!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6'))\n"
        "print(rc, ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "0", done.stdout + done.stderr  # exit 0, no heavy module


def test_models_lists_user_models_with_their_cards(folk, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(folk, folder / "ballads.onnx")
    (folder / "ballads.md").write_text("# Ballads\n\nSlow tunes for testing.\n\nMore detail.\n")
    (folder / "junk.onnx").write_bytes(b"junk")
    done = rnnmusic("models", env={"RNNMUSIC_MODELS": str(folder)})
    assert done.returncode == 0, done.stderr
    assert "ballads  [user]" in done.stdout and "encoding: melody" in done.stdout
    assert "cell: lstm 1x32" in done.stdout and "licence: CC0-1.0" in done.stdout
    assert "card: Slow tunes for testing." in done.stdout and "More detail" not in done.stdout
    assert "junk  [user]" in done.stdout and "unusable: not an ONNX file" in done.stdout
    full = rnnmusic("models", "--cards", env={"RNNMUSIC_MODELS": str(folder)})
    assert "| More detail." in full.stdout


def test_a_replayed_provenance_gives_the_same_file(folk, seed_file, tmp_path):
    first = rnnmusic("generate", seed_file, "--model", folk, "--num", 2, "--top-k", 5, "--top-p", 0.9,
                     "--bars", 2, "-o", tmp_path / "a.mid")
    assert first.returncode == 0, first.stderr
    record = Provenance.find(read_text_events(tmp_path / "a-2.mid"))
    options = record.options
    assert options.seed is not None  # a fresh random seed was drawn and recorded
    args = ["--seed", options.seed, "--num", options.num, "--top-k", options.top_k, "--top-p", options.top_p,
            "--bars", options.bars, "-o", tmp_path / "b.mid"]
    again = rnnmusic("generate", seed_file, "--model", folk, *args)
    assert again.returncode == 0, again.stderr
    assert read_midi(tmp_path / "a-2.mid").same_music(read_midi(tmp_path / "b-2.mid"))
    data = json.loads(read_text_events(tmp_path / "b-2.mid")[0])
    assert data["rnnmusic_take"] == RECORD_VERSION and np.isclose(data["options"]["top_p"], 0.9)
    assert Provenance.find(read_text_events(tmp_path / "b-2.mid")).take_hash == record.take_hash  # same inputs
