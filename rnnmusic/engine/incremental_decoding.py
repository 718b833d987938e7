"""Notes out of a growing token sequence, as soon as they are final, at a bounded cost.

Streaming needs notes while tokens are still being sampled, for as long as a live
session runs. Decoding everything so far after every chunk would grow without end,
so the decoder decodes only a window of recent tokens and moves the window's start
forward to *cut points*: times at a token boundary that no note spans. A cut is only
kept after checking that decoding from it gives exactly the notes the longer window
gave from there on, so the window never changes the music, whatever the encoding.
Decoder state that lives in zero-length tokens (a performance ``velocity``) is carried
across a cut by putting the last such token of each kind in front of the new window.

Times here are encoding units (steps, or seconds) from the start of the token sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnmusic.encodings import BOS_ID, Encoding
from rnnmusic.grid import StepGrid
from rnnmusic.notes import NoteSequence, TempoChange, TimeSignature

#: decoding at a constant 120 qpm turns seconds back into steps exactly
_DECODE_QPM = 120.0
_EPS = 1e-6


@dataclass(frozen=True)
class UnitNote:
    """A note with times in encoding units."""

    pitch: int
    velocity: int
    start: float
    end: float
    program: int
    is_drum: bool
    track: int


class IncrementalDecoder:
    """Feed tokens with :meth:`push`; take final notes with :meth:`final_notes` (see the module doc)."""

    def __init__(self, encoding: Encoding, template: NoteSequence | None, ids=(), emit_from: float = 0.0,
                 cut_every: int = 512):
        self.encoding = encoding
        self.advance = np.asarray(encoding.time_advance, dtype=np.float64)
        steps_per_quarter = int(getattr(encoding.config, "steps_per_quarter", 4))
        self._to_units = (StepGrid.constant(_DECODE_QPM, steps_per_quarter).to_steps if encoding.uses_grid
                          else (lambda seconds: np.asarray(seconds, dtype=np.float64)))
        # the template lends program and track; a constant tempo keeps seconds <-> units exact
        self.template = None if template is None else template.evolve(
            tempos=(TempoChange(0.0, _DECODE_QPM),), time_signatures=(TimeSignature(0.0),))
        kinds = [t.kind for t in encoding.tokens]
        self._context_kind = {i: k for i, k in enumerate(kinds)
                              if i != BOS_ID and self.advance[i] == 0 and encoding.pitch_of[i] < 0 and
                              k not in ("bos",)}
        self.cut_every = cut_every
        self.keep_from: int | None = None  # a token count a cut must not pass (a point a rollback may return to)
        self.pushed = 0  # tokens pushed in all
        self.dropped = 0  # tokens cut off the front
        self._version = 0
        self._cache: tuple[int, list[UnitNote]] | None = None
        self.window: list[int] = []
        self.context: list[int] = []
        self.base = 0.0  # units at the window's start
        self.position = 0.0  # units at the end of the tokens pushed so far
        self.emit_from = emit_from
        self._emitted: set[tuple[int, int]] = set()
        self._since_cut = 0
        for token in ids:
            self.push(int(token))

    def push(self, token: int) -> None:
        self.window.append(token)
        self.position += self.advance[token]
        self.pushed += 1
        self._since_cut += 1
        self._version += 1

    def skip_to(self, units: float) -> None:
        """Emit nothing that starts before ``units`` (for primed material that is not ours to play)."""
        self.emit_from = max(self.emit_from, units)

    def tokens_from(self, pushed: int) -> list[int]:
        """The tokens pushed after the first ``pushed`` (still in the window; see :attr:`keep_from`)."""
        local = pushed - self.dropped
        if local < 0:
            raise ValueError("those tokens were cut off the window")
        return self.window[local:]

    def truncate(self, pushed: int) -> None:
        """Forget the tokens pushed after the first ``pushed`` (roll back a lookahead; see :attr:`keep_from`),
        and that notes of theirs were returned: tokens pushed again may make notes at the same places."""
        local = pushed - self.dropped
        if local < 0:
            raise ValueError("cannot roll back past a cut")
        removed = self.window[local:]
        del self.window[local:]
        self.position -= float(self.advance[removed].sum()) if removed else 0.0
        self.pushed = pushed
        self._version += 1
        self._emitted = {key for key in self._emitted if key[1] * _EPS < self.position - _EPS}

    # -- decoding ------------------------------------------------------------------
    def notes(self) -> list[UnitNote]:
        """Every note of the window (notes still sounding end at :attr:`position`)."""
        if self._cache is None or self._cache[0] != self._version:
            self._cache = (self._version, self._decode(self.context + self.window, self.base))
        return self._cache[1]

    def _decode(self, ids: list[int], base: float) -> list[UnitNote]:
        if not ids:
            return []
        seq = self.encoding.decode(np.asarray(ids, dtype=np.int64), template=self.template)
        n = seq.notes
        starts = base + np.rint(self._to_units(n["start"]) / _EPS) * _EPS
        ends = base + np.rint(self._to_units(n["end"]) / _EPS) * _EPS
        return [UnitNote(int(p), int(v), float(s), float(e), int(g), bool(d), int(t))
                for p, v, s, e, g, d, t in zip(n["pitch"], n["velocity"], starts, ends, n["program"], n["is_drum"],
                                                n["track"])]

    def final_notes(self, until: float | None = None, max_length: float | None = None) -> list[UnitNote]:
        """Notes not returned before that have ended (or, with ``max_length``, sounded that long), by start.

        ``until`` limits them to notes starting before it. A note cut at ``max_length`` is returned
        with that length and never again.
        """
        found = []
        notes = self.notes()
        for note in notes:
            key = (note.pitch, round(note.start / _EPS))
            if key in self._emitted or note.start < self.emit_from - _EPS:
                continue
            if until is not None and note.start >= until - _EPS:
                continue
            ended = note.end < self.position - _EPS
            if not ended and (max_length is None or self.position - note.start < max_length - _EPS):
                continue
            if max_length is not None and note.end - note.start > max_length:
                note = UnitNote(note.pitch, note.velocity, note.start, note.start + max_length, note.program,
                                note.is_drum, note.track)
            self._emitted.add(key)
            found.append(note)
        if self._since_cut >= self.cut_every:
            self._try_cut(notes)
        found.sort(key=lambda n: (n.start, n.pitch))
        return found

    def pending(self, until: float) -> bool:
        """Whether a note starting before ``until`` (and not returned yet) is still sounding."""
        return any(n.end >= self.position - _EPS and (n.pitch, round(n.start / _EPS)) not in self._emitted
                   and self.emit_from - _EPS <= n.start < until - _EPS for n in self.notes())

    def rest(self) -> list[UnitNote]:
        """Every note not returned yet, the sounding ones ending where the tokens end."""
        notes = [n for n in self.notes() if (n.pitch, round(n.start / _EPS)) not in self._emitted
                 and n.start >= self.emit_from - _EPS]
        self._emitted.update((n.pitch, round(n.start / _EPS)) for n in notes)
        return sorted(notes, key=lambda n: (n.start, n.pitch))

    # -- cutting -------------------------------------------------------------------
    def _try_cut(self, notes: list[UnitNote]) -> None:
        self._since_cut = 0
        window = np.asarray(self.window, dtype=np.int64)
        ends_at = self.base + np.cumsum(self.advance[window])
        starts_at = np.concatenate([[self.base], ends_at[:-1]])
        boundary = np.concatenate([[True], self.advance[window[:-1]] > 0])
        # every note that may still be returned must start inside the new window; notes already
        # returned (or never to be) may span the cut: the check below proves nothing else changes
        waiting = [n for n in notes
                   if (n.pitch, round(n.start / _EPS)) not in self._emitted and n.start >= self.emit_from - _EPS]
        latest = min([n.start for n in waiting] + [self.position])
        allowed = boundary & (starts_at <= latest + _EPS) & (starts_at > self.base + _EPS)
        if self.keep_from is not None:
            allowed[max(self.keep_from - self.dropped + 1, 0):] = False
        candidates = np.flatnonzero(allowed)
        for k in candidates[::-1][:4]:
            cut = float(starts_at[k])
            if any(n.start < cut - _EPS < cut + _EPS < n.end for n in waiting):
                continue
            context = self._context_before(int(k))
            kept = self._decode(context + self.window[k:], cut)
            expected = [n for n in notes if n.start >= cut - _EPS]
            if _same_notes(kept, expected):
                self.window = self.window[k:]
                self.dropped += int(k)
                self.context = context
                self.base = cut
                self._version += 1
                self._emitted = {key for key in self._emitted if key[1] * _EPS >= cut - _EPS}
                return

    def _context_before(self, k: int) -> list[int]:
        last: dict[str, int] = {}
        for token in self.context + self.window[:k]:
            kind = self._context_kind.get(token)
            if kind is not None:
                last[kind] = token
        return list(last.values())


def _same_notes(a: list[UnitNote], b: list[UnitNote]) -> bool:
    key = lambda n: (n.start, n.pitch)  # noqa: E731
    a, b = sorted(a, key=key), sorted(b, key=key)
    return len(a) == len(b) and all(
        x.pitch == y.pitch and x.velocity == y.velocity and abs(x.start - y.start) < 1e-4 and abs(x.end - y.end) < 1e-4
        for x, y in zip(a, b))
