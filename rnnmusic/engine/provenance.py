"""How a take was made, as one JSON text event inside the MIDI file it was written to.

The record names the model (name and the SHA-256 of every byte of its file), the seed
(file name and a hash of its content), the options (with the concrete random seed),
which variation of how many it is, the output tempo and the rnnmusic version, so
``GenerateOptions.from_dict(record.options)`` plus the same model and seed replays the
take note for note (not a take played live, which the record marks: its notes also
depended on the clock and the controls). ``take_hash`` is one SHA-256 over all of those: two takes with the
same take hash were made from the same inputs, whatever their files are called.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rnnmusic.engine.options import GenerateOptions
from rnnmusic.errors import ConfigError
from rnnmusic.notes import NOTE_DTYPE, NoteSequence

MARKER = "rnnmusic_take"
RECORD_VERSION = 2  # 2: seed content hash and take hash; version 1 records still read
_SEED_PARTS = ("tempos", "time_signatures", "key_signatures", "control_changes", "tracks", "total_time")


def seed_content_hash(seed: NoteSequence | None) -> str:
    """SHA-256 of everything in a seed the engine reads or writes back into a take (not its file name).

    Notes as little-endian bytes of the fixed note dtype, the rest as sorted JSON (Python's
    float repr round-trips exactly), so the hash is the same on every machine.
    """
    digest = hashlib.sha256()
    if seed is None:
        digest.update(b"no seed")
        return digest.hexdigest()
    notes = seed.notes.astype(NOTE_DTYPE.newbyteorder("<"), copy=False)
    digest.update(b"notes\0" + notes.tobytes())
    rest = {name: _plain(getattr(seed, name)) for name in _SEED_PARTS}
    digest.update(json.dumps(rest, sort_keys=True).encode())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@dataclass(frozen=True)
class Provenance:
    model: str
    model_hash: str
    options: GenerateOptions
    variation: int = 1  # 1-based, of options.num
    seed_file: str = ""
    tempo: str = "keep"  # "keep" or the output tempo in quarter notes per minute
    rnnmusic_version: str = ""
    seed_hash: str = ""  # seed_content_hash of the seed as read ("" in version 1 records)
    live: bool = False  # played live: the notes also depended on the clock and the controls, so no replay
    #: its notes were changed by hand after it was made: the record tells how it began, not its notes
    edited: bool = False

    @property
    def take_hash(self) -> str:
        """SHA-256 over everything that decides the take's notes: model bytes, seed content, options,
        variation, tempo and the rnnmusic version (not the names of the model or the seed file)."""
        decided = {"model": self.model_hash, "seed": self.seed_hash, "options": self.options.to_dict(),
                   "variation": self.variation, "tempo": self.tempo, "rnnmusic_version": self.rnnmusic_version}
        return hashlib.sha256(json.dumps(decided, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def to_text(self) -> str:
        """The JSON text event (one line)."""
        record: dict[str, Any] = {
            MARKER: RECORD_VERSION,
            "rnnmusic_version": self.rnnmusic_version,
            "model": {"name": self.model, "sha256": self.model_hash},
            "seed_file": self.seed_file,
            "seed_sha256": self.seed_hash,
            "variation": self.variation,
            "tempo": self.tempo,
            "options": self.options.to_dict(),
            "take_sha256": self.take_hash,
        }
        if self.live:  # written only when true, so every generated take's record reads as before
            record["live"] = True
        if self.edited:
            record["edited"] = True
        return json.dumps(record, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> Provenance | None:
        """The record in a text event, or None when the text is not one."""
        try:
            record = json.loads(text)
        except ValueError:
            return None
        if not isinstance(record, dict) or MARKER not in record:
            return None
        try:
            return cls(
                model=str(record["model"]["name"]),
                model_hash=str(record["model"]["sha256"]),
                options=GenerateOptions.from_dict(record["options"]),
                variation=int(record.get("variation", 1)),
                seed_file=str(record.get("seed_file", "")),
                tempo=str(record.get("tempo", "keep")),
                rnnmusic_version=str(record.get("rnnmusic_version", "")),
                seed_hash=str(record.get("seed_sha256", "")),
                live=record.get("live", False) is True,
                edited=record.get("edited", False) is True,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{MARKER} record is malformed ({type(exc).__name__}: {exc})") from None

    @classmethod
    def find(cls, texts: Iterable[str]) -> Provenance | None:
        """The first provenance record among a file's text events."""
        for text in texts:
            found = cls.from_text(text)
            if found is not None:
                return found
        return None
