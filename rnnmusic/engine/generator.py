"""Generator: continue a seed with a model, the API the CLI, the GUI and the live engine share.

The seed is encoded with the model's own encoding and prefilled in one model call
(bos first; no seed means bos alone, i.e. from scratch). Then the variations are
sampled together, one token per call, carrying the recurrent state. Each take is
the seed as it was read (all its tracks, tempo map, meters and controls) plus the
decoded continuation, which starts where the seed's tokens end, on the seed's
instrument and at its last tempo.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from rnnmusic.encodings import BOS_ID
from rnnmusic.engine.context import ContextTracker, repetition_bias
from rnnmusic.engine.masks import TokenMasks
from rnnmusic.engine.model import Model
from rnnmusic.engine.options import DEFAULT_REPETITION, GenerateOptions
from rnnmusic.engine.sampling import Sampler
from rnnmusic.engine.search import Batch, beam_loop, sample_loop, take_lengths, token_cap
from rnnmusic.engine.takes import compose_take
from rnnmusic.engine.units import UnitMap, silence_tokens, units_of
from rnnmusic.errors import SequenceError
from rnnmusic.notes import NoteSequence

Progress = Callable[[float], None]

#: the longest seed read into a model (tokens, with the silence it is padded with): it is read in one
#: call, and a 1,000,000-token seed took 9.9 GB and 110 s through an LSTM 2x256 (100,000: about 1 GB)
MAX_SEED_TOKENS = 100_000


class GenerationCancelled(Exception):
    """Raised by a generation whose cancel event was set; nothing was produced."""


@dataclass(frozen=True)
class Takes:
    """The result of :meth:`Generator.generate`."""

    sequences: tuple[NoteSequence, ...]
    continuation_start: float  # seconds at which the continuation begins in every sequence
    options: GenerateOptions  # as used, with the concrete random seed
    key: str | None  # the key constraint applied ("auto" resolved), if any
    tokens: tuple[np.ndarray, ...] = ()  # each take's continuation as token ids (after the seed's)
    seed_dropped: dict[str, int] = field(default_factory=dict)  # seed notes the model could not read, by reason


@dataclass
class Primed:
    """A seed made ready: its tokens, its place in time, the masks, and the model after reading it."""

    seed: NoteSequence | None
    seed_ids: np.ndarray  # int64, without bos
    timeline: UnitMap
    masks: TokenMasks
    state: np.ndarray  # [parts, layers, 1, hidden]
    logits: np.ndarray  # [vocab]: the first continuation token's logits
    last: int  # the last token read
    dropped: dict[str, int]  # seed notes the encoding could not represent, by reason
    context: ContextTracker | None = None  # after the seed, for a model that reads the timeline
    repetition: float = DEFAULT_REPETITION  # what the seed was read with (the options' or the model's own)

    def batch(self, rows: int, options: GenerateOptions, masks: TokenMasks | None = None) -> Batch:
        """``rows`` copies of the primed row, ready for a token loop (context and repetition included)."""
        repetition = self.repetition if options.repetition is None else options.repetition
        return Batch.repeat(self.state, self.logits, self.last, rows, masks or self.masks, self.context,
                            repetition_bias(repetition))

    def continuation_start(self, continuation_only: bool) -> float:
        """Seconds at which the continuation begins in a take (see :mod:`rnnmusic.engine.takes`)."""
        start = self.timeline.start_seconds
        if continuation_only and self.seed is not None and len(self.seed.notes):
            start -= self.timeline.bar_line_before(start)
        return float(start)


class Generator:
    """Continues seeds with one model (see the module doc). Safe to reuse; not to share between threads."""

    def __init__(self, model: Model):
        self.model = model
        self.encoding = model.encoding
        self.advance = np.asarray(self.encoding.time_advance, dtype=np.float64)
        positive = self.advance[self.advance > 0]
        self.min_advance = float(positive.min()) if len(positive) else 1.0

    # -- preparing ---------------------------------------------------------------------
    def prime(self, seed: NoteSequence | None, options: GenerateOptions) -> Primed:
        """Encode the seed, build the masks and read the seed into the model in one call."""
        options = options.for_model(self.model.info.sampling)
        seed_ids, dropped = np.zeros(0, dtype=np.int64), {}
        if seed is not None and len(seed.notes):  # a seed without notes still lends its tempo and meter
            report = self.encoding.encode_report(seed)
            seed_ids, dropped = np.asarray(report.ids, dtype=np.int64), dict(report.dropped)
            # the continuation starts where the seed ends, even where the encoding kept none of its last notes
            gap = units_of(self.encoding, seed, seed.total_time) - float(self.advance[seed_ids].sum())
            if gap > 0:
                seed_ids = np.concatenate([seed_ids, silence_tokens(self.encoding, seed_ids, gap)]).astype(np.int64)
            if len(seed_ids) > MAX_SEED_TOKENS:
                reason = (f"is too long to seed a model ({len(seed_ids):,} {self.encoding.name} tokens; at most "
                          f"{MAX_SEED_TOKENS:,}): use its last bars as the seed")
                raise SequenceError(seed.source, reason)
        masks = TokenMasks(self.encoding, options, seed)
        ids = np.concatenate([[BOS_ID], seed_ids]).astype(np.int64)[None, :]
        timeline = UnitMap(self.encoding, seed, seed_ids)
        tracker, repetition = None, float(options.repetition)  # for_model above filled it in
        if self.model.context is not None:
            # the seed's meter map decides bar and beat; the continuation keeps its last meter
            tracker = ContextTracker(self.model.context, self.encoding, timeline.grid.meter_steps)
            context = tracker.features_of(ids[0])[None]
            bias = np.full(1, repetition_bias(repetition), dtype=np.float32)
            logits, state = self.model.run(ids, self.model.initial_state(1), context, bias)
        else:
            logits, state = self.model.run(ids, self.model.initial_state(1))
        return Primed(seed, seed_ids, timeline, masks, state,
                      np.array(logits[0, -1], dtype=np.float32), int(ids[0, -1]), dropped, tracker, repetition)

    # -- whole takes -------------------------------------------------------------------
    def generate(self, seed: NoteSequence | None, options: GenerateOptions, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> Takes:
        """``options.num`` continuations of ``seed`` sampled in one batched run."""
        options = options.with_seed().for_model(self.model.info.sampling)
        primed = self.prime(seed, options)
        token_lists = self._sample(primed, options, progress, cancel)
        sequences = tuple(compose_take(primed, self.encoding, ids, options.continuation_only) for ids in token_lists)
        return Takes(sequences, primed.continuation_start(options.continuation_only), options, primed.masks.key_name,
                     tuple(token_lists), primed.dropped)

    def continue_sequence(self, seed: NoteSequence | None, options: GenerateOptions,
                          progress: Progress | None = None,
                          cancel: threading.Event | None = None) -> list[NoteSequence]:
        """``options.num`` takes, each the seed (unless continuation_only) plus its continuation."""
        return list(self.generate(seed, options, progress, cancel).sequences)

    def _sample(self, primed: Primed, options: GenerateOptions, progress: Progress | None,
                cancel: threading.Event | None) -> list[np.ndarray]:
        """Token ids of each variation's continuation."""
        target = primed.timeline.target_units(options.length)
        cap = token_cap(target, self.min_advance)
        sampler = Sampler(options.seed, options.temperature, options.top_k, options.top_p)
        reporter = ProgressReporter(progress, cancel)
        if options.uses_beam:
            rows = options.num * options.beam_size * options.branch_factor
            batch = primed.batch(rows, options)
            loop = beam_loop(self.model, batch, sampler, primed.masks, self.advance, target, cap,
                             options.num, options.beam_size, options.branch_factor)
            result: list[np.ndarray] = []
            for step, item in enumerate(loop):
                if isinstance(item, list):
                    result = item
                else:
                    reporter.tick(step, lambda: item)
            reporter.finish()
            return result
        batch = primed.batch(options.num, options)
        out = np.zeros((options.num, cap), dtype=np.int64)
        generated = np.zeros(options.num, dtype=np.float64)
        done = 0
        for count in sample_loop(self.model, batch, sampler, primed.masks, self.advance, target, out):
            if progress is not None:
                generated += self.advance[out[:, done:count]].sum(axis=1)
            done = count
            reporter.tick(0, lambda: float(np.minimum(generated, target).mean() / target))
        reporter.finish()
        lengths = take_lengths(out, done, self.advance, target)
        return [out[r, : lengths[r]].copy() for r in range(options.num)]

    # -- streaming ---------------------------------------------------------------------
    def stream(self, seed: NoteSequence | None, options: GenerateOptions,
               cancel: threading.Event | None = None) -> Iterator["StreamEvent"]:
        """Events as the takes are sampled: notes once they are final, progress, then the finished takes."""
        from rnnmusic.engine.stream import stream_events

        return stream_events(self, seed, options, cancel)

    def open_stream(self, seed: NoteSequence | None, options: GenerateOptions,
                    max_note_beats: float | None = None) -> "GenerationStream":
        """A stateful, open-ended continuation for the live engine (see :class:`GenerationStream`).

        ``max_note_beats`` caps how long one note may sound (the stream's default when None).
        """
        from rnnmusic.engine.stream import GenerationStream

        if max_note_beats is None:
            return GenerationStream(self, seed, options)
        return GenerationStream(self, seed, options, max_note_beats=max_note_beats)


class ProgressReporter:
    """Progress callbacks (at most one per percent) and cancellation checks for a token loop."""

    def __init__(self, progress: Progress | None, cancel: threading.Event | None):
        self.progress = progress
        self.cancel = cancel
        self.reported = -1.0

    def tick(self, step: int, fraction: Callable[[], float]) -> None:
        """Called every few tokens (``step`` 0) or every token (``step`` counting) of a loop."""
        if self.cancel is not None and self.cancel.is_set():
            raise GenerationCancelled("generation cancelled")
        if self.progress is not None and step % 8 == 0:
            value = fraction()
            if value >= self.reported + 0.01:
                self.reported = value
                self.progress(min(value, 1.0))

    def finish(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise GenerationCancelled("generation cancelled")
        if self.progress is not None:
            self.progress(1.0)
