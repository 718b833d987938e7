"""GenerateOptions: every choice that shapes a take, validated once, saved with the take.

Options round-trip through a plain dict (``to_dict`` / ``from_dict``), which is how a
generated MIDI file records how it was made and how that take is reproduced.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from dataclasses import dataclass
from typing import Any

from rnnmusic.engine.region_spec import RegionSpec
from rnnmusic.errors import ConfigError
from rnnmusic.midi.names import key_name, parse_key

DEFAULT_BARS = 8.0
#: the repetition control's default for a model whose file names none (0 through-composed, 0.5 the model
#: as trained, 1 as repetitive as it can be); a shipped model carries its own, chosen with the musical
#: evaluation on its validation split (``rnnmusic.sampling`` in the file; docs/benchmarks.md)
DEFAULT_REPETITION = 0.5
#: sampling defaults, chosen the same way (the app, the command line and live play all start from them)
DEFAULT_TEMPERATURE = 1.0
DEFAULT_TOP_P: float | None = None
MAX_SEED = 2**63 - 1
#: rows sampled in one batch (variations times beams times branches): memory stays in megabytes
MAX_ROWS = 4096


def _number(name: str, value: Any, low: float, high: float = math.inf, integer: bool = False,
            low_open: bool = False) -> None:
    kind = "a whole number" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ConfigError(f"{name} must be {kind}, not {value!r}")
    if not math.isfinite(value) or value < low or (low_open and value == low) or value > high:
        bounds = f"> {low:g}" if low_open else f">= {low:g}"
        if high != math.inf:
            bounds += f" and <= {high:g}"
        raise ConfigError(f"{name} must be {bounds}, not {value!r}")


@dataclass(frozen=True)
class GenerateOptions:
    """How to continue a seed. Give at most one length (bars, steps or seconds); 8 bars when none.

    temperature 0 picks the most likely allowed token every time (greedy); top_k / top_p of None
    are off. key is None (no constraint), "auto" (estimated from the seed) or a key, kept as
    :func:`~rnnmusic.midi.names.key_name` spells it ("C major"; "C:major" is read too); pitch_range
    (lo, hi) in MIDI pitches inclusive; max_polyphony caps the notes of one step. num variations are
    sampled in one batched run; beam_size / branch_factor above 1 turn on beam search. seed None
    draws a fresh random seed (see :meth:`with_seed`). repetition (0..1) moves
    how often a model that reads the timeline repeats what it played one to eight bars earlier
    (0: never copies, 0.5: as it learned, 1: always when it can); None takes the model's own default
    (:meth:`for_model`); token-only models ignore it. region (a :class:`RegionSpec`) writes chosen bars
    anew instead of continuing the end (see :mod:`rnnmusic.engine.region_fill`); None continues the end.
    """

    bars: float | None = None
    steps: int | None = None
    seconds: float | None = None
    temperature: float = DEFAULT_TEMPERATURE
    top_k: int | None = None
    top_p: float | None = DEFAULT_TOP_P
    num: int = 1
    seed: int | None = None
    key: str | None = None
    pitch_range: tuple[int, int] | None = None
    max_polyphony: int | None = None
    beam_size: int = 1
    branch_factor: int = 1
    continuation_only: bool = False
    repetition: float | None = None
    region: RegionSpec | None = None

    def __post_init__(self) -> None:
        lengths = [n for n in ("bars", "steps", "seconds") if getattr(self, n) is not None]
        if len(lengths) > 1:
            raise ConfigError(f"give one length, not {' and '.join(lengths)}")
        if self.bars is not None:
            _number("bars", self.bars, 0, 10_000, low_open=True)
        if self.steps is not None:
            _number("steps", self.steps, 1, 1_000_000, integer=True)
        if self.seconds is not None:
            _number("seconds", self.seconds, 0, 36_000, low_open=True)
        _number("temperature", self.temperature, 0, 100)
        if self.repetition is not None:
            _number("repetition", self.repetition, 0, 1)
        if self.top_k is not None:
            _number("top_k", self.top_k, 1, integer=True)
        if self.top_p is not None:
            _number("top_p", self.top_p, 0, 1, low_open=True)
        _number("num", self.num, 1, 1024, integer=True)
        if self.seed is not None:
            _number("seed", self.seed, 0, MAX_SEED, integer=True)
        if self.key is not None and self.key != "auto":
            object.__setattr__(self, "key", key_name(*parse_key(self.key)))
        if self.pitch_range is not None:
            try:
                lo, hi = self.pitch_range
            except (TypeError, ValueError):
                raise ConfigError(f"pitch_range must be (lowest, highest), not {self.pitch_range!r}") from None
            _number("pitch_range low", lo, 0, 127, integer=True)
            _number("pitch_range high", hi, 0, 127, integer=True)
            if lo > hi:
                raise ConfigError(f"pitch_range: lowest pitch {lo} is above highest {hi}")
            object.__setattr__(self, "pitch_range", (lo, hi))
        if self.max_polyphony is not None:
            _number("max_polyphony", self.max_polyphony, 1, 128, integer=True)
        _number("beam_size", self.beam_size, 1, 64, integer=True)
        _number("branch_factor", self.branch_factor, 1, 64, integer=True)
        rows = self.num * self.beam_size * self.branch_factor
        if rows > MAX_ROWS:
            raise ConfigError(
                f"num x beam_size x branch_factor is {rows} rows sampled together; the most is {MAX_ROWS}")
        if self.region is not None and not isinstance(self.region, RegionSpec):
            raise ConfigError(f"region must be a RegionSpec, not {type(self.region).__name__}")
        if not isinstance(self.continuation_only, bool):
            raise ConfigError(f"continuation_only must be true or false, not {self.continuation_only!r}")

    @property
    def length(self) -> tuple[str, float]:
        """("bars" | "steps" | "seconds", amount); 8 bars when no length was given."""
        for name in ("bars", "steps", "seconds"):
            if getattr(self, name) is not None:
                return name, float(getattr(self, name))
        return "bars", DEFAULT_BARS

    @property
    def uses_beam(self) -> bool:
        return self.beam_size > 1 or self.branch_factor > 1

    def replace(self, **changes: Any) -> GenerateOptions:
        """A validated copy with some options changed (unknown names are refused)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown option(s): {', '.join(unknown)}")
        if any(n in changes for n in ("bars", "steps", "seconds")):
            cleared = {n: None for n in ("bars", "steps", "seconds") if n not in changes}
            changes = {**cleared, **changes}
        return dataclasses.replace(self, **changes)

    def for_model(self, sampling: dict[str, Any]) -> GenerateOptions:
        """These options with what was left to the model filled in: its file's ``sampling`` defaults,
        else the global ones (a take records the values it was made with, so it replays exactly)."""
        if self.repetition is not None:
            return self
        return dataclasses.replace(self, repetition=float(sampling.get("repetition", DEFAULT_REPETITION)))

    def with_seed(self) -> GenerateOptions:
        """These options with a concrete random seed, drawn now when none was given (so a take can be replayed)."""
        return self if self.seed is not None else dataclasses.replace(self, seed=secrets.randbelow(2**31))

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if self.pitch_range is not None:
            data["pitch_range"] = list(self.pitch_range)
        # a take without a region records no region key, so records (and take hashes) made before
        # regions existed stay what they were
        del data["region"]
        if self.region is not None:
            data["region"] = self.region.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerateOptions:
        """Options from :meth:`to_dict` (unknown keys refused, so a newer file is not half-read)."""
        if not isinstance(data, dict):
            raise ConfigError(f"options must be a mapping, not {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown option(s): {', '.join(unknown)}")
        values = dict(data)
        if values.get("pitch_range") is not None:
            values["pitch_range"] = tuple(values["pitch_range"])
        if values.get("region") is not None:
            values["region"] = RegionSpec.from_dict(values["region"])
        return cls(**values)
