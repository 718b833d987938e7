"""What one training from the app does, without Qt: the folders it uses and the three `rnnmusic` commands it runs.

A training job is named after the model it makes. Its dataset and run live in
``<training folder>/<name>/`` (``data/``, ``run/``, ``splits.json``), and the model is
exported as ``<user models folder>/<name>.onnx``, where the model list finds it. Starting
a job whose run already has a checkpoint continues that run (``rnnmusic train --resume``),
so a cancelled training picks up where it stopped.

The checks that a user's folder can be learnt from live here too, so the dialog says in
its own words what is wrong before (or instead of) a command failing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnmusic.engine.catalog import user_data_dir
from rnnmusic.errors import ConfigError
from rnnmusic.evaluate import read_manifest
from rnnmusic.midi.folder import MIDI_FILE_SUFFIXES, find_midi_files

#: what the user picks -> (what the dialog calls it, the encoding that learns it)
KINDS: dict[str, tuple[str, str]] = {
    "melody": ("Melody (one line)", "melody"),
    "chords": ("Chords (several voices)", "polyphony"),
    "drums": ("Drums", "drums"),
    "performance": ("Performance (timing and dynamics as played)", "performance"),
}


@dataclass(frozen=True)
class NetworkSize:
    label: str
    cell: str
    layers: int
    hidden: int
    embedding: int

    def flags(self) -> list[str]:
        return ["--cell", self.cell, "--layers", str(self.layers), "--hidden", str(self.hidden),
                "--embedding", str(self.embedding)]


SIZES = (
    NetworkSize("Tiny: LSTM 1 × 32 (a first try, in seconds)", "lstm", 1, 32, 16),
    NetworkSize("Small: LSTM 1 × 128", "lstm", 1, 128, 64),
    NetworkSize("Medium: LSTM 2 × 256 (the shipped models' size)", "lstm", 2, 256, 128),
    NetworkSize("Large: LSTM 2 × 512 (wants thousands of files)", "lstm", 2, 512, 128),
)

#: the share of a folder's files held out to draw the validation curve (at least one file from 3 files up)
VALID_SHARE = 0.1
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def training_root() -> Path:
    """Where the app keeps datasets and runs: ``$RNNMUSIC_TRAINING``, else ``training/`` in rnnmusic's data folder."""
    if os.environ.get("RNNMUSIC_TRAINING"):
        return Path(os.environ["RNNMUSIC_TRAINING"]).expanduser()
    return user_data_dir() / "training"


def name_from_folder(folder: str | os.PathLike) -> str:
    """A model name suggested by a folder's name ("My Reels" -> "my-reels")."""
    words = re.findall(r"[A-Za-z0-9]+", Path(folder).name.lower())
    return "-".join(words) or "my-model"


