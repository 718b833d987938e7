"""The one place the window reaches the generation engine.

Every call goes straight to :mod:`rnnmusic.engine` (the same API the CLI uses);
this class only adds what a long-lived window needs: loaded models are kept so
a second Generate does not reload the file, and each take gets the provenance
record the engine defines. Fast unit tests replace it with a fake of the same
shape; the real-widget tests use it with real ONNX files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rnnmusic import __version__
from rnnmusic.engine import (
    GenerateOptions,
    Generator,
    Model,
    ModelEntry,
    Provenance,
    Takes,
    list_models,
    load_model_file,
    read_card,
)
from rnnmusic.engine.provenance import seed_content_hash
from rnnmusic.notes import Note, NoteSequence

__all__ = ["EngineBridge", "GenerateOptions", "Generated", "ModelEntry"]


@dataclass(frozen=True)
class Generated:
    """What one Generate gives the window: the engine's takes plus the model that made them."""

    model_name: str
    model_hash: str
    takes: Takes
    seed_hash: str = ""  # seed_content_hash of the seed the takes continue
    model_path: str = ""  # the file the model was loaded from

    def record(self, variation: int, seed_file: str) -> Provenance:
        """The engine's record of one take (1-based variation): what the take shows and its file keeps."""
        return Provenance(
            model=self.model_name,
            model_hash=self.model_hash,
            options=self.takes.options,
            variation=variation,
            seed_file=seed_file,
            rnnmusic_version=__version__,
            seed_hash=self.seed_hash,
        )

    def provenance(self, variation: int, seed_file: str) -> str:
        """The text event the engine defines for a saved take (1-based variation)."""
        return self.record(variation, seed_file).to_text()


class EngineBridge:
    """Model listing, loading (cached) and generation, all delegated to rnnmusic.engine."""

    def __init__(self) -> None:
        self._models: dict[str, Model] = {}
        self._lock = threading.Lock()  # loads happen on the worker thread, listing on the GUI thread

    def list_models(self) -> list[ModelEntry]:
        return list_models()

    def describe_file(self, path: str | os.PathLike) -> ModelEntry:
        """A ModelEntry for a file the user added, loaded once to prove it runs (ModelFileError when not)."""
        path = Path(path)
        model = self.load(path)
        return ModelEntry(model.name, path, False, read_card(path), model.info)

    def load(self, path: str | os.PathLike) -> Model:
        """The model at ``path``, loaded once and then reused (ModelFileError for a bad file)."""
        key = str(Path(path).resolve())
        with self._lock:
            model = self._models.get(key)
        if model is None:
            model = load_model_file(path)
            with self._lock:
                self._models[key] = model
        return model

    def generate(
        self,
        model_path: str | os.PathLike,
        seed: NoteSequence | None,
        options: GenerateOptions,
        progress: Callable[[float], None] | None = None,
        cancel: threading.Event | None = None,
        on_notes: Callable[[list[Note]], None] | None = None,
    ) -> Generated:
        """Load (or reuse) the model and continue ``seed``; runs on the worker thread.

        It runs the engine's stream, which ends with exactly what ``Generator.generate`` returns;
        on the way, ``on_notes`` gets the first variation's notes in batches as they become
        final, so the window can draw the take growing.
        """
        model = self.load(model_path)
        takes: Takes | None = None
        batch: list[Note] = []
        for event in Generator(model).stream(seed, options, cancel=cancel):
            if event.kind == "note" and event.variation == 0 and on_notes is not None:
                assert event.note is not None  # a note event carries its note
                batch.append(event.note)
            elif event.kind == "progress":
                if progress is not None:
                    progress(event.progress)
                if batch and on_notes is not None:  # one hand-over per progress step keeps the GUI queue short
                    on_notes(batch)
                    batch = []
            elif event.kind == "done":
                takes = event.takes
        if batch and on_notes is not None:
            on_notes(batch)
        assert takes is not None, "the stream ends with its done event (or raises)"
        return Generated(model.name, model.content_hash, takes, seed_content_hash(seed), str(model_path))
