"""Which bars of a piece to write anew, and how: a region, as the options of a take record it.

Bars are counted from 1, as a ruler shows them, on the piece's own meter map. A region
``[start_bar, end_bar)`` on some tracks is *filled*: new music for those bars that follows
what comes before and leads into what comes after, which are both kept. Without
``end_bar`` the piece is *continued from* ``start_bar``: what followed on those tracks is
dropped and the options' length says how much is written. Continuing the end of a piece is
the plain continuation (no region at all).

How a fill is chosen among ``candidates`` sampled together (see
:mod:`rnnmusic.engine.region_fill`):

- ``"sir"``: sampling-importance-resampling; each candidate is weighted by the likelihood
  the model gives the real bars after the region once it has played the candidate, and the
  takes are drawn by those weights (a draw from the model's idea of music that fits both
  sides);
- ``"best"``: the candidates whose following bars are most likely;
- ``"first"``: no lookahead: the first candidates as sampled (a plain continuation that
  ignores what follows; the baseline of the evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnnmusic.errors import ConfigError

METHODS = ("sir", "best", "first")
DEFAULT_METHOD = "sir"
#: fills sampled per region: 32 keep a 4-bar fill of the shipped models under half a second on one
#: core (benchmarks/region_fill.py) and give the weighting enough to choose from (docs/benchmarks.md)
DEFAULT_CANDIDATES = 32
#: bars after the region whose likelihood weights a candidate
DEFAULT_LOOKAHEAD_BARS = 4
MAX_CANDIDATES = 1024


@dataclass(frozen=True)
class RegionSpec:
    """Bars ``[start_bar, end_bar)`` (from 1) of ``tracks`` (None: every track the model reads)."""

    start_bar: int
    end_bar: int | None = None
    tracks: tuple[int, ...] | None = None
    method: str = DEFAULT_METHOD
    candidates: int = DEFAULT_CANDIDATES
    lookahead_bars: int = DEFAULT_LOOKAHEAD_BARS

    def __post_init__(self) -> None:
        if not _whole(self.start_bar) or self.start_bar < 1:
            raise ConfigError(f"region: the first bar must be a bar number from 1, not {self.start_bar!r}")
        if self.end_bar is not None:
            if not _whole(self.end_bar):
                raise ConfigError(f"region: the last bar must be a bar number, not {self.end_bar!r}")
            if self.end_bar <= self.start_bar:
                raise ConfigError(f"region: bars {self.describe_bars()} are empty or reversed "
                                  "(give the first bar, then the last, e.g. 5-8)")
        if self.tracks is not None:
            tracks = tuple(self.tracks)
            if not tracks or not all(_whole(t) and t >= 0 for t in tracks):
                raise ConfigError(f"region: tracks must be track numbers from 0, not {self.tracks!r}")
            object.__setattr__(self, "tracks", tuple(sorted(set(tracks))))
        if self.method not in METHODS:
            raise ConfigError(f"region: method {self.method!r} is not one of {', '.join(METHODS)}")
        if not _whole(self.candidates) or not 1 <= self.candidates <= MAX_CANDIDATES:
            raise ConfigError(f"region: candidates must be a whole number from 1 to {MAX_CANDIDATES}, "
                              f"not {self.candidates!r}")
        if not _whole(self.lookahead_bars) or self.lookahead_bars < 1:
            raise ConfigError(f"region: lookahead bars must be a whole number from 1, not {self.lookahead_bars!r}")

    @property
    def is_fill(self) -> bool:
        """True when the music after the region is kept (and the fill must lead into it)."""
        return self.end_bar is not None

    def describe_bars(self) -> str:
        """The region as a musician reads it: "bars 5-8" (inclusive), "from bar 9"."""
        if self.end_bar is None:
            return f"from bar {self.start_bar}"
        last = self.end_bar - 1
        return f"bar {self.start_bar}" if last == self.start_bar else f"bars {self.start_bar}-{last}"

    def to_dict(self) -> dict[str, Any]:
        return {"start_bar": self.start_bar, "end_bar": self.end_bar,
                "tracks": None if self.tracks is None else list(self.tracks), "method": self.method,
                "candidates": self.candidates, "lookahead_bars": self.lookahead_bars}

    @classmethod
    def from_dict(cls, data: Any) -> RegionSpec:
        if not isinstance(data, dict):
            raise ConfigError(f"region must be a mapping, not {type(data).__name__}")
        known = {"start_bar", "end_bar", "tracks", "method", "candidates", "lookahead_bars"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"region: unknown field(s): {', '.join(unknown)}")
        if "start_bar" not in data:
            raise ConfigError("region: the first bar (start_bar) is missing")
        values = dict(data)
        if values.get("tracks") is not None:
            values["tracks"] = tuple(values["tracks"])
        return cls(**values)


def parse_bars(text: str) -> tuple[int, int]:
    """"5-8" (bars 5 to 8, inclusive) or "6" (bar 6 alone) as ``(start_bar, end_bar)``, end exclusive."""
    parts = text.strip().split("-")
    try:
        if len(parts) == 1:
            first = last = int(parts[0])
        elif len(parts) == 2:
            first, last = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise ConfigError(f"region {text!r}: give bars as FIRST-LAST (e.g. 5-8) or one bar (e.g. 6)") from None
    if first < 1:
        raise ConfigError(f"region {text!r}: bars are counted from 1")
    if last < first:
        raise ConfigError(f"region {text!r} is reversed: give the first bar, then the last (e.g. {last}-{first})")
    return first, last + 1


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
