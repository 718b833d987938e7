"""Drums: the nine-class drum kit of Magenta's DrumsRNN, one token per step.

Each step is one token ``drums:m`` whose value m (0..511) is the bitmask of the classes hit
in that step (bit i = class i of :data:`DRUM_CLASSES`; m = 0 is a step with no hit), so
there are 1 + 512 = 513 tokens with bos. Any token may follow any other.

Only drum notes (``is_drum``, MIDI channel 10) count: others are dropped as ``not_drums``;
drum pitches without a class (effects such as whistles, cuica, vibraslap, metronome clicks)
as ``unmapped_pitch``. Only onsets matter: a hit's onset rounds to the nearest step of a grid
that follows the tempo map, and its duration is ignored, so no drum note is too short. Two
hits of one class in one step are one hit (the other counts as ``duplicate``); a hit
before time 0 is dropped as ``negative_time``.

Decoded hits use one canonical pitch per class (:data:`CANONICAL_PITCHES`), last one step,
play at the config's ``velocity`` and are drum notes with the program and track of the
template's first drum track (else program 0, track 0).

The pitch-to-class table (:data:`PITCH_CLASSES`) follows the General MIDI percussion map
(35..81) plus a few General MIDI 2 additions, each pitch by its musical role in a kit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnmusic.encodings._steps import checked_grid, grid_of
from rnnmusic.encodings.base import EncodeReport, Encoding, EncodingConfig, Token
from rnnmusic.encodings.checks import as_ids, check_int
from rnnmusic.encodings.note_rules import DropCounter
from rnnmusic.encodings.template import build_sequence, template_voice
from rnnmusic.notes import NoteSequence

DRUM_CLASSES = (
    "kick",
    "snare",
    "closed_hihat",
    "open_hihat",
    "low_tom",
    "mid_tom",
    "high_tom",
    "crash",
    "ride",
)
KICK, SNARE, CLOSED_HH, OPEN_HH, LOW_TOM, MID_TOM, HIGH_TOM, CRASH, RIDE = range(len(DRUM_CLASSES))

#: the pitch a decoded hit of each class gets (General MIDI)
CANONICAL_PITCHES = (36, 38, 42, 46, 45, 48, 50, 49, 51)

#: General MIDI percussion pitch -> drum class (pitches not listed are unmapped)
PITCH_CLASSES: dict[int, int] = {
    # General MIDI 2 additions below 35
    28: SNARE,  # slap
    31: SNARE,  # sticks
    # General MIDI percussion map
    35: KICK,  # acoustic bass drum
    36: KICK,  # bass drum 1
    37: SNARE,  # side stick
    38: SNARE,  # acoustic snare
    39: SNARE,  # hand clap (backbeat)
    40: SNARE,  # electric snare
    41: LOW_TOM,  # low floor tom
    42: CLOSED_HH,  # closed hi-hat
    43: LOW_TOM,  # high floor tom
    44: CLOSED_HH,  # pedal hi-hat
    45: LOW_TOM,  # low tom
    46: OPEN_HH,  # open hi-hat
    47: MID_TOM,  # low-mid tom
    48: MID_TOM,  # hi-mid tom
    49: CRASH,  # crash cymbal 1
    50: HIGH_TOM,  # high tom
    51: RIDE,  # ride cymbal 1
    52: CRASH,  # chinese cymbal
    53: RIDE,  # ride bell
    54: CLOSED_HH,  # tambourine (time-keeping, like a closed hi-hat)
    55: CRASH,  # splash cymbal
    56: RIDE,  # cowbell (a bell pattern, like a ride)
    57: CRASH,  # crash cymbal 2
    59: RIDE,  # ride cymbal 2
    60: HIGH_TOM,  # hi bongo
    61: MID_TOM,  # low bongo
    62: HIGH_TOM,  # mute hi conga
    63: MID_TOM,  # open hi conga
    64: LOW_TOM,  # low conga
    65: SNARE,  # high timbale (stick-played shell, snare-like)
    66: SNARE,  # low timbale
    67: RIDE,  # high agogo (bell)
    68: RIDE,  # low agogo (bell)
    69: CLOSED_HH,  # cabasa (shaker)
    70: CLOSED_HH,  # maracas (shaker)
    73: CLOSED_HH,  # short guiro
    74: OPEN_HH,  # long guiro
    75: SNARE,  # claves (like a side stick)
    76: HIGH_TOM,  # hi wood block
    77: MID_TOM,  # low wood block
    80: CLOSED_HH,  # mute triangle
    81: OPEN_HH,  # open triangle
    # General MIDI 2 additions above 81
    82: CLOSED_HH,  # shaker
    86: LOW_TOM,  # mute surdo
    87: LOW_TOM,  # open surdo
}
# unmapped on purpose: 58 vibraslap, 71/72 whistles, 78/79 cuica, and the GM2 effects
# 27 high Q, 29/30 scratch, 32/33/34 clicks and metronome, 83 jingle bell, 84 bell tree,
# 85 castanets

_CLASS_OF = np.full(128, -1, dtype=np.int64)
for _pitch, _cls in PITCH_CLASSES.items():
    _CLASS_OF[_pitch] = _cls
NUM_MASKS = 1 << len(DRUM_CLASSES)


@dataclass(frozen=True)
class DrumsConfig(EncodingConfig):
    """``velocity``: of decoded hits."""

    steps_per_quarter: int = 4
    velocity: int = 80

    def __post_init__(self) -> None:
        check_int(self, "steps_per_quarter", 1, 96)
        check_int(self, "velocity", 1, 127)


class DrumsEncoding(Encoding):
    """One token per step: the bitmask of the drum classes hit (see the module doc)."""

    name = "drums"
    config_class = DrumsConfig
    uses_grid = True
    config: DrumsConfig

    # -- vocabulary ------------------------------------------------------------
    def _build_tokens(self) -> list[Token]:
        return [Token("drums", mask) for mask in range(NUM_MASKS)]

    def _build_follow_table(self) -> np.ndarray:
        return np.ones((self.vocab_size, self.vocab_size), dtype=bool)

    def _token_advance(self, token: Token) -> float:
        return 0.0 if token.kind == "bos" else 1.0

    @staticmethod
    def classes_of_token(token: Token) -> list[str]:
        """The names of the drum classes a ``drums:m`` token hits."""
        return [name for i, name in enumerate(DRUM_CLASSES) if token.value >> i & 1]

    # -- steps -----------------------------------------------------------------
    def _masks(self, seq: NoteSequence) -> tuple[np.ndarray, dict[str, int]]:
        drops = DropCounter()
        notes = seq.notes
        pitched = ~notes["is_drum"]
        drops.add("not_drums", pitched.sum())
        notes = notes[~pitched]
        cls = _CLASS_OF[notes["pitch"].astype(np.int64) & 0x7F]
        unmapped = cls < 0
        drops.add("unmapped_pitch", unmapped.sum())
        cls = cls[~unmapped]
        step = checked_grid(seq, self.config.steps_per_quarter, self.name).quantize(notes["start"][~unmapped])
        negative = step < 0
        drops.add("negative_time", negative.sum())
        step, cls = step[~negative], cls[~negative]
        total = int(step.max()) + 1 if len(step) else 0
        hits = np.unique(step * len(DRUM_CLASSES) + cls)
        drops.add("duplicate", len(step) - len(hits))
        masks = np.zeros(total, dtype=np.int64)
        np.bitwise_or.at(masks, hits // len(DRUM_CLASSES), 1 << (hits % len(DRUM_CLASSES)))
        return masks, drops.as_dict()

    def _masks_to_sequence(self, masks: np.ndarray, template: NoteSequence | None) -> NoteSequence:
        bits = (masks[:, None] >> np.arange(len(DRUM_CLASSES))[None, :]) & 1
        step, cls = np.nonzero(bits)
        grid = grid_of(template, self.config.steps_per_quarter)
        program, track = template_voice(template, is_drum=True)
        return build_sequence(
            template,
            np.asarray(CANONICAL_PITCHES)[cls],
            grid.to_seconds(step),
            grid.to_seconds(step + 1),
            self.config.velocity,
            program,
            track,
            is_drum=True,
        )

    # -- encode / decode -------------------------------------------------------
    def encode_report(self, seq: NoteSequence) -> EncodeReport:
        masks, dropped = self._masks(seq)
        return EncodeReport((masks + 1).astype(np.int32), dropped)

    def decode(self, ids, template: NoteSequence | None = None) -> NoteSequence:
        masks = np.asarray(as_ids(ids, self.vocab_size), dtype=np.int64) - 1
        return self._masks_to_sequence(masks, template)

    def normalize(self, seq: NoteSequence) -> NoteSequence:
        masks, _ = self._masks(seq)
        return self._masks_to_sequence(masks, seq)
