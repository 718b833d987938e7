"""The decoding session: a seed read into a model, and rows decoded from it.

Every way of generating drives one: a one-shot take (:mod:`rnnmusic.engine.one_shot`),
the GUI's streamed events (:mod:`rnnmusic.engine.event_stream`), beam search, the live
engine's endless stream (:mod:`rnnmusic.engine.endless_stream`), and region fills
(:mod:`rnnmusic.engine.region_fill`: candidate fills sampled in a batch, the bars after
the region scored from where each row reached its end, :meth:`DecodingSession.score`).
This module holds what they all need and used to set up each for itself:

- :func:`prime` reads the seed: it is encoded with the model's own encoding, padded
  with silence to where it really ends, and prefilled in one model call (bos first; no
  seed means bos alone, i.e. from scratch). Its step grid is built here once and handed
  to everything that places the continuation in time (:class:`~rnnmusic.engine.units.UnitMap`).
- :class:`DecodingSession` is one run from a :class:`Primed` seed: the sampler (all
  randomness), the masks, the batch of rows and the encoding's time advances.
- :class:`ProgressReporter`: the progress and cancellation rule of every loop.

What each path does with the tokens (compose takes, stream notes, schedule a chunk)
stays with that path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from rnnmusic.encodings import BOS_ID
from rnnmusic.engine.beam_search import BeamSearch
from rnnmusic.engine.context import ContextTracker, repetition_bias
from rnnmusic.engine.masks import TokenMasks
from rnnmusic.engine.model import Model
from rnnmusic.engine.options import DEFAULT_REPETITION, GenerateOptions
from rnnmusic.engine.sampling import Sampler
from rnnmusic.engine.token_loop import Batch, RowEnds, sample_loop, take_lengths, token_cap
from rnnmusic.engine.units import UnitMap, pad_with_silence, seed_grid, units_of
from rnnmusic.errors import SequenceError
from rnnmusic.notes import NoteSequence

Progress = Callable[[float], None]

#: the longest seed read into a model (tokens, with the silence it is padded with): it is read in one
#: call, and a 1,000,000-token seed took 9.9 GB and 110 s through an LSTM 2x256 (100,000: about 1 GB)
MAX_SEED_TOKENS = 100_000


@dataclass
class Primed:
    """A seed made ready: its tokens, its place in time, the masks, and the model after reading it."""

    seed: NoteSequence | None
    seed_ids: np.ndarray  # int64, without bos
    units: UnitMap
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
        start = self.units.start_seconds
        if continuation_only and self.seed is not None and len(self.seed.notes):
            start -= self.units.bar_line_before(start)
        return float(start)


def prime(model: Model, seed: NoteSequence | None, options: GenerateOptions, to_its_end: bool = False) -> Primed:
    """Encode the seed, build the masks and read the seed into the model in one call.

    A seed without notes lends only its tempo and meter, and the continuation starts at 0;
    with ``to_its_end`` it starts where such a seed ends too (a region after silent bars)."""
    encoding = model.encoding
    options = options.for_model(model.info.sampling)
    grid = seed_grid(encoding, seed if seed is not None else NoteSequence())
    seed_ids, dropped = np.zeros(0, dtype=np.int64), {}
    if seed is not None and (len(seed.notes) or to_its_end and seed.total_time > 0):
        report = encoding.encode_report(seed)
        # the continuation starts where the seed ends, even where the encoding kept none of its last notes
        seed_ids = pad_with_silence(encoding, np.asarray(report.ids, dtype=np.int64),
                                    units_of(encoding, seed, seed.total_time, grid))
        dropped = dict(report.dropped)
        if len(seed_ids) > MAX_SEED_TOKENS:
            reason = (f"is too long to seed a model ({len(seed_ids):,} {encoding.name} tokens; at most "
                      f"{MAX_SEED_TOKENS:,}): use its last bars as the seed")
            raise SequenceError(seed.source, reason)
    masks = TokenMasks(encoding, options, seed)
    ids = np.concatenate([[BOS_ID], seed_ids]).astype(np.int64)[None, :]
    units = UnitMap(encoding, seed, seed_ids, grid)
    assert options.repetition is not None  # for_model above filled it in
    tracker, repetition = None, float(options.repetition)
    if model.context is not None:
        # the seed's meter map decides bar and beat; the continuation keeps its last meter
        tracker = ContextTracker(model.context, encoding, units.grid.meter_steps)
        context = tracker.features_of(ids[0])[None]
        bias = np.full(1, repetition_bias(repetition), dtype=np.float32)
        logits, state = model.run(ids, model.initial_state(1), context, bias)
    else:
        logits, state = model.run(ids, model.initial_state(1))
    return Primed(seed, seed_ids, units, masks, state,
                  np.array(logits[0, -1], dtype=np.float32), int(ids[0, -1]), dropped, tracker, repetition)


def time_advances(model: Model) -> tuple[np.ndarray, float]:
    """The encoding's time advance per token (float64) and its smallest positive one (1 when none moves time)."""
    advance = np.asarray(model.encoding.time_advance, dtype=np.float64)
    positive = advance[advance > 0]
    return advance, float(positive.min()) if len(positive) else 1.0