@dataclass(frozen=True)
class TrainingJob:
    folder: Path  # the MIDI files to learn from
    kind: str  # a key of KINDS
    name: str  # the model's name and file name
    size: NetworkSize
    epochs: int
    root: Path  # the training folder (training_root())
    models_dir: Path  # the user models folder (rnnmusic.engine.catalog.user_models_dir())

    @property
    def work_dir(self) -> Path:
        return self.root / self.name

    @property
    def data_dir(self) -> Path:
        return self.work_dir / "data"

    @property
    def run_dir(self) -> Path:
        return self.work_dir / "run"

    @property
    def splits_file(self) -> Path:
        return self.work_dir / "splits.json"

    @property
    def choices_file(self) -> Path:
        return self.work_dir / "choices.json"

    @property
    def model_path(self) -> Path:
        return self.models_dir / f"{self.name}.onnx"

    @property
    def encoding(self) -> str:
        return KINDS[self.kind][1]

    def can_resume(self) -> bool:
        """Whether a run of this name has a checkpoint to continue from."""
        return (self.run_dir / "last.pt").is_file()

    # -- checks, in the app's words --------------------------------------------------------
    def check(self) -> list[Path]:
        """The MIDI files to learn from, or a ConfigError saying in one sentence what is wrong."""
        if not _NAME.fullmatch(self.name):
            raise ConfigError(f"“{self.name}” cannot name a model: use letters, digits, '-', '_' or '.', "
                              "starting with a letter or digit.")
        if not self.folder.is_dir():
            raise ConfigError(f"{self.folder} is not a folder. Choose the folder that holds your MIDI files.")
        try:
            files = find_midi_files(self.folder)
        except OSError as exc:
            raise ConfigError(f"The folder {self.folder} cannot be read ({exc.strerror or exc}).") from None
        if not files:
            suffixes = ", ".join(MIDI_FILE_SUFFIXES)
            raise ConfigError(f"There are no MIDI files ({suffixes}) in {self.folder} or its subfolders. "
                              "Choose the folder that holds the MIDI files to learn from.")
        if _inside(self.root, self.folder):
            raise ConfigError(f"{self.folder} holds the app's training folder {self.root}; "
                              "choose the folder of your MIDI files itself.")
        return files

    def check_dataset(self) -> str:
        """After the dataset build: a line about skipped files ("" when none), or a ConfigError when
        no file can be learnt from (every reason named, as the dataset's manifest gives them)."""
        manifest = read_manifest(self.data_dir)
        skipped: list[dict[str, Any]] = manifest.get("skipped", [])
        total = len(manifest.get("files", [])) + len(skipped) + len(manifest.get("duplicates", []))
        reasons = "; ".join(f"{item['path']} {item['reason']}" for item in skipped[:3])
        more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
        if manifest["splits"]["train"]["pieces"] == 0:
            raise ConfigError(f"None of the {total} MIDI file(s) in {self.folder} can be learnt from as "
                              f"{KINDS[self.kind][0].split(' (')[0].lower()}: {reasons}{more}.")
        return f"Skipped {len(skipped)} of {total} files: {reasons}{more}." if skipped else ""

    # -- what runs ------------------------------------------------------------------------------
    def choices(self) -> dict[str, str]:
        """What a resumed run must share with the run it continues (the epochs may change)."""
        return {"folder": str(self.folder.resolve()), "kind": self.kind, "network": self.size.label}

    def prepare(self, start_over: bool) -> None:
        """Make the folders and write the split list (and with ``start_over``, forget the old run).

        A run of this name made from other choices is not continued: the message says so and how to go on."""
        files = self.check()
        if start_over and self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        if self.can_resume() and self.choices_file.is_file():
            before = json.loads(self.choices_file.read_text(encoding="utf-8"))
            changed = [f"{key} {before.get(key)} (now {value})" for key, value in self.choices().items()
                       if before.get(key) != value]
            if changed:
                raise ConfigError(f"The model “{self.name}” was being trained from other choices: "
                                  f"{'; '.join(changed)}. Tick Start over to train it afresh, or choose another name.")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.choices_file.write_text(json.dumps(self.choices(), indent=1) + "\n", encoding="utf-8")
        self.models_dir.mkdir(parents=True, exist_ok=True)
        rel = [p.relative_to(self.folder).as_posix() for p in files]
        self.splits_file.write_text(json.dumps(split_list(rel), indent=1) + "\n", encoding="utf-8")

    def commands(self) -> list[tuple[str, list[str]]]:
        """(what the dialog shows, the `rnnmusic` arguments) of each step, in order."""
        build = ["dataset", "build", str(self.folder), "-o", str(self.data_dir), "--encoding", self.encoding,
                 "--splits", str(self.splits_file), "--jobs", "1", "--quiet"]
        train = ["train", str(self.data_dir), "-o", str(self.run_dir), *self.size.flags(),
                 "--epochs", str(self.epochs), "--quiet", "--progress-json"]
        if self.can_resume():
            train.append("--resume")
        export = ["export", str(self.run_dir), "-o", str(self.model_path), "--name", self.name,
                  "--description", f"{KINDS[self.kind][0]}, trained in the app on {self.folder.name}"]
        return [("Reading the MIDI files…", build), ("Training…", train), ("Exporting the model…", export)]


def split_list(paths: list[str]) -> dict[str, list[str]]:
    """Every file in train but a spread-out tenth in valid (one from three files up): a small folder
    still draws a validation curve, and the same folder always splits the same way (so a run resumes)."""
    n = len(paths)
    count = max(1, round(n * VALID_SHARE)) if n >= 3 else 0
    valid = {int((i + 0.5) * n / count) for i in range(count)}
    return {"train": [p for i, p in enumerate(paths) if i not in valid],
            "valid": [p for i, p in enumerate(paths) if i in valid], "test": []}


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
