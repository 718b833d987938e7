"""The endless stream the live engine plays from: one row continued a chunk of beats at a time.

It carries one decoding session (no re-reading of the past per call) and decodes its
notes incrementally; it is the real :class:`rnnmusic.live.source.NoteSource`.
"""

from __future__ import annotations

import numpy as np

from rnnmusic.engine.incremental_decoding import IncrementalDecoder
from rnnmusic.engine.model import Model
from rnnmusic.engine.options import GenerateOptions
from rnnmusic.engine.session import DecodingSession, prime
from rnnmusic.engine.token_loop import Batch
from rnnmusic.engine.units import pad_with_silence, units_of
from rnnmusic.errors import ConfigError
from rnnmusic.notes import Note, NoteSequence

#: a live note sounding longer than this many quarter notes is cut (a guard against stuck notes)
DEFAULT_MAX_NOTE_BEATS = 8.0


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

    A chunk boundary can be gone back to: ``keep_from(position)`` keeps every boundary from
    ``position`` quarter notes on (by default only the latest, so the decoder's window stays
    small), and ``rewind(position)`` returns to one of them: the chunks after it are forgotten, as
    if never sampled, and sampling goes on from there with the random generator where it is now,
    so the music made again differs from what it replaces.

    Quarter notes are counted at the seed's last tempo (120 qpm without a seed): for the grid
    encodings that changes nothing; for the performance encoding, timed in seconds, it is the
    tempo its seconds are read at.
    """

    def __init__(self, model: Model, seed: NoteSequence | None, options: GenerateOptions,
                 max_note_beats: float = DEFAULT_MAX_NOTE_BEATS):
        if options.uses_beam or options.num != 1:
            raise ConfigError("a stream generates one line: num, beam_size and branch_factor must be 1")
        self._model = model
        self._encoding = model.encoding
        self.options = options.with_seed().for_model(model.info.sampling)
        self._primed = prime(model, seed, self.options)
        self._upq = self._primed.units.units_per_quarter
        self.max_note_beats = max_note_beats
        self.reset()

    # -- controls --------------------------------------------------------------------
    def reset(self) -> None:
        """Back to just after the seed, with the random generator reseeded (the same music again)."""
        primed = self._primed
        self._session = DecodingSession(self._model, primed, self.options, 1)
        self._decoder = IncrementalDecoder(self._encoding, primed.seed, primed.seed_ids,
                                           emit_from=primed.units.seed_units)
        self._origin = primed.units.seed_units  # units from the seed's start to the stream's start
        self._target = self._origin
        # states to go back to, oldest first: (the decoder's position in units, the rows, its token count);
        # one is taken at each chunk boundary (the lookahead sampled past a boundary comes after it)
        self._marks: list[tuple[float, Batch, int]] = []
        self._keep_units: float | None = None  # rewinds may go back to here; None: to the latest chunk end only
        self._mark()

    def set_options(self, **changes) -> None:
        """Change sampling options (temperature, top_k, top_p, key, pitch_range, max_polyphony) from now on."""
        refused = sorted(set(changes) & {"num", "beam_size", "branch_factor"})
        if refused:
            raise ConfigError(f"a stream cannot change {', '.join(refused)}")
        self.options = self.options.replace(**changes)
        self._session.configure(self.options, set(changes))

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
        decoder = self._decoder
        if decoder.position < self._target - 1e-9:
            self._sample(self._target - decoder.position)
        self._mark()
        horizon = self._target + self.max_note_beats * self._upq
        while decoder.pending(self._target) and decoder.position < horizon:
            self._sample(self._session.min_advance)  # up to the next time advance
        notes = decoder.final_notes(until=self._target, max_length=self.max_note_beats * self._upq)
        return [Note(n.pitch, n.velocity, (n.start - self._origin) / self._upq, (n.end - self._origin) / self._upq,
                     n.program, n.is_drum, n.track) for n in notes if n.start >= chunk_start - 1e-6]

    def rewind(self, position: float) -> None:
        """Back to the state at ``position`` quarter notes, a chunk boundary kept (see the class doc)."""
        units = self._origin + position * self._upq
        low = self._marks[0][0]
        if not low - 1e-6 <= units <= self._target + 1e-6:
            raise ConfigError(f"the stream cannot go back to beat {position:g}: it can go back to beats "
                              f"{(low - self._origin) / self._upq:g} to {self.position:g}")
        index = max(i for i, mark in enumerate(self._marks) if mark[0] <= units + 1e-6)
        at, _, pushed = self._marks[index]
        # the tokens from that state up to the boundary are known: the model reads them again
        replay = []
        for token in self._decoder.tokens_from(pushed):
            if at >= units - 1e-6:
                break
            replay.append(token)
            at += self._session.advance[token]
        self._roll_back_to(index, len(replay))
        if replay:
            self._session.read(np.asarray(replay, dtype=np.int64))
        self._target = units
        self._mark()

    def keep_from(self, position: float) -> None:
        """Keep what :meth:`rewind` needs to go back to ``position`` quarter notes or later; forget what is before."""
        self._keep_units = self._origin + position * self._upq
        self._forget_old_marks()

    def _mark(self) -> None:
        """The rows and the decoder as they are now are a state to go back to (at the decoder's position)."""
        decoder = self._decoder
        if not self._marks or self._marks[-1][2] != decoder.pushed:
            self._marks.append((decoder.position, self._session.snapshot(), decoder.pushed))
        self._forget_old_marks()

    def _forget_old_marks(self) -> None:
        marks = self._marks
        limit = marks[-1][0] if self._keep_units is None else self._keep_units
        first = max((i for i, mark in enumerate(marks) if mark[0] <= limit + 1e-6), default=0)
        del marks[:first]
        self._decoder.keep_from = marks[0][2]  # the decoder's window keeps the tokens a rewind reads again

    def _roll_back_to(self, index: int, replayed: int = 0) -> None:
        """The rows as they were at mark ``index``; the decoder keeps ``replayed`` tokens more (the rows
        read them next), and what was sampled after those is dropped."""
        del self._marks[index + 1:]
        _, batch, pushed = self._marks[index]
        self._session.rollback(batch)  # the sampler is not part of it: its random state moves on
        self._decoder.truncate(pushed + replayed)

    def prime(self, seq: NoteSequence) -> None:
        """Read ``seq`` (a player's phrase) into the state at the current position; it is not played back."""
        self._roll_back_to(len(self._marks) - 1)  # the lookahead sampled past the last chunk is dropped
        ids = np.asarray(self._encoding.encode(seq), dtype=np.int64) if len(seq.notes) else np.zeros(0, np.int64)
        # the phrase lasts until its total_time (a call ends on a beat, not on its last note-off)
        ids = pad_with_silence(self._encoding, ids, units_of(self._encoding, seq, seq.total_time))
        if len(ids) == 0:
            return
        self._session.read(ids)
        for token in ids:
            self._decoder.push(int(token))
        self._target = self._decoder.position
        self._decoder.skip_to(self._target)
        self._marks = []  # the phrase is read: nothing before it can be made again
        self._mark()

    def _sample(self, units: float) -> None:
        """Sample at least ``units`` of time, the model reading every token (the state stays current)."""
        out = self._session.token_buffer(units)
        count = 0
        # the loop only drives the sampler; the last count it yields is read after it (hence the noqa)
        for count in self._session.sample(units, out, every=out.shape[1], feed_last=True):  # noqa: B007
            pass
        for token in out[0, :count].tolist():
            self._decoder.push(token)
