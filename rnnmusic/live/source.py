"""What the live engine plays from: a stream of notes in beats, continued chunk by chunk.

The generation engine's ``GenerationStream`` is the real source; the fakes in
``tests/live_fakes.py`` play fixed patterns for tests and benchmarks. Times are
quarter notes counted from the stream's start; ``position`` is where the next
chunk begins, so the engine can place each chunk on its own timeline, and go back
to the start of a chunk it has not sent yet (a regenerate press).
"""

from __future__ import annotations

from typing import Any, Protocol

from rnnmusic.notes import Note, NoteSequence


class NoteSource(Protocol):
    @property
    def position(self) -> float:
        """Quarter notes from the stream's start to where the next :meth:`next_notes` begins."""

    def next_notes(self, beats: float) -> list[Note]:
        """The notes starting in the next ``beats`` quarter notes (times from the stream's start)."""

    def set_options(self, **changes: Any) -> None:
        """Change sampling (temperature, key, ...) for what is generated from now on."""

    def prime(self, seq: NoteSequence) -> None:
        """Feed what a player played; what follows continues it."""

    def reset(self) -> None:
        """Back to the state right after the seed."""

    def keep_from(self, position: float) -> None:
        """Keep every chunk boundary from ``position`` on, to :meth:`rewind` to; those before may be forgotten."""

    def rewind(self, position: float) -> None:
        """Back to the chunk boundary at ``position`` (one kept): what follows is made again, differently."""
