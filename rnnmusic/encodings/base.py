"""What every encoding (tokenizer) provides.

An encoding turns a NoteSequence into token ids and back. Its vocabulary says
what every token means, and its follow table says which token may follow which:
training applies it to the loss and the sampler uses it as a mask, so generated
token sequences are always valid. Encodings hold no randomness.

Token id 0 is always ``bos`` (start of sequence): a model reads it first, so the
first real token is predicted from the model's initial state like every other.
"""

from __future__ import annotations

import dataclasses
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from rnnmusic.errors import EncodingError
from rnnmusic.notes import NoteSequence

BOS_ID = 0


@dataclass(frozen=True)
class Token:
    """The meaning of one token: a kind ("note_on", "hold", "step_end", ...) and a value (pitch, steps, ...)."""

    kind: str
    value: int = 0

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class EncodeReport:
    """Token ids plus what could not be represented: dropped notes counted by reason."""

    ids: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


@dataclass(frozen=True)
class EncodingConfig:
    """Base of each encoding's config: a frozen dataclass that round-trips through JSON."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EncodingError(f"unknown {cls.__name__} option(s): {', '.join(unknown)}")
        return cls(**data)


class Encoding(ABC):
    """Base class: subclasses set ``name`` and ``config_class`` and implement the abstract methods."""

    name: ClassVar[str]
    config_class: ClassVar[type[EncodingConfig]]
    #: True when the encoding works on a step grid (time advance in steps), False for seconds
    uses_grid: ClassVar[bool] = True

    def __init__(self, config: EncodingConfig | None = None):
        self.config = config if config is not None else self.config_class()
        if not isinstance(self.config, self.config_class):
            raise EncodingError(f"{self.name} encoding needs a {self.config_class.__name__}")

    # -- vocabulary ----------------------------------------------------------
    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        """The meaning of every id; index 0 is bos."""
        tokens = (Token("bos"),) + tuple(self._build_tokens())
        return tokens

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    @cached_property
    def token_ids(self) -> dict[Token, int]:
        return {token: i for i, token in enumerate(self.tokens)}

    @cached_property
    def pitch_of(self) -> np.ndarray:
        """Per token, the MIDI pitch it starts or holds, or -1 (used by key, range and polyphony masks)."""
        return np.array([self._token_pitch(t) for t in self.tokens], dtype=np.int16)

    @cached_property
    def time_advance(self) -> np.ndarray:
        """Per token, how far it moves time: steps when ``uses_grid``, else seconds."""
        return np.array([self._token_advance(t) for t in self.tokens], dtype=np.float64)

    @cached_property
    def follow_table(self) -> np.ndarray:
        """Boolean (vocab, vocab): ``follow_table[a, b]`` is True when token b may follow token a.

        Row 0 (bos) says which tokens may start a sequence; no token may be followed by bos.
        """
        table = np.asarray(self._build_follow_table(), dtype=bool)
        if table.shape != (self.vocab_size, self.vocab_size):
            raise AssertionError(f"{self.name}: follow table has shape {table.shape}")
        table[:, BOS_ID] = False
        table.flags.writeable = False
        return table

    def is_valid(self, ids) -> bool:
        """True when every consecutive pair (starting from bos) is allowed by the follow table."""
        seq = np.concatenate([[BOS_ID], np.asarray(ids, dtype=np.int64)])
        if len(seq) and (seq.min() < 0 or seq.max() >= self.vocab_size):
            return False
        return bool(np.all(self.follow_table[seq[:-1], seq[1:]]))

    # -- config --------------------------------------------------------------
    def config_json(self) -> str:
        return json.dumps({"name": self.name, "config": self.config.to_dict()}, sort_keys=True)

    def describe(self) -> str:
        return f"{self.name} ({self.vocab_size} tokens)"

    # -- encode / decode -----------------------------------------------------
    def encode(self, seq: NoteSequence) -> np.ndarray:
        """Token ids (int32, without the leading bos)."""
        return self.encode_report(seq).ids

    @abstractmethod
    def encode_report(self, seq: NoteSequence) -> EncodeReport:
        """Token ids plus the notes dropped because the encoding cannot represent them."""

    @abstractmethod
    def decode(self, ids, template: NoteSequence | None = None) -> NoteSequence:
        """Token ids (with or without a leading bos) back to notes.

        ``template`` lends its tempo map, meters, keys, program and source so that a
        continuation decodes onto its seed's grid; without one, 120 qpm in 4/4.
        """

    @abstractmethod
    def normalize(self, seq: NoteSequence) -> NoteSequence:
        """What the encoding keeps of ``seq``: its own quantisation, with unrepresentable notes dropped.

        The round-trip law every encoding obeys: decode(encode(x), template=x) has the same
        music as normalize(x).
        """

    # -- for subclasses ------------------------------------------------------
    @abstractmethod
    def _build_tokens(self) -> list[Token]:
        """Every token but bos, in id order."""

    @abstractmethod
    def _build_follow_table(self) -> np.ndarray:
        """The follow table (see :attr:`follow_table`)."""

    def _token_pitch(self, token: Token) -> int:
        return -1

    def _token_advance(self, token: Token) -> float:
        return 0.0
