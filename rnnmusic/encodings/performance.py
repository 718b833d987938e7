"""Performance: note-on, note-off, time-shift and velocity events, as in Magenta's PerformanceRNN.

Tokens (after bos), in id order: ``note_on:0..127``, ``note_off:0..127``,
``time_shift:1..max_shift_steps`` (each step ``time_shift_ms``; by default 10 ms up to 1 s)
and ``velocity:1..num_velocity_bins``; 1 + 128 + 128 + 100 + 32 = 389 tokens with bos by
default. There is no grid: times are absolute, in multiples of ``time_shift_ms``, so
expressive timing survives and the tempo map only rides along.

Encoding (what :meth:`PerformanceEncoding.normalize` shows):

- Notes are encoded as they sound: a note released while its track's sustain pedal (CC 64)
  is down sounds on until the pedal comes up or its pitch is struck again
  (:func:`rnnmusic.transforms.apply_sustain`, as Magenta's PerformanceRNN prepares piano
  performances). Note-offs are the one place a token stream holds how long a note sounds,
  and in pedalled piano playing the key's release is not it. The grid encodings keep the
  notes as written: their lengths are note values, which a pedal does not change.
- Start and end times round to the nearest multiple of ``time_shift_ms``. A note whose
  rounded start and end coincide (it lasts less than one shift step) is dropped as
  ``too_short``; drum notes are dropped as ``drums`` (pitches of channel 10 are not notes);
  a note that starts before time 0 as ``negative_time``.
- Velocity bins have width ``ceil(127 / num_velocity_bins)`` (4 for 32 bins): bin b holds
  velocities ``(b-1)*width + 1 .. b*width``; a decoded note plays at the upper edge of its
  bin, ``min(b*width, 127)`` (so 127 survives; 100 becomes 100, 101 becomes 104).
  Velocity 0 counts as 1.
- Same-pitch rule (all tracks merge): notes of one pitch with the same rounded onset
  collapse into the longest (the others count as ``duplicate``); otherwise a pitch sounds
  over the union of its notes and every onset starts a new note, ending the one before.
- Events at one time: all note-offs (ascending pitch), then the note-ons (ascending pitch),
  each preceded by ``velocity:b`` when its bin differs from the previous note-on's (always
  before the first). A gap longer than the largest shift becomes several shifts: full ones
  of ``max_shift_steps``, then the remainder.

Grammar (follow table): ``velocity`` must be followed by a ``note_on``; a ``time_shift``
shorter than the largest may not be followed by another ``time_shift`` (a gap has one
spelling); a sequence may not start with ``note_off``.

Decoding is lenient: a ``note_on`` of a sounding pitch ends that note and starts a new one;
a ``note_off`` of a silent pitch is ignored; a note-on before any velocity token plays at the
decoded value of velocity 64's bin; notes of zero length are left out; notes still sounding at
the end end there. Decoded notes take the program and track of the template's first non-drum
track, else program 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnmusic.encodings.base import EncodeReport, Encoding, EncodingConfig, Token
from rnnmusic.encodings.checks import as_ids, check_int, check_length
from rnnmusic.encodings.note_rules import DropCounter, dedupe_onsets, resolve_same_pitch
from rnnmusic.encodings.ragged import ragged_arange
from rnnmusic.encodings.template import build_sequence, template_voice
from rnnmusic.notes import NoteSequence
from rnnmusic.transforms import apply_sustain

NOTE_ON_BASE = 1
NOTE_OFF_BASE = 129
SHIFT_BASE = 257
#: the velocity a note-on plays at when no velocity token came before it
DEFAULT_VELOCITY = 64


@dataclass(frozen=True)
class PerformanceConfig(EncodingConfig):
    num_velocity_bins: int = 32
    time_shift_ms: int = 10
    max_shift_steps: int = 100

    def __post_init__(self) -> None:
        check_int(self, "num_velocity_bins", 1, 127)
        check_int(self, "time_shift_ms", 1, 1000)
        check_int(self, "max_shift_steps", 1, 10_000)


class PerformanceEncoding(Encoding):
    """Note-on/off, time-shift and velocity events (see the module doc)."""

    name = "performance"
    config_class = PerformanceConfig
    uses_grid = False
    config: PerformanceConfig

    @property
    def _velocity_base(self) -> int:
        return SHIFT_BASE + self.config.max_shift_steps

    @property
    def bin_width(self) -> int:
        """How many MIDI velocities one velocity bin holds."""
        return math.ceil(127 / self.config.num_velocity_bins)

    def velocity_bin(self, velocity) -> np.ndarray:
        """MIDI velocity (1..127; 0 counts as 1) to its bin 1..num_velocity_bins."""
        v = np.clip(np.asarray(velocity, dtype=np.int64), 1, 127)
        return (v - 1) // self.bin_width + 1

    def bin_velocity(self, velocity_bin) -> np.ndarray:
        """A bin's decoded MIDI velocity: its upper edge, at most 127."""
        return np.minimum(np.asarray(velocity_bin, dtype=np.int64) * self.bin_width, 127)

    def _seconds(self, ticks) -> np.ndarray:
        """Shift steps to seconds (one formula for encoder and decoder, so both agree exactly)."""
        return np.asarray(ticks, dtype=np.float64) * (self.config.time_shift_ms / 1000.0)

    # -- vocabulary ------------------------------------------------------------
    def _build_tokens(self) -> list[Token]:
        c = self.config
        return (
            [Token("note_on", p) for p in range(128)]
            + [Token("note_off", p) for p in range(128)]
            + [Token("time_shift", n) for n in range(1, c.max_shift_steps + 1)]
            + [Token("velocity", b) for b in range(1, c.num_velocity_bins + 1)]
        )

    def _build_follow_table(self) -> np.ndarray:
        v, m = self.vocab_size, self.config.max_shift_steps
        table = np.ones((v, v), dtype=bool)
        table[self._velocity_base :, :] = False
        table[self._velocity_base :, NOTE_ON_BASE : NOTE_ON_BASE + 128] = True
        table[SHIFT_BASE : SHIFT_BASE + m - 1, SHIFT_BASE : SHIFT_BASE + m] = False
        table[0, NOTE_OFF_BASE : NOTE_OFF_BASE + 128] = False
        return table

    def _token_pitch(self, token: Token) -> int:
        # note_off carries its pitch too, so that transposing a token window moves both ends of a note
        return token.value if token.kind in ("note_on", "note_off") else -1

    def _token_advance(self, token: Token) -> float:
        return token.value * self.config.time_shift_ms / 1000.0 if token.kind == "time_shift" else 0.0

    # -- the notes this encoding keeps ------------------------------------------
    def _notes(self, seq: NoteSequence):
        """(pitch, onset tick, end tick, velocity bin) of the kept notes, plus the drops."""
        drops = DropCounter()
        notes = apply_sustain(seq).notes
        drums = notes["is_drum"]
        drops.add("drums", drums.sum())
        notes = notes[~drums]
        scale = 1000.0 / self.config.time_shift_ms
        # the time shifts alone, before any array of times is made (and before a seed is padded to its end)
        check_length(seq, self.name, seq.total_time * scale / self.config.max_shift_steps, "time shifts")
        onset = np.rint(notes["start"] * scale + 1e-9).astype(np.int64)
        end = np.rint(notes["end"] * scale + 1e-9).astype(np.int64)
        negative = onset < 0
        too_short = (end <= onset) & ~negative
        drops.add("negative_time", negative.sum())
        drops.add("too_short", too_short.sum())
        keep = ~(too_short | negative)
        pitch, onset, end = notes["pitch"][keep].astype(np.int64), onset[keep], end[keep]
        vbin = self.velocity_bin(notes["velocity"][keep])
        unique = dedupe_onsets(pitch, onset, end)
        drops.add("duplicate", len(pitch) - len(unique))
        pitch, onset, end, vbin = pitch[unique], onset[unique], end[unique], vbin[unique]
        order, end = resolve_same_pitch(pitch, onset, end)
        return pitch[order], onset[order], end, vbin[order], drops.as_dict()

    def _to_sequence(self, pitch, onset, end, vbin, template: NoteSequence | None) -> NoteSequence:
        program, track = template_voice(template, is_drum=False)
        return build_sequence(
            template, pitch, self._seconds(onset), self._seconds(end), self.bin_velocity(vbin), program, track
        )

    # -- encode / decode -------------------------------------------------------
    def encode_report(self, seq: NoteSequence) -> EncodeReport:
        pitch, onset, end, vbin, dropped = self._notes(seq)
        n = len(pitch)
        # events: (time, kind 0 = off / 1 = on, pitch)
        time = np.concatenate([end, onset])
        kind = np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64)])
        event_pitch = np.concatenate([pitch, pitch])
        event_bin = np.concatenate([np.zeros(n, np.int64), vbin])
        order = np.lexsort((event_pitch, kind, time))
        time, kind, event_pitch, event_bin = time[order], kind[order], event_pitch[order], event_bin[order]

        is_on = kind == 1
        on_bins = event_bin[is_on]
        changed = np.ones(len(on_bins), dtype=bool)
        changed[1:] = on_bins[1:] != on_bins[:-1]
        needs_velocity = np.zeros(len(time), dtype=bool)
        needs_velocity[is_on] = changed

        m = self.config.max_shift_steps
        gap = np.diff(time, prepend=0)
        full, rest = gap // m, gap % m
        has_rest = rest > 0
        length = full + has_rest + needs_velocity + 1
        offset = np.cumsum(length) - length
        check_length(seq, self.name, float(length.sum()), "tokens")
        ids = np.empty(int(length.sum()), dtype=np.int32)
        ids[ragged_arange(offset, full)] = SHIFT_BASE + m - 1
        ids[(offset + full)[has_rest]] = SHIFT_BASE + rest[has_rest] - 1
        ids[(offset + length - 2)[needs_velocity]] = self._velocity_base + event_bin[needs_velocity] - 1
        ids[offset + length - 1] = np.where(is_on, NOTE_ON_BASE, NOTE_OFF_BASE) + event_pitch
        return EncodeReport(ids, dropped)

    def decode(self, ids, template: NoteSequence | None = None) -> NoteSequence:
        velocity_base = self._velocity_base
        now = 0
        velocity_bin = int(self.velocity_bin(DEFAULT_VELOCITY))
        sounding: dict[int, tuple[int, int]] = {}  # pitch -> (onset tick, velocity bin)
        out: list[tuple[int, int, int, int]] = []

        def close(p: int) -> None:
            start, b = sounding.pop(p)
            if now > start:
                out.append((p, start, now, b))

        for token in as_ids(ids, self.vocab_size):
            if token < NOTE_OFF_BASE:
                p = token - NOTE_ON_BASE
                if p in sounding:
                    close(p)
                sounding[p] = (now, velocity_bin)
            elif token < SHIFT_BASE:
                p = token - NOTE_OFF_BASE
                if p in sounding:
                    close(p)
            elif token < velocity_base:
                now += token - SHIFT_BASE + 1
            else:
                velocity_bin = token - velocity_base + 1
        for p in list(sounding):
            close(p)
        rows = np.array(out, dtype=np.int64).reshape(-1, 4)
        return self._to_sequence(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], template)

    def normalize(self, seq: NoteSequence) -> NoteSequence:
        pitch, onset, end, vbin, _ = self._notes(seq)
        return self._to_sequence(pitch, onset, end, vbin, seq)
