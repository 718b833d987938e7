"""Polyphony (chords): per step the sounding pitches in ascending order, then ``step_end``.

Tokens (after bos): ``step_end``, then for every pitch p from ``min_pitch`` to ``max_pitch``
``onset:p`` followed by ``held:p``. With ``onsets=True`` that is 2 + 2 * 88 = 178 tokens
with bos by default: ``onset:p`` says a note of pitch p starts at this step, ``held:p`` that
the note sounding at the step before goes on. With ``onsets=False`` there is no ``held:p``
(2 + 88 = 90 tokens): ``onset:p`` then only says that p sounds in this step, and notes are
the maximal runs of steps in which their pitch sounds (the frames of the polyphonic
benchmarks carry no onset information).

Since a step is its pitches in strictly ascending order and then ``step_end``, the
probability of a whole step is the product of its tokens' probabilities. The follow table
allows after a token of pitch p only tokens of a higher pitch or ``step_end``; after
``step_end`` any pitch token or ``step_end``; after bos the same except ``held`` (nothing
sounds before the first step). A decoder reads a ``held:p`` whose pitch did not sound at
the step before as an onset; pitch tokens after the last ``step_end`` form a last step.

Notes are dropped and counted by reason: ``drums``, ``out_of_range``, ``too_short`` (onset
and end round to the same step and the note lasts less than half a step; one that lasts at
least half a step is kept one step long), ``duplicate`` (same pitch and onset step as a
longer note, e.g. a doubling in another track) and ``negative_time`` (onset before time 0).
Notes of all tracks merge. Same-pitch rule: a pitch sounds over the union of its notes and
every onset starts a new note, so a repeated note that abuts the one before is an onset, and
a note struck again while it sounds ends there (the new note lasts until the later of both
ends, or the next onset).

:meth:`PolyphonyEncoding.encode_frames` and :meth:`PolyphonyEncoding.decode_frames` encode
lists of frames (ascending pitch lists, one per step) directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from rnnmusic.encodings._steps import (
    check_note_steps,
    checked_grid,
    grid_of,
    note_cells,
    quantize_durations,
    resolve_notes,
    runs_to_notes,
)
from rnnmusic.encodings.base import EncodeReport, Encoding, EncodingConfig, Token
from rnnmusic.encodings.checks import as_ids, check_int, check_pitch_range
from rnnmusic.encodings.note_rules import DropCounter
from rnnmusic.encodings.template import build_sequence, template_voice
from rnnmusic.errors import EncodingError
from rnnmusic.notes import NoteSequence

STEP_END_ID = 1
PITCH_BASE = 2


@dataclass(frozen=True)
class PolyphonyConfig(EncodingConfig):
    """``onsets``: tell new notes from held ones; ``velocity``: of decoded notes."""

    min_pitch: int = 21
    max_pitch: int = 108
    steps_per_quarter: int = 4
    onsets: bool = True
    velocity: int = 80

    def __post_init__(self) -> None:
        check_pitch_range(self)
        check_int(self, "steps_per_quarter", 1, 96)
        check_int(self, "velocity", 1, 127)
        if not isinstance(self.onsets, bool):
            raise EncodingError(f"PolyphonyConfig.onsets must be true or false, not {self.onsets!r}")


class PolyphonyEncoding(Encoding):
    """Per step the sounding pitches, ascending, then ``step_end`` (see the module doc)."""

    name = "polyphony"
    config_class = PolyphonyConfig
    uses_grid = True
    config: PolyphonyConfig

    @property
    def _width(self) -> int:
        return 2 if self.config.onsets else 1

    # -- vocabulary ------------------------------------------------------------
    def _build_tokens(self) -> list[Token]:
        c = self.config
        tokens = [Token("step_end")]
        for p in range(c.min_pitch, c.max_pitch + 1):
            tokens.append(Token("onset", p))
            if c.onsets:
                tokens.append(Token("held", p))
        return tokens

    def _build_follow_table(self) -> np.ndarray:
        v = self.vocab_size
        rank = np.full(v, -1, dtype=np.int64)  # pitch order of pitch tokens; -1 for bos and step_end
        rank[PITCH_BASE:] = (np.arange(v - PITCH_BASE) // self._width)
        table = np.zeros((v, v), dtype=bool)
        table[:, STEP_END_ID] = True
        pitch_tokens = rank >= 0
        table[np.ix_(pitch_tokens, pitch_tokens)] = rank[pitch_tokens][:, None] < rank[pitch_tokens][None, :]
        table[0, PITCH_BASE:] = True
        table[STEP_END_ID, PITCH_BASE:] = True
        if self.config.onsets:
            table[0, PITCH_BASE + 1 :: 2] = False  # no held note before the first step
        return table

    def _token_pitch(self, token: Token) -> int:
        return token.value if token.kind in ("onset", "held") else -1

    def _token_advance(self, token: Token) -> float:
        return 1.0 if token.kind == "step_end" else 0.0

    # -- cells: (step, pitch, starts-a-note) ------------------------------------
    def _cells(self, seq: NoteSequence):
        c = self.config
        drops = DropCounter()
        notes = seq.notes
        drums = notes["is_drum"]
        drops.add("drums", drums.sum())
        notes = notes[~drums]
        outside = (notes["pitch"] < c.min_pitch) | (notes["pitch"] > c.max_pitch)
        drops.add("out_of_range", outside.sum())
        notes = notes[~outside]
        kept, onset, end = quantize_durations(checked_grid(seq, c.steps_per_quarter, self.name), notes, drops)
        pitch, onset, end = resolve_notes(notes["pitch"][kept].astype(np.int64), onset, end, drops)
        total = int(end.max()) if len(end) else 0
        check_note_steps(seq, onset, end, self.name, steps=total)  # a token per note-step, and a step_end per step
        steps, cell_pitch, cell_note = note_cells(pitch, onset, end)
        first = steps == onset[cell_note]
        if not c.onsets:
            first = self._not_sounding_before(steps, cell_pitch)
        return steps, cell_pitch, first, total, drops.as_dict()

    @staticmethod
    def _not_sounding_before(steps: np.ndarray, pitch: np.ndarray) -> np.ndarray:
        """Per cell: True when its pitch has no cell at the step before."""
        if len(steps) == 0:
            return np.zeros(0, dtype=bool)
        keys = np.sort(steps * 128 + pitch)
        before = (steps - 1) * 128 + pitch
        found = np.minimum(np.searchsorted(keys, before), len(keys) - 1)
        return keys[found] != before

    def _cells_to_ids(self, steps: np.ndarray, pitch: np.ndarray, first: np.ndarray, total: int) -> np.ndarray:
        c = self.config
        token = PITCH_BASE + (pitch - c.min_pitch) * self._width
        if c.onsets:
            token = token + (~first)
        # step_end sorts after every pitch of its step
        all_steps = np.concatenate([steps, np.arange(total)])
        all_keys = np.concatenate([pitch, np.full(total, 1 << 20)])
        all_tokens = np.concatenate([token, np.full(total, STEP_END_ID)])
        order = np.lexsort((all_keys, all_steps))
        return all_tokens[order].astype(np.int32)

    def _ids_to_cells(self, ids) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        ids = np.asarray(as_ids(ids, self.vocab_size), dtype=np.int64)
        is_end = ids == STEP_END_ID
        step = np.cumsum(is_end) - is_end
        total = int(is_end.sum())
        if len(ids) and not is_end[-1]:
            total += 1  # pitch tokens after the last step_end form a last step
        pitched = ~is_end
        offset = ids[pitched] - PITCH_BASE
        pitch = offset // self._width + self.config.min_pitch
        first = (offset % self._width) == 0
        return step[pitched], pitch, first, total

    def _cells_to_sequence(self, steps, pitch, first, template: NoteSequence | None) -> NoteSequence:
        c = self.config
        if not c.onsets:
            first = np.zeros(len(steps), dtype=bool)  # notes are maximal runs
        note_pitch, start, end = runs_to_notes(steps, pitch, first)
        grid = grid_of(template, c.steps_per_quarter)
        program, track = template_voice(template, is_drum=False)
        return build_sequence(
            template, note_pitch, grid.to_seconds(start), grid.to_seconds(end), c.velocity, program, track
        )

    # -- encode / decode -------------------------------------------------------
    def encode_report(self, seq: NoteSequence) -> EncodeReport:
        steps, pitch, first, total, dropped = self._cells(seq)
        return EncodeReport(self._cells_to_ids(steps, pitch, first, total), dropped)

    def decode(self, ids, template: NoteSequence | None = None) -> NoteSequence:
        """Tokens to notes; the pitches of a step are read as a set (order and repeats do not matter)."""
        steps, pitch, first, _ = self._ids_to_cells(ids)
        return self._cells_to_sequence(steps, pitch, first, template)

    def normalize(self, seq: NoteSequence) -> NoteSequence:
        steps, pitch, first, _, _ = self._cells(seq)
        return self._cells_to_sequence(steps, pitch, first, seq)

    # -- frames ------------------------------------------------------------------
    def encode_frames(self, frames: Iterable[Iterable[int]]) -> np.ndarray:
        """Token ids (int32, without bos) of a list of frames, one frame per step.

        A frame is the collection of MIDI pitches sounding in a step (as in the polyphonic
        benchmark data, ../shared/data/polyphonic); it is read as a set. With ``onsets`` a
        pitch that also sounded in the frame before is ``held``, any other an ``onset``.
        A pitch outside min_pitch..max_pitch raises EncodingError.
        """
        sets = [sorted({int(p) for p in frame}) for frame in frames]
        lengths = np.array([len(f) for f in sets], dtype=np.int64)
        pitch = np.fromiter((p for f in sets for p in f), dtype=np.int64, count=int(lengths.sum()))
        c = self.config
        if len(pitch) and (pitch.min() < c.min_pitch or pitch.max() > c.max_pitch):
            bad = pitch[(pitch < c.min_pitch) | (pitch > c.max_pitch)][0]
            raise EncodingError(f"frame pitch {bad} is outside {c.min_pitch}..{c.max_pitch}")
        steps = np.repeat(np.arange(len(sets)), lengths)
        first = self._not_sounding_before(steps, pitch)
        return self._cells_to_ids(steps, pitch, first, len(sets))

    def decode_frames(self, ids) -> list[list[int]]:
        """Token ids (with or without bos) to frames: per step the ascending list of sounding pitches."""
        steps, pitch, _, total = self._ids_to_cells(ids)
        frames: list[list[int]] = [[] for _ in range(total)]
        order = np.lexsort((pitch, steps))
        last = (-1, -1)
        for s, p in zip(steps[order].tolist(), pitch[order].tolist()):
            if (s, p) != last:
                frames[s].append(p)
                last = (s, p)
        return frames

    def frames_of(self, seq: NoteSequence) -> Sequence[list[int]]:
        """The frames (sounding pitches per step) of what this encoding keeps of ``seq``."""
        return self.decode_frames(self.encode(seq))
