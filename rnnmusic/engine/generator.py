"""Generator: continue a seed with a model, the API the CLI, the GUI and the live engine share.

A thin front over the decoding paths, each of which drives one
:class:`~rnnmusic.engine.session.DecodingSession`: whole takes
(:mod:`~rnnmusic.engine.one_shot`), notes as they are sampled
(:mod:`~rnnmusic.engine.event_stream`) and the live engine's endless stream
(:mod:`~rnnmusic.engine.endless_stream`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from rnnmusic.engine.endless_stream import GenerationStream
from rnnmusic.engine.event_stream import StreamEvent, stream_events
from rnnmusic.engine.model import Model
from rnnmusic.engine.one_shot import generate_takes
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.session import Primed, Progress, prime, time_advances
from rnnmusic.engine.takes import Takes
from rnnmusic.notes import NoteSequence


class Generator:
    """Continues seeds with one model (see the module doc). Safe to reuse; not to share between threads."""

    def __init__(self, model: Model):
        self.model = model
        self.encoding = model.encoding
        self.advance, self.min_advance = time_advances(model)

    def prime(self, seed: NoteSequence | None, options: GenerateOptions) -> Primed:
        """Encode the seed, build the masks and read the seed into the model in one call."""
        return prime(self.model, seed, options)

    def generate(self, seed: NoteSequence | None, options: GenerateOptions, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> Takes:
        """``options.num`` continuations of ``seed`` sampled in one batched run."""
        return generate_takes(self.model, seed, options, progress, cancel)

    def continue_sequence(self, seed: NoteSequence | None, options: GenerateOptions,
                          progress: Progress | None = None,
                          cancel: threading.Event | None = None) -> list[NoteSequence]:
        """``options.num`` takes, each the seed (unless continuation_only) plus its continuation."""
        return list(self.generate(seed, options, progress, cancel).sequences)

    def stream(self, seed: NoteSequence | None, options: GenerateOptions,
               cancel: threading.Event | None = None) -> Iterator[StreamEvent]:
        """Events as the takes are sampled: notes once they are final, progress, then the finished takes."""
        return stream_events(self.model, seed, options, cancel)

    def open_stream(self, seed: NoteSequence | None, options: GenerateOptions,
                    max_note_beats: float | None = None) -> GenerationStream:
        """A stateful, open-ended continuation for the live engine (see :class:`GenerationStream`).

        ``max_note_beats`` caps how long one note may sound (the stream's default when None).
        """
        if max_note_beats is None:
            return GenerationStream(self.model, seed, options)
        return GenerationStream(self.model, seed, options, max_note_beats=max_note_beats)
