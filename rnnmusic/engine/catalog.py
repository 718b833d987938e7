"""Where models live: the shipped ones (package data ``rnnmusic.models``) and the user's folder.

A model is one ``NAME.onnx`` file; its card, when it has one, is ``NAME.md`` beside it.
The user folder is ``$RNNMUSIC_MODELS``, else ``$XDG_DATA_HOME/rnnmusic/models``, else
``~/.local/share/rnnmusic/models``. A name is looked up among the shipped models
first, then the user's, so the documented shipped names always mean the same model; the
exact name wins, else the name in any case (``Folk`` is ``folk``);
anything with a path separator or an ``.onnx`` suffix is a path.

Listing reads each file's metadata directly (:mod:`rnnmusic.engine.onnx_meta`)
without building an inference session, so ``rnnmusic models`` and the choice of a
default model stay fast.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnmusic.engine.onnx_meta import NotOnnxError, read_metadata
from rnnmusic.errors import ConfigError, ModelFileError
from rnnmusic.model_file import ModelInfo
from rnnmusic.notes import NoteSequence
from rnnmusic.suggest import did_you_mean

#: seed kind -> the encodings whose models fit it, best first; and the preferred shipped model
_FITTING = {
    "drums": (("drums",), "drums"),
    "monophonic": (("melody", "polyphony", "performance"), "folk"),
    "polyphonic": (("polyphony", "performance"), "chorale"),
    "empty": (("melody", "polyphony", "performance", "drums"), "folk"),
}


@dataclass(frozen=True)
class ModelEntry:
    """A model file found by :func:`list_models`; ``info`` is None (and ``problem`` says why) when unreadable."""

    name: str
    path: Path
    shipped: bool
    card: str
    info: ModelInfo | None
    problem: str = ""

    @property
    def encoding_name(self) -> str:
        return str(self.info.encoding.get("name", "")) if self.info else ""


def shipped_models_dir() -> Path | None:
    """The folder of the shipped models, or None when the package has none."""
    from importlib import resources

    try:
        folder = resources.files("rnnmusic.models")
    except ModuleNotFoundError:
        return None
    path = Path(str(folder))
    return path if path.is_dir() else None


def user_data_dir() -> Path:
    """rnnmusic's folder of the user's data: ``$XDG_DATA_HOME/rnnmusic``, else ``~/.local/share/rnnmusic``."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "rnnmusic"


def user_models_dir() -> Path:
    """The user's models folder (it need not exist)."""
    if os.environ.get("RNNMUSIC_MODELS"):
        return Path(os.environ["RNNMUSIC_MODELS"]).expanduser()
    return user_data_dir() / "models"


def read_card(model_path: str | os.PathLike) -> str:
    """The model's Markdown card: ``NAME.md`` beside ``NAME.onnx`` ("" when there is none)."""
    card_path = Path(model_path).with_suffix(".md")
    return card_path.read_text(encoding="utf-8", errors="replace") if card_path.is_file() else ""


def _entries(folder: Path | None, shipped: bool) -> list[ModelEntry]:
    if folder is None or not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("*.onnx")):
        card = read_card(path)
        info, problem = None, ""
        try:
            info = ModelInfo.from_metadata(read_metadata(path), str(path))
        except (NotOnnxError, OSError):
            problem = "not an ONNX file"
        except ModelFileError as exc:
            problem = exc.reason
        entries.append(ModelEntry(path.stem, path, shipped, card, info, problem))
    return entries


def list_models() -> list[ModelEntry]:
    """Every shipped model, then every model in the user's folder, each with its card."""
    return _entries(shipped_models_dir(), True) + _entries(user_models_dir(), False)


def _looks_like_path(text: str) -> bool:
    return os.sep in text or (os.altsep or os.sep) in text or text.endswith(".onnx")


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """The file of a model given by name (shipped first, then user) or by path."""
    text = os.fspath(name_or_path)
    if isinstance(name_or_path, os.PathLike) or _looks_like_path(text) or Path(text).is_file():
        return Path(text)
    entries = list_models()
    # the exact name first, then the name in any case ("Folk" is folk), shipped before user in each
    for same in (lambda name: name == text, lambda name: name.casefold() == text.casefold()):
        for entry in entries:
            if same(entry.name):
                return entry.path
    names = sorted({e.name for e in entries})
    raise ConfigError(
        f"no model named {text!r}{did_you_mean(text, names)} (known models: {', '.join(names) or 'none installed'}; "
        "see `rnnmusic models`), and no file of that name"
    )


def seed_kind(seed: NoteSequence | None) -> str:
    """"empty", "drums" (only drum notes), "monophonic" or "polyphonic" (pitched notes that overlap).

    Overlaps shorter than a 32nd note at the seed's tempo are legato, not polyphony.
    """
    if seed is None or len(seed.notes) == 0:
        return "empty"
    pitched = seed.notes[~seed.notes["is_drum"]]
    if len(pitched) == 0:
        return "drums"
    tolerance = 60.0 / seed.qpm / 8
    starts = pitched["start"]
    ends_so_far = np.maximum.accumulate(pitched["end"])  # notes are sorted by start
    overlaps = starts[1:] < ends_so_far[:-1] - tolerance
    return "polyphonic" if overlaps.any() else "monophonic"


def default_model_for(seed: NoteSequence | None) -> ModelEntry:
    """The shipped model whose encoding fits the seed (drums, monophonic, polyphonic), or an error saying so."""
    kind = seed_kind(seed)
    encodings, preferred = _FITTING[kind]
    shipped = [e for e in _entries(shipped_models_dir(), True) if e.info is not None]
    fitting = [e for e in shipped if e.encoding_name in encodings]
    if not fitting:
        have = ", ".join(f"{e.name} ({e.encoding_name})" for e in shipped) or "none"
        raise ConfigError(
            f"no shipped model fits a {kind} seed (shipped models: {have}); "
            "choose one with --model NAME|PATH (see `rnnmusic models`)"
        )
    fitting.sort(key=lambda e: (e.name != preferred, encodings.index(e.encoding_name), e.name))
    return fitting[0]