class DecodingSession:
    """``rows`` rows decoded together from ``primed`` with ``options`` (see the module doc).

    ``options`` are as used (a concrete seed, the model's defaults filled in). A session is
    one run of the sampler: making a second one from the same primed seed and options
    replays the same tokens.
    """

    def __init__(self, model: Model, primed: Primed, options: GenerateOptions, rows: int):
        self.model = model
        self.primed = primed
        self.options = options
        self.units = primed.units
        self.advance, self.min_advance = time_advances(model)
        self.masks = primed.masks
        assert options.seed is not None, "callers fill the seed in (GenerateOptions.with_seed)"
        self.sampler = Sampler(options.seed, options.temperature, options.top_k, options.top_p)
        self.batch = primed.batch(rows, options)

    @property
    def rows(self) -> int:
        return len(self.batch.last)

    def target_units(self) -> float:
        """The continuation's length the options ask for, in encoding units."""
        return self.units.target_units(self.options.length)

    def token_cap(self, units: float) -> int:
        """The most tokens sampled for ``units`` of time (a guard against a model that never advances time)."""
        return token_cap(units, self.min_advance)

    def token_buffer(self, units: float) -> np.ndarray:
        """An empty ``[rows, cap]`` array for :meth:`sample` to write ``units`` of every row's tokens into."""
        return np.zeros((self.rows, self.token_cap(units)), dtype=np.int64)

    def continuations(self, out: np.ndarray, count: int, units: float) -> list[np.ndarray]:
        """Each row's first tokens of ``out[:, :count]`` up to where it reached ``units`` (copies)."""
        lengths = take_lengths(out, count, self.advance, units)
        return [out[row, : lengths[row]].copy() for row in range(len(out))]

    # -- decoding ----------------------------------------------------------------------
    def beam_search(self, units: float) -> BeamSearch:
        """A beam search of ``units`` over this session's rows (num x beam_size x branch_factor of them)."""
        o = self.options
        return BeamSearch(self.model, self.batch, self.sampler, self.masks, self.advance, units,
                          self.token_cap(units), o.num, o.beam_size, o.branch_factor)

    def sample(self, units: float, out: np.ndarray, every: int = 8, feed_last: bool = False,
               ends: RowEnds | None = None) -> Iterator[int]:
        """Sample every row into ``out`` until each has ``units`` of time (see
        :func:`~rnnmusic.engine.token_loop.sample_loop`): yields the tokens sampled so far."""
        return sample_loop(self.model, self.batch, self.sampler, self.masks, self.advance, units, out,
                           every=every, feed_last=feed_last, ends=ends)

    def score(self, ends: RowEnds, ids: np.ndarray) -> np.ndarray:
        """Per row, the log-probability (nats) the model gives the known tokens ``ids`` read from where
        the row reached its target (``ends``, recorded by :meth:`sample`): the model's own
        distribution as trained (no temperature, key or range masks) with the session's repetition;
        all rows in one model call."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = len(ends.reached)
        if not len(ids):
            return np.zeros(rows, dtype=np.float64)
        if not ends.reached.all():
            raise ValueError("every row must have reached its target before what follows is scored")
        tokens = np.ascontiguousarray(np.repeat(ids[None, :], rows, axis=0))
        if self.batch.context is not None:
            context = np.stack([tracker.features_of(ids) for tracker in ends.context if tracker is not None])
            assert self.batch.repetition is not None
            repetition = np.full(rows, self.batch.repetition[0], dtype=np.float32)
            logits, _ = self.model.run(tokens, ends.state, context, repetition)
        else:
            logits, _ = self.model.run(tokens, ends.state)
        # the logits after token j predict token j + 1; the recorded ones predict the first
        predicting = np.concatenate([ends.logits[:, None, :], logits[:, :-1]], axis=1).astype(np.float64)
        top = predicting.max(axis=2, keepdims=True)
        log_norm = np.log(np.exp(predicting - top).sum(axis=2)) + top[..., 0]
        chosen = np.take_along_axis(predicting, tokens[:, :, None], axis=2)[..., 0]
        return (chosen - log_norm).sum(axis=1)

    def ends_after(self, prefixes: list[np.ndarray]) -> RowEnds:
        """Rows as they are after reading each of ``prefixes`` from the primed seed (one model call
        each): the ends of rows whose tokens were changed after sampling, to :meth:`score` from."""
        primed = self.primed
        batch = primed.batch(len(prefixes), self.options, self.masks)
        ends = RowEnds(batch)
        for row, prefix in enumerate(prefixes):
            one = primed.batch(1, self.options, self.masks)
            if len(prefix):
                one.read(self.model, np.asarray(prefix, dtype=np.int64), self.masks)
            ends.put(row, one)
        return ends

    def read(self, ids: np.ndarray) -> None:
        """The row reads known tokens (a player's phrase) in one call; sampling continues after them."""
        self.batch.read(self.model, ids, self.masks)

    # -- changing course ---------------------------------------------------------------
    def configure(self, options: GenerateOptions, changed: set[str]) -> None:
        """Sample with ``options`` from now on; ``changed`` names the options that differ."""
        self.options = options
        self.sampler.configure(options.temperature, options.top_k, options.top_p)
        if "repetition" in changed and self.batch.repetition is not None:
            assert options.repetition is not None, "the options were filled in by GenerateOptions.for_model"
            self.batch.repetition[:] = repetition_bias(options.repetition)
        if {"key", "pitch_range", "max_polyphony"} & changed:
            self.masks = TokenMasks(self.model.encoding, options, self.primed.seed)

    def snapshot(self) -> Batch:
        """The rows as they are now, to return to with :meth:`rollback`."""
        return self.batch.copy()

    def rollback(self, snapshot: Batch) -> None:
        """Back to ``snapshot``'s rows; the repetition set since stays (it is a control, not decoded state)."""
        restored = snapshot.copy()
        restored.repetition = self.batch.repetition
        self.batch = restored


class GenerationCancelled(Exception):
    """Raised by a generation whose cancel event was set; nothing was produced."""


class ProgressReporter:
    """Progress callbacks (at most one per percent) and cancellation checks for a token loop.

    The loops only yield every few tokens; what happens then lives here, so one-shot takes and
    streamed events stop and report by one rule."""

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
