"""The command line as a person meets it, end to end with the shipped models and seeds in real processes:
example seeds shipped in the package, generating from nothing, model names in any case, `info` telling
how a take was made (and the command it prints making it again), and `--plot` pictures of long seeds."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import require

from rnnmusic import __version__
from rnnmusic.engine import Generator, Provenance, load_model
from rnnmusic.engine.provenance import seed_content_hash
from rnnmusic.example_seeds import examples_dir, find_example, list_examples
from rnnmusic.midi.read import read_midi, read_text_events
from rnnmusic.midi.write import write_midi
from rnnmusic.notes import Note, NoteSequence, TempoChange, TimeSignature, make_notes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _shipped_only(tmp_path, monkeypatch):
    for name in ("folk", "chorale"):
        require((ROOT / "models" / f"{name}.onnx").is_file(), f"the shipped model models/{name}.onnx")
        require((ROOT / "examples" / f"seed_{name}.mid").is_file(), f"the example seed examples/seed_{name}.mid")
    empty = tmp_path / "no-user-models"
    empty.mkdir()
    monkeypatch.setenv("RNNMUSIC_MODELS", str(empty))  # the shipped models only, whatever this machine has


def rnnmusic(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnmusic", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=120)


def one_line_error(done: subprocess.CompletedProcess, *expected: str) -> None:
    assert done.returncode == 1 and done.stdout == "", (done.returncode, done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr


# -- example seeds ----------------------------------------------------------------------------------
def test_the_example_seeds_are_the_packages_own():
    assert examples_dir() is not None
    assert {e.name for e in list_examples()} == {"folk", "chorale"}
    for example in list_examples():
        assert example.path == examples_dir() / f"seed_{example.name}.mid"
        assert "test split" in example.description()  # the recipe's text event, read back


def test_examples_lists_each_seed_with_what_it_is(tmp_path):
    done = rnnmusic("examples", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for example in list_examples():
        assert f"{example.name}  {example.path}" in done.stdout
        assert example.description() in done.stdout
    assert "rnnmusic generate --example NAME" in done.stdout


def test_examples_copy_writes_each_seed_and_never_replaces_a_users_file(tmp_path):
    out = tmp_path / "seeds"
    out.mkdir()
    done = rnnmusic("examples", "--copy", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["seed_chorale.mid", "seed_folk.mid"]
    for example in list_examples():
        assert (out / example.path.name).read_bytes() == example.path.read_bytes()
    assert rnnmusic("examples", "--copy", out, cwd=tmp_path).returncode == 0  # the same bytes again: fine

    (out / "seed_chorale.mid").unlink()
    mine = read_midi(out / "seed_folk.mid")
    write_midi(mine.with_notes(mine.notes[:3]), out / "seed_folk.mid")  # the user's own edit of the seed
    edited = (out / "seed_folk.mid").read_bytes()
    one_line_error(rnnmusic("examples", "--copy", out, cwd=tmp_path), str(out / "seed_folk.mid"), "differs")
    assert sorted(p.name for p in out.iterdir()) == ["seed_folk.mid"]  # checked before any copy: none written
    assert (out / "seed_folk.mid").read_bytes() == edited
    one_line_error(rnnmusic("examples", "--copy", tmp_path / "missing", cwd=tmp_path), "not an existing folder")


def test_generate_takes_an_example_by_name_in_any_case(tmp_path):
    done = rnnmusic("generate", "--example", "FOLK", "--bars", 2, "--seed", 2, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "seed_folk-folk-2.mid"  # in the current folder, not the package's
    assert done.stdout.strip() == f"wrote {out}"
    seed = read_midi(find_example("folk").path)
    take = read_midi(out)
    opening = take.notes[: len(seed.notes)]
    assert np.array_equal(opening["pitch"], seed.notes["pitch"])  # the example, then its continuation
    assert len(take.notes) > len(seed.notes)
    record = Provenance.find(read_text_events(out))
    assert record.seed_file == "seed_folk.mid" and record.seed_hash == seed_content_hash(seed)


def test_an_unknown_example_is_named_with_the_nearest_one(tmp_path):
    one_line_error(rnnmusic("generate", "--example", "chorle", cwd=tmp_path),
                   "no example seed named 'chorle'; did you mean 'chorale'?", "examples: chorale, folk")
    assert list(tmp_path.iterdir()) == [tmp_path / "no-user-models"]


def test_a_seed_file_and_an_example_together_are_a_usage_error(tmp_path):
    done = rnnmusic("generate", "tune.mid", "--example", "folk", cwd=tmp_path)
    assert done.returncode == 2 and "not allowed with argument" in done.stderr


# -- from nothing -----------------------------------------------------------------------------------
def test_generate_without_a_seed_starts_from_nothing(tmp_path):
    done = rnnmusic("generate", "--bars", 2, "--seed", 4, cwd=tmp_path)  # the default model for no seed
    assert done.returncode == 0, done.stderr
    out = tmp_path / "untitled-folk-4.mid"
    assert done.stdout.strip() == f"wrote {out}"
    record = Provenance.find(read_text_events(out))
    assert record.model == "folk" and record.seed_file == "" and record.seed_hash == seed_content_hash(None)
    take = read_midi(out)
    assert len(take.notes) > 0
    replay = Generator(load_model("folk")).continue_sequence(None, record.options)[0]
    assert take.same_music(replay, tolerance=2e-3)


# -- model names ------------------------------------------------------------------------------------
def test_model_names_are_matched_in_any_case(tmp_path):
    done = rnnmusic("generate", "--model", "ChOrAlE", "--bars", 1, "--seed", 1, "-o", "take.mid", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Provenance.find(read_text_events(tmp_path / "take.mid")).model == "chorale"


def test_a_mistyped_model_name_gets_the_nearest_name(tmp_path):
    one_line_error(rnnmusic("generate", "--model", "Flok", cwd=tmp_path),
                   "no model named 'Flok'; did you mean 'folk'?", "known models: chorale, folk")


# -- info: how a take was made, and making it again -------------------------------------------------
def _tune(bars: int) -> NoteSequence:
    """A 4/4 tune of ``bars`` bars in C major at 120 qpm, one quarter note a beat."""
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    notes = [Note(scale[i % 8], 80, i * 0.5, (i + 1) * 0.5) for i in range(4 * bars)]
    return NoteSequence(notes=make_notes(notes), tempos=(TempoChange(0.0, 120.0),),
                        time_signatures=(TimeSignature(0.0, 4, 4),), source="tune")


@pytest.mark.parametrize("source", ["file", "example", "nothing"])
def test_info_tells_how_a_take_was_made_and_its_command_makes_it_again(tmp_path, source):
    seed_args = {"file": [write_midi(_tune(2), tmp_path / "tune.mid")], "example": ["--example", "folk"],
                 "nothing": []}[source]
    made = rnnmusic("generate", *seed_args, "--model", "folk", "--bars", 2, "--num", 2, "--seed", 11,
                    "--temperature", 0.8, "--top-p", 0.9, "--key", "D:minor", "--repetition", 0.3, "--tempo", 96,
                    "-o", "take.mid", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    shown = rnnmusic("info", "take-2.mid", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "file: take-2.mid"  # the file's own summary first
    assert any(line.startswith(f"made by rnnmusic {__version__}: variation 2 of 2") for line in lines)
    model_line = next(line for line in lines if line.startswith("  model: "))
    assert model_line.startswith(f"  model: folk (sha256 {load_model('folk').content_hash[:16]}), the installed")
    assert ("  temperature 0.8, top-p 0.9, top-k off, key D minor, repetition 0.3, random seed 11" in lines)
    assert "  length: 2 bars; tempo: 96 qpm" in lines
    seed_line = next(line for line in lines if line.startswith("  seed: "))
    assert {"file": "tune.mid (content sha256", "example": "the example seed 'folk' (seed_folk.mid)",
            "nothing": "none: generated from nothing"}[source] in seed_line

    command = next(line for line in lines if line.startswith("  to make it again: ")).split(": ", 1)[1]
    words = shlex.split(command)
    assert words[:2] == ["rnnmusic", "generate"] and words[-2:] == ["-o", "take-2-again.mid"]
    again = rnnmusic(*words[1:], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "  (that command writes 2 variations; this take is take-2-again-2.mid)" in lines
    assert read_midi(tmp_path / "take-2-again-2.mid").same_music(read_midi(tmp_path / "take-2.mid"))
    assert (Provenance.find(read_text_events(tmp_path / "take-2-again-2.mid")).take_hash
            == Provenance.find(read_text_events(tmp_path / "take-2.mid")).take_hash)


@pytest.mark.parametrize("region, shown", [
    (["--region", "2-3", "--candidates", 8, "--fill-method", "best", "--track", 0], "region: bars 2-3 filled anew"),
    (["--from-bar", 4, "--bars", 2, "--lookahead-bars", 2], "region: from bar 4, length: 2 bars"),
])
def test_info_of_a_region_take_gives_the_region_options_that_make_it_again(tmp_path, region, shown):
    write_midi(_tune(6), tmp_path / "tune.mid")
    made = rnnmusic("generate", "tune.mid", "--model", "folk", "--seed", 3, *region, "-o", "take.mid", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    lines = rnnmusic("info", "take.mid", cwd=tmp_path).stdout.splitlines()
    assert any(line.startswith(f"  {shown}; tempo: ") for line in lines), lines
    command = next(line for line in lines if line.startswith("  to make it again: ")).split(": ", 1)[1]
    words = shlex.split(command)
    pairs = set(zip(words, words[1:]))
    region_pairs = [(str(flag), str(value)) for flag, value in zip(region[::2], region[1::2]) if flag != "--bars"]
    assert [pair for pair in region_pairs if pair not in pairs] == []  # each region option, as it was given
    again = rnnmusic(*words[1:], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert read_midi(tmp_path / "take-again.mid").same_music(read_midi(tmp_path / "take.mid"))


def test_info_of_a_take_from_another_model_file_asks_for_that_file(tmp_path):
    from model_factory import make_model

    require(_has_torch(), "torch (the train extra) to make a test model")
    (tmp_path / "other").mkdir()
    folk_named = make_model(tmp_path / "other" / "folk.onnx", "melody", name="folk")  # named folk, not the shipped
    write_midi(_tune(1), tmp_path / "tune.mid")
    made = rnnmusic("generate", "tune.mid", "--model", folk_named, "--bars", 1, "--seed", 3, "-o", "take.mid",
                    cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    lines = rnnmusic("info", "take.mid", cwd=tmp_path).stdout.splitlines()
    model_line = next(line for line in lines if line.startswith("  model: "))
    assert "the installed 'folk'" in model_line and "is another file" in model_line
    command = next(line for line in lines if line.startswith("  to make it again: "))
    assert "--model MODEL.onnx" in command  # not the shipped folk, which would make other notes


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def test_info_of_a_file_rnnmusic_did_not_make_has_no_take_record(tmp_path):
    write_midi(_tune(1), tmp_path / "tune.mid")
    done = rnnmusic("info", "tune.mid", cwd=tmp_path)
    assert done.returncode == 0 and "made by rnnmusic" not in done.stdout and "to make it again" not in done.stdout


# -- --plot -----------------------------------------------------------------------------------------
def _png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_plot_of_a_long_seed_wraps_into_labelled_lines(tmp_path):
    from rnnmusic.pianoroll import BOTTOM_MARGIN, LEFT_MARGIN, LINE_GAP, LINE_WIDTH, ROW_HEIGHT, TOP_MARGIN, pitch_range

    write_midi(_tune(120), tmp_path / "long.mid")  # 120 bars: one strip would be 11,500 pixels wide
    done = rnnmusic("generate", "long.mid", "--model", "folk", "--bars", 2, "--seed", 1, "-o", "take.mid",
                    "--plot", "take.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    picture = _png(tmp_path / "take.png")
    height, width, _ = picture.shape
    assert width <= LEFT_MARGIN + LINE_WIDTH + 1  # about a screen wide
    assert width < 2 * height  # several lines of bars, not a strip (once 2857x240 for a long seed)
    ink = (picture < 128).all(axis=2)  # dark grey label text (the roll itself is lighter or coloured)
    labels = ink[:, : LEFT_MARGIN - 2]
    assert labels.any(axis=1).sum() > 0
    low, high = pitch_range(read_midi(tmp_path / "take.mid"))
    roll_height = (high - low + 1) * ROW_HEIGHT
    line_height = TOP_MARGIN + roll_height + BOTTOM_MARGIN
    lines = (height + LINE_GAP) // (line_height + LINE_GAP)
    assert lines >= 8 and lines * (line_height + LINE_GAP) - LINE_GAP == height
    for index in range(lines):  # each line has pitch names at its left and bar numbers below it
        top = index * (line_height + LINE_GAP)
        assert labels[top: top + TOP_MARGIN + roll_height].any(), f"no pitch names on line {index + 1}"
        below = ink[top + TOP_MARGIN + roll_height + 1: top + line_height, LEFT_MARGIN:]
        assert below.any(), f"no bar numbers below line {index + 1}"


def test_plot_of_a_short_seed_is_one_line(tmp_path):
    write_midi(_tune(2), tmp_path / "short.mid")
    done = rnnmusic("generate", "short.mid", "--model", "folk", "--bars", 2, "--seed", 1, "-o", "take.mid",
                    "--plot", "take.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    height, width, _ = _png(tmp_path / "take.png").shape
    assert width < 800 and height < 300
