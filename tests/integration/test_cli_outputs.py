"""Every command that writes refuses, with exit 1 and one line, an output it must not or cannot write.

Real runs, datasets, models and MIDI files throughout; each refusal leaves every file as it was
and creates nothing. Also: the temporaries a killed writer left are removed on the next run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from rnnmusic.cli.main import main
from rnnmusic.training.toy_corpus import write_toy_corpus

MODELS = Path(__file__).resolve().parents[2] / "models"
TINY = ["--layers", "1", "--hidden", "16", "--embedding", "8", "--batch-size", "4", "--window", "16",
        "--max-steps", "4", "--set", "run.eval_every=2", "--set", "optim.warmup_steps=1", "--quiet"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(capsys, argv: list[str], path: str, words: str) -> None:
    assert main(argv) == 1, argv
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"rnnmusic {argv[0]}: error: {path}: ") and words in err[0], err


def leftover(folder: Path, name: str) -> Path:
    """The temporary a writer killed inside rnnmusic.atomic.atomic_output leaves behind."""
    fd, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    with open(fd, "wb") as f:
        f.write(b"half a file")
    return Path(path)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    import torch

    torch.set_num_threads(1)  # tiny model on a shared machine
    root = tmp_path_factory.mktemp("outputs")
    write_toy_corpus(root / "midi", files=12, seed=3, notes=40)
    assert main(["dataset", "build", str(root / "midi"), "-o", str(root / "data"), "--encoding", "melody",
                 "--jobs", "1", "--valid-fraction", "0.2", "--test-fraction", "0.2", "--quiet"]) == 0
    assert main(["train", str(root / "data"), "-o", str(root / "run"), *TINY]) == 0
    assert main(["export", str(root / "run"), "-o", str(root / "model.onnx")]) == 0
    return root


def test_export_never_overwrites_a_checkpoint(work, capsys):
    run = work / "run"
    before = snapshot(run)
    refused(capsys, ["export", str(run), "-o", str(run / "best.pt")], str(run / "best.pt"), "must end .onnx")
    refused(capsys, ["export", str(run), "-o", str(run / "last.pt"), "--checkpoint", "last.pt"],
            str(run / "last.pt"), "must end .onnx")
    (work / "copy.onnx").write_bytes((run / "best.pt").read_bytes())  # a checkpoint under a model's name
    refused(capsys, ["export", str(run), "-o", str(work / "copy.onnx")], str(work / "copy.onnx"),
            "exists and is not an ONNX model")
    assert snapshot(run) == before
    assert (work / "copy.onnx").read_bytes() == before["best.pt"]


@pytest.mark.parametrize("where, words", [
    ("/proc/x.onnx", "cannot be written"),
    ("{work}", "is a folder"),
    ("{work}/nofolder/x.onnx", "folder {work}/nofolder does not exist"),
])
def test_export_refuses_an_unwritable_output(work, capsys, where, words):
    before = snapshot(work)
    path = where.format(work=work)
    refused(capsys, ["export", str(work / "run"), "-o", path], path, words.format(work=work))
    assert snapshot(work) == before and not (work / "nofolder").exists()


def test_export_removes_what_a_killed_export_left(work, capsys, tmp_path):
    stale = leftover(tmp_path, "model.onnx")
    other = leftover(tmp_path, "other.onnx")  # another output's: not this export's to remove
    assert main(["export", str(work / "run"), "-o", str(tmp_path / "model.onnx")]) == 0
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.onnx", other.name])


@pytest.mark.parametrize("where, words", [
    ("/proc/run", "cannot be written"),
    ("{work}/midi/tune_000.mid", "is a file"),
    ("{work}/data", "is the dataset folder, which this command reads"),
    ("{work}/data/run", "is inside the dataset folder"),
    ("{work}/nofolder/run", "folder {work}/nofolder does not exist"),
    ("{work}/midi", "is a folder of other files, not a run folder"),
])
def test_train_refuses_an_output_folder_it_must_not_fill(work, capsys, where, words):
    before = snapshot(work)
    path = where.format(work=work)
    refused(capsys, ["train", str(work / "data"), "-o", path, *TINY], path, words.format(work=work))
    assert snapshot(work) == before and not (work / "nofolder").exists() and not (work / "data" / "run").exists()


def test_train_removes_what_a_killed_checkpoint_write_left(work, tmp_path):
    run = tmp_path / "run"
    assert main(["train", str(work / "data"), "-o", str(run), *TINY]) == 0
    stale = [leftover(run, "last.pt"), leftover(run, "best.pt")]
    (run / "notes.part").write_text("the user's")
    assert main(["train", str(work / "data"), "-o", str(run), "--resume", "--max-steps", "6", "--quiet"]) == 0
    assert not any(p.exists() for p in stale)
    assert (run / "notes.part").exists()
    assert f"removed {stale[0].name}" in (run / "train.log").read_text()


@pytest.mark.parametrize("where, words", [
    ("{work}/midi", "is the MIDI source folder, which this command reads"),
    ("{work}/midi/data", "is inside the MIDI source folder"),
    ("{work}/midi/tune_000.mid", "is a file"),
    ("/proc/data", "cannot be written"),
    ("{work}/nofolder/data", "folder {work}/nofolder does not exist"),
    ("{work}/run", "is a folder of other files, not a dataset folder"),
])
def test_dataset_build_refuses_to_write_into_its_source_or_over_a_file(work, capsys, where, words):
    before = snapshot(work)
    path = where.format(work=work)
    refused(capsys, ["dataset", "build", str(work / "midi"), "-o", path, "--encoding", "melody", "--quiet"],
            path, words.format(work=work))
    assert snapshot(work) == before and not (work / "nofolder").exists()


def test_dataset_build_removes_what_a_killed_build_left(work, tmp_path):
    data = tmp_path / "data"
    assert main(["dataset", "build", str(work / "midi"), "-o", str(data), "--encoding", "melody", "--jobs", "1",
                 "--quiet"]) == 0
    cache = next((data / "cache").iterdir())
    stale = [leftover(data, "train.npy"), leftover(cache, "tune_000.json")]
    assert main(["dataset", "build", str(work / "midi"), "-o", str(data), "--encoding", "melody", "--jobs", "1",
                 "--quiet"]) == 0
    assert not any(p.exists() for p in stale)


@pytest.mark.parametrize("flag, where, words", [
    ("-o", "/proc/x.mid", "cannot be written"),
    ("-o", "{work}", "is a folder"),
    ("-o", "{work}/midi/tune_000.mid", "is the seed file, which this command reads"),
    ("-o", "{work}/run/best.pt", "must end .mid or .midi"),
    ("-o", "{work}/run/summary.mid", None),  # made below: a JSON file under a MIDI name
    ("--plot", "{work}", "is a folder"),
    ("--plot", "/proc/x.png", "cannot be written"),
    ("--wav", "{work}", "is a folder"),
    ("--wav", "/proc/x.wav", "cannot be written"),
])
def test_generate_refuses_an_output_it_must_not_or_cannot_write(work, capsys, flag, where, words):
    (work / "run" / "summary.mid").write_bytes((work / "run" / "summary.json").read_bytes())
    words = words or "exists and is not a MIDI file"
    before = snapshot(work)
    path = where.format(work=work)
    argv = ["generate", str(work / "midi" / "tune_000.mid"), "--model", str(MODELS / "folk.onnx"), "--bars", "1"]
    if flag != "-o":
        argv += ["-o", str(work / "take.mid")]
    refused(capsys, [*argv, flag, path], path, words)
    assert snapshot(work) == before


@pytest.mark.parametrize("command", ["train", "export", "bench"])
def test_train_and_export_without_the_training_extra_say_what_to_install(work, command):
    argv = {"train": ["train", str(work / "data"), "-o", str(work / "new-run")],
            "export": ["export", str(work / "run"), "-o", str(work / "new.onnx")],
            "bench": ["bench", "polyphonic", "--dataset", "jsb_chorales", "--cell", "lstm", "--head", "tokens",
                      "--out", str(work / "new-run")]}[command]
    code = ("import sys\n"
            "sys.modules['torch'] = None  # as in an install without the training extra\n"
            "from rnnmusic.cli.main import main\n"
            f"sys.exit(main({argv!r}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"rnnmusic {command}: error: `rnnmusic {command}` needs the training extra")
    assert "torch is not installed" in lines[0] and "pip install 'rnnmusic[train]'" in lines[0]
    assert not (work / "new-run").exists() and not (work / "new.onnx").exists()


@pytest.mark.parametrize("where, words", [
    ("{work}/data/manifest.json", "is the dataset's manifest, which this command reads"),
    ("{work}/take.json", "exists and is not a JSON file"),
    ("{work}", "is a folder"),
    ("/proc/x.json", "cannot be written"),
])
def test_eval_refuses_a_json_report_it_must_not_or_cannot_write_before_evaluating(work, capsys, where, words):
    (work / "take.json").write_bytes((work / "midi" / "tune_000.mid").read_bytes())
    before = snapshot(work)
    path = where.format(work=work)
    refused(capsys, ["eval", str(work / "model.onnx"), str(work / "data"), "--json", path], path, words)
    assert snapshot(work) == before
