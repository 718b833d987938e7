"""Melody: one monophonic line on a step grid, one token per step.

Tokens (after bos): ``rest``, ``hold``, then ``note_on:p`` for every pitch p from
``min_pitch`` to ``max_pitch``: 4 + max_pitch - min_pitch tokens with bos, 40 by default.
Each token is one step: ``note_on:p`` starts pitch p (ending whatever sounded), ``hold``
continues the sounding note, ``rest`` is silence. ``hold`` may not follow bos or ``rest``
(there is nothing to hold); a decoder given one anyway reads it as a rest.

Picking the line from polyphonic input (``voice``):

- ``"top"``: the highest note sounding at each step wins. A lower note that starts while a
  higher one sounds is not heard; when the higher note ends, a lower note still sounding
  takes over from that step, as a new ``note_on`` (the classic skyline rule).
- an int: only that track (by note ``track`` index); the top-voice rule within it. Notes of
  other tracks are counted as ``other_track``.

Before the voice is picked, notes are dropped and counted by reason: ``drums`` (drum notes
are ignored), ``out_of_range`` (pitch outside min_pitch..max_pitch), ``too_short`` (onset
and end round to the same step and the note lasts less than half a step; a note of at least
half a step that rounds to zero steps is kept one step long), ``duplicate`` (same pitch and
onset step as a longer note), ``negative_time`` (onset before time 0). Notes of the same
pitch that overlap sound as their union, and every onset starts a new note. Notes the voice
rule hides entirely count as ``not_in_voice``.

Times round to the nearest step of a grid that follows the tempo map
(:class:`rnnmusic.grid.StepGrid`). Decoded notes take ``velocity`` from the config, and the
program and track of the template's first non-drum track (with an int ``voice``, of that
track when it holds non-drum notes), else program 0.
"""

from __future__ import annotations

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

REST_ID = 1
HOLD_ID = 2
NOTE_ON_BASE = 3


@dataclass(frozen=True)
class MelodyConfig(EncodingConfig):
    """``voice``: ``"top"`` (highest sounding note) or a track index; ``velocity``: of decoded notes."""

    min_pitch: int = 48
    max_pitch: int = 84
    steps_per_quarter: int = 4
    voice: str | int = "top"
    velocity: int = 80

    def __post_init__(self) -> None:
        check_pitch_range(self)
        check_int(self, "steps_per_quarter", 1, 96)
        check_int(self, "velocity", 1, 127)
        if self.voice != "top":
            if isinstance(self.voice, str):
                raise EncodingError(f"MelodyConfig.voice must be 'top' or a track index, not {self.voice!r}")
            check_int(self, "voice", 0)


class MelodyEncoding(Encoding):
    """One monophonic line: ``rest``, ``hold`` or ``note_on:p`` per step (see the module doc)."""

    name = "melody"
    config_class = MelodyConfig
    uses_grid = True
    config: MelodyConfig

    # -- vocabulary ------------------------------------------------------------
    def _build_tokens(self) -> list[Token]:
        c = self.config
        return [Token("rest"), Token("hold")] + [Token("note_on", p) for p in range(c.min_pitch, c.max_pitch + 1)]

    def _build_follow_table(self) -> np.ndarray:
        table = np.ones((self.vocab_size, self.vocab_size), dtype=bool)
        table[0, HOLD_ID] = False  # nothing to hold at the start
        table[REST_ID, HOLD_ID] = False  # nor after a rest
        return table

    def _token_pitch(self, token: Token) -> int:
        return token.value if token.kind == "note_on" else -1

    def _token_advance(self, token: Token) -> float:
        return 0.0 if token.kind == "bos" else 1.0

    # -- the line --------------------------------------------------------------
    def _line(self, seq: NoteSequence):
        """Per step the melody pitch (-1: rest) and whether a note starts there, plus the drops."""
        c = self.config
        drops = DropCounter()
        notes = seq.notes
        if c.voice != "top":
            other = notes["track"] != c.voice
            drops.add("other_track", other.sum())
            notes = notes[~other]
        drums = notes["is_drum"]
        drops.add("drums", drums.sum())
        notes = notes[~drums]
        outside = (notes["pitch"] < c.min_pitch) | (notes["pitch"] > c.max_pitch)
        drops.add("out_of_range", outside.sum())
        notes = notes[~outside]
        grid = checked_grid(seq, c.steps_per_quarter, self.name)
        kept, onset, end = quantize_durations(grid, notes, drops)
        pitch, onset, end = resolve_notes(notes["pitch"][kept].astype(np.int64), onset, end, drops)
        check_note_steps(seq, onset, end, self.name)

        total = int(end.max()) if len(end) else 0
        steps, cell_pitch, cell_note = note_cells(pitch, onset, end)
        top = np.full(total, -1, dtype=np.int64)
        np.maximum.at(top, steps, cell_pitch)
        in_voice = np.bincount(cell_note, weights=top[steps] == cell_pitch, minlength=len(pitch)) > 0
        drops.add("not_in_voice", (~in_voice).sum())

        sounding = top >= 0
        onset_keys = np.sort(onset * 128 + pitch)
        step_keys = np.arange(total) * 128 + top
        found = np.searchsorted(onset_keys, step_keys)
        struck = found < len(onset_keys)
        struck[struck] = onset_keys[found[struck]] == step_keys[struck]
        previous = np.concatenate([[-1], top[:-1]])
        new = sounding & (struck | (previous != top))
        return top, new, drops.as_dict()

    def _line_to_sequence(self, top: np.ndarray, new: np.ndarray, template: NoteSequence | None) -> NoteSequence:
        c = self.config
        steps = np.flatnonzero(top >= 0)
        pitch, start, end = runs_to_notes(steps, top[steps], new[steps])
        grid = grid_of(template, c.steps_per_quarter)
        voice_track = c.voice if isinstance(c.voice, int) else None  # checked at construction: an int or "top"
        program, track = template_voice(template, is_drum=False, track=voice_track)
        return build_sequence(
            template, pitch, grid.to_seconds(start), grid.to_seconds(end), c.velocity, program, track, is_drum=False
        )

    # -- encode / decode -------------------------------------------------------
    def encode_report(self, seq: NoteSequence) -> EncodeReport:
        top, new, dropped = self._line(seq)
        ids = np.where(top < 0, REST_ID, np.where(new, NOTE_ON_BASE + top - self.config.min_pitch, HOLD_ID))
        return EncodeReport(ids.astype(np.int32), dropped)

    def decode(self, ids, template: NoteSequence | None = None) -> NoteSequence:
        """Tokens to notes; a ``hold`` with nothing sounding reads as a rest."""
        ids = np.asarray(as_ids(ids, self.vocab_size), dtype=np.int64)
        is_note = ids >= NOTE_ON_BASE
        value = np.where(is_note, ids - NOTE_ON_BASE + self.config.min_pitch, -1)
        # a hold repeats the value of the last non-hold token (-1 when that was a rest or nothing)
        source = np.where(ids == HOLD_ID, -1, np.arange(len(ids)))
        source = np.maximum.accumulate(source) if len(ids) else source
        top = np.where(source >= 0, value[np.maximum(source, 0)], -1)
        return self._line_to_sequence(top, is_note, template)

    def normalize(self, seq: NoteSequence) -> NoteSequence:
        top, new, _ = self._line(seq)
        return self._line_to_sequence(top, new, seq)
