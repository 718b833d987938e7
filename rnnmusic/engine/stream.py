"""Streaming generation: notes as they are sampled (GUI), and an open-ended stream (live engine).

:func:`stream_events` runs the same batched loop as :meth:`Generator.generate` and
yields each note once it is final, so a window can draw a take while it grows; the
last event carries the finished takes, identical to what ``generate`` returns.

:class:`GenerationStream` continues one row for as long as it is asked, a chunk of
beats at a time, carrying one recurrent state (no re-reading of the past per call).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np

from rnnmusic.engine.context import ContextTracker, repetition_bias
from rnnmusic.engine.generator import ProgressReporter, Takes
from rnnmusic.engine.masks import TokenMasks
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.sampling import Sampler
from rnnmusic.engine.search import sample_loop, take_lengths, token_cap
from rnnmusic.engine.takes import compose_take
from rnnmusic.engine.units import silence_tokens, units_of
from rnnmusic.engine.incremental_decoding import IncrementalDecoder, UnitNote
from rnnmusic.errors import ConfigError
from rnnmusic.notes import Note, NoteSequence

if TYPE_CHECKING:
    from rnnmusic.engine.generator import Generator

#: a live note sounding longer than this many quarter notes is cut (a guard against stuck notes)
DEFAULT_MAX_NOTE_BEATS = 8.0


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


def stream_events(generator: "Generator", seed: NoteSequence | None, options: GenerateOptions,
                  cancel: threading.Event | None = None) -> Iterator[StreamEvent]:
    """The events of one generation (see the module doc). With beam search, notes come at the end:
    no note is final before the search has chosen its beam."""
    options = options.with_seed().for_model(generator.model.info.sampling)
    if options.uses_beam:
        progress: list[float] = []
        takes = generator.generate(seed, options, progress=progress.append, cancel=cancel)
        for value in progress:
            yield StreamEvent("progress", progress=value)
        for index, take in enumerate(takes.sequences):
            for note in take.iter_notes():
                if note.start >= takes.continuation_start - 1e-6:
                    yield StreamEvent("note", variation=index, note=note)
        yield StreamEvent("done", progress=1.0, takes=takes)
        return
    primed = generator.prime(seed, options)
    timeline = primed.timeline
    # a continuation-only take is moved to start at a bar line; its streamed notes move with it
    offset = timeline.start_seconds - primed.continuation_start(options.continuation_only)

    def to_note(note: UnitNote) -> Note:
        return Note(note.pitch, note.velocity, float(timeline.to_seconds(note.start)) - offset,
                    float(timeline.to_seconds(note.end)) - offset, note.program, note.is_drum, note.track)

    target = timeline.target_units(options.length)
    rows = options.num
    out = np.zeros((rows, token_cap(target, generator.min_advance)), dtype=np.int64)
    trackers = [IncrementalDecoder(generator.encoding, primed.seed, primed.seed_ids, emit_from=timeline.seed_units)
                for _ in range(rows)]
    end = timeline.seed_units + target - 1e-9
    decoded_at = np.full(rows, timeline.seed_units)
    sampler = Sampler(options.seed, options.temperature, options.top_k, options.top_p)
    batch = primed.batch(rows, options)
    reporter = ProgressReporter(None, cancel)
    reported, done = -1.0, 0
    for count in sample_loop(generator.model, batch, sampler, primed.masks, generator.advance, target, out, every=4):
        reporter.tick(0, lambda: 0.0)
        for row, tracker in enumerate(trackers):
            for token in out[row, done:count].tolist():
                if tracker.position >= end:
                    break  # this row has its length; the batch goes on for the others
                tracker.push(token)
            if tracker.position - decoded_at[row] >= timeline.units_per_quarter:
                decoded_at[row] = tracker.position
                for note in tracker.final_notes():
                    yield StreamEvent("note", variation=row, note=to_note(note))
        done = count
        fraction = float(np.mean([min(t.position - timeline.seed_units, target) for t in trackers]) / target)
        if fraction >= reported + 0.01:
            reported = fraction
            yield StreamEvent("progress", progress=min(fraction, 1.0))
    reporter.finish()
    lengths = take_lengths(out, done, generator.advance, target)
    sequences = []
    for row, tracker in enumerate(trackers):
        for note in tracker.rest():
            yield StreamEvent("note", variation=row, note=to_note(note))
        sequences.append(compose_take(primed, generator.encoding, out[row, : lengths[row]], options.continuation_only))
    tokens = tuple(out[row, : lengths[row]].copy() for row in range(rows))
    yield StreamEvent("done", progress=1.0, takes=Takes(
        tuple(sequences), primed.continuation_start(options.continuation_only), options, primed.masks.key_name,
        tokens, primed.dropped))


@dataclass
class _Snapshot:
    state: np.ndarray
    logits: np.ndarray
    last: np.ndarray
    counts: np.ndarray
    pushed: int
    position: float
    context: ContextTracker | None


class GenerationStream:
    """An endless continuation, a chunk of beats at a time, for the live engine.

    Times are quarter notes from the stream's start (where the seed ends). ``next_notes(beats)``
    returns the notes that *start* in the next ``beats`` quarter notes, each with its full length:
    the stream samples ahead until every such note has ended, cutting a note at ``max_note_beats``
    (the lookahead it sampled is kept and continues in the next chunk). ``set_options`` changes
    temperature, top-k/p, key, pitch range or polyphony for the tokens sampled from then on.
    ``prime(seq)`` reads what a player played (at the current position, its own time 0 there,
    lasting until ``seq.total_time``) into the state and moves the position past it; the next
    chunk continues it. ``reset()`` returns to just after the seed.

    Quarter notes are counted at the seed's last tempo (120 qpm without a seed): for the grid
    encodings that changes nothing; for the performance encoding, timed in seconds, it is the
    tempo its seconds are read at.
    """

    def __init__(self, generator: "Generator", seed: NoteSequence | None, options: GenerateOptions,
                 max_note_beats: float = DEFAULT_MAX_NOTE_BEATS):
        if options.uses_beam or options.num != 1:
            raise ConfigError("a stream generates one line: num, beam_size and branch_factor must be 1")
        self._generator = generator
        self._encoding = generator.encoding
        self.options = options.with_seed().for_model(generator.model.info.sampling)
        self._primed = generator.prime(seed, self.options)
        self._upq = self._primed.timeline.units_per_quarter
        self.max_note_beats = max_note_beats
        self.reset()

    # -- controls --------------------------------------------------------------------
    def reset(self) -> None:
        """Back to just after the seed, with the random generator reseeded (the same music again)."""
        primed = self._primed
        self._batch = primed.batch(1, self.options)
        self._masks = primed.masks
        self._sampler = Sampler(self.options.seed, self.options.temperature, self.options.top_k, self.options.top_p)
        self._tracker = IncrementalDecoder(self._encoding, primed.seed, primed.seed_ids, emit_from=primed.timeline.seed_units)
        self._origin = primed.timeline.seed_units  # units from the seed's start to the stream's start
        self._target = self._origin
        self._commit: _Snapshot | None = None

    def set_options(self, **changes) -> None:
        """Change sampling options (temperature, top_k, top_p, key, pitch_range, max_polyphony) from now on."""
        refused = sorted(set(changes) & {"num", "beam_size", "branch_factor"})
        if refused:
            raise ConfigError(f"a stream cannot change {', '.join(refused)}")
        self.options = self.options.replace(**changes)
        self._sampler.configure(self.options.temperature, self.options.top_k, self.options.top_p)
        if "repetition" in changes and self._batch.repetition is not None:
            self._batch.repetition[:] = repetition_bias(self.options.repetition)
        if {"key", "pitch_range", "max_polyphony"} & set(changes):
            self._masks = TokenMasks(self._encoding, self.options, self._primed.seed)

    @property
    def position(self) -> float:
        """Quarter notes from the stream's start to where the next chunk begins."""
        return (self._target - self._origin) / self._upq

    # -- generating ------------------------------------------------------------------
    def next_notes(self, beats: float) -> list[Note]:
        """The notes starting in the next ``beats`` quarter notes (see the class doc), by start time."""
        if not beats > 0:
            raise ConfigError(f"beats must be > 0, not {beats!r}")
        chunk_start = self._target
        self._target += beats * self._upq
        if self._tracker.position < self._target - 1e-9:
            self._sample(self._target - self._tracker.position)
        self._commit = self._snapshot()
        self._tracker.keep_from = self._tracker.pushed
        horizon = self._target + self.max_note_beats * self._upq
        while self._tracker.pending(self._target) and self._tracker.position < horizon:
            self._sample(self._generator.min_advance)  # up to the next time advance
        notes = self._tracker.final_notes(until=self._target, max_length=self.max_note_beats * self._upq)
        return [Note(n.pitch, n.velocity, (n.start - self._origin) / self._upq, (n.end - self._origin) / self._upq,
                     n.program, n.is_drum, n.track) for n in notes if n.start >= chunk_start - 1e-6]

    def prime(self, seq: NoteSequence) -> None:
        """Read ``seq`` (a player's phrase) into the state at the current position; it is not played back."""
        if self._commit is not None:
            self._rollback(self._commit)
        ids = np.asarray(self._encoding.encode(seq), dtype=np.int64) if len(seq.notes) else np.zeros(0, np.int64)
        # the phrase lasts until its total_time (a call ends on a beat, not on its last note-off)
        gap = units_of(self._encoding, seq, seq.total_time) - float(self._generator.advance[ids].sum())
        if gap > 0:
            ids = np.concatenate([ids, silence_tokens(self._encoding, ids, gap)]).astype(np.int64)
        if len(ids) == 0:
            return
        if self._batch.context is not None:
            context = self._batch.context.features_of(ids)[None]
            logits, self._batch.state = self._generator.model.run(ids[None, :], self._batch.state, context,
                                                                  self._batch.repetition)
        else:
            logits, self._batch.state = self._generator.model.run(ids[None, :], self._batch.state)
        self._batch.logits = np.array(logits[:, -1, :], dtype=np.float32)
        self._batch.last = ids[-1:].copy()
        for token in ids:
            if self._masks.max_polyphony is not None:
                self._masks.update_counts(self._batch.counts, np.array([token]))
            self._tracker.push(int(token))
        self._target = self._tracker.position
        self._tracker.skip_to(self._target)
        self._commit = None
        self._tracker.keep_from = None

    def _sample(self, units: float) -> None:
        """Sample at least ``units`` of time, the model reading every token (the state stays current)."""
        out = np.zeros((1, token_cap(units, self._generator.min_advance)), dtype=np.int64)
        count = 0
        for count in sample_loop(self._generator.model, self._batch, self._sampler, self._masks,
                                 self._generator.advance, units, out, every=out.shape[1], feed_last=True):
            pass
        for token in out[0, :count].tolist():
            self._tracker.push(token)

    def _snapshot(self) -> _Snapshot:
        b = self._batch
        return _Snapshot(b.state.copy(), np.array(b.logits, copy=True), b.last.copy(), b.counts.copy(),
                         self._tracker.pushed, self._tracker.position,
                         None if b.context is None else b.context.copy())

    def _rollback(self, snap: _Snapshot) -> None:
        self._batch.state, self._batch.logits = snap.state.copy(), snap.logits.copy()
        self._batch.last, self._batch.counts = snap.last.copy(), snap.counts.copy()
        self._batch.context = None if snap.context is None else snap.context.copy()
        self._tracker.truncate(snap.pushed)
