"""Generation as events: each note once it is final, so a window can draw a take while it grows.

:func:`stream_events` drives the same decoding session as one-shot generation; the
last event carries the finished takes, identical to what ``generate`` returns. With
beam search the notes come at the end: no note is final before the search has chosen
its beam.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rnnmusic.engine.incremental_decoding import IncrementalDecoder, UnitNote
from rnnmusic.engine.model import Model
from rnnmusic.engine.one_shot import generate_takes
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.session import DecodingSession, ProgressReporter, prime
from rnnmusic.engine.takes import Takes, make_takes
from rnnmusic.notes import Note, NoteSequence


@dataclass(frozen=True)
class StreamEvent:
    """One event of :meth:`Generator.stream`.

    kind "note": ``note`` of take ``variation`` (0-based) became final (times in seconds, as in the take);
    kind "progress": ``progress`` in 0..1; kind "done": ``takes`` is the finished result.
    """

    kind: str
    variation: int = 0
    note: Note | None = None
    progress: float = 0.0
    takes: Takes | None = None


def stream_events(model: Model, seed: NoteSequence | None, options: GenerateOptions,
                  cancel: threading.Event | None = None) -> Iterator[StreamEvent]:
    """The events of one generation (see the module doc)."""
    options = options.with_seed().for_model(model.info.sampling)
    if options.uses_beam or options.region is not None:
        yield from _whole_take_events(model, seed, options, cancel)
        return
    primed = prime(model, seed, options)
    units = primed.units
    # a continuation-only take is moved to start at a bar line; its streamed notes move with it
    offset = units.start_seconds - primed.continuation_start(options.continuation_only)

    def to_note(note: UnitNote) -> Note:
        return Note(note.pitch, note.velocity, float(units.to_seconds(note.start)) - offset,
                    float(units.to_seconds(note.end)) - offset, note.program, note.is_drum, note.track)

    rows = options.num
    session = DecodingSession(model, primed, options, rows)
    target = session.target_units()
    out = session.token_buffer(target)
    decoders = [IncrementalDecoder(model.encoding, primed.seed, primed.seed_ids, emit_from=units.seed_units)
                for _ in range(rows)]
    end = units.seed_units + target - 1e-9
    decoded_at = np.full(rows, units.seed_units)
    reporter = ProgressReporter(None, cancel)
    reported, done = -1.0, 0
    for count in session.sample(target, out, every=4):
        reporter.tick(0, lambda: 0.0)
        for row, decoder in enumerate(decoders):
            for token in out[row, done:count].tolist():
                if decoder.position >= end:
                    break  # this row has its length; the batch goes on for the others
                decoder.push(token)
            if decoder.position - decoded_at[row] >= units.units_per_quarter:
                decoded_at[row] = decoder.position
                for note in decoder.final_notes():
                    yield StreamEvent("note", variation=row, note=to_note(note))
        done = count
        fraction = float(np.mean([min(d.position - units.seed_units, target) for d in decoders]) / target)
        if fraction >= reported + 0.01:
            reported = fraction
            yield StreamEvent("progress", progress=min(fraction, 1.0))
    reporter.finish()
    for row, decoder in enumerate(decoders):
        for note in decoder.rest():
            yield StreamEvent("note", variation=row, note=to_note(note))
    tokens = session.continuations(out, done, target)
    yield StreamEvent("done", progress=1.0, takes=make_takes(primed, model.encoding, tokens, options))


def _whole_take_events(model: Model, seed: NoteSequence | None, options: GenerateOptions,
                 cancel: threading.Event | None) -> Iterator[StreamEvent]:
    progress: list[float] = []
    takes = generate_takes(model, seed, options, progress=progress.append, cancel=cancel)
    for value in progress:
        yield StreamEvent("progress", progress=value)
    for index, take in enumerate(takes.sequences):
        for note in take.iter_notes():
            if note.start >= takes.continuation_start - 1e-6:
                yield StreamEvent("note", variation=index, note=note)
    yield StreamEvent("done", progress=1.0, takes=takes)
