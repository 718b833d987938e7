"""How a take was made, as one JSON text event inside the MIDI file it was written to.

The record names the model (name and content hash), the options (with the concrete
random seed), which variation of how many it is, the output tempo and the rnnmusic
version, so ``GenerateOptions.from_dict(record.options)`` plus the same model and seed
file replays the take note for note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from rnnmusic.engine.options import GenerateOptions

MARKER = "rnnmusic_take"
RECORD_VERSION = 1


@dataclass(frozen=True)
class Provenance:
    model: str
    model_hash: str
    options: GenerateOptions
    variation: int = 1  # 1-based, of options.num
    seed_file: str = ""
    tempo: str = "keep"  # "keep" or the output tempo in quarter notes per minute
    rnnmusic_version: str = ""

    def to_text(self) -> str:
        """The JSON text event (one line)."""
        record: dict[str, Any] = {
            MARKER: RECORD_VERSION,
            "rnnmusic_version": self.rnnmusic_version,
            "model": {"name": self.model, "sha256": self.model_hash},
            "seed_file": self.seed_file,
            "variation": self.variation,
            "tempo": self.tempo,
            "options": self.options.to_dict(),
        }
        return json.dumps(record, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> "Provenance | None":
        """The record in a text event, or None when the text is not one."""
        try:
            record = json.loads(text)
        except ValueError:
            return None
        if not isinstance(record, dict) or MARKER not in record:
            return None
        return cls(
            model=record["model"]["name"],
            model_hash=record["model"]["sha256"],
            options=GenerateOptions.from_dict(record["options"]),
            variation=int(record.get("variation", 1)),
            seed_file=record.get("seed_file", ""),
            tempo=str(record.get("tempo", "keep")),
            rnnmusic_version=record.get("rnnmusic_version", ""),
        )

    @classmethod
    def find(cls, texts: Iterable[str]) -> "Provenance | None":
        """The first provenance record among a file's text events."""
        for text in texts:
            found = cls.from_text(text)
            if found is not None:
                return found
        return None
